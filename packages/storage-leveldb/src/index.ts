import type { StorageBuilder } from '@goka-ts/api';
import { LevelDbStorage } from './leveldb_storage';
import type { LevelDbStorageOptions } from './leveldb_options';

export { LevelDbStorage, SHARED_DATABASE_DIR } from './leveldb_storage';
export type { LevelDbStorageOptions } from './leveldb_options';

/**
 * Builds LevelDB storage under `options.path`: one database per table partition
 * (`<path>/<topic>.<partition>`), or one for all with `sharedDatabase`. A path already used by
 * another process or storage instance fails `open()` at once with a `StorageLockedError`.
 */
export function leveldbStorage(options: LevelDbStorageOptions): StorageBuilder {
  const frozen = { ...options };
  return (topic, partition) => new LevelDbStorage(topic, partition, frozen);
}
