/**
 * Conformance suites in the spirit of keyv's test suite: every Kafka client adapter runs
 * `describeClient` and every storage backend runs `describeStorage` against real services.
 */
export { describeClient } from './describe_client';
export type { ClientFactory, DescribeClientOptions } from './describe_client';
export { describeStorage } from './describe_storage';
export type { StorageFactory, DescribeStorageOptions } from './describe_storage';
