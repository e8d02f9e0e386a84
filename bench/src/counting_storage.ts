import type { Storage, StorageBatchOp, StorageBuilder, StorageIteratorOptions } from '@goka-ts/api';

/**
 * Wraps a storage builder so every applied `writeBatch` reports its size (after it completed): the
 * recovery benchmark counts applied table records with it. All calls go to the wrapped storage.
 */
export function countingStorage(inner: StorageBuilder, onApplied: (records: number) => void): StorageBuilder {
  return async (topic, partition) => new CountingStorage(await inner(topic, partition), onApplied);
}

class CountingStorage implements Storage {
  constructor(
    private readonly inner: Storage,
    private readonly onApplied: (records: number) => void,
  ) {}

  open(): Promise<void> {
    return this.inner.open();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  has(key: string): Promise<boolean> {
    return this.inner.has(key);
  }

  get(key: string): Promise<Buffer | undefined> {
    return this.inner.get(key);
  }

  set(key: string, value: Buffer): Promise<void> {
    return this.inner.set(key, value);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  getOffset(defaultValue: number): Promise<number> {
    return this.inner.getOffset(defaultValue);
  }

  setOffset(offset: number): Promise<void> {
    return this.inner.setOffset(offset);
  }

  async writeBatch(ops: readonly StorageBatchOp[], offset?: number): Promise<void> {
    await this.inner.writeBatch(ops, offset);
    this.onApplied(ops.length);
  }

  markRecovered(): Promise<void> {
    return this.inner.markRecovered();
  }

  iterator(options?: StorageIteratorOptions): AsyncIterableIterator<[string, Buffer]> {
    return this.inner.iterator(options);
  }
}
