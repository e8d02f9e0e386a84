import { StorageError } from '@goka-ts/api';
import type { Storage, StorageBatchOp, StorageBuilder, StorageIteratorOptions } from '@goka-ts/api';

/** Options of {@link lruStorage}; limits apply per table partition. */
export interface LruOptions {
  /** Most keys cached (values and known-absent keys alike). */
  readonly maxEntries: number;
  /** Most bytes cached: key length + value length + a fixed overhead per entry. Unbounded when absent. */
  readonly maxBytes?: number;
}

/** Hit and miss counts of one cache. */
export interface LruCacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly entries: number;
  readonly bytes: number;
}

/** Cached: the key exists, its value is unknown (learnt from `has`). */
const PRESENT = Symbol('present');
/** Cached value: bytes, `null` for a known-absent key, or PRESENT. */
type Cached = Buffer | null | typeof PRESENT;
/** Bookkeeping bytes counted per entry besides key and value. */
const ENTRY_OVERHEAD = 64;

function cost(key: string, value: Cached): number {
  return ENTRY_OVERHEAD + key.length + (value === null || value === PRESENT ? 0 : value.length);
}

/**
 * An LRU cache over another storage for read-heavy tables (views answering requests). `get` and
 * `has` are served from the cache, including for absent keys; every write invalidates its keys, and
 * iterators read the underlying storage, so they never see stale values.
 *
 * A read that overlaps a write of any key is not cached: the write's invalidation may have run
 * before the read's result arrived, and caching that result could keep an old value.
 */
export class LruStorage implements Storage {
  /** Insertion order of the Map is the recency order: first = least recently used. */
  private readonly cache = new Map<string, Cached>();
  private bytes = 0;
  /** Bumped at the start and end of every write; reads cache only when it did not move. */
  private epoch = 0;
  private hits = 0;
  private misses = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;

  constructor(readonly inner: Storage, options: LruOptions) {
    if (!(options.maxEntries > 0)) throw new StorageError(`lruStorage needs maxEntries > 0, got ${options.maxEntries}`);
    this.maxEntries = options.maxEntries;
    this.maxBytes = options.maxBytes ?? Infinity;
  }

  /** Counts of this partition's cache. */
  cacheStats(): LruCacheStats {
    return { hits: this.hits, misses: this.misses, entries: this.cache.size, bytes: this.bytes };
  }

  open(): Promise<void> {
    return this.inner.open();
  }

  async close(): Promise<void> {
    this.clear();
    await this.inner.close();
  }

  async has(key: string): Promise<boolean> {
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.hits++;
      this.touch(key, cached);
      return cached !== null;
    }
    this.misses++;
    const epoch = this.epoch;
    const has = await this.inner.has(key);
    if (epoch === this.epoch) this.fill(key, has ? PRESENT : null);
    return has;
  }

  async get(key: string): Promise<Buffer | undefined> {
    const cached = this.cache.get(key);
    if (cached !== undefined && cached !== PRESENT) {
      this.hits++;
      this.touch(key, cached);
      return cached ?? undefined;
    }
    this.misses++;
    const epoch = this.epoch;
    const value = await this.inner.get(key);
    if (epoch === this.epoch) this.fill(key, value ?? null);
    return value;
  }

  async set(key: string, value: Buffer): Promise<void> {
    this.epoch++;
    this.invalidate(key);
    try {
      await this.inner.set(key, value);
    } finally {
      this.epoch++;
      this.invalidate(key);
    }
  }

  async delete(key: string): Promise<void> {
    this.epoch++;
    this.invalidate(key);
    try {
      await this.inner.delete(key);
    } finally {
      this.epoch++;
      this.invalidate(key);
    }
  }

  getOffset(defaultValue: number): Promise<number> {
    return this.inner.getOffset(defaultValue);
  }

  setOffset(offset: number): Promise<void> {
    return this.inner.setOffset(offset);
  }

  async writeBatch(ops: readonly StorageBatchOp[], offset?: number): Promise<void> {
    this.epoch++;
    this.invalidateAll(ops);
    try {
      await this.inner.writeBatch(ops, offset);
    } finally {
      this.epoch++;
      this.invalidateAll(ops);
    }
  }

  markRecovered(): Promise<void> {
    return this.inner.markRecovered();
  }

  iterator(options?: StorageIteratorOptions): AsyncIterableIterator<[string, Buffer]> {
    return this.inner.iterator(options);
  }

  private touch(key: string, value: Cached): void {
    // Re-inserting moves the key to the most recently used end.
    this.cache.delete(key);
    this.cache.set(key, value);
  }

  private fill(key: string, value: Cached): void {
    const size = cost(key, value);
    if (size > this.maxBytes) return;
    const old = this.cache.get(key);
    if (old !== undefined) {
      this.bytes -= cost(key, old);
      this.cache.delete(key);
    }
    this.cache.set(key, value);
    this.bytes += size;
    while (this.cache.size > this.maxEntries || this.bytes > this.maxBytes) {
      const [oldestKey, oldestValue] = this.cache.entries().next().value as [string, Cached];
      this.cache.delete(oldestKey);
      this.bytes -= cost(oldestKey, oldestValue);
    }
  }

  private invalidate(key: string): void {
    const old = this.cache.get(key);
    if (old === undefined) return;
    this.cache.delete(key);
    this.bytes -= cost(key, old);
  }

  private invalidateAll(ops: readonly StorageBatchOp[]): void {
    if (this.cache.size === 0) return;
    for (let i = 0; i < ops.length; i++) this.invalidate(ops[i].key);
  }

  private clear(): void {
    this.cache.clear();
    this.bytes = 0;
  }
}

/**
 * Wraps the storages of `inner` with an LRU cache each (limits per partition), for tables read more
 * than written.
 */
export function lruStorage(inner: StorageBuilder, options: LruOptions): StorageBuilder {
  if (!(options.maxEntries > 0)) throw new StorageError(`lruStorage needs maxEntries > 0, got ${options.maxEntries}`);
  const frozen = { ...options };
  return async (topic, partition) => new LruStorage(await inner(topic, partition), frozen);
}
