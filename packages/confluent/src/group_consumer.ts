import {
  GokaError, KafkaConnectionError, StateError, UnknownTopicError,
  type GroupConsumer, type GroupConsumerConfig, type GroupHandler, type TopicPartitionOffset,
} from '@goka-ts/api';
import { permanentJoinError } from '@goka-ts/adapter-kit';
import { assignedPartitions, checkCoPartitioned } from './copartition_check';
import { PendingCommits, type CommittedPartition } from './pending_commits';
import { ConnectionWatch } from './connection_watch';
import { ConsumeLoop } from './consume_loop';
import { Code, codeName, codeOf, corruptBatchError, isCorruptBatch, isUnknownTopic, toGokaError } from './errors';
import { instrument } from './instrumentation';
import type { ResolvedOptions } from './options';
import { BatchDispatcher, Flow } from './partition_flow';
import {
  connectClient, disconnectClient, fetchMetadata, internals, rdkafka,
  type KafkaConsumer, type LibrdKafkaError, type Metadata, type RdConfig,
} from './rdkafka';
import type { StatisticsHub } from './statistics';

/** How often an idle consume loop polls anyway (serves librdkafka if a wake-up was missed). */
const IDLE_POLL_MS = 500;

/** Why `cooperative: true` is refused; see README "Cooperative rebalancing". */
export const COOPERATIVE_UNSUPPORTED =
  '@goka-ts/confluent cannot rebalance cooperatively without breaking co-partitioning: librdkafka\'s only ' +
  'cooperative assignor (cooperative-sticky) assigns each topic-partition independently, so partition p of ' +
  'different topics can land on different members, and librdkafka has no API for a custom assignor. ' +
  'Use the default eager rebalancing (range assignor), or the kafkajs adapter if it offers cooperative mode.';

/** Whom a librdkafka member can share a group with: the remedy for a group of another assignment protocol. */
const PROTOCOL_NOTE = 'goka-ts on librdkafka assigns with "range" and cannot share a group with members of another protocol (e.g. Go Goka\'s "copartition" or kafkajs members); run every member of the group on the same goka-ts adapter, or use a new group';

/**
 * The error to fail with when `err` is a join error no retry can change: librdkafka reports them
 * as ordinary (retried) errors, so a member would try to join forever while its `run()` never settles.
 */
function joinFailure(err: unknown, groupId: string): GokaError | undefined {
  return permanentJoinError(err, groupId, { errors: (e) => [codeOf(e)].filter((code) => code !== undefined), protocol: PROTOCOL_NOTE });
}

type Assignment = { topic: string; partition: number }[];

export function groupConsumerConfig(options: ResolvedOptions, config: GroupConsumerConfig): RdConfig {
  const session = config.sessionTimeoutMs ?? 30000;
  const rd: RdConfig = {
    'bootstrap.servers': options.brokers.join(','),
    'client.id': options.clientId,
    'auto.offset.reset': config.startFrom === 'oldest' ? 'earliest' : 'latest',
    'session.timeout.ms': session,
    'enable.auto.offset.store': false,
    ...options.config,
    ...options.consumerConfig,
  };
  if (config.heartbeatIntervalMs !== undefined) rd['heartbeat.interval.ms'] = config.heartbeatIntervalMs;
  if (config.sessionTimeoutMs !== undefined) rd['session.timeout.ms'] = config.sessionTimeoutMs;
  if (config.maxWaitMs !== undefined) rd['fetch.wait.max.ms'] = config.maxWaitMs;
  if (config.rebalanceTimeoutMs !== undefined) {
    // librdkafka uses max.poll.interval.ms as the rebalance timeout; it must not be below the session timeout.
    rd['max.poll.interval.ms'] = Math.max(config.rebalanceTimeoutMs, Number(rd['session.timeout.ms']));
  }
  // What the GroupConsumer contract depends on; user config cannot change these.
  rd['group.id'] = config.groupId;
  rd['group.protocol'] = 'classic';
  rd['partition.assignment.strategy'] = 'range';
  rd['enable.auto.commit'] = false;
  rd['enable.partition.eof'] = false;
  return rd;
}

/**
 * Group consumer on librdkafka with eager rebalancing and the range assignor, which gives every
 * member the same partition numbers of all topics when their partition counts are equal (checked
 * at start, and every assignment is verified). Partitions are assigned at once but deliver nothing
 * until `onAssigned` resolves; revocation waits for in-flight batches, then calls `onRevoked` (even
 * while `onAssigned` still runs: the consume loop keeps serving rebalance events meanwhile), and
 * unassigns, which lets librdkafka rejoin, once both have settled.
 *
 * `commit` settles with the group coordinator's answer (librdkafka's offset commit callback, served
 * by the consume loop, which therefore runs until the last commit of `close` was answered).
 */
export class ConfluentGroupConsumer implements GroupConsumer {
  private state: 'idle' | 'running' | 'stopping' | 'closed' = 'idle';
  private consumer?: KafkaConsumer;
  private loop?: ConsumeLoop;
  private dispatcher?: BatchDispatcher;
  private handler?: GroupHandler;
  private starting: Promise<void> = Promise.resolve();
  private stopping?: Promise<void>;
  /** Rebalance steps run one after another. */
  private rebalancing: Promise<void> = Promise.resolve();
  private assigned: number[] = [];
  private settle?: { resolve: () => void; reject: (err: unknown) => void };
  private failure?: unknown;
  private readonly commits = new PendingCommits();
  /** The `onRevoked` of `close`, while it runs: a rebalance meanwhile waits for it (see onRebalance). */
  private closingRevocation?: Promise<void>;

  /**
   * @internal The native consumer while running, for the transactional producer's
   * `sendOffsetsToTransaction` (its group metadata fences a member that lost the group).
   */
  nativeConsumer(): KafkaConsumer | undefined {
    return this.consumer;
  }

  constructor(
    private readonly options: ResolvedOptions,
    private readonly statistics: StatisticsHub,
    private readonly config: GroupConsumerConfig,
  ) {
    if (!config.groupId) throw new GokaError('group consumer needs a groupId');
    if (!config.topics || config.topics.length === 0) throw new GokaError(`group consumer "${config.groupId}" needs at least one topic`);
    if (config.cooperative) throw new GokaError(COOPERATIVE_UNSUPPORTED);
  }

  run(handler: GroupHandler): Promise<void> {
    if (this.state !== 'idle') {
      return Promise.reject(new StateError(`group consumer "${this.config.groupId}" can run only once`));
    }
    this.state = 'running';
    this.handler = handler;
    return new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
      this.starting = this.start().catch((err: unknown) => this.fail(err));
    });
  }

  private async start(): Promise<void> {
    const { groupId, topics } = this.config;
    const consumer = new rdkafka.KafkaConsumer({
      ...groupConsumerConfig(this.options, this.config),
      rebalance_cb: (err: LibrdKafkaError, assignment: Assignment) => this.onRebalance(err, assignment),
      queue_non_empty_cb: () => this.loop?.notify(),
      offset_commit_cb: (err: LibrdKafkaError | undefined, partitions: CommittedPartition[]) => this.onCommitResult(err, partitions),
    } as never);
    this.consumer = consumer;
    const watch = new ConnectionWatch(consumer, this.options.brokers, this.options.connectionTimeoutMs, (err) => this.fail(err));
    instrument(consumer, `group consumer ${groupId}`, { logger: this.options.logger, statistics: this.statistics }, (err) => {
      const permanent = joinFailure(err, groupId);
      if (permanent) {
        this.fail(permanent);
        return;
      }
      if (err.isFatal) {
        this.fail(toGokaError(err, `group consumer "${groupId}" failed`, { brokers: this.options.brokers }));
        return;
      }
      this.options.logger?.warn(`group consumer "${groupId}": ${err.message}`, { code: err.code });
      watch.observe(err);
    });
    try {
      await connectClient(consumer, this.options.connectionTimeoutMs);
    } catch (err) {
      throw new KafkaConnectionError(
        `group consumer "${groupId}" could not connect to ${this.options.brokers.join(',')} within ${this.options.connectionTimeoutMs} ms: ${(err as Error).message}`,
        { cause: err },
      );
    }
    const metadata = await this.topicMetadata(consumer);
    checkCoPartitioned(topics, metadata);
    if (this.state !== 'running') return;
    const dispatcher = new BatchDispatcher(consumer, {
      onBatch: (batch) => this.handler!.onBatch(batch),
      onFatal: (err) => this.fail(err),
    }, this.options.maxBufferedPerPartition);
    this.dispatcher = dispatcher;
    this.loop = new ConsumeLoop(consumer, this.options.consumeBatchSize, IDLE_POLL_MS,
      (messages) => dispatcher.ingest(messages),
      (err) => this.onConsumeError(err));
    consumer.subscribe([...topics]);
    void this.loop.start();
  }

  private async topicMetadata(consumer: KafkaConsumer): Promise<Metadata> {
    const topics = this.config.topics;
    try {
      const all = await Promise.all(topics.map((t) => fetchMetadata(consumer, t, this.options.connectionTimeoutMs)));
      return { ...all[0], topics: all.flatMap((md, i) => md.topics.filter((t) => t.name === topics[i])) };
    } catch (err) {
      throw toGokaError(err, `group consumer "${this.config.groupId}" reading metadata`, { brokers: this.options.brokers });
    }
  }

  private onRebalance(err: LibrdKafkaError, assignment: Assignment): void {
    const consumer = internals(this.consumer!);
    const code = codeOf(err);
    if (code === Code.ASSIGN_PARTITIONS) {
      // librdkafka waits for this call; delivery waits for onAssigned (partitions start paused).
      consumer.assign(assignment);
      if (this.state !== 'running' || !this.dispatcher) return;
      let partitions: number[];
      try {
        partitions = assignedPartitions(this.config.topics, assignment);
      } catch (e) {
        this.fail(e);
        return;
      }
      const dispatcher = this.dispatcher;
      const flows = assignment.map((tp) => new Flow(tp.topic, tp.partition));
      for (const f of flows) {
        dispatcher.flows.add(f);
        dispatcher.reconcile(f);
      }
      this.assigned = partitions;
      this.step(async () => {
        if (partitions.length > 0) await this.handler!.onAssigned(partitions);
        for (const f of flows) {
          if (f.closed) continue;
          f.ready = true;
          dispatcher.reconcile(f);
          dispatcher.deliver(f);
        }
      });
    } else if (code === Code.REVOKE_PARTITIONS) {
      if (this.state !== 'running' || !this.dispatcher) {
        // The onRevoked of close may still be committing: rejoining now would start a generation
        // that refuses those commits.
        if (this.closingRevocation) {
          const unassign = () => this.unassign();
          void this.closingRevocation.then(unassign, unassign);
        } else {
          this.unassign();
        }
        return;
      }
      const partitions = this.assigned;
      this.assigned = [];
      const closing = this.dispatcher.close(this.dispatcher.flows.all());
      // Not queued behind a pending onAssigned: a rebalance during a long onAssigned (table recovery)
      // reaches the handler at once, so it can give up the work instead of holding the group. The
      // closed flows deliver nothing even once onAssigned resolves. librdkafka rejoins only after
      // unassign(), which waits for both callbacks.
      const revoking = (async () => {
        await closing;
        if (partitions.length > 0 && this.failure === undefined) await this.handler!.onRevoked(partitions);
      })();
      revoking.catch(() => undefined); // a failure is reported by the step below
      this.step(async () => {
        await revoking;
        this.unassign();
      });
    } else {
      this.fail(toGokaError(err, `group consumer "${this.config.groupId}": rebalance failed`));
    }
  }

  private unassign(): void {
    try {
      this.consumer!.unassign();
    } catch (err) {
      // A handle that is already closed has nothing assigned; anything else is a real failure.
      if (this.consumer!.isConnected()) this.fail(toGokaError(err, `group consumer "${this.config.groupId}": unassign failed`));
    }
  }

  private step(work: () => Promise<void>): void {
    this.rebalancing = this.rebalancing.then(work).catch((err: unknown) => this.fail(err));
  }

  private onConsumeError(err: unknown): boolean {
    if (isCorruptBatch(err)) {
      this.fail(corruptBatchError(err, this.config.topics.length === 1 ? this.config.topics[0]! : this.config.topics.join('", "'), []));
      return false;
    }
    const permanent = joinFailure(err, this.config.groupId);
    if (permanent) {
      this.fail(permanent);
      return false;
    }
    if (isUnknownTopic(err)) {
      const message = (err as Error).message ?? '';
      const topic = this.config.topics.find((t) => message.includes(t)) ?? this.config.topics.join('", "');
      this.fail(new UnknownTopicError(topic, { cause: err, detail: `consumed by group "${this.config.groupId}"` }));
      return false;
    }
    if ((err as LibrdKafkaError).isFatal) {
      this.fail(toGokaError(err, `group consumer "${this.config.groupId}" failed`, { brokers: this.options.brokers }));
      return false;
    }
    this.options.logger?.warn(`group consumer "${this.config.groupId}": ${(err as Error).message}`, { code: codeOf(err) });
    return true;
  }

  pause(topic: string, partition: number): void {
    const flow = this.dispatcher?.flows.get(topic, partition);
    if (!flow) return;
    flow.userPaused = true;
    this.dispatcher!.reconcile(flow);
  }

  resume(topic: string, partition: number): void {
    const flow = this.dispatcher?.flows.get(topic, partition);
    if (!flow) return;
    flow.userPaused = false;
    this.dispatcher!.reconcile(flow);
    this.dispatcher!.deliver(flow);
  }

  /**
   * Resolves once the group coordinator stored the offsets; rejects when it refused them, e.g. with
   * `ERR_UNKNOWN_MEMBER_ID` / `ERR_ILLEGAL_GENERATION` after this member's session expired (the error's
   * `cause` is librdkafka's error, with its `code`). The processor relies on that refusal to learn that
   * its partitions went to another member.
   */
  commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const consumer = this.consumer;
    if (!consumer || !consumer.isConnected() || this.state === 'closed') {
      return Promise.reject(new StateError(`group consumer "${this.config.groupId}" is not running`));
    }
    if (offsets.length === 0) return Promise.resolve();
    const list = offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset }));
    const { answer, cancel } = this.commits.track(list);
    try {
      // Only queues the commit (rd_kafka_commit, async); the result comes through offset_commit_cb.
      consumer.commit(list);
    } catch (err) {
      cancel(toGokaError(err, `group "${this.config.groupId}": commit failed`, { brokers: this.options.brokers }));
    }
    return answer;
  }

  private onCommitResult(err: LibrdKafkaError | undefined, partitions: CommittedPartition[]): void {
    // No valid offset in the list: nothing needed committing.
    const refusal = err && codeOf(err) !== Code.NO_OFFSET ? err : undefined;
    this.commits.onResult(refusal, partitions, (e) => this.commitError(e));
  }

  private commitError(err: LibrdKafkaError): unknown {
    const code = codeOf(err);
    // Negative codes are librdkafka's own (e.g. ERR__WAIT_COORD: no coordinator within the session timeout).
    const what = code === undefined ? 'commit failed' : code < 0 ? `commit failed (${codeName(code)})` : `commit refused by the group coordinator (${codeName(code)})`;
    const hint = code === Code.UNKNOWN_MEMBER_ID || code === Code.ILLEGAL_GENERATION || code === Code.REBALANCE_IN_PROGRESS
      ? ', this member is not (or no longer) part of the current group generation and its partitions may belong to another member'
      : '';
    return toGokaError(err, `group "${this.config.groupId}": ${what}${hint}`, { brokers: this.options.brokers });
  }

  assignment(): readonly number[] {
    return [...this.assigned];
  }

  close(): Promise<void> {
    if (this.state === 'idle') {
      this.state = 'closed';
      return Promise.resolve();
    }
    return this.shutdown(true);
  }

  private fail(err: unknown): void {
    if (this.failure !== undefined || this.state === 'closed') return;
    this.failure = err;
    void this.shutdown(false);
  }

  /** Stops consuming, revokes (when closing cleanly), leaves the group and settles `run`. */
  private shutdown(revoke: boolean): Promise<void> {
    if (this.stopping) return this.stopping;
    this.state = 'stopping';
    this.stopping = (async () => {
      let error: unknown;
      try {
        await this.starting;
        // The consume loop keeps running: it serves the results of the commits made below. Flows
        // closed or not yet known drop what it fetches meanwhile.
        await this.rebalancing;
        const dispatcher = this.dispatcher;
        if (dispatcher) {
          await dispatcher.close(dispatcher.flows.all());
          dispatcher.stop();
        }
        const partitions = this.assigned;
        this.assigned = [];
        if (revoke && this.failure === undefined && partitions.length > 0) {
          this.closingRevocation = this.handler!.onRevoked(partitions);
          await this.closingRevocation;
        }
      } catch (err) {
        error = err;
      } finally {
        this.closingRevocation = undefined;
      }
      await this.loop?.stop();
      if (this.consumer) await disconnectClient(this.consumer);
      this.commits.failAll(new StateError(`group consumer "${this.config.groupId}" closed before the group coordinator answered the commit`));
      this.state = 'closed';
      const failure = this.failure ?? error;
      if (failure !== undefined) {
        this.settle?.reject(failure);
        if (error !== undefined) throw error;
      } else {
        this.settle?.resolve();
      }
    })();
    return this.stopping;
  }
}
