/// <reference types="jest" />
import { storageBatchesTests } from './storage/batches';
import { storageIteratorsTests } from './storage/iterators';
import { storageLifeCycleTests } from './storage/life_cycle';
import { storageOffsetsTests } from './storage/offsets';
import { describeStorageSuite, type DescribeStorageOptions, type StorageFactory } from './storage/suite';
import { storageValuesTests } from './storage/values';

export type { DescribeStorageOptions, StorageFactory, StorageSuiteContext } from './storage/suite';

/**
 * Registers the storage conformance tests for one backend: every backend passes the same suite, so
 * core can rely on the `Storage` contract whatever the user plugs in. Each concern can also run
 * alone: `describeStorageValues`, `describeStorageOffsets`, `describeStorageIterators`,
 * `describeStorageBatches`, `describeStorageLifeCycle`.
 */
export function describeStorage(name: string, factory: StorageFactory, options: DescribeStorageOptions): void {
  describeStorageSuite(name, factory, options, (suite) => {
    storageValuesTests(suite);
    storageOffsetsTests(suite);
    storageIteratorsTests(suite);
    storageBatchesTests(suite);
    storageLifeCycleTests(suite);
    if (options.extraTests) {
      const extraTests = options.extraTests;
      describe('backend specific', () => extraTests(suite.ctx));
    }
  });
}
