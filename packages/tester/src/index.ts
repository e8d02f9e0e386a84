// In-memory Kafka
export { MemoryKafka } from './memory_kafka';
export type { MemoryKafkaOptions } from './memory_kafka';
export { MemoryBroker, NotIdleError } from './memory_broker';
export type { MemoryBrokerOptions } from './memory_broker';
export { copartitionedAssignment } from './assignment';

// Test helper
export { Tester } from './tester';
export type { TesterOptions, FeedOptions, CodecFeedOptions, RunnableComponent, StartedComponent } from './tester';
export { Tracker } from './tracker';
export type { TrackedMessage } from './tracker';
export { StorageRegistry } from './storage_registry';
