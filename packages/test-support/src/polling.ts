import { waitFor as sharedWaitFor } from '@goka-ts/conformance';

/**
 * Polls `check` until it returns something other than `undefined` / `false`; fails after `timeoutMs`
 * naming `what`. A throwing check is polled again (a worker may not be up yet) unless its error is
 * `fatal` (see `assertAlive`).
 */
export function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  return sharedWaitFor(what, check, timeoutMs, { intervalMs, retryErrors: true });
}
