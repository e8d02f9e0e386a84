export type { Context, VisitorContext, EmitOptions } from './context';
export type { GroupSpec, GroupGraph, GraphInput, InputEdge, InputsEdge, Handler, VisitorHandler, TopicSuffixes } from './graph';
export { defineGroup, GraphError, DEFAULT_SUFFIXES } from './define_group';

// Codecs and hashers
export { stringCodec, bytesCodec, int64Codec, bigintCodec, jsonCodec } from './codecs';
export { utf8Keys, binaryKeys, printableKey } from './key_codecs';
export { murmur2Hasher, murmur2 } from './hasher_murmur2';
export { fnv1aHasher, fnv1a32 } from './hasher_fnv1a';

// Logging and retries
export { consoleLogger, silentLogger, withFields, defaultLogLevel, defaultLogger } from './logger';
export type { LogLevel, ConsoleLoggerOptions } from './logger';
export { Backoff, sleep, retry } from './backoff';
export type { BackoffOptions, RetryOptions } from './backoff';

// Group lag
export { groupLag, waitForGroupCaughtUp } from './group_lag';
export type { GroupLag, PartitionLag, GroupLagOptions, WaitForGroupCaughtUpOptions } from './group_lag';

// Topics
export { TopicManager } from './topic_manager';
export type { TopicManagerOptions, MismatchPolicy } from './topic_manager';

// Components
export { Emitter } from './emitter';
export type { EmitterOptions, EmitterEmitOptions, EmitterStats } from './emitter';
export { View } from './view';
export type { ViewOptions, ViewReconnectOptions } from './view';
export type { StateListener } from './component_lifecycle';
export type { TableErrorPolicy } from './record_check';
export { TableDecodeError } from './table_decode_error';
export type { TableValueLocation } from './table_decode_error';

// Processor
export { Processor } from './processor';
export { isConnectionFailure, isTransientFailure } from './transient';
export type { ProcessorOptions, NilHandling, RestartOptions, ProcessorConsumerOptions, ProcessingGuarantee } from './processor_options';

// Bad input: the error policy
export type { ErrorPolicy, FailureAction, DeadLetterAction, ErrorDecider, RetryPolicy, MessageFailure } from './error_policy';
export { DEAD_LETTER_HEADERS, DEAD_LETTER_TRUNCATION_HEADERS, readDeadLetter } from './dead_letter';
export type { DeadLetter } from './dead_letter';
export type { DeadLetterPart } from './dead_letter_fit';
export { DEFAULT_MAX_MESSAGE_BYTES } from './message_size';

// Tables (advanced: the building block of views and processor tables)
export { PartitionTable } from './partition_table';
export type { PartitionTableOptions, RecordCheck } from './partition_table';
export { recoverTables, followTables } from './table_reader';
export type { TableReadOptions, ReadableTable } from './table_reader';

// Fleet heartbeats (written by @goka-ts/service, read by @goka-ts/web's fleet page)
export { heartbeatCodec, heartbeatKey, DEFAULT_HEARTBEAT_TOPIC } from './heartbeat';
export type { Heartbeat, HeartbeatTopics } from './heartbeat';

// Graph table typing (View.of)
export type { PersistedGraph, TableTopic, TableCodec } from './graph';
