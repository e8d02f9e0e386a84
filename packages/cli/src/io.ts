/** Where a command writes: results on `out` (stdout), progress and errors on `err` (stderr). */
export interface Io {
  /** Writes a line; `false` when the stream's buffer is full and the writer should await {@link drain}. */
  out(line: string): boolean;
  /** Resolves when stdout can take more. */
  drain(): Promise<void>;
  err(line: string): void;
  /** Rewrites the current stderr line (progress bars); only called when a bar is wanted. */
  errStatus(text: string): void;
  readonly errIsTty: boolean;
  /** Terminal width of stderr, for the progress bar. */
  readonly errColumns: number;
}

/** The process's own streams. */
export function processIo(): Io {
  return {
    out: (line) => process.stdout.write(line + '\n'),
    drain: () => new Promise((resolve) => process.stdout.once('drain', () => resolve())),
    err: (line) => void process.stderr.write(line + '\n'),
    errStatus: (text) => void process.stderr.write(`\r${text}\x1b[K`),
    errIsTty: process.stderr.isTTY === true,
    errColumns: process.stderr.columns ?? 80,
  };
}
