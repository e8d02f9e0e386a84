// The in-memory Kafka lives in @goka-ts/memory-kafka; re-exported so a test needs one import.
export { MemoryKafka, MemoryBroker, NotIdleError, copartitionedAssignment } from '@goka-ts/memory-kafka';
export type { MemoryKafkaOptions, MemoryBrokerOptions } from '@goka-ts/memory-kafka';

// Test helper
export { Tester } from './tester';
export type { TesterOptions, FeedOptions, CodecFeedOptions, RunnableComponent, StartedComponent } from './tester';
export { Tracker } from './tracker';
export type { TrackedMessage } from './tracker';
export { StorageRegistry } from './storage_registry';
