import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { ExampleClient } from './client';

/** What every example's `main` gets, so tests can run it in-process with their own settings. */
export interface MainOptions {
  readonly argv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Where the example prints its output. Default: stdout. */
  readonly out?: (line: string) => void;
  /** Stops a serving example (the command line passes SIGINT/SIGTERM through it). */
  readonly signal?: AbortSignal;
}

/** A wrong command line; {@link runMain} exits with 2 for it, as `@goka-ts/service` does for a bad flag. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * A run's settings with their defaults: environment, where output goes, and whether `--serve` was
 * given, the one flag of the examples that are not services.
 * @throws {UsageError} for any other argument, so a typo does not silently run something else.
 */
export function mainSettings(options: MainOptions): { env: NodeJS.ProcessEnv; out: (line: string) => void; serve: boolean } {
  let serve: boolean;
  try {
    serve = parseArgs({ args: [...(options.argv ?? [])], options: { serve: { type: 'boolean' } }, strict: true, allowPositionals: false }).values.serve === true;
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (the only flag is --serve)`);
  }
  return { ...outputSettings(options), serve };
}

/** Where a run reads its environment and prints, with their defaults; the command line is the caller's to read. */
export function outputSettings(options: MainOptions): { env: NodeJS.ProcessEnv; out: (line: string) => void } {
  return { env: options.env ?? process.env, out: options.out ?? ((line: string) => console.log(line)) };
}

/**
 * The topic prefix of a run: `TOPIC_PREFIX` when set; else, on a real broker, a fresh one per run, so
 * a demo starts from empty topics and never sees an earlier run's data (`stable` keeps a fixed name
 * instead, for apps whose state should survive restarts). The embedded Kafka is always empty.
 */
export function topicPrefix(kafka: Pick<ExampleClient, 'embedded'>, env: NodeJS.ProcessEnv, name: string, stable = false): string {
  if (env.TOPIC_PREFIX !== undefined) return env.TOPIC_PREFIX;
  if (kafka.embedded || stable) return `${name}-`;
  return `${name}-${randomBytes(4).toString('hex')}-`;
}

/**
 * An AbortSignal that fires on the first SIGINT or SIGTERM, which starts the graceful stop. A second
 * signal cuts that stop short as `@goka-ts/service` does: exit 1 at once, saying so. The handlers
 * stay for the process's life: it ends soon after the first signal anyway.
 */
export function signalOnTermination(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (!controller.signal.aborted) return controller.abort();
    console.error(`error: second ${name} while stopping (stop cut short)`);
    process.exit(1);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}

/** Resolves when the signal fires. */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/**
 * Runs an example's main from the command line: prints a failure and sets the exit code (2 for a
 * {@link UsageError}, 1 otherwise) instead of leaving an unhandled rejection. The process exits by
 * itself once everything is closed.
 */
export function runMain(main: (options: MainOptions) => Promise<void>): void {
  main({ argv: process.argv.slice(2) }).catch((error: unknown) => {
    // The message (and its causes) says what went wrong; the stack only with GOKA_LOG_LEVEL=debug.
    if (process.env.GOKA_LOG_LEVEL === 'debug') console.error(error);
    else console.error(`error: ${describeError(error)}`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  });
}

function describeError(error: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = error; e !== undefined && messages.length < 5; e = e instanceof Error ? e.cause : undefined) {
    const message = e instanceof Error ? e.message : String(e);
    if (!messages.some((m) => m.includes(message))) messages.push(message);
  }
  return messages.join('\n  caused by: ');
}
