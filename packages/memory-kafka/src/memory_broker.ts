import { GokaError, RecordTooLargeError, TopicExistsError, UnknownTopicError, type KafkaMessage, type TopicSpec } from '@goka-ts/api';
import { ActivityRegistry } from './activity';
import { MemoryGroup } from './memory_group';
import type { AppendRecord, MemoryPartitionLog, TransactionOutcome } from './memory_log';
import { MemoryTopic } from './memory_topic';
import { MemoryTransactions } from './memory_transaction';
import { monotonicNow, sleep } from './real_timers';
import { nextTurn } from './scheduling';

/** Options of a {@link MemoryBroker}. */
export interface MemoryBrokerOptions {
  /**
   * Create a missing topic when a producer writes to it, like a broker with
   * `auto.create.topics.enable=true`. Default `false`, like the brokers goka-ts targets: producing
   * to a missing topic rejects with {@link UnknownTopicError}.
   */
  readonly autoCreateTopics?: boolean | { readonly partitions?: number };
  /** Largest number of records per delivered batch. Default 500. */
  readonly maxBatchSize?: number;
  /** Clock for record timestamps when the producer gives none. Default `Date.now`. */
  readonly now?: () => number;
  /** Event-loop turns {@link MemoryBroker.waitIdle} waits before giving up. Default 10 000. */
  readonly maxIdleRounds?: number;
  /**
   * Wall-clock time (ms) {@link MemoryBroker.waitIdle} waits in all for open transactions to end
   * once nothing else is busy, before giving up. Their owners commit on timers (a processor's commit
   * interval), which event-loop turns do not measure. Default 10 000.
   */
  readonly maxTransactionWaitMs?: number;
}

/** Raised by {@link MemoryBroker.waitIdle} when work is still going on after the allowed rounds. */
export class NotIdleError extends GokaError {
  constructor(
    rounds: number,
    readonly reasons: readonly string[],
    /** Set when open transactions were waited for in vain: how long (ms). */
    transactionWaitMs?: number,
  ) {
    const within =
      transactionWaitMs === undefined
        ? `${rounds} event-loop turns`
        : `${transactionWaitMs} ms of waiting for open transactions to end (a processor commits on its commitIntervalMs timer, which fake timers must advance)`;
    super(`the in-memory Kafka did not become idle within ${within}; still busy: ${reasons.join('; ')}`);
  }
}

/** How often a wait for open transactions looks again (ms). */
const TRANSACTION_POLL_MS = 2;

/** Partition count of auto-created topics when the option gives none. */
const AUTO_CREATE_PARTITIONS = 1;

/**
 * The shared state of an in-memory Kafka cluster: topics with their partition logs, consumer groups
 * with their members and committed offsets, and everything that is still working. Several
 * {@link MemoryKafka} clients may share one broker, like several processes sharing a cluster.
 */
export class MemoryBroker {
  /** Everything that may still have work; see {@link waitIdle}. */
  readonly activities = new ActivityRegistry();
  /** The transaction coordinator: transactional ids, fencing, open transactions. */
  readonly transactions = new MemoryTransactions(this);
  readonly maxBatchSize: number;
  readonly now: () => number;
  private readonly topics = new Map<string, MemoryTopic>();
  private readonly groups = new Map<string, MemoryGroup>();
  private readonly appendListeners = new Set<(messages: readonly KafkaMessage[]) => void>();
  private readonly autoCreatePartitions: number | undefined;
  private readonly maxIdleRounds: number;
  private readonly maxTransactionWaitMs: number;
  private sequence = 0;

  constructor(options: MemoryBrokerOptions = {}) {
    const auto = options.autoCreateTopics;
    this.autoCreatePartitions = auto === true ? AUTO_CREATE_PARTITIONS : auto ? (auto.partitions ?? AUTO_CREATE_PARTITIONS) : undefined;
    if (this.autoCreatePartitions !== undefined) checkPartitionCount('auto-created topics', this.autoCreatePartitions);
    this.maxBatchSize = options.maxBatchSize ?? 500;
    if (!Number.isInteger(this.maxBatchSize) || this.maxBatchSize < 1) {
      throw new RangeError(`maxBatchSize must be a positive integer, got ${options.maxBatchSize}`);
    }
    this.now = options.now ?? Date.now;
    this.maxIdleRounds = options.maxIdleRounds ?? 10_000;
    this.maxTransactionWaitMs = options.maxTransactionWaitMs ?? 10_000;
  }

  /** The topic, or undefined when it does not exist. */
  topic(name: string): MemoryTopic | undefined {
    return this.topics.get(name);
  }

  /** The topic, or an {@link UnknownTopicError}. */
  requireTopic(name: string): MemoryTopic {
    const topic = this.topics.get(name);
    if (!topic) throw new UnknownTopicError(name);
    return topic;
  }

  /** Names of every topic, sorted. */
  topicNames(): string[] {
    return [...this.topics.keys()].sort();
  }

  createTopic(spec: TopicSpec): MemoryTopic {
    checkTopicName(spec.topic);
    checkPartitionCount(`topic "${spec.topic}"`, spec.partitions);
    if (spec.replicationFactor !== -1 && !(Number.isInteger(spec.replicationFactor) && spec.replicationFactor >= 1)) {
      throw new RangeError(`topic "${spec.topic}": replication factor must be -1 (broker default) or a positive integer, got ${spec.replicationFactor}`);
    }
    if (this.topics.has(spec.topic)) throw new TopicExistsError(spec.topic);
    const replication = spec.replicationFactor === -1 ? 1 : spec.replicationFactor;
    const topic = new MemoryTopic(spec.topic, spec.partitions, replication, spec.config);
    this.topics.set(spec.topic, topic);
    return topic;
  }

  deleteTopic(name: string): void {
    const topic = this.requireTopic(name);
    this.topics.delete(name);
    topic.markDeleted();
  }

  /**
   * Appends the records of one producer round to one partition; creates the topic first when
   * auto-creation is on.
   */
  append(topicName: string, partition: number, records: readonly AppendRecord[]): KafkaMessage[] {
    const log = this.logForProducing(topicName, partition, records);
    const appended = log.append(records, this.sequence);
    this.sequence += appended.length;
    this.announce(log);
    return appended;
  }

  /**
   * {@link append} for records of an open transaction: they take offsets now but stay unreadable
   * until it commits. Called by the transaction coordinator, which tracks the returned log.
   */
  appendInTransaction(
    topicName: string,
    partition: number,
    records: readonly AppendRecord[],
    transaction: TransactionOutcome,
  ): { log: MemoryPartitionLog; appended: KafkaMessage[] } {
    const log = this.logForProducing(topicName, partition, records);
    const appended = log.append(records, this.sequence, transaction);
    this.sequence += appended.length;
    return { log, appended };
  }

  /** Writes the marker of an ended (already settled) transaction to `log`; called by the transaction coordinator. */
  endTransactionOn(log: MemoryPartitionLog, transaction: TransactionOutcome): void {
    log.endTransaction(transaction, this.sequence++, this.now());
    this.announce(log);
  }

  /**
   * Every record of `topic` in the order the broker appended them across partitions (not only
   * per partition), or an empty list for a missing topic.
   */
  messages(topic: string): KafkaMessage[] {
    const logs = this.topics.get(topic)?.logs ?? [];
    const entries: [number, KafkaMessage][] = [];
    for (const log of logs) for (const message of log.all()) entries.push([log.sequenceOf(message.offset), message]);
    return entries.sort((a, b) => a[0] - b[0]).map(([, message]) => message);
  }

  /**
   * Calls `listener` with every run of records (any topic) that became readable until the returned
   * function is called: a plain producer's records when written (unless an open transaction on
   * their partition holds them back), a transaction's records when it commits, never aborted ones.
   */
  onAppend(listener: (messages: readonly KafkaMessage[]) => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /** Hands the records `log` made readable since last time to the {@link onAppend} listeners. */
  private announce(log: MemoryPartitionLog): void {
    if (this.appendListeners.size === 0) {
      log.takeReadable();
      return;
    }
    const readable = log.takeReadable();
    if (readable.length === 0) return;
    for (const listener of [...this.appendListeners]) listener(readable);
  }

  /** The log records go to; throws as a broker refuses them (missing topic or partition, a record over `max.message.bytes`). */
  private logForProducing(topicName: string, partition: number, records: readonly AppendRecord[]): MemoryPartitionLog {
    let topic = this.topics.get(topicName);
    if (!topic && this.autoCreatePartitions !== undefined) {
      topic = this.createTopic({ topic: topicName, partitions: this.autoCreatePartitions, replicationFactor: -1 });
    }
    if (!topic) throw new UnknownTopicError(topicName, { detail: 'producing needs an existing topic (auto-creation is off)' });
    const log = topic.log(partition);
    if (!log) {
      throw new UnknownTopicError(topicName, { detail: `it has no partition ${partition} (partitions 0..${topic.partitions - 1})` });
    }
    // As a broker does, a record that exceeds the topic's limit fails the partition's whole write.
    const limit = Number(topic.describe().config['max.message.bytes']);
    for (const record of records) {
      const size = recordBytes(record);
      if (size > limit) {
        throw new RecordTooLargeError(topicName, record.key?.toString() ?? '', size, limit, { detail: "the broker refuses records over the topic's max.message.bytes" });
      }
    }
    return log;
  }

  /** The consumer group `groupId` (created on first use). */
  group(groupId: string): MemoryGroup {
    let group = this.groups.get(groupId);
    if (!group) {
      group = new MemoryGroup(groupId, this);
      this.groups.set(groupId, group);
    }
    return group;
  }

  /** The group if it was ever used. */
  existingGroup(groupId: string): MemoryGroup | undefined {
    return this.groups.get(groupId);
  }

  /**
   * True when nothing is left to do: no produce in flight, no rebalance or rebalance callback
   * running, every consumer and reader has delivered all readable records with every batch handled,
   * and no transaction holds records or offsets that are not committed yet. Paused partitions count
   * as idle.
   */
  isIdle(): boolean {
    return this.activities.isIdle() && this.transactions.busyReasons().length === 0;
  }

  /** What is still going on (empty when idle). */
  busyReasons(): string[] {
    return [...this.activities.busyReasons(), ...this.transactions.busyReasons()];
  }

  /**
   * Resolves once the broker was idle on two consecutive turns of the event loop, so that work
   * started by the last delivered batch (acknowledgements, commits, follow-up produces) had a
   * chance to show up. Rejects with {@link NotIdleError}, naming what is busy, after `maxRounds` turns.
   *
   * When only open transactions are left, it waits for them in wall-clock time instead (their
   * owners commit on timers), `maxTransactionWaitMs` in all; turns spent so do not count.
   */
  async waitIdle(options: { readonly maxRounds?: number; readonly maxTransactionWaitMs?: number } = {}): Promise<void> {
    const maxRounds = options.maxRounds ?? this.maxIdleRounds;
    const maxTransactionWaitMs = options.maxTransactionWaitMs ?? this.maxTransactionWaitMs;
    let idleTurns = 0;
    let transactionWaitMs = 0;
    for (let round = 0; round < maxRounds; ) {
      await nextTurn();
      if (this.activities.isIdle() && this.transactions.busyReasons().length > 0) {
        idleTurns = 0;
        if (transactionWaitMs >= maxTransactionWaitMs) throw new NotIdleError(round, this.busyReasons(), Math.round(transactionWaitMs));
        const started = monotonicNow();
        await sleep(TRANSACTION_POLL_MS);
        transactionWaitMs += monotonicNow() - started;
        continue;
      }
      round++;
      idleTurns = this.isIdle() ? idleTurns + 1 : 0;
      if (idleTurns >= 2) return;
    }
    throw new NotIdleError(maxRounds, this.busyReasons());
  }
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

function checkTopicName(name: string): void {
  if (!TOPIC_NAME.test(name) || name === '.' || name === '..') {
    throw new GokaError(`"${name}" is not a valid topic name (1-249 letters, digits, ".", "_", "-")`);
  }
}

function checkPartitionCount(what: string, partitions: number): void {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new RangeError(`${what}: partition count must be a positive integer, got ${partitions}`);
  }
}

/** Bytes of a record as the size limit counts them: key, value and headers. */
function recordBytes(record: AppendRecord): number {
  let size = (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const name in record.headers) size += Buffer.byteLength(name) + record.headers[name]!.length;
  return size;
}
