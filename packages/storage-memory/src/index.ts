import type { StorageBuilder } from '@goka-ts/api';
import { MemoryStorage } from './memory_storage';

export { MemoryStorage } from './memory_storage';
export { MemoryIterator } from './memory_iterator';
export { compareUtf8 } from './utf8_order';

/**
 * Builds in-memory storage: a fresh, empty map per table partition each time a partition is built,
 * so a rebalanced partition recovers from the table topic again. Fast, bounded by the heap, and lost
 * when the process stops.
 */
export function memoryStorage(): StorageBuilder {
  return (topic, partition) => new MemoryStorage(topic, partition);
}
