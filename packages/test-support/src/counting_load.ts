/**
 * Emits counter input and keeps books of what Kafka acknowledged per key, for at-least-once checks:
 * a table count may exceed the acknowledged emits of its key, never fall short of them.
 */
import { sleep } from '@goka-ts/conformance';
import type { Emitter } from '@goka-ts/core';

/** How {@link CountingLoad.emit} sends. */
export interface LoadOptions {
  /** Emits in flight at once (each chunk is awaited before the next). Default 500. */
  readonly chunk?: number;
  /** Pause between chunks (ms), to spread the load over time. Default 0. */
  readonly pauseMs?: number;
  /**
   * Re-emit failed sends (after `retryDelayMs`) until Kafka acknowledges them, instead of failing.
   * A failed send may still have been written; only acknowledged ones are counted. Default false.
   */
  readonly retry?: boolean;
  readonly retryDelayMs?: number;
  /** Ends the load early (between chunks); the messages of the running chunk still complete. */
  readonly signal?: AbortSignal;
}

/** Messages `0, 1, 2, ...` round-robin over `keys` keys named `<prefix>-<n>`. */
export class CountingLoad {
  /** Acknowledged emits per key. */
  readonly acked = new Map<string, number>();
  ackedTotal = 0;
  /** Sends that failed (and were retried when `retry` is on). */
  failures = 0;
  private next = 0;

  constructor(
    private readonly emitter: Emitter<string>,
    readonly keys: number,
    private readonly prefix = 'key',
  ) {}

  /** Messages handed out so far (acknowledged or still being retried). */
  get issued(): number {
    return this.next;
  }

  keyOf(n: number): string {
    return `${this.prefix}-${n % this.keys}`;
  }

  /** Emits `count` more messages (or fewer when aborted); resolves when every emitted one is acknowledged. */
  async emit(count: number, options: LoadOptions = {}): Promise<void> {
    const chunk = options.chunk ?? 500;
    const end = this.next + count;
    while (this.next < end && !options.signal?.aborted) {
      const n = Math.min(chunk, end - this.next);
      const sends: Promise<void>[] = [];
      for (let i = 0; i < n; i++) sends.push(this.send(this.next++, options));
      await Promise.all(sends);
      if (options.pauseMs && this.next < end) await sleep(options.pauseMs);
    }
  }

  /**
   * Emits chunk after chunk until `signal` aborts (then finishes the running chunk): a load that
   * lasts as long as a test's steps need, however fast or slow the machine is.
   */
  async emitUntil(signal: AbortSignal, options: Omit<LoadOptions, 'signal'> = {}): Promise<void> {
    const chunk = options.chunk ?? 500;
    while (!signal.aborted) {
      await this.emit(chunk, { ...options, signal });
      if (options.pauseMs && !signal.aborted) await sleep(options.pauseMs);
    }
  }

  private async send(n: number, options: LoadOptions): Promise<void> {
    const key = this.keyOf(n);
    for (;;) {
      try {
        await this.emitter.emit(key, String(n));
        this.acked.set(key, (this.acked.get(key) ?? 0) + 1);
        this.ackedTotal++;
        return;
      } catch (error) {
        this.failures++;
        if (!options.retry) throw error;
        // Aborted: give the message up (it is not counted; whether it was written does not matter).
        if (options.signal?.aborted) return;
        await sleep(options.retryDelayMs ?? 500);
      }
    }
  }
}
