export { MemoryKafka } from './memory_kafka';
export type { MemoryKafkaOptions } from './memory_kafka';
export { MemoryBroker, NotIdleError } from './memory_broker';
export type { MemoryBrokerOptions } from './memory_broker';
export { copartitionedAssignment } from './assignment';
