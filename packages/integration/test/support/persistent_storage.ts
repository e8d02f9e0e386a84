/**
 * A storage double that survives close() like a disk-backed store (e.g. LevelDB), and counts the
 * records applied through writeBatch: recovery tests use it to see how much a restart re-reads.
 */
import type { Storage, StorageBuilder } from '@goka-ts/api';
import { MemoryStorage } from '@goka-ts/storage-memory';

export interface PersistentStorage {
  readonly builder: StorageBuilder;
  /** Records applied through writeBatch, over all partitions, since creation or {@link resetCount}. */
  readonly applied: () => number;
  resetCount(): void;
  /** Frees the underlying maps. */
  destroy(): Promise<void>;
}

export function persistentStorage(): PersistentStorage {
  const stores = new Map<string, MemoryStorage>();
  let applied = 0;
  const builder: StorageBuilder = (topic, partition) => {
    const id = `${topic}/${partition}`;
    let inner = stores.get(id);
    if (!inner) {
      inner = new MemoryStorage(topic, partition);
      stores.set(id, inner);
    }
    const store = inner;
    const wrapper: Storage = {
      open: () => store.open(),
      close: async () => undefined,
      has: (key) => store.has(key),
      get: (key) => store.get(key),
      set: (key, value) => store.set(key, value),
      delete: (key) => store.delete(key),
      getOffset: (d) => store.getOffset(d),
      setOffset: (o) => store.setOffset(o),
      writeBatch: (ops, offset) => {
        applied += ops.length;
        return store.writeBatch(ops, offset);
      },
      markRecovered: () => store.markRecovered(),
      iterator: (options) => store.iterator(options),
    };
    return wrapper;
  };
  return {
    builder,
    applied: () => applied,
    resetCount: () => void (applied = 0),
    destroy: async () => {
      await Promise.all([...stores.values()].map((s) => s.close()));
      stores.clear();
    },
  };
}
