import { errorTree } from './errors';

/** How often to retry a failed request and how long to wait in between. */
export interface RetryPolicy {
  readonly retries: number;
  readonly delayMs: number;
}

/** platformatic's `retries` and `retryDelay` options as a {@link RetryPolicy} (its defaults: 3, 250 ms; the adapter's: 3, 500 ms). */
export function retryPolicyOf(retries: number | boolean | undefined, retryDelay: unknown): RetryPolicy {
  const count = typeof retries === 'number' ? Math.max(0, retries) : retries === false ? 0 : 3;
  return { retries: count, delayMs: typeof retryDelay === 'number' ? retryDelay : 500 };
}

/** platformatic's own verdict: retriable unless some error in the chain says it is not. */
export function isRetriable(err: unknown): boolean {
  return !errorTree(err).some((e) => (e as { canRetry?: unknown }).canRetry === false);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `operation`, retrying retriable failures by `policy`: for the calls of a platformatic
 * client created with `retries: 0` (the producer, which retries its produce requests per
 * partition instead) that should still retry as platformatic would.
 */
export async function retrying<T>(policy: RetryPolicy, operation: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (err) {
      if (attempt >= policy.retries || !isRetriable(err)) throw err;
      await sleep(policy.delayMs);
    }
  }
}
