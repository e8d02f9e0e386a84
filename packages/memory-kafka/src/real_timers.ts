/**
 * Wall-clock timers of the in-memory Kafka, captured when the module loads for the same reason as
 * in `scheduling.ts`: a test that installs jest's fake timers must not freeze transaction timeouts
 * or a wait for a transaction that its owner commits on its own (real) interval.
 */
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

/**
 * Calls `fn` after `ms` unless the returned function is called first. The timer is unref'd: a
 * transaction nobody finishes must not keep a test process alive.
 */
export function startBackgroundTimer(fn: () => void, ms: number): () => void {
  const timer = realSetTimeout(fn, ms);
  timer.unref();
  return () => realClearTimeout(timer);
}

/** Resolves after `ms` of wall-clock time; keeps the process alive meanwhile, as its caller awaits it. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    realSetTimeout(resolve, ms);
  });
}

const realPerformanceNow = performance.now.bind(performance);

/** Milliseconds of wall-clock time from an arbitrary origin, as `performance.now()` was before any fake timers. */
export function monotonicNow(): number {
  return realPerformanceNow();
}
