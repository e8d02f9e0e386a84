import { performance } from 'node:perf_hooks';
import type { Storage, StorageBatchOp, StorageBuilder, StorageIteratorOptions } from '@goka-ts/api';
import type { StorageOperation, StorageOperationRecorder, StorageStatsSink } from './storage_stats';

/**
 * A storage that measures every call of another: count, failures and time per operation, reported
 * to a recorder. Iterations are measured as one `iterator` operation when they end (exhausted,
 * left with `return()`, or failed), timing only the reads.
 */
export class InstrumentedStorage implements Storage {
  constructor(readonly inner: Storage, private readonly recorder: StorageOperationRecorder) {}

  open(): Promise<void> {
    return this.measure('open', performance.now(), this.inner.open());
  }

  close(): Promise<void> {
    return this.measure('close', performance.now(), this.inner.close());
  }

  has(key: string): Promise<boolean> {
    return this.measure('has', performance.now(), this.inner.has(key));
  }

  get(key: string): Promise<Buffer | undefined> {
    return this.measure('get', performance.now(), this.inner.get(key));
  }

  set(key: string, value: Buffer): Promise<void> {
    return this.measure('set', performance.now(), this.inner.set(key, value));
  }

  delete(key: string): Promise<void> {
    return this.measure('delete', performance.now(), this.inner.delete(key));
  }

  getOffset(defaultValue: number): Promise<number> {
    return this.measure('getOffset', performance.now(), this.inner.getOffset(defaultValue));
  }

  setOffset(offset: number): Promise<void> {
    return this.measure('setOffset', performance.now(), this.inner.setOffset(offset));
  }

  writeBatch(ops: readonly StorageBatchOp[], offset?: number): Promise<void> {
    return this.measure('writeBatch', performance.now(), this.inner.writeBatch(ops, offset));
  }

  markRecovered(): Promise<void> {
    return this.measure('markRecovered', performance.now(), this.inner.markRecovered());
  }

  iterator(options?: StorageIteratorOptions): AsyncIterableIterator<[string, Buffer]> {
    return new InstrumentedIterator(this.inner.iterator(options), this.recorder);
  }

  /** `start` is taken before the call, so work the inner storage does synchronously is counted. */
  private async measure<T>(operation: StorageOperation, start: number, call: Promise<T>): Promise<T> {
    try {
      const result = await call;
      this.recorder.record(operation, performance.now() - start, false);
      return result;
    } catch (err) {
      this.recorder.record(operation, performance.now() - start, true);
      throw err;
    }
  }
}

class InstrumentedIterator implements AsyncIterableIterator<[string, Buffer]> {
  private totalMs = 0;
  private done = false;

  constructor(private readonly inner: AsyncIterableIterator<[string, Buffer]>, private readonly recorder: StorageOperationRecorder) {}

  async next(): Promise<IteratorResult<[string, Buffer]>> {
    const start = performance.now();
    try {
      const result = await this.inner.next();
      this.totalMs += performance.now() - start;
      if (result.done) this.end(false);
      return result;
    } catch (err) {
      this.totalMs += performance.now() - start;
      this.end(true);
      throw err;
    }
  }

  async return(): Promise<IteratorResult<[string, Buffer]>> {
    this.end(false);
    if (this.inner.return) await this.inner.return();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private end(failed: boolean): void {
    if (this.done) return;
    this.done = true;
    this.recorder.record('iterator', this.totalMs, failed);
  }
}

/**
 * Wraps the storages of `inner` so every operation is measured into `sink` (e.g. a
 * {@link StorageStatsCollector}), for metrics and the monitor.
 */
export function instrumentStorage(inner: StorageBuilder, sink: StorageStatsSink): StorageBuilder {
  return async (topic, partition) => new InstrumentedStorage(await inner(topic, partition), sink.partition(topic, partition));
}
