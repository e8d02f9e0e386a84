import type { BatchResult, ProduceResult } from './client';
import { BatchSendError } from './errors';

/**
 * Gathers the per-record outcomes of one `sendBatch` behind one promise, for adapters: each record
 * reports to {@link ok} or {@link fail} by its index, and the promise settles once the last one did
 * (resolving when all succeeded, rejecting with a {@link BatchSendError} otherwise). One counter and
 * one array per batch instead of one promise per record.
 */
export class BatchCollector {
  /** Settles once every record of the batch reported. */
  readonly promise: Promise<BatchResult>;
  private readonly outcomes: Array<ProduceResult | Error | undefined>;
  private remaining: number;
  private failed = false;
  private resolve!: (result: BatchResult) => void;
  private reject!: (error: BatchSendError) => void;

  constructor(size: number) {
    this.outcomes = new Array<ProduceResult | Error | undefined>(size);
    this.remaining = size;
    this.promise = new Promise<BatchResult>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    if (size === 0) this.resolve({ results: [] });
  }

  /** Record `index` was acknowledged. A record's second report is ignored. */
  ok(index: number, result: ProduceResult): void {
    if (this.outcomes[index] !== undefined) return;
    this.outcomes[index] = result;
    this.settled();
  }

  /** Record `index` failed with `error`. A record's second report is ignored. */
  fail(index: number, error: Error): void {
    if (this.outcomes[index] !== undefined) return;
    this.outcomes[index] = error;
    this.failed = true;
    this.settled();
  }

  private settled(): void {
    if (--this.remaining > 0) return;
    const outcomes = this.outcomes as Array<ProduceResult | Error>;
    if (this.failed) this.reject(new BatchSendError(outcomes));
    else this.resolve({ results: outcomes as ProduceResult[] });
  }
}
