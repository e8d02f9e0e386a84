/**
 * Processors started by a test and stopped by its `afterEach`, whatever the test's outcome; their
 * run promises stay observable without unhandled rejections.
 */
import type { Processor } from '@goka-ts/core';

/** A processor {@link start} started. */
export interface RunningProcessor<P = Processor> {
  readonly processor: P;
  /** The run() promise; `outcome` never rejects. */
  readonly done: Promise<void>;
  readonly outcome: Promise<{ error?: unknown }>;
  /** Set once run() ended: `{}` after a stop, `{ error }` after a failure. */
  readonly ended: { error?: unknown } | undefined;
  stop(): Promise<void>;
}

/**
 * Throws (ending a `waitFor` at once) when any of the processors ended, naming its error:
 * lets multi-instance tests fail with the cause instead of a timeout.
 */
export function assertAlive(...runs: RunningProcessor<unknown>[]): true {
  for (const run of runs) {
    if (run.ended) {
      const error = new Error(`a processor ended while the test expected it running: ${run.ended.error instanceof Error ? run.ended.error.stack : String(run.ended.error ?? 'stopped')}`);
      (error as Error & { fatal?: boolean }).fatal = true;
      throw error;
    }
  }
  return true;
}

const started = new Set<RunningProcessor<{ stop(): Promise<void> }>>();

/**
 * Starts any processor and keeps its run promise observable without unhandled rejections. It is
 * remembered until {@link stopStarted} (call it in `afterEach`, so a failing test leaves nothing running).
 */
export function start<P extends { run(signal?: AbortSignal): Promise<void>; stop(): Promise<void> }>(processor: P, signal?: AbortSignal): RunningProcessor<P> {
  const done = processor.run(signal);
  const outcome = done.then(
    () => ({}),
    (error: unknown) => ({ error }),
  );
  const running: { -readonly [K in keyof RunningProcessor<P>]: RunningProcessor<P>[K] } = { processor, done, outcome, ended: undefined, stop: () => processor.stop() };
  void outcome.then((result) => (running.ended = result));
  started.add(running);
  return running;
}

/** Stops every processor {@link start} started and waits for their runs to end. */
export async function stopStarted(): Promise<void> {
  const all = [...started];
  started.clear();
  await Promise.all(all.map(async (r) => {
    await r.stop();
    await r.outcome;
  }));
}
