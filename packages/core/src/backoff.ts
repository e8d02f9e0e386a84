/** Exponential backoff with jitter, and abortable waiting built on it. */

export interface BackoffOptions {
  /** First delay (ms). Default 100. */
  readonly initialMs?: number;
  /** Largest delay (ms). Default 10 000. */
  readonly maxMs?: number;
  /** Growth per attempt. Default 2. */
  readonly multiplier?: number;
  /**
   * Fraction of each delay that is randomised, in [0, 1]: the delay is drawn uniformly from
   * `[d * (1 - jitter), d]`. Spreads reconnect storms of many instances. Default 0.2.
   */
  readonly jitter?: number;
  /** Random source in [0, 1); tests inject a fixed one. */
  readonly random?: () => number;
}

/** Yields growing, jittered delays; {@link reset} after a success. */
export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly multiplier: number;
  private readonly jitter: number;
  private readonly random: () => number;
  private attemptCount = 0;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 100;
    this.maxMs = options.maxMs ?? 10_000;
    this.multiplier = options.multiplier ?? 2;
    this.jitter = options.jitter ?? 0.2;
    this.random = options.random ?? Math.random;
    if (!(this.initialMs >= 0) || !(this.maxMs >= this.initialMs)) {
      throw new RangeError(`backoff: need 0 <= initialMs <= maxMs, got initialMs=${this.initialMs} maxMs=${this.maxMs}`);
    }
    if (!(this.multiplier >= 1)) throw new RangeError(`backoff: multiplier must be >= 1, got ${this.multiplier}`);
    if (!(this.jitter >= 0 && this.jitter <= 1)) throw new RangeError(`backoff: jitter must be in [0, 1], got ${this.jitter}`);
  }

  /** Delays handed out since the last reset. */
  get attempts(): number {
    return this.attemptCount;
  }

  /** The next delay (ms). */
  next(): number {
    const exp = Math.min(this.maxMs, this.initialMs * Math.pow(this.multiplier, this.attemptCount));
    this.attemptCount++;
    return Math.round(exp * (1 - this.jitter * this.random()));
  }

  reset(): void {
    this.attemptCount = 0;
  }
}

/**
 * Waits `ms`, or less when `signal` aborts. Resolves `true` when the full time passed, `false` when
 * aborted (also when already aborted). Leaves no timer or listener behind either way.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryOptions extends BackoffOptions {
  /** Retries after the first attempt; default unlimited. */
  readonly retries?: number;
  /** Stops retrying: the pending wait ends at once and `retry` rejects with the abort reason. */
  readonly signal?: AbortSignal;
  /** Whether an error is worth another attempt; default every error. */
  readonly retryable?: (error: unknown) => boolean;
  /** Called before each wait, e.g. to log. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Calls `fn` until it resolves, waiting with exponential backoff between failures. Rejects with the
 * last error when retries run out or an error is not retryable, and with the signal's reason (an
 * `AbortError` by default) when aborted.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const backoff = new Backoff(options);
  const retries = options.retries ?? Infinity;
  for (let attempt = 0; ; attempt++) {
    throwIfAborted(options.signal);
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= retries || (options.retryable && !options.retryable(error))) throw error;
      const delay = backoff.next();
      options.onRetry?.(error, attempt + 1, delay);
      if (!(await sleep(delay, options.signal))) throwIfAborted(options.signal);
    }
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}
