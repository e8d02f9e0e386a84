/**
 * Conformance suites in the spirit of keyv's test suite: every Kafka client adapter runs
 * `describeClient` and every storage backend runs `describeStorage` against real services.
 */
export { describeClient } from './describe_client';
export type { ClientFactory, DescribeClientOptions } from './describe_client';
export { describeStorage } from './describe_storage';
export type { StorageFactory, DescribeStorageOptions, StorageSuiteContext } from './describe_storage';
export { describeStorageValues } from './storage/values';
export { describeStorageOffsets } from './storage/offsets';
export { describeStorageIterators } from './storage/iterators';
export { describeStorageBatches } from './storage/batches';
export { describeStorageLifeCycle } from './storage/life_cycle';
export { sleep, uniqueName, waitFor, within } from './polling';
export { brokersFromEnv } from './client/harness';
export type { WaitForOptions } from './polling';
export { produceWithJava, kafkaLibsDir } from './java_producer';
export type { JavaRecord, JavaCompression } from './java_producer';
export { produceWithLibrdkafka } from './librdkafka_producer';
