import { GokaError, UnknownTopicError } from '@goka-ts/api';
import type { GroupConsumerConfig, TopicPartitionOffset } from '@goka-ts/api';
import { GROUP_DEFAULTS as BASE_DEFAULTS, GroupConsumerBase, permanentJoinError } from '@goka-ts/adapter-kit';
import { commonPartitionCount, COPARTITION_PROTOCOL, COPARTITION_VERSION, encodeMemberData } from '@goka-ts/copartition';
import { FetchIsolationLevels, type Consumer, type GroupAssignment } from '@platformatic/kafka';
import { topicInfo } from './cluster';
import { copartitionAssigner } from './copartition_assigner';
import { protocolErrors, toGokaError } from './errors';
import { FetchLoop } from './fetch_loop';
import { createFetcher, listOffsets } from './fetcher';
import { commitOffsets, heartbeat } from './group_requests';
import type { ResolvedOptions } from './options';
import { RevocableConsumer } from './revocable_consumer';

/** Defaults of {@link GroupConsumerConfig} for this adapter: the adapters' own, and how much one fetch brings. */
export const GROUP_DEFAULTS = { ...BASE_DEFAULTS, maxBytes: 10 * 1024 * 1024, maxBytesPerPartition: 1024 * 1024 };

/** Whom a platformatic member can share a group with: the remedy for a group of another assignment protocol. */
const PROTOCOL_NOTE = 'goka-ts on @platformatic/kafka assigns with Go Goka\'s "copartition" protocol and shares a group with Go Goka and kafkajs goka-ts members, not with librdkafka members (the confluent adapter\'s "range") or plain consumers; run every member with a compatible client, or use a new group';

/**
 * Group consumer on platformatic's classic group protocol with Goka's co-partitioned assignment:
 * - Membership (join, sync, heartbeats, rejoins) is platformatic's; the "copartition" protocol and
 *   its assigner are ours. Before every JoinGroup (see {@link RevocableConsumer}) the member revokes
 *   what it owns, heartbeating meanwhile, and announces it for stickiness (eager protocol).
 * - Fetching is the adapter's {@link FetchLoop} on a second, fetch-only client: a partition is
 *   fetched only once `onAssigned` resolved, and its next batch only once `onBatch` resolved.
 * - Commits go straight to the coordinator under the current generation, never retried under a
 *   later one (platformatic's own commit rejoins and retries).
 */
export class PlatformaticGroupConsumer extends GroupConsumerBase {
  private consumer?: RevocableConsumer;
  private fetcher?: Consumer;
  private loop?: FetchLoop;
  /** Counts assignments, so that work of a revoked one does not start fetching. */
  private generation = 0;
  private readonly protocol = { name: COPARTITION_PROTOCOL, version: COPARTITION_VERSION, metadata: encodeMemberData([]) };

  constructor(private readonly options: ResolvedOptions, config: GroupConsumerConfig) {
    super(config, {
      client: 'platformatic',
      cooperativeRefusal: 'cooperative rebalancing is not supported: @platformatic/kafka\'s classic group protocol is eager, and its new consumer protocol (KIP-848) has only server-side assignors, which cannot co-partition; use @goka-ts/confluent or drop "cooperative"',
    });
  }

  protected pauseChanged(topic: string, partition: number, paused: boolean): void {
    this.loop?.setPaused(topic, partition, paused);
  }

  protected joined(): boolean {
    return Boolean(this.consumer?.memberId);
  }

  protected async commitOffsets(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    await commitOffsets(this.consumer!, offsets);
  }

  protected clientError(err: unknown, operation: string): Error {
    return toGokaError(err, { operation, brokers: this.options.brokers });
  }

  protected permanentJoinError(err: unknown): Error | undefined {
    return permanentJoinError(err, this.config.groupId, { errors: protocolErrors, protocol: PROTOCOL_NOTE });
  }

  /**
   * The member's group metadata for a transactional offset commit (KIP-447): the coordinator
   * rejects the commit if this member has lost its generation. `undefined` before joining.
   * @internal
   */
  memberMetadata(): { groupId: string; generationId: number; memberId: string; coordinatorId: number } | undefined {
    const c = this.consumer;
    if (!c?.memberId || c.coordinatorId === null) return undefined;
    return { groupId: c.groupId, generationId: c.generationId, memberId: c.memberId, coordinatorId: c.coordinatorId };
  }

  protected async start(): Promise<void> {
    const fetcher = createFetcher(this.options, 'group');
    this.fetcher = fetcher;
    const counts = new Map<string, number>();
    for (const topic of this.topics) {
      const info = await topicInfo(fetcher, topic);
      if (!info) throw new UnknownTopicError(topic, { detail: `consumed by group "${this.config.groupId}"` });
      counts.set(topic, info.partitions);
    }
    commonPartitionCount(this.config.groupId, counts);
    if (this.state !== 'running') return;
    this.loop = new FetchLoop(fetcher, { name: this.name, brokers: this.options.brokers, ...GROUP_DEFAULTS, maxWaitMs: this.maxWaitMs }, {
      deliver: (slot, messages) => this.handler.onBatch({ topic: slot.topic, partition: slot.partition, messages, highWatermark: slot.highWatermark }),
      resetOffset: async (slot) => (await listOffsets(fetcher, slot.topic, [slot.partition], this.config.startFrom === 'oldest' ? 'oldest' : 'newest')).get(slot.partition) ?? 0n,
      fail: (err) => this.fail(err),
    });
    const consumer = new RevocableConsumer({
      ...this.options.base,
      groupId: this.config.groupId,
      autocommit: false,
      sessionTimeout: this.sessionTimeoutMs,
      heartbeatInterval: this.heartbeatIntervalMs,
      rebalanceTimeout: Math.max(this.rebalanceTimeoutMs, this.sessionTimeoutMs),
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      protocols: [this.protocol],
      partitionAssigner: copartitionAssigner(this.config.groupId, (err) => this.fail(err)),
    });
    this.consumer = consumer;
    consumer.beforeJoin = () => this.beforeJoin();
    consumer.on('consumer:group:join', (payload) => this.onGroupJoin(payload.assignments ?? []));
    // platformatic reports a rejoin that failed for good (after its retries) as an error event.
    consumer.on('error', (err: unknown) => this.fail(this.failureOf(err)));
    for (const topic of this.topics) consumer.topics.track(topic);
    this.loop.start();
    await consumer.joinGroup({});
  }

  private onGroupJoin(assignments: readonly GroupAssignment[]): void {
    const partitions = this.assignedPartitions(assignments.map((a) => [a.topic, a.partitions] as const));
    if (this.state !== 'running') return;
    const generation = ++this.generation;
    const job = (async () => {
      // Normally revoked before the join already; this covers a join that bypassed the hook.
      if (this.owned.length) await this.revoke();
      if (this.state !== 'running' || generation !== this.generation) return;
      this.setOwned(partitions);
      if (partitions.length === 0) return;
      await this.handler.onAssigned(partitions);
      if (this.state !== 'running' || generation !== this.generation || this.owned.length === 0) return;
      await this.startFetching(partitions, generation);
    })();
    this.assigning = job.catch((err: unknown) => this.fail(err instanceof Error && !(err instanceof GokaError) ? err : this.failureOf(err)));
  }

  /** Committed offsets (or the start offset) of every topic's partitions, then fetching. */
  private async startFetching(partitions: readonly number[], generation: number): Promise<void> {
    const consumer = this.consumer!;
    const fetcher = this.fetcher!;
    const committed = await consumer.listCommittedOffsets({ topics: this.topics.map((topic) => ({ topic, partitions: [...partitions] })) });
    const starts: Array<[string, number, bigint]> = [];
    for (const topic of this.topics) {
      const list = committed.get(topic) ?? [];
      const missing = partitions.filter((p) => (list[p] ?? -1n) < 0n);
      const fallback = missing.length ? await listOffsets(fetcher, topic, missing, this.config.startFrom === 'oldest' ? 'oldest' : 'newest') : new Map<number, bigint>();
      for (const p of partitions) starts.push([topic, p, (list[p] ?? -1n) >= 0n ? list[p]! : fallback.get(p)!]);
    }
    if (this.state !== 'running' || generation !== this.generation || this.owned.length === 0) return;
    for (const [topic, partition, offset] of starts) {
      this.loop!.add(topic, partition, offset);
      if (this.paused.get(topic)?.has(partition)) this.loop!.setPaused(topic, partition, true);
    }
  }

  /**
   * Runs right before platformatic sends JoinGroup. platformatic has stopped heartbeating: until the
   * member rejoins, its session lives on the heartbeats sent here (answered "rebalance in progress").
   */
  private async beforeJoin(): Promise<void> {
    if (this.state === 'failed' || this.state === 'closed') throw new GokaError(`${this.name}: not rejoining after it stopped`);
    const consumer = this.consumer!;
    const keepalive = consumer.memberId ? setInterval(() => void heartbeat(consumer).catch(() => undefined), this.heartbeatIntervalMs) : null;
    try {
      await this.relinquish();
    } finally {
      if (keepalive) clearInterval(keepalive);
    }
    this.protocol.metadata = encodeMemberData(this.previous);
    if (this.stopped()) throw new GokaError(`${this.name}: not rejoining after failure`);
  }

  protected released(partitions: readonly number[]): void {
    this.generation++;
    for (const topic of this.topics) for (const p of partitions) void this.loop?.remove(topic, p);
  }

  protected async drain(): Promise<void> {
    await this.loop?.stop();
    await Promise.all((this.loop?.all() ?? []).map((s) => s.delivering?.catch(() => undefined)));
  }

  protected async stopClients(): Promise<void> {
    // A failure during start() waits for it: the clients it creates are stopped too.
    await this.started?.catch(() => undefined);
    await this.loop?.stop().catch(() => undefined);
    this.owned = Object.freeze([]);
    if (this.consumer) this.consumer.beforeJoin = null;
    // close() leaves the group (when joined) and closes the sockets; force: no streams to wait for.
    if (this.consumer) await (this.consumer.close(true) as unknown as Promise<void>).catch(() => undefined);
    await this.fetcher?.close().catch(() => undefined);
  }
}
