import { randomBytes } from 'node:crypto';
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

/** A run's settings with their defaults: environment, where output goes, and whether `--serve` was given. */
export function mainSettings(options: MainOptions): { env: NodeJS.ProcessEnv; out: (line: string) => void; serve: boolean } {
  return {
    env: options.env ?? process.env,
    out: options.out ?? ((line: string) => console.log(line)),
    serve: (options.argv ?? []).includes('--serve'),
  };
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

/** An AbortSignal that fires on the first SIGINT or SIGTERM (the handlers are removed when it fires). */
export function signalOnTermination(): AbortSignal {
  const controller = new AbortController();
  const stop = () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
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
 * Runs an example's main from the command line: prints a failure and sets the exit code instead of
 * leaving an unhandled rejection. The process exits by itself once everything is closed.
 */
export function runMain(main: (options: MainOptions) => Promise<void>): void {
  main({ argv: process.argv.slice(2) }).catch((error: unknown) => {
    // The message (and its causes) says what went wrong; the stack only with GOKA_LOG_LEVEL=debug.
    if (process.env.GOKA_LOG_LEVEL === 'debug') console.error(error);
    else console.error(`error: ${describeError(error)}`);
    process.exitCode = 1;
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
