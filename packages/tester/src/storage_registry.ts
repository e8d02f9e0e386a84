import type { Storage, StorageBatchOp, StorageBuilder, StorageIteratorOptions } from '@goka-ts/api';

/**
 * Builds table storages through an inner builder and remembers the open ones per table partition,
 * so a test can inspect what a processor or view holds locally. Every component gets its own
 * storage instance (as in production), so one component never sees another's unacknowledged state.
 */
export class StorageRegistry {
  private readonly open = new Map<string, Set<Storage>>();

  constructor(private readonly inner: StorageBuilder) {}

  /** The builder to hand to processors and views. */
  readonly builder: StorageBuilder = async (topic, partition) => {
    const storage = await this.inner(topic, partition);
    return new RegisteredStorage(
      storage,
      (registered) => this.add(topic, partition, registered),
      (registered) => this.remove(topic, partition, registered),
    );
  };

  /** Storages of `topic` that are open right now, for one partition or all, in build order. */
  storages(topic: string, partition?: number): Storage[] {
    if (partition !== undefined) return [...(this.open.get(key(topic, partition)) ?? [])];
    const all: Storage[] = [];
    for (const [entry, storages] of this.open) if (entry.startsWith(`${topic}\u0000`)) all.push(...storages);
    return all;
  }

  private add(topic: string, partition: number, storage: Storage): void {
    let storages = this.open.get(key(topic, partition));
    if (!storages) this.open.set(key(topic, partition), (storages = new Set()));
    storages.add(storage);
  }

  private remove(topic: string, partition: number, storage: Storage): void {
    const storages = this.open.get(key(topic, partition));
    storages?.delete(storage);
    if (storages?.size === 0) this.open.delete(key(topic, partition));
  }
}

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** Delegates to the built storage and reports when it opens and closes. */
class RegisteredStorage implements Storage {
  constructor(
    private readonly storage: Storage,
    private readonly opened: (storage: Storage) => void,
    private readonly closed: (storage: Storage) => void,
  ) {}

  async open(): Promise<void> {
    await this.storage.open();
    this.opened(this);
  }

  async close(): Promise<void> {
    this.closed(this);
    await this.storage.close();
  }

  has(key: string): Promise<boolean> {
    return this.storage.has(key);
  }

  get(key: string): Promise<Buffer | undefined> {
    return this.storage.get(key);
  }

  set(key: string, value: Buffer): Promise<void> {
    return this.storage.set(key, value);
  }

  delete(key: string): Promise<void> {
    return this.storage.delete(key);
  }

  getOffset(defaultValue: number): Promise<number> {
    return this.storage.getOffset(defaultValue);
  }

  setOffset(offset: number): Promise<void> {
    return this.storage.setOffset(offset);
  }

  writeBatch(ops: readonly StorageBatchOp[], offset?: number): Promise<void> {
    return this.storage.writeBatch(ops, offset);
  }

  markRecovered(): Promise<void> {
    return this.storage.markRecovered();
  }

  iterator(options?: StorageIteratorOptions): AsyncIterableIterator<[key: string, value: Buffer]> {
    return this.storage.iterator(options);
  }
}
