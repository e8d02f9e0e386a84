/**
 * The waiting and naming helpers every real-broker test needs: exported so that adapter, storage and
 * integration tests share one copy instead of each keeping its own.
 */

let counter = 0;

/**
 * A name no other test, test file or parallel run uses (topics and groups outlive a test run on a
 * shared broker): `prefix`, the time, randomness and a per-process counter.
 */
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}-${counter}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface WaitForOptions {
  /** Pause between checks (ms). Default 20. */
  readonly intervalMs?: number;
  /** Added to the timeout error as JSON: the state that explains why the wait failed. */
  readonly detail?: () => unknown;
  /**
   * Keep polling when `check` throws (the error is named if the wait times out), except for errors
   * with `fatal: true`, which end the wait at once. Default: a throw ends the wait.
   */
  readonly retryErrors?: boolean;
}

/**
 * Polls `check` until it returns something other than `false` / `undefined` and resolves with that;
 * rejects naming `what` after `timeoutMs`.
 */
export async function waitFor<T>(what: string, check: () => T | false | undefined | Promise<T | false | undefined>, timeoutMs = 15_000, options: WaitForOptions = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const result = await check();
      if (result !== undefined && result !== false) return result;
    } catch (error) {
      if (!options.retryErrors || (error as { fatal?: boolean }).fatal) throw error;
      last = error;
    }
    if (Date.now() > deadline) {
      const state = options.detail ? `; state: ${JSON.stringify(options.detail())}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}${last ? `; last error: ${String(last)}` : ''}${state}`);
    }
    await sleep(options.intervalMs ?? 20);
  }
}

/** Rejects when `promise` takes longer than `ms`. */
export async function within<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
