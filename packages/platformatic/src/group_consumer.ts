import { GokaError, StateError, UnknownTopicError } from '@goka-ts/api';
import type { GroupConsumer, GroupConsumerConfig, GroupHandler, TopicPartitionOffset } from '@goka-ts/api';
import { commonPartitionCount, COPARTITION_PROTOCOL, COPARTITION_VERSION, encodeMemberData } from '@goka-ts/copartition';
import { FetchIsolationLevels, type Consumer, type GroupAssignment } from '@platformatic/kafka';
import { topicInfo } from './cluster';
import { copartitionAssigner } from './copartition_assigner';
import { asError, toGokaError } from './errors';
import { FetchLoop } from './fetch_loop';
import { createFetcher, listOffsets } from './fetcher';
import { commitOffsets, heartbeat } from './group_requests';
import { permanentJoinError } from './join_errors';
import type { ResolvedOptions } from './options';
import { RevocableConsumer } from './revocable_consumer';

type State = 'idle' | 'running' | 'closing' | 'closed' | 'failed';

/** Defaults of {@link GroupConsumerConfig} for this adapter (Sarama's session timeout, a short fetch wait). */
export const GROUP_DEFAULTS = { sessionTimeoutMs: 10000, heartbeatIntervalMs: 3000, rebalanceTimeoutMs: 60000, maxWaitMs: 500, maxBytes: 10 * 1024 * 1024, maxBytesPerPartition: 1024 * 1024 };

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
export class PlatformaticGroupConsumer implements GroupConsumer {
  private state: State = 'idle';
  private handler!: GroupHandler;
  private consumer?: RevocableConsumer;
  private fetcher?: Consumer;
  private loop?: FetchLoop;
  private started?: Promise<void>;
  private closing?: Promise<void>;
  private shutdown?: Promise<void>;
  private settle!: { resolve: () => void; reject: (err: Error) => void };

  private owned: readonly number[] = [];
  /** Partitions of the last assignment, announced at the next join so the leader can keep them here. */
  private previous: readonly number[] = [];
  private assigning: Promise<void> | null = null;
  private revoking: Promise<void> | null = null;
  /** Counts assignments, so that work of a revoked one does not start fetching. */
  private generation = 0;
  private readonly paused = new Map<string, Set<number>>();
  private readonly protocol = { name: COPARTITION_PROTOCOL, version: COPARTITION_VERSION, metadata: encodeMemberData([]) };

  private readonly topics: readonly string[];
  private readonly sessionTimeoutMs: number;
  private readonly heartbeatIntervalMs: number;
  private readonly rebalanceTimeoutMs: number;
  private readonly maxWaitMs: number;
  private readonly name: string;

  constructor(private readonly options: ResolvedOptions, private readonly config: GroupConsumerConfig) {
    this.name = `platformatic group consumer "${config.groupId}"`;
    if (!config.groupId) throw new GokaError('platformatic group consumer: groupId must not be empty');
    if (config.cooperative) {
      throw new GokaError(`${this.name}: cooperative rebalancing is not supported: @platformatic/kafka's classic group protocol is eager, and its new consumer protocol (KIP-848) has only server-side assignors, which cannot co-partition; use @goka-ts/confluent or drop "cooperative"`);
    }
    if (!config.topics.length) throw new GokaError(`${this.name}: at least one topic is needed`);
    if (new Set(config.topics).size !== config.topics.length) throw new GokaError(`${this.name}: topics listed twice: ${config.topics.join(', ')}`);
    this.topics = [...config.topics];
    this.sessionTimeoutMs = config.sessionTimeoutMs ?? GROUP_DEFAULTS.sessionTimeoutMs;
    this.heartbeatIntervalMs = config.heartbeatIntervalMs ?? Math.min(GROUP_DEFAULTS.heartbeatIntervalMs, Math.floor(this.sessionTimeoutMs / 3));
    this.rebalanceTimeoutMs = Math.max(config.rebalanceTimeoutMs ?? GROUP_DEFAULTS.rebalanceTimeoutMs, this.sessionTimeoutMs);
    this.maxWaitMs = config.maxWaitMs ?? GROUP_DEFAULTS.maxWaitMs;
    if (this.heartbeatIntervalMs >= this.sessionTimeoutMs) {
      throw new GokaError(`${this.name}: heartbeatIntervalMs (${this.heartbeatIntervalMs}) must be below sessionTimeoutMs (${this.sessionTimeoutMs})`);
    }
  }

  run(handler: GroupHandler): Promise<void> {
    if (this.state !== 'idle') return Promise.reject(new StateError(`${this.name}: run() can be called once (state ${this.state})`));
    this.state = 'running';
    this.handler = handler;
    const done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    this.started = this.start().catch((err: unknown) => this.fail(this.error(err)));
    return done;
  }

  pause(topic: string, partition: number): void {
    this.checkTopic(topic);
    let set = this.paused.get(topic);
    if (!set) this.paused.set(topic, (set = new Set()));
    set.add(partition);
    this.loop?.setPaused(topic, partition, true);
  }

  resume(topic: string, partition: number): void {
    this.checkTopic(topic);
    this.paused.get(topic)?.delete(partition);
    this.loop?.setPaused(topic, partition, false);
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (this.state !== 'running' && this.state !== 'closing') throw new StateError(`${this.name}: commit() while ${this.state}`);
    const consumer = this.consumer;
    if (!consumer?.memberId) throw new StateError(`${this.name}: commit() before the consumer joined its group`);
    if (offsets.length === 0) return;
    try {
      await commitOffsets(consumer, offsets);
    } catch (err) {
      throw toGokaError(err, { operation: `${this.name}: commit`, brokers: this.options.brokers });
    }
  }

  assignment(): readonly number[] {
    return this.owned;
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

  close(): Promise<void> {
    if (this.state === 'idle') {
      this.state = 'closed';
      return Promise.resolve();
    }
    if (this.state === 'failed' || this.state === 'closed') return this.shutdown ?? Promise.resolve();
    if (!this.closing) this.closing = this.closeGracefully();
    return this.closing;
  }

  private async start(): Promise<void> {
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
      rebalanceTimeout: this.rebalanceTimeoutMs,
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      protocols: [this.protocol],
      partitionAssigner: copartitionAssigner(this.config.groupId, (err) => this.fail(err)),
    });
    this.consumer = consumer;
    consumer.beforeJoin = () => this.beforeJoin();
    consumer.on('consumer:group:join', (payload) => this.onGroupJoin(payload.assignments ?? []));
    // platformatic reports a rejoin that failed for good (after its retries) as an error event.
    consumer.on('error', (err: unknown) => this.fail(this.error(err)));
    for (const topic of this.topics) consumer.topics.track(topic);
    this.loop.start();
    await consumer.joinGroup({});
  }

  private onGroupJoin(assignments: readonly GroupAssignment[]): void {
    const set = new Set<number>();
    for (const a of assignments) if (this.topics.includes(a.topic)) for (const p of a.partitions) set.add(p);
    const partitions = [...set].sort((a, b) => a - b);
    this.previous = partitions;
    if (this.state !== 'running') return;
    const generation = ++this.generation;
    const job = (async () => {
      // Normally revoked before the join already; this covers a join that bypassed the hook.
      if (this.owned.length) await this.revoke();
      if (this.state !== 'running' || generation !== this.generation) return;
      this.owned = Object.freeze([...partitions]);
      if (partitions.length === 0) return;
      await this.handler.onAssigned(partitions);
      if (this.state !== 'running' || generation !== this.generation || this.owned.length === 0) return;
      await this.startFetching(partitions, generation);
    })();
    this.assigning = job.catch((err: unknown) => this.fail(err instanceof Error && !(err instanceof GokaError) ? err : this.error(err)));
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
      if (this.owned.length) await this.revoke().catch(() => undefined);
      // onRevoked may arrive while onAssigned still runs (a rebalance during recovery): the member
      // joins only once neither is outstanding.
      await this.assigning;
    } finally {
      if (keepalive) clearInterval(keepalive);
    }
    this.protocol.metadata = encodeMemberData(this.previous);
    if (this.stopped()) throw new GokaError(`${this.name}: not rejoining after failure`);
  }

  /** Takes the owned partitions away (synchronously) and tells the handler. */
  private async revoke(): Promise<void> {
    const before = this.revoking;
    const partitions = this.owned;
    this.owned = Object.freeze([]);
    this.generation++;
    // As with Java's consumer, a partition assigned again later starts unpaused.
    for (const set of this.paused.values()) set.clear();
    for (const topic of this.topics) for (const p of partitions) void this.loop?.remove(topic, p);
    const job = (async () => {
      await before?.catch(() => undefined);
      if (partitions.length === 0) return;
      try {
        await this.handler.onRevoked(partitions);
      } catch (err) {
        this.fail(asError(err));
        throw err;
      }
    })();
    this.revoking = job;
    return job;
  }

  private async closeGracefully(): Promise<void> {
    this.state = 'closing';
    await this.started;
    await this.loop?.stop();
    await Promise.all((this.loop?.all() ?? []).map((s) => s.delivering?.catch(() => undefined)));
    await this.revoke().catch(() => undefined);
    await this.assigning;
    await this.stopClients();
    if (this.state === 'closing') {
      this.state = 'closed';
      this.settle.resolve();
    }
  }

  private fail(err: Error): void {
    if (this.state === 'failed' || this.state === 'closed') return;
    this.state = 'failed';
    this.shutdown = (async () => {
      await this.started?.catch(() => undefined);
      await this.stopClients();
    })().then(() => this.settle.reject(err));
  }

  private async stopClients(): Promise<void> {
    await this.loop?.stop().catch(() => undefined);
    this.owned = Object.freeze([]);
    if (this.consumer) this.consumer.beforeJoin = null;
    // close() leaves the group (when joined) and closes the sockets; force: no streams to wait for.
    if (this.consumer) await (this.consumer.close(true) as unknown as Promise<void>).catch(() => undefined);
    await this.fetcher?.close().catch(() => undefined);
  }

  private error(err: unknown): Error {
    return permanentJoinError(err, this.config.groupId) ?? toGokaError(err, { operation: this.name, brokers: this.options.brokers });
  }

  private stopped(): boolean {
    return this.state === 'failed' || this.state === 'closed';
  }

  private checkTopic(topic: string): void {
    if (!this.topics.includes(topic)) throw new GokaError(`${this.name}: "${topic}" is not one of its topics (${this.topics.join(', ')})`);
  }
}
