export type { Context, VisitorContext, EmitOptions } from './graph/context';
export type { GroupSpec, GroupGraph, GraphInput, InputEdge, InputsEdge, Handler, VisitorHandler, TopicSuffixes } from './graph/graph';
export { defineGroup, GraphError, DEFAULT_SUFFIXES } from './graph/define_group';

// Codecs and hashers
export { stringCodec, bytesCodec, int64Codec, bigintCodec, jsonCodec } from './codecs/codecs';
export { utf8Keys, binaryKeys, printableKey } from './codecs/key_codecs';
export { murmur2Hasher, murmur2 } from './hashers/murmur2';
export { fnv1aHasher, fnv1a32 } from './hashers/fnv1a';

// Logging and retries
export { consoleLogger, silentLogger, withFields, defaultLogLevel, defaultLogger } from './logger';
export type { LogLevel, ConsoleLoggerOptions } from './logger';
export { Backoff, sleep, retry } from './backoff';
export type { BackoffOptions, RetryOptions } from './backoff';

// Group lag
export { groupLag, waitForGroupCaughtUp } from './topics/group_lag';
export type { GroupLag, PartitionLag, GroupLagOptions, WaitForGroupCaughtUpOptions } from './topics/group_lag';

// Topics
export { TopicManager } from './topics/topic_manager';
export type { TopicManagerOptions, MismatchPolicy } from './topics/topic_manager';

// Components
export { Emitter } from './emitter';
export type { EmitterOptions, EmitterEmitOptions, EmitterStats } from './emitter';
export { View } from './view';
export type { ViewOptions, ViewReconnectOptions } from './view';
export type { StateListener } from './component_lifecycle';
export type { TableErrorPolicy } from './errors/record_check';
export { TableDecodeError } from './table/table_decode_error';
export type { TableValueLocation } from './table/table_decode_error';

// Processor
export { Processor } from './processor/processor';
export { isConnectionFailure, isTransientFailure } from './errors/transient';
export type { ProcessorOptions, NilHandling, RestartOptions, ProcessorConsumerOptions, ProcessingGuarantee } from './processor/processor_options';

// Bad input: the error policy
export type { ErrorPolicy, FailureAction, DeadLetterAction, ErrorDecider, RetryPolicy, MessageFailure } from './errors/error_policy';
export { DEAD_LETTER_HEADERS, DEAD_LETTER_TRUNCATION_HEADERS } from './errors/dead_letter_headers';
export { readDeadLetter } from './errors/dead_letter';
export type { DeadLetter } from './errors/dead_letter';
export type { DeadLetterPart } from './errors/dead_letter_fit';
export { DEFAULT_MAX_MESSAGE_BYTES } from './codecs/message_size';

// Tables (advanced: the building block of views and processor tables)
export { PartitionTable } from './table/partition_table';
export type { PartitionTableOptions, RecordCheck } from './table/partition_table';
export { recoverTables, followTables } from './table/table_reader';
export type { TableReadOptions, ReadableTable } from './table/table_reader';

// Fleet heartbeats (written by @goka-ts/service, read by @goka-ts/web's fleet page)
export { heartbeatCodec, heartbeatKey, DEFAULT_HEARTBEAT_TOPIC } from './fleet/fleet_heartbeat';
export type { Heartbeat, HeartbeatTopics } from './fleet/fleet_heartbeat';

// Graph table typing (View.of)
export type { PersistedGraph, TableTopic, TableCodec } from './graph/graph';
