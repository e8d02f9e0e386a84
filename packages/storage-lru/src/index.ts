export { LruStorage, lruStorage } from './lru_storage';
export type { LruOptions, LruCacheStats } from './lru_storage';
export { InstrumentedStorage, instrumentStorage } from './instrument_storage';
export { StorageStatsCollector, STORAGE_OPERATIONS } from './storage_stats';
export type {
  StorageOperation, StorageOperationRecorder, StorageStatsSink, PartitionStorageStats,
} from './storage_stats';
