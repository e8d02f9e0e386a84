import { GokaError, UnknownTopicError, type KafkaMessage, type TopicSpec } from '@goka-ts/api';
import { ActivityRegistry } from './activity';
import { MemoryGroup } from './memory_group';
import type { AppendRecord } from './memory_log';
import { MemoryTopic } from './memory_topic';
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
}

/** Raised by {@link MemoryBroker.waitIdle} when work is still going on after the allowed rounds. */
export class NotIdleError extends GokaError {
  constructor(
    rounds: number,
    readonly reasons: readonly string[],
  ) {
    super(`the in-memory Kafka did not become idle within ${rounds} event-loop turns; still busy: ${reasons.join('; ')}`);
  }
}

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
  readonly maxBatchSize: number;
  readonly now: () => number;
  private readonly topics = new Map<string, MemoryTopic>();
  private readonly groups = new Map<string, MemoryGroup>();
  private readonly appendListeners = new Set<(messages: readonly KafkaMessage[]) => void>();
  private readonly autoCreatePartitions: number | undefined;
  private readonly maxIdleRounds: number;
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
    if (this.topics.has(spec.topic)) throw new GokaError(`topic "${spec.topic}" already exists`);
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
    let topic = this.topics.get(topicName);
    if (!topic && this.autoCreatePartitions !== undefined) {
      topic = this.createTopic({ topic: topicName, partitions: this.autoCreatePartitions, replicationFactor: -1 });
    }
    if (!topic) throw new UnknownTopicError(topicName, { detail: 'producing needs an existing topic (auto-creation is off)' });
    const log = topic.log(partition);
    if (!log) {
      throw new UnknownTopicError(topicName, { detail: `it has no partition ${partition} (partitions 0..${topic.partitions - 1})` });
    }
    const appended = log.append(records, this.sequence);
    this.sequence += appended.length;
    for (const listener of [...this.appendListeners]) listener(appended);
    return appended;
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

  /** Calls `listener` with every appended run of records (any topic) until the returned function is called. */
  onAppend(listener: (messages: readonly KafkaMessage[]) => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
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
   * running, and every consumer and reader has delivered all available records with every batch
   * handled. Paused partitions count as idle.
   */
  isIdle(): boolean {
    return this.activities.isIdle();
  }

  /** What is still going on (empty when idle). */
  busyReasons(): string[] {
    return this.activities.busyReasons();
  }

  /**
   * Resolves once the broker was idle on two consecutive turns of the event loop, so that work
   * started by the last delivered batch (acknowledgements, commits, follow-up produces) had a
   * chance to show up. Rejects with {@link NotIdleError}, naming what is busy, after `maxRounds` turns.
   */
  async waitIdle(options: { readonly maxRounds?: number } = {}): Promise<void> {
    const maxRounds = options.maxRounds ?? this.maxIdleRounds;
    let idleTurns = 0;
    for (let round = 0; round < maxRounds; round++) {
      await nextTurn();
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
