import { GokaError, UnknownTopicError, type TopicPartitionOffset } from '@goka-ts/api';
import type { Kafka } from 'kafkajs';
import { hasErrorType, isConnectionError, isUnknownTopic, toGokaError } from './errors';
import { createCluster, EARLIEST_OFFSET, LATEST_OFFSET, READ_COMMITTED, READ_UNCOMMITTED, type InternalBroker, type InternalCluster, type InternalMetadata } from './internals';

/** Errors a partition answers with while its leadership is moving; asking the new leader helps. */
const LEADERSHIP_ERRORS = ['NOT_LEADER_FOR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_OR_FOLLOWER'] as const;

/** Which offset {@link ClusterOps.listOffsets} asks for. */
export type OffsetKind = 'earliest' | 'latest' | 'stable';

/** What the adapter needs to know about a topic. */
export interface TopicInfo {
  readonly topic: string;
  /** Partition ids 0..n-1 in order. */
  readonly partitions: readonly number[];
  /** Leader node id per partition (index = partition). */
  readonly leaders: readonly number[];
  readonly replicationFactor: number;
}

/**
 * Metadata and offset requests on a private kafkajs cluster. Every call asks the broker for exactly
 * the topic it concerns, so no topic list accumulates (kafkajs' own admin and producer keep every
 * topic they ever touched and fail all later metadata refreshes once one of them is deleted).
 */
export class ClusterOps {
  readonly cluster: InternalCluster;

  constructor(kafka: Kafka, private readonly brokers: readonly string[], private readonly name: string) {
    this.cluster = createCluster(kafka, { isolationLevel: READ_COMMITTED });
  }

  async connect(): Promise<void> {
    try {
      await this.cluster.connect();
      // Loads the broker list (no topics: the cluster's target topic list stays empty).
      await this.cluster.refreshMetadata();
    } catch (err) {
      throw this.error(err, 'connect');
    }
  }

  async disconnect(): Promise<void> {
    await this.cluster.disconnect();
  }

  /** Metadata of a topic, `undefined` when it does not exist. */
  async topicInfo(topic: string): Promise<TopicInfo | undefined> {
    let metadata: InternalMetadata;
    for (let attempt = 0; ; attempt++) {
      try {
        metadata = await this.anyBroker((broker) => broker.metadata([topic]));
        break;
      } catch (err) {
        if (isUnknownTopic(err)) return undefined;
        // Right after creation or during a leader election a partition has no leader for a moment.
        if (hasErrorType(err, 'LEADER_NOT_AVAILABLE') && attempt < 50) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
        throw this.error(err, `metadata of "${topic}"`);
      }
    }
    const entry = metadata.topicMetadata.find((t) => t.topic === topic);
    if (!entry || entry.partitionMetadata.length === 0) return undefined;
    const sorted = [...entry.partitionMetadata].sort((a, b) => a.partitionId - b.partitionId);
    sorted.forEach((p, i) => {
      if (p.partitionId !== i) throw new GokaError(`${this.name}: topic "${topic}" has a gap in its partition ids at ${i}`);
    });
    return {
      topic,
      partitions: sorted.map((p) => p.partitionId),
      leaders: sorted.map((p) => p.leader),
      replicationFactor: sorted[0]!.replicas.length,
    };
  }

  /** Runs a request on the first broker that answers; a protocol error (the broker answered) ends the search. */
  private async anyBroker<T>(request: (broker: InternalBroker) => Promise<T>): Promise<T> {
    if (this.cluster.getNodeIds().length === 0) await this.cluster.refreshMetadata();
    let last: unknown = new GokaError(`${this.name}: no brokers known`);
    for (const nodeId of this.cluster.getNodeIds()) {
      try {
        return await request(await this.cluster.findBroker({ nodeId }));
      } catch (err) {
        if (!isConnectionError(err)) throw err;
        last = err;
      }
    }
    throw last;
  }

  /** Like {@link topicInfo}, but a missing topic rejects with {@link UnknownTopicError}. */
  async requireTopic(topic: string): Promise<TopicInfo> {
    const info = await this.topicInfo(topic);
    if (!info) throw new UnknownTopicError(topic);
    return info;
  }

  /**
   * An offset of each partition, from its leader: the oldest (`'earliest'`), the high watermark
   * (`'latest'`, where the next record will be written) or the last stable offset (`'stable'`: the
   * high watermark, or the first offset of the oldest open transaction; what a read_committed fetch
   * can reach).
   */
  async listOffsets(info: TopicInfo, partitions: readonly number[], which: OffsetKind): Promise<Map<number, number>> {
    // Leadership moves (a topic another instance created a moment ago, a broker restart): refresh the
    // leaders and ask again for a bounded time instead of failing the caller at once.
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.listOffsetsOnce(info, partitions, which);
      } catch (err) {
        if (!LEADERSHIP_ERRORS.some((type) => hasErrorType(err, type)) || attempt >= 50) {
          throw this.error(err, `offsets of "${info.topic}"`, info.topic);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
        info = await this.requireTopic(info.topic);
      }
    }
  }

  private async listOffsetsOnce(info: TopicInfo, partitions: readonly number[], which: OffsetKind): Promise<Map<number, number>> {
    const timestamp = which === 'earliest' ? EARLIEST_OFFSET : LATEST_OFFSET;
    // Only the end of the log depends on the isolation level.
    const isolationLevel = which === 'latest' ? READ_UNCOMMITTED : READ_COMMITTED;
    const byLeader = new Map<number, number[]>();
    for (const p of partitions) {
      const leader = info.leaders[p];
      if (leader === undefined) throw new GokaError(`${this.name}: topic "${info.topic}" has no partition ${p} (it has ${info.partitions.length})`);
      let list = byLeader.get(leader);
      if (!list) byLeader.set(leader, (list = []));
      list.push(p);
    }
    const result = new Map<number, number>();
    await Promise.all(
      [...byLeader].map(async ([leader, ps]) => {
        const broker = await this.cluster.findBroker({ nodeId: leader });
        const response = await broker.listOffsets({
          replicaId: -1,
          isolationLevel,
          topics: [{ topic: info.topic, partitions: ps.map((partition) => ({ partition, timestamp })) }],
        });
        for (const t of response.responses) for (const p of t.partitions) result.set(p.partition, Number(p.offset));
      }),
    );
    return result;
  }

  /** Committed offsets of a group for the topic's partitions (`-1` where none). */
  async committedOffsets(groupId: string, info: TopicInfo): Promise<Map<number, number>> {
    const result = new Map<number, number>();
    try {
      const coordinator: InternalBroker = await this.cluster.findGroupCoordinator({ groupId });
      const response = await coordinator.offsetFetch({
        groupId,
        topics: [{ topic: info.topic, partitions: info.partitions.map((partition) => ({ partition })) }],
      });
      for (const t of response.responses) for (const p of t.partitions) result.set(p.partition, Number(p.offset));
    } catch (err) {
      throw this.error(err, `committed offsets of group "${groupId}"`, info.topic);
    }
    return result;
  }

  /**
   * Commits offsets as no member (generation -1, empty member id), which the coordinator accepts
   * only while the group has no members.
   */
  async commitAsNoMember(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const byTopic = new Map<string, { partition: number; offset: string }[]>();
    for (const { topic, partition, offset } of offsets) {
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push({ partition, offset: String(offset) });
    }
    try {
      const coordinator: InternalBroker = await this.cluster.findGroupCoordinator({ groupId });
      await coordinator.offsetCommit({ groupId, groupGenerationId: -1, memberId: '', topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) });
    } catch (err) {
      throw this.error(err, `set committed offsets of group "${groupId}"`);
    }
  }

  error(err: unknown, what: string, topic?: string): Error {
    return toGokaError(err, { operation: `${this.name}: ${what}`, brokers: this.brokers, topic });
  }
}
