export type { Headers } from './headers';
export type { Codec, CodecValue, KeyCodec } from './codec';
export type { Hasher } from './hasher';
export type { Logger } from './logger';
export type { KafkaMessage, MessageBatch, TopicPartitionOffset } from './message';
export type {
  KafkaClient, StartOffset, ProducerConfig, ProducerRecord, ProduceResult, BatchResult, Producer,
  TransactionalProducerConfig, TransactionOffsetsTarget, TransactionalProducer,
  GroupConsumerConfig, GroupHandler, GroupConsumer, PartitionStart, PartitionReaderConfig,
  ReaderHandler, PartitionReader, TopicSpec, TopicDescription, PartitionOffsets, Admin,
  GroupDescription, GroupMemberDescription,
} from './client';
export type { Storage, StorageBuilder, StorageBatchOp, StorageIteratorOptions } from './storage';
export type {
  PartitionStatus, ComponentState, TableStats, InputStats, OutputStats, PartitionProcessorStats,
  ProcessorStats, ViewStats, StorageOperationStats,
} from './stats';
export {
  GokaError, KafkaConnectionError, UnknownTopicError, TopicMismatchError, TopicExistsError, StateError, MessageError,
  StorageError, StorageLockedError, WriteExpiredError, ProducerFencedError,
  TransactionAbortedError, RecordTooLargeError, BatchSendError, DecompressionError,
} from './errors';
export { BatchCollector } from './batch_collector';
