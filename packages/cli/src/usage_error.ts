/** A command line the CLI cannot run: wrong flag, missing argument. Exits with code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose `--help` explains the fix, e.g. `"topics ensure"`. */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
