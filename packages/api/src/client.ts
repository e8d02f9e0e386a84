import type { Headers } from './headers';
import type { MessageBatch, TopicPartitionOffset } from './message';

/**
 * The Kafka client layer. Core talks to Kafka only through these interfaces; an adapter package
 * (`@goka-ts/kafkajs`, `@goka-ts/confluent`, the tester's in-memory client) implements them.
 * Every adapter passes the shared conformance suite (`@goka-ts/conformance`).
 */
export interface KafkaClient {
  /** Adapter name for logs and stats, e.g. `"kafkajs"`. */
  readonly name: string;
  admin(): Admin;
  producer(config?: ProducerConfig): Producer;
  /**
   * A producer whose records and consumer offsets become visible together or not at all (Kafka
   * transactions). Used by processors in exactly-once mode, one per partition.
   */
  transactionalProducer(config: TransactionalProducerConfig): TransactionalProducer;
  groupConsumer(config: GroupConsumerConfig): GroupConsumer;
  partitionReader(config: PartitionReaderConfig): PartitionReader;
}

/** Where a consumer or reader starts when it has no committed or given offset. */
export type StartOffset = 'oldest' | 'newest';

// ---------------------------------------------------------------------------------------------
// Producer

export interface ProducerConfig {
  /** How long a record may wait to be batched with others (ms). Adapters default to a few ms. */
  lingerMs?: number;
  /** Records per partition batch that trigger a send before the linger time is up. */
  batchSize?: number;
  /** `-1`: all in-sync replicas; `1`: leader only (Goka's default). */
  acks?: -1 | 1;
  compression?: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  clientId?: string;
}

export interface ProducerRecord {
  readonly topic: string;
  /** Always explicit: goka-ts picks partitions with its own hasher, never the client's. */
  readonly partition: number;
  readonly key: Buffer | null;
  /** `null` writes a tombstone. */
  readonly value: Buffer | null;
  readonly headers?: Headers;
  /** Record timestamp in ms; the broker's time when absent. */
  readonly timestamp?: number;
  /**
   * The latest moment, in this process's `performance.now()` milliseconds, at which the record may
   * still be handed to the network. An adapter checks it right before the record leaves the
   * process (into a request, or into the native client's queue) and rejects a record that is late
   * with a `WriteExpiredError`, writing nothing. The processor sets it on table writes: they
   * are safe only while the group membership a commit just proved lasts, and a process that was
   * paused (long GC, blocked event loop, SIGSTOP) between the proof and the send may have been
   * replaced by another member whose newer values they would overwrite.
   */
  readonly notAfter?: number;
}

/** Where an acknowledged record was written. */
export interface ProduceResult {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** Where every record of a {@link Producer.sendBatch} was written. */
export interface BatchResult {
  /** `results[i]` is where `records[i]` of the batch was written (same length and order as the input). */
  readonly results: readonly ProduceResult[];
}

export interface Producer {
  connect(): Promise<void>;
  /**
   * Queues a record and resolves with its offset once the broker acknowledged it. Records are
   * batched (linger / batch size); a failure rejects only the records it concerns.
   */
  send(record: ProducerRecord): Promise<ProduceResult>;
  /**
   * Sends many records with one completion: resolves once every record is acknowledged, with the
   * offsets aligned to `records`. The adapter hands the batch to its client in one go (no promise
   * per record) and sends it without waiting for the linger time. Records of one partition are
   * written in the order given, after records sent to it earlier; each `notAfter` is honoured per
   * record as in {@link send}.
   *
   * Partial failure: a batch is not atomic outside a transaction. When any record fails, the promise
   * rejects, only after every record of the batch settled, with a {@link BatchSendError} whose
   * `outcomes[i]` is the offset of `records[i]` or the error {@link send} would have rejected it
   * with (`WriteExpiredError`, `UnknownTopicError`, `RecordTooLargeError`, ...). Acknowledged
   * records stay written, also in a partition where a later record failed. Checks of the producer
   * itself (closed, not connected) reject with their own error (e.g. {@link StateError}) and write
   * nothing. An empty batch resolves with no results without contacting the broker.
   */
  sendBatch(records: readonly ProducerRecord[]): Promise<BatchResult>;
  /** Resolves when every record sent so far is acknowledged or failed. */
  flush(): Promise<void>;
  /** Flushes, then disconnects. Sending after close rejects with a {@link StateError}. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Transactional producer

export interface TransactionalProducerConfig extends ProducerConfig {
  /**
   * Identifies the producer across process restarts. Connecting a producer fences every older
   * producer with the same id (their next send or commit fails with {@link ProducerFencedError})
   * and completes the transaction such an older producer left open (commit if it had asked to
   * commit, abort otherwise). Processors use one id per group partition, so the new owner of a
   * partition fences the previous owner even when that one is a paused zombie.
   */
  readonly transactionalId: string;
  /**
   * How long the broker lets a transaction stay open before aborting it (ms). Default 60 000
   * (the broker caps it at `transaction.max.timeout.ms`).
   */
  readonly transactionTimeoutMs?: number;
}

/** Identifies the consumer group whose offsets a transaction commits. */
export interface TransactionOffsetsTarget {
  readonly groupId: string;
  /**
   * The group consumer that read the records, when the adapter can attach its group metadata
   * (generation, member id) so the broker rejects a commit from a member that lost the group
   * (KIP-447). Adapters that cannot ignore it; fencing by transactional id still holds.
   */
  readonly consumer?: GroupConsumer;
}

/**
 * A producer that writes in Kafka transactions. One transaction at a time: {@link begin}, any
 * number of {@link send} and {@link sendOffsets}, then {@link commit} or {@link abort}. Readers
 * in read_committed mode (every goka-ts reader and group consumer) never see records of an aborted
 * transaction, and see those of a committed one only after the commit.
 *
 * After a {@link ProducerFencedError} the producer is unusable: close it and build a new one.
 * After any other error of `send`, `sendOffsets` or `commit`, {@link abort} and start over.
 */
export interface TransactionalProducer {
  /** Connects and registers the transactional id, fencing older producers with the same id. */
  connect(): Promise<void>;
  /** Starts a transaction. Rejects with a {@link StateError} while one is open. */
  begin(): Promise<void>;
  /** Sends a record inside the open transaction; resolves once the broker acknowledged it. */
  send(record: ProducerRecord): Promise<ProduceResult>;
  /**
   * Sends many records inside the open transaction with one completion, as
   * {@link Producer.sendBatch} does: offsets aligned with `records`, or a {@link BatchSendError}
   * with per-record outcomes once every record settled. A failed record leaves the transaction
   * unable to commit, as a failed {@link send} does: abort it. Without an open transaction (or on a
   * fenced producer) it rejects with that error ({@link StateError}, {@link ProducerFencedError})
   * and sends nothing.
   */
  sendBatch(records: readonly ProducerRecord[]): Promise<BatchResult>;
  /** Adds consumer-group offsets (next offsets to read) to the open transaction. */
  sendOffsets(offsets: readonly TopicPartitionOffset[], target: TransactionOffsetsTarget): Promise<void>;
  /** Waits for every record of the transaction to be acknowledged, then commits it. */
  commit(): Promise<void>;
  /** Aborts the open transaction; its records are never visible to read_committed readers. */
  abort(): Promise<void>;
  /** Aborts an open transaction, then disconnects. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Group consumer

export interface GroupConsumerConfig {
  readonly groupId: string;
  /**
   * Topics joined under one co-partitioned assignment: every member receives the same partition
   * numbers of every topic (Goka's "copartition" strategy). All topics must have equal partition counts.
   */
  readonly topics: readonly string[];
  /** Start offset for partitions the group never committed. Default `'newest'`, as in Goka. */
  readonly startFrom?: StartOffset;
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly rebalanceTimeoutMs?: number;
  /** Longest time a fetch waits for data (ms). */
  readonly maxWaitMs?: number;
  /**
   * Ask for incremental (cooperative) rebalancing where the adapter supports it without breaking
   * co-partitioning. Adapters that cannot honour it throw at construction.
   */
  readonly cooperative?: boolean;
}

/** Callbacks through which a group consumer drives its user (the processor). */
export interface GroupHandler {
  /**
   * Partition numbers newly assigned to this member, the same for every topic of the group.
   * No batch of these partitions is delivered before the returned promise resolves, so the
   * processor can recover its tables first; adapters keep the group membership alive meanwhile.
   *
   * The group may rebalance while this runs (another member joins during a long recovery): the
   * adapter then calls {@link onRevoked} for these partitions without waiting for this promise, so
   * the handler can cut the work short. The member rejoins the group only after both settled.
   */
  onAssigned(partitions: readonly number[]): Promise<void>;
  /**
   * Partitions about to be taken away. The handler finishes their in-flight work and commits
   * before resolving; the adapter commits nothing on its own.
   *
   * May arrive while {@link onAssigned} of the same partitions is still running; no batch of them
   * is delivered from then on, even once that `onAssigned` resolves. Commits made before this promise
   * resolves still belong to the current generation.
   */
  onRevoked(partitions: readonly number[]): Promise<void>;
  /**
   * Messages of one topic-partition. The next batch of the same partition is delivered only after
   * the returned promise resolves (backpressure); other partitions may be delivered concurrently.
   */
  onBatch(batch: MessageBatch): Promise<void>;
}

export interface GroupConsumer {
  /**
   * Joins the group and delivers until {@link close}. Resolves after a clean close; rejects on a
   * fatal error (unreachable broker, missing topic, a handler that threw), naming the cause.
   */
  run(handler: GroupHandler): Promise<void>;
  /** Stops fetching a topic-partition until {@link resume}; delivery may still finish the current batch. */
  pause(topic: string, partition: number): void;
  resume(topic: string, partition: number): void;
  /** Commits explicit offsets (the next offset to read) for this group. */
  commit(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /** Partition numbers currently assigned. */
  assignment(): readonly number[];
  /** Revokes (calling `onRevoked`), leaves the group and disconnects. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Partition reader

export interface PartitionStart {
  readonly partition: number;
  /** Absolute offset of the first record to read, or `'oldest'` / `'newest'`. */
  readonly from: number | StartOffset;
}

export interface PartitionReaderConfig {
  readonly topic: string;
  readonly partitions: readonly PartitionStart[];
  /**
   * `false`: read each partition up to the high watermark seen when it started, then stop
   * (table recovery). `true`: keep following new records (views, joined tables).
   */
  readonly follow: boolean;
  readonly maxWaitMs?: number;
}

export interface ReaderHandler {
  /** Batches of one partition in order; the next batch waits for the returned promise. */
  onBatch(batch: MessageBatch): Promise<void>;
  /**
   * Called once per partition when its reader reached the high watermark (immediately for a
   * partition with nothing to read).
   */
  onCaughtUp?(partition: number, highWatermark: number): void;
}

/**
 * Reads partitions of one topic from given offsets without joining a consumer group and without
 * committing anything.
 */
export interface PartitionReader {
  /**
   * Resolves when stopped, or (`follow: false`) when every partition reached its high watermark.
   * Rejects on a fatal error (unreachable broker, missing topic) or when a handler throws.
   */
  run(handler: ReaderHandler): Promise<void>;
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Admin

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  /** `-1` takes the broker's `default.replication.factor`. */
  readonly replicationFactor: number;
  /** Topic configs, e.g. `{ 'cleanup.policy': 'compact' }`. */
  readonly config?: Readonly<Record<string, string>>;
}

export interface TopicDescription {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Effective topic configs (including broker defaults) as strings. */
  readonly config: Readonly<Record<string, string>>;
}

/** Offsets of a partition: `oldest` is the first readable offset, `newest` the high watermark. */
export interface PartitionOffsets {
  readonly partition: number;
  readonly oldest: number;
  readonly newest: number;
}

/** A member of a consumer group as the group coordinator reports it. */
export interface GroupMemberDescription {
  readonly memberId: string;
  readonly clientId: string;
  readonly host: string;
}

/** A consumer group as the group coordinator reports it. */
export interface GroupDescription {
  readonly groupId: string;
  /**
   * The coordinator's state name, lower case: `'empty'` (no members, offsets kept), `'stable'`,
   * `'preparingrebalance'`, `'completingrebalance'`, `'dead'` (unknown or deleted group), or
   * `'unknown'` when the adapter cannot tell.
   */
  readonly state: string;
  /** Members currently in the group; empty for a stopped group. */
  readonly members: readonly GroupMemberDescription[];
}

export interface Admin {
  connect(): Promise<void>;
  close(): Promise<void>;
  /** `undefined` when the topic does not exist. */
  describeTopic(topic: string): Promise<TopicDescription | undefined>;
  /** Creates a topic and waits until it is usable. Rejects if it exists. */
  createTopic(spec: TopicSpec): Promise<void>;
  /** Sets (incrementally) configs of an existing topic; resolves once `describeTopic` shows them. */
  alterTopicConfig(topic: string, config: Readonly<Record<string, string>>): Promise<void>;
  deleteTopic(topic: string): Promise<void>;
  /** Rejects with {@link UnknownTopicError} for a missing topic. */
  partitionOffsets(topic: string): Promise<PartitionOffsets[]>;
  /** Committed offsets of a group for a topic; `-1` for partitions without a commit. */
  committedOffsets(groupId: string, topic: string): Promise<TopicPartitionOffset[]>;
  /** Names of every topic, without Kafka's internal `__consumer_offsets` and `__transaction_state`; sorted. */
  listTopics(): Promise<string[]>;
  /** Members and state of a consumer group; an unknown group is `'dead'` (or `'empty'`) with no members. */
  describeGroup(groupId: string): Promise<GroupDescription>;
  /**
   * Every offset the group committed, across all topics, sorted by topic and partition (only
   * partitions with a commit). Empty for an unknown group.
   */
  groupOffsets(groupId: string): Promise<TopicPartitionOffset[]>;
  /**
   * Overwrites committed offsets (next offsets to read) of a group that has no members, e.g. to
   * reset a stopped group to the oldest offsets. Rejects with a {@link StateError} naming the
   * members while the group has any (the coordinator refuses such commits too).
   */
  setGroupOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void>;
}
