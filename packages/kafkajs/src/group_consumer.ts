import { GokaError, StateError, UnknownTopicError } from '@goka-ts/api';
import type { GroupConsumer, GroupConsumerConfig, GroupHandler, TopicPartitionOffset } from '@goka-ts/api';
import { commonPartitionCount } from '@goka-ts/copartition';
import type { Consumer as KafkaJsConsumer, EachBatchPayload, Kafka } from 'kafkajs';
import { hideAbortedRecords } from './aborted_records';
import { ClusterOps } from './cluster_ops';
import { copartitionAssigner } from './copartition_assigner';
import { isRebalanceError, isUnknownTopic, nonRetriable, toGokaError } from './errors';
import type { InternalBroker } from './internals';
import { permanentJoinError } from './join_errors';
import { toMessages } from './messages';
import type { ResolvedOptions } from './options';

type State = 'idle' | 'running' | 'closing' | 'closed' | 'failed';

/** Defaults of {@link GroupConsumerConfig} for this adapter (Sarama's session timeout, a short fetch wait). */
export const GROUP_DEFAULTS = { sessionTimeoutMs: 10000, heartbeatIntervalMs: 3000, rebalanceTimeoutMs: 60000, maxWaitMs: 500 };

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
export class KafkajsGroupConsumer implements GroupConsumer {
  private state: State = 'idle';
  private handler!: GroupHandler;
  private consumer?: KafkaJsConsumer;
  private kafkajsRunning = false;
  private started?: Promise<void>;
  private closing?: Promise<void>;
  private shutdown?: Promise<void>;
  private settle!: { resolve: () => void; reject: (err: Error) => void };
  private failure?: Error;

  private owned: readonly number[] = [];
  private ownedSet = new Set<number>();
  /** Partitions of the last assignment, announced at the next join so the assigner can keep them here. */
  private previous: readonly number[] = [];
  /** Pending `onAssigned` (batches wait for it). */
  private gate: Promise<void> | null = null;
  private assigning: Promise<void> | null = null;
  private revoking: Promise<void> | null = null;
  private readonly paused = new Map<string, Set<number>>();

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

  private readonly topics: readonly string[];
  private readonly sessionTimeoutMs: number;
  private readonly heartbeatIntervalMs: number;
  private readonly rebalanceTimeoutMs: number;
  private readonly maxWaitMs: number;
  private readonly name: string;

  constructor(private readonly kafka: Kafka, private readonly options: ResolvedOptions, private readonly config: GroupConsumerConfig) {
    this.name = `kafkajs group consumer "${config.groupId}"`;
    if (!config.groupId) throw new GokaError('kafkajs group consumer: groupId must not be empty');
    if (config.cooperative) {
      throw new GokaError(`${this.name}: cooperative rebalancing is not supported by kafkajs (it only implements the eager protocol); use @goka-ts/confluent or drop "cooperative"`);
    }
    if (!config.topics.length) throw new GokaError(`${this.name}: at least one topic is needed`);
    if (new Set(config.topics).size !== config.topics.length) throw new GokaError(`${this.name}: topics listed twice: ${config.topics.join(', ')}`);
    this.topics = [...config.topics];
    this.sessionTimeoutMs = config.sessionTimeoutMs ?? GROUP_DEFAULTS.sessionTimeoutMs;
    this.heartbeatIntervalMs = config.heartbeatIntervalMs ?? Math.min(GROUP_DEFAULTS.heartbeatIntervalMs, Math.floor(this.sessionTimeoutMs / 3));
    this.rebalanceTimeoutMs = config.rebalanceTimeoutMs ?? GROUP_DEFAULTS.rebalanceTimeoutMs;
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
    this.started = this.start().catch((err) => this.fail(toGokaError(err, { operation: this.name, brokers: this.options.brokers })));
    return done;
  }

  pause(topic: string, partition: number): void {
    this.checkTopic(topic);
    let set = this.paused.get(topic);
    if (!set) this.paused.set(topic, (set = new Set()));
    set.add(partition);
    if (this.kafkajsRunning) this.consumer!.pause([{ topic, partitions: [partition] }]);
  }

  resume(topic: string, partition: number): void {
    this.checkTopic(topic);
    this.paused.get(topic)?.delete(partition);
    if (this.kafkajsRunning) this.consumer!.resume([{ topic, partitions: [partition] }]);
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (this.state !== 'running' && this.state !== 'closing') throw new StateError(`${this.name}: commit() while ${this.state}`);
    if (!this.kafkajsRunning) throw new StateError(`${this.name}: commit() before the consumer joined its group`);
    if (offsets.length === 0) return;
    try {
      await this.consumer!.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })));
    } catch (err) {
      throw toGokaError(err, { operation: `${this.name}: commit`, brokers: this.options.brokers });
    }
  }

  assignment(): readonly number[] {
    return this.owned;
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
        this.fail(err instanceof Error ? err : new GokaError(String(err)));
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
    const set = new Set<number>();
    for (const topic of this.topics) for (const p of memberAssignment[topic] ?? []) set.add(p);
    const partitions = [...set].sort((a, b) => a - b);
    this.previous = partitions;
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
        this.fail(err instanceof Error ? err : new GokaError(String(err)));
      },
    );
    this.gate = gate;
  }

  /**
   * Runs right before kafkajs sends JoinGroup. The keepalive heartbeats meanwhile: until the member
   * rejoins, the coordinator keeps its session alive on heartbeats (answering "rebalance in progress").
   */
  private async beforeJoin(): Promise<void> {
    this.busy++;
    try {
      if (this.owned.length) {
        await this.revoke().catch(() => {
          // fail() has the error; it ends run() below.
        });
      }
      // onRevoked may have arrived while onAssigned was still running (rebalance during recovery):
      // the member joins only once neither is outstanding.
      await this.assigning?.catch(() => undefined);
    } finally {
      this.busy--;
    }
    if (this.failure) throw nonRetriable(new GokaError(`${this.name}: not rejoining after failure: ${this.failure.message}`));
  }

  /** Takes the owned partitions away (synchronously) and tells the handler. */
  private async revoke(): Promise<void> {
    const previous = this.revoking;
    const partitions = this.owned;
    this.setOwned([]);
    // As with Java's consumer, a partition assigned again later starts unpaused.
    const unpause: Array<{ topic: string; partitions: number[] }> = [];
    for (const [topic, set] of this.paused) {
      if (set.size) unpause.push({ topic, partitions: [...set] });
      set.clear();
    }
    if (this.kafkajsRunning && this.state === 'running' && unpause.length) this.consumer!.resume(unpause);
    const job = (async () => {
      await previous?.catch(() => undefined);
      if (partitions.length === 0) return;
      try {
        await this.handler.onRevoked(partitions);
      } catch (err) {
        this.fail(err instanceof Error ? err : new GokaError(String(err)));
        throw err;
      }
    })();
    this.revoking = job;
    return job;
  }

  private async closeGracefully(): Promise<void> {
    this.state = 'closing';
    await this.started;
    if (this.kafkajsRunning) {
      // Nothing new is delivered; pausing also stops kafkajs from re-fetching the dropped batches.
      this.consumer!.pause(this.topics.map((topic) => ({ topic })));
    }
    await this.whenIdle();
    this.busy++;
    try {
      await this.revoke().catch(() => undefined);
      await this.assigning?.catch(() => undefined);
    } finally {
      this.busy--;
    }
    await this.stopKafkajs();
    if (this.state === 'closing') {
      this.state = 'closed';
      this.settle.resolve();
    }
  }

  /** kafkajs gave up (it has already left the group and disconnected). */
  private async crashed(err: unknown): Promise<void> {
    let error: Error = permanentJoinError(err, this.config.groupId) ?? toGokaError(err, { operation: this.name, brokers: this.options.brokers });
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

  private fail(err: Error): void {
    if (this.state === 'failed' || this.state === 'closed') return;
    this.failure = err;
    this.state = 'failed';
    this.gate = null;
    this.shutdown = this.stopKafkajs().then(() => this.settle.reject(err));
  }

  private async stopKafkajs(): Promise<void> {
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = null;
    this.kafkajsRunning = false;
    // disconnect() stops fetching (waiting for running handlers), leaves the group and closes sockets.
    await this.consumer?.disconnect().catch(() => undefined);
    this.setOwned([]);
  }

  private setOwned(partitions: readonly number[]): void {
    this.owned = Object.freeze([...partitions]);
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

  private checkTopic(topic: string): void {
    if (!this.topics.includes(topic)) throw new GokaError(`${this.name}: "${topic}" is not one of its topics (${this.topics.join(', ')})`);
  }
}
