import { GokaError, UnknownTopicError } from '@goka-ts/api';
import type { GroupConsumerConfig, TopicPartitionOffset } from '@goka-ts/api';
import { asError, GroupConsumerBase, permanentJoinError } from '@goka-ts/adapter-kit';
import { commonPartitionCount } from '@goka-ts/copartition';
import type { Consumer as KafkaJsConsumer, EachBatchPayload, Kafka } from 'kafkajs';
import { hideAbortedRecords } from './aborted_records';
import { ClusterOps } from './cluster_ops';
import { copartitionAssigner } from './copartition_assigner';
import { errorChain, isRebalanceError, isUnknownTopic, nonRetriable, toGokaError } from './errors';
import type { InternalBroker } from './internals';
import { toMessages } from './messages';
import type { ResolvedOptions } from './options';

/** Whom a kafkajs member can share a group with: the remedy for a group of another assignment protocol. */
const PROTOCOL_NOTE = 'goka-ts on kafkajs assigns with Go Goka\'s "copartition" protocol and shares a group with Go Goka and other kafkajs goka-ts members, not with librdkafka members (the confluent adapter\'s "range") or plain consumers; run every member with a compatible client, or use a new group';

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Group consumer on kafkajs with Goka's co-partitioned assignment and the {@link GroupHandler}
 * life cycle kafkajs lacks:
 * - kafkajs has no revocation callback. Before every JoinGroup kafkajs looks up the group
 *   coordinator on the consumer's cluster; the assigner wraps that lookup so `onRevoked` runs (and
 *   finishes) right before the member rejoins, while its generation is still valid for commits and
 *   before any other member can be given the partitions (eager protocol, as the Java client does).
 * - `onAssigned` starts when kafkajs reports the new assignment; batches of the group wait for it,
 *   heartbeating meanwhile, and give way to a rebalance that starts during the wait. kafkajs then
 *   rejoins, and `onRevoked` runs while `onAssigned` may still be running (a long table recovery
 *   can stop early); the member joins again only once both have settled.
 * - Offsets are resolved only after `onBatch` resolved, never auto-committed.
 */
export class KafkajsGroupConsumer extends GroupConsumerBase {
  private consumer?: KafkaJsConsumer;
  private kafkajsRunning = false;
  private ownedSet = new Set<number>();
  /** Pending `onAssigned` (batches wait for it). */
  private gate: Promise<void> | null = null;

  private inflight = 0;
  private idleWaiters: Array<() => void> = [];
  /** Handlers, gates or the revocation before a join kafkajs is waiting on; while > 0 the keepalive heartbeats for kafkajs. */
  private busy = 0;
  private heartbeat: (() => Promise<void>) | null = null;
  /** A heartbeat failure other than a rebalance, reported once to a batch waiting for onAssigned. */
  private heartbeatError: unknown = null;
  /** The group rebalances (a heartbeat said so): every batch waiting for onAssigned gives way, until the next join. */
  private rebalanceError: unknown = null;
  /** Counts joins, so that a heartbeat answered after a join does not speak for the new generation. */
  private joins = 0;
  private keepalive: NodeJS.Timeout | null = null;

  constructor(private readonly kafka: Kafka, private readonly options: ResolvedOptions, config: GroupConsumerConfig) {
    super(config, {
      client: 'kafkajs',
      cooperativeRefusal: 'cooperative rebalancing is not supported by kafkajs (it only implements the eager protocol); use @goka-ts/confluent or drop "cooperative"',
    });
  }

  protected pauseChanged(topic: string, partition: number, paused: boolean): void {
    if (!this.kafkajsRunning) return;
    if (paused) this.consumer!.pause([{ topic, partitions: [partition] }]);
    else this.consumer!.resume([{ topic, partitions: [partition] }]);
  }

  protected joined(): boolean {
    return this.kafkajsRunning;
  }

  protected async commitOffsets(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    await this.consumer!.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })));
  }

  protected clientError(err: unknown, operation: string): Error {
    return toGokaError(err, { operation, brokers: this.options.brokers });
  }

  protected permanentJoinError(err: unknown): Error | undefined {
    return permanentJoinError(err, this.config.groupId, { errors: (e) => errorChain(e).flatMap((link) => (link.type ? [link.type] : [])), protocol: PROTOCOL_NOTE });
  }

  protected async start(): Promise<void> {
    const ops = new ClusterOps(this.kafka, this.options.brokers, this.name);
    let partitionCount: number;
    try {
      await ops.connect();
      const infos = await Promise.all(this.topics.map((t) => ops.requireTopic(t)));
      partitionCount = commonPartitionCount(this.config.groupId, new Map(infos.map((i) => [i.topic, i.partitions.length])));
    } finally {
      await ops.disconnect().catch(() => undefined);
    }
    if (this.state !== 'running') return;
    const consumer = this.kafka.consumer({
      groupId: this.config.groupId,
      partitionAssigners: [
        copartitionAssigner({
          previousAssignment: () => this.previous,
          onCreate: (cluster) => {
            // Revocation point: kafkajs looks up the coordinator right before every JoinGroup.
            const lookup = cluster.findGroupCoordinator.bind(cluster);
            cluster.findGroupCoordinator = async (group) => {
              await this.beforeJoin();
              return lookup(group);
            };
            // Fetches go to brokers found here; their aborted records must not reach kafkajs' own filter.
            const findBroker = cluster.findBroker.bind(cluster);
            cluster.findBroker = async (node) => {
              const broker = await findBroker(node);
              hideAbortedRecords(broker as unknown as InternalBroker);
              return broker;
            };
          },
        }),
      ],
      sessionTimeout: this.sessionTimeoutMs,
      heartbeatInterval: this.heartbeatIntervalMs,
      rebalanceTimeout: this.rebalanceTimeoutMs,
      maxWaitTimeInMs: this.maxWaitMs,
      allowAutoTopicCreation: false,
      // Processors in exactly-once mode write transactionally: records of open or aborted
      // transactions must never be processed (records of non-transactional producers are unaffected).
      readUncommitted: false,
      // A crash is final: run() rejects instead of kafkajs restarting behind the caller's back.
      retry: { ...this.options.retry, restartOnFailure: async () => false },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => this.onGroupJoin(event.payload.memberAssignment));
    consumer.on(consumer.events.CRASH, (event) => this.crashed(event.payload.error));
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.topics], fromBeginning: this.config.startFrom === 'oldest' });
    if (this.state !== 'running') return;
    this.keepalive = setInterval(() => this.keepAlive(), this.heartbeatIntervalMs);
    this.keepalive.unref();
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: Math.max(1, partitionCount * this.topics.length),
      eachBatch: (payload) => this.eachBatch(payload),
    });
    if (this.state !== 'running' && this.state !== 'closing') return;
    this.kafkajsRunning = true;
    for (const [topic, partitions] of this.paused) if (partitions.size) consumer.pause([{ topic, partitions: [...partitions] }]);
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    this.heartbeat = payload.heartbeat;
    if (this.state !== 'running') return;
    const { topic, partition } = batch;
    if (this.gate) {
      await this.waitForAssignment();
      if (this.state !== 'running') return;
    }
    // Batches fetched before a pause or for partitions no longer ours are dropped unresolved:
    // kafkajs fetches them again from the same offset.
    if (!this.ownedSet.has(partition) || this.paused.get(topic)?.has(partition)) return;
    const messages = toMessages(topic, partition, batch.messages, -1);
    if (messages.length > 0) {
      this.inflight++;
      this.busy++;
      try {
        await this.handler.onBatch({ topic, partition, messages, highWatermark: Number(batch.highWatermark) });
      } catch (err) {
        this.fail(asError(err));
        return;
      } finally {
        this.busy--;
        if (--this.inflight === 0) this.notifyIdle();
      }
    }
    payload.resolveOffset(batch.lastOffset());
  }

  /**
   * Waits for the pending onAssigned; a heartbeat failure ends the wait. kafkajs waits for every
   * batch it handed out before it acts on an error, so a rebalance ends all the waits at once: the
   * batches stay unresolved (fetched again later) and kafkajs rejoins.
   */
  private async waitForAssignment(): Promise<void> {
    this.busy++;
    try {
      while (this.gate && this.state === 'running') {
        if (this.rebalanceError) throw this.rebalanceError;
        if (this.heartbeatError) {
          const err = this.heartbeatError;
          this.heartbeatError = null;
          throw err;
        }
        await Promise.race([this.gate, delay(100)]);
      }
    } finally {
      this.busy--;
    }
  }

  /**
   * kafkajs heartbeats only between fetches and batches; while it waits on us (handlers, batches
   * waiting for onAssigned, the revocation before a join) or onAssigned is pending, we heartbeat for
   * it. kafkajs shares one heartbeat request and skips it within the interval, so this adds none
   * while its own loop runs. Before the first batch there is no heartbeat function yet; kafkajs'
   * loop is then not waiting on a batch and heartbeats after every (empty) fetch itself.
   * A failure is kept for waitForAssignment; kafkajs' own next heartbeat sees it too (a failed
   * heartbeat does not count as sent), and rejoins.
   */
  private keepAlive(): void {
    if ((this.busy === 0 && !this.gate) || !this.heartbeat || this.state === 'failed' || this.state === 'closed') return;
    const joins = this.joins;
    this.heartbeat().then(
      () => undefined,
      (err: unknown) => {
        if (joins !== this.joins) return;
        if (isRebalanceError(err)) this.rebalanceError = err;
        else this.heartbeatError = err;
      },
    );
  }

  private onGroupJoin(memberAssignment: Record<string, number[]>): void {
    const partitions = this.assignedPartitions(Object.entries(memberAssignment));
    this.joins++;
    this.heartbeatError = null;
    this.rebalanceError = null;
    if (this.state !== 'running') return;
    const job = (async () => {
      // Normally revoked before the join already; this covers joins that bypassed the hook.
      if (this.owned.length) await this.revoke();
      if (this.state !== 'running') return;
      this.setOwned(partitions);
      if (partitions.length) await this.handler.onAssigned(partitions);
    })();
    this.assigning = job;
    const gate: Promise<void> = job.then(
      () => {
        if (this.gate === gate) this.gate = null;
      },
      (err: unknown) => {
        if (this.gate === gate) this.gate = null;
        this.fail(asError(err));
      },
    );
    this.gate = gate;
  }

  /**
   * Runs right before kafkajs sends JoinGroup. The keepalive heartbeats meanwhile: until the member
   * rejoins, the coordinator keeps its session alive on heartbeats (answering "rebalance in progress").
   */
  private async beforeJoin(): Promise<void> {
    await this.whileRevoking(() => this.relinquish());
    if (this.failure) throw nonRetriable(new GokaError(`${this.name}: not rejoining after failure: ${this.failure.message}`));
  }

  /** kafkajs waits on the revocation (before a join, or at close): the keepalive heartbeats meanwhile. */
  protected override async whileRevoking(work: () => Promise<void>): Promise<void> {
    this.busy++;
    try {
      await work();
    } finally {
      this.busy--;
    }
  }

  protected released(_partitions: readonly number[], unpaused: ReadonlyMap<string, readonly number[]>): void {
    if (this.kafkajsRunning && this.state === 'running' && unpaused.size) this.consumer!.resume([...unpaused].map(([topic, partitions]) => ({ topic, partitions: [...partitions] })));
  }

  protected async drain(): Promise<void> {
    if (this.kafkajsRunning) {
      // Nothing new is delivered; pausing also stops kafkajs from re-fetching the dropped batches.
      this.consumer!.pause(this.topics.map((topic) => ({ topic })));
    }
    await this.whenIdle();
  }

  /** kafkajs gave up (it has already left the group and disconnected). */
  private async crashed(err: unknown): Promise<void> {
    let error = this.failureOf(err);
    if (isUnknownTopic(err)) {
      // kafkajs does not say which topic disappeared.
      const ops = new ClusterOps(this.kafka, this.options.brokers, this.name);
      try {
        await ops.connect();
        for (const topic of this.topics) {
          if (!(await ops.topicInfo(topic))) {
            error = new UnknownTopicError(topic, { cause: err, detail: `consumed by group "${this.config.groupId}"` });
            break;
          }
        }
      } catch {
        // The plain error above still says what happened.
      } finally {
        await ops.disconnect().catch(() => undefined);
      }
    }
    this.fail(error);
  }

  protected async stopClients(): Promise<void> {
    // A failure ends every wait for onAssigned.
    this.gate = null;
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = null;
    this.kafkajsRunning = false;
    // disconnect() stops fetching (waiting for running handlers), leaves the group and closes sockets.
    await this.consumer?.disconnect().catch(() => undefined);
    this.setOwned([]);
  }

  protected override setOwned(partitions: readonly number[]): void {
    super.setOwned(partitions);
    this.ownedSet = new Set(partitions);
  }

  private whenIdle(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
