/**
 * Counts handled messages and keeps the time from the start of consumption to the last counted
 * message, resolving {@link done} once the expected number was counted. The clock starts at
 * {@link start}: when the consumer got its partitions (group joins and connection setup are not
 * measured). It must start before the first fetch: clients decode a whole fetch response before
 * handing out its first batch, and one response may hold most of a benchmark's messages.
 */
export class Meter {
  count = 0;
  private first = -1;
  private last = -1;
  private resolve!: () => void;
  private reject!: (err: unknown) => void;
  private finished = false;
  readonly done: Promise<void>;

  constructor(readonly expected: number) {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // A failure may come before anyone awaits done.
    this.done.catch(() => undefined);
  }

  /** Consumption starts (partitions assigned): starts the clock unless it runs already. */
  start(): void {
    if (this.first < 0) this.first = performance.now();
  }

  /** `n` more messages were handled. */
  add(n: number): void {
    if (this.first < 0) this.first = performance.now();
    this.count += n;
    if (this.count >= this.expected && !this.finished) {
      this.last = performance.now();
      this.finished = true;
      this.resolve();
    }
  }

  fail(err: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.reject(err);
  }

  /** Milliseconds from {@link start} to the expected count. */
  get elapsedMs(): number {
    if (this.last < 0) throw new Error(`meter: only ${this.count} of ${this.expected} messages were counted`);
    return this.last - this.first;
  }

  /** `performance.now()` when the clock started, or -1. */
  get startedAt(): number {
    return this.first;
  }

  get rate(): number {
    return this.count / (this.elapsedMs / 1000);
  }

  /**
   * Waits for the expected count, failing with a message naming `what` after `timeoutMs` or when
   * `failure` rejects first.
   */
  async wait(what: string, timeoutMs: number, failure?: Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: timed out after ${timeoutMs} ms with ${this.count} of ${this.expected} messages`)), timeoutMs);
    });
    const failed = failure?.then(
      () => {
        throw new Error(`${what}: ended after ${this.count} of ${this.expected} messages`);
      },
      (err: unknown) => {
        throw new Error(`${what}: failed after ${this.count} of ${this.expected} messages: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      },
    );
    try {
      await Promise.race([this.done, timeout, ...(failed ? [failed] : [])]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Runs a full GC (node --expose-gc) so garbage of an earlier phase is not collected inside a timed one. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
