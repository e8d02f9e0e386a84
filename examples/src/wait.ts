/** Options of {@link waitFor}. */
export interface WaitOptions {
  /** Give up after this long (ms). Default 30 s: a real broker may need a rebalance or two. */
  readonly timeoutMs?: number;
  /** Time between checks (ms). */
  readonly intervalMs?: number;
}

/**
 * Polls `check` until it returns true. Examples use it to wait for state to arrive in a view, since
 * everything in a stream processing app is asynchronous.
 *
 * @throws Error naming `what` when the time is up, or the check's own error.
 */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, options: WaitOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 25;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
