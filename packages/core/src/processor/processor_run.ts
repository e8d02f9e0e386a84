import { GokaError, StateError, UnknownTopicError } from '@goka-ts/api';
import type { Admin, ComponentState, GroupConsumer, GroupHandler, Logger, MessageBatch, Producer, ViewStats } from '@goka-ts/api';
import { deadLetterTopics, prepareDeadLetterTopics } from '../errors/dead_letter';
import type { DeadLetterLimits } from '../errors/dead_letter_fit';
import { describeError } from '../errors/describe_error';
import type { GroupGraph } from '../graph/graph';
import { TopicManager } from '../topics/topic_manager';
import { Committer } from './committer';
import { guaranteeFor } from './guarantee';
import type { PartitionProcessor } from './partition_processor';
import type { ResolvedProcessorOptions } from './processor_options';
import { Rebalance, type RebalanceRun } from './rebalance';
import { View } from '../view';

export interface ProcessorRunHooks {
  /** State changes of the run ('recovering' / 'running'); ignored by the processor once stopping. */
  setState(state: ComponentState): void;
  readonly logger: Logger;
  /** The processor's dead-letter size limits: a limit lowered by a rejection outlives the restart it causes. */
  readonly deadLetterLimits: DeadLetterLimits;
}

const RESOLVED = Promise.resolve();

/**
 * One session of a processor, from topic checks to the consumer's close: everything a restart
 * builds anew (admin, producer, views, consumer, partition processors, standby tables).
 * {@link execute} resolves after {@link stop}, and rejects with the first failure.
 */
export class ProcessorRun {
  private readonly views = new Map<string, View<unknown>>();
  private readonly topicPartitions = new Map<string, number>();
  private readonly abort = new AbortController();
  private readonly haltPromise: Promise<void>;
  private readonly failedPromise: Promise<void>;
  private signalHalt!: () => void;
  private signalFailed!: () => void;
  private failure: Error | undefined;
  private stopping = false;
  private finished = false;
  private partitionCount = 0;
  private admin: Admin | undefined;
  private producer: Producer | undefined;
  private consumer: GroupConsumer | undefined;
  /** The consumer ended on its own: no commit is possible any more. */
  private consumerLost = false;
  /** Whether the run reached 'running' at least once (a later transient failure resets the restart backoff). */
  reachedRunning = false;

  private readonly graph: GroupGraph;
  private readonly options: ResolvedProcessorOptions;
  private readonly logger: Logger;
  private readonly committer: Committer;
  private readonly rebalance: Rebalance;

  constructor(
    graph: GroupGraph,
    options: ResolvedProcessorOptions,
    private readonly hooks: ProcessorRunHooks,
  ) {
    this.graph = graph;
    this.options = options;
    this.logger = hooks.logger;
    this.haltPromise = new Promise((resolve) => (this.signalHalt = resolve));
    this.failedPromise = new Promise((resolve) => (this.signalFailed = resolve));
    // Chosen once: nothing below asks which guarantee is in force.
    const guarantee = guaranteeFor(options);
    this.committer = new Committer({
      group: graph.group,
      sessionTimeoutMs: options.consumer.sessionTimeoutMs,
      guarantee,
      logger: this.logger,
      partitions: () => this.rebalance.partitions.values(),
      consumer: () => this.consumer,
      failed: () => this.failure !== undefined,
      fail: (error) => this.fail(error),
    });
    // The run as rebalancing sees it: read through, so it always sees the current clients and state.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    const run: RebalanceRun = {
      get admin() {
        return self.admin;
      },
      get producer() {
        return self.producer;
      },
      get consumer() {
        return self.consumer;
      },
      get halted() {
        return self.halted;
      },
      get failed() {
        return self.failure !== undefined;
      },
      get consumerLost() {
        return self.consumerLost;
      },
      failedPromise: this.failedPromise,
      signal: this.abort.signal,
      fail: (error) => this.fail(error),
      setState: (state) => hooks.setState(state),
      reachedRunning: () => (this.reachedRunning = true),
    };
    this.rebalance = new Rebalance({
      graph,
      options,
      logger: this.logger,
      run,
      committer: this.committer,
      lookups: this.views,
      topicPartitions: this.topicPartitions,
      deadLetterLimits: hooks.deadLetterLimits,
      guarantee,
    });
  }

  /** The partitions this instance processes now. */
  get partitions(): ReadonlyMap<number, PartitionProcessor> {
    return this.rebalance.partitions;
  }

  /** Partition count of the group's inputs (known once the topics were checked). */
  get partitionsTotal(): number {
    return this.partitionCount;
  }

  get halted(): boolean {
    return this.failure !== undefined || this.stopping;
  }

  /** Asks the run to stop gracefully: in-flight messages finish, their effects are acknowledged and committed. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.signalHalt();
    this.abort.abort();
  }

  /** Fails the run (the first failure wins); everything stops, committing only finished offsets. */
  fail(error: unknown): void {
    if (this.failure || this.finished) return;
    this.failure = error instanceof Error ? error : new GokaError(describeError(error), { cause: error });
    this.logger.error('processor failed', { error: this.failure.message });
    this.signalFailed();
    this.signalHalt();
    this.abort.abort();
  }

  async execute(): Promise<void> {
    const cleanups: { what: string; run: () => Promise<void> }[] = [];
    try {
      const admin = this.options.client.admin();
      await admin.connect();
      this.admin = admin;
      cleanups.push({ what: 'admin', run: () => admin.close() });
      await this.prepareTopics(new TopicManager(admin, { logger: this.logger, ...this.options.topics }));
      if (this.halted) return this.end();

      const producer = this.options.client.producer(this.options.producer);
      await producer.connect();
      this.producer = producer;
      cleanups.push({ what: 'producer', run: () => producer.close() });

      cleanups.push({ what: 'lookup views', run: () => this.stopViews() });
      await this.startViews();
      if (this.halted) return this.end();

      // Table partitions held but not owned: recovered ahead, hot standby, or kept from a revocation.
      const standby = this.rebalance.standby;
      cleanups.push({ what: 'standby tables', run: () => standby.closeAll() });
      if (this.options.hotStandby || this.options.recoverAhead) {
        this.hooks.setState('recovering');
        const all = Array.from({ length: this.partitionCount }, (_, p) => p);
        await standby.prepare(all, this.options.hotStandby, this.abort.signal, admin);
        if (this.halted) return this.end();
      }

      await this.consume(cleanups);
    } catch (error) {
      this.fail(error);
    } finally {
      for (const cleanup of cleanups.reverse()) {
        try {
          await cleanup.run();
        } catch (error) {
          if (!this.failure) this.fail(new GokaError(`closing the ${cleanup.what} failed: ${describeError(error)}`, { cause: error }));
          else this.logger.warn(`closing the ${cleanup.what} failed`, { error });
        }
      }
      this.finished = true;
    }
    return this.end();
  }

  private end(): void {
    if (this.failure) throw this.failure;
  }

  // --- setup --------------------------------------------------------------------------------

  /** Checks inputs and joined tables are co-partitioned, creates table and loop topics, reads output partition counts. */
  private async prepareTopics(tm: TopicManager): Promise<void> {
    const graph = this.graph;
    const count = async (topic: string, role: string): Promise<[string, string, number]> => {
      try {
        return [topic, role, await tm.partitionCount(topic)];
      } catch (error) {
        if (error instanceof UnknownTopicError) {
          throw new UnknownTopicError(topic, { cause: error, detail: `it is ${role} of group "${graph.group}"; create it first` });
        }
        throw error;
      }
    };
    const inputs = graph.inputs.filter((i) => i.kind === 'input').map((i) => count(i.topic, 'an input'));
    const joins = [...graph.joins.keys()].map((t) => count(t, 'a joined table'));
    const outputs = [...graph.outputs.keys()].map((t) => count(t, 'an output'));
    const coPartitioned = await Promise.all([...inputs, ...joins]);
    const counts = new Set(coPartitioned.map(([, , n]) => n));
    if (counts.size > 1) {
      const list = coPartitioned.map(([topic, role, n]) => `${role.replace(/^an? /, '')} "${topic}" has ${n}`).join(', ');
      throw new GokaError(
        `group "${graph.group}": inputs and joined tables must be co-partitioned (have equal partition counts), but ${list}; ` +
          'repartition the odd topics or move them to lookups',
      );
    }
    const n = coPartitioned[0][2];
    this.partitionCount = n;
    if (graph.tableTopic) await tm.ensureTable(graph.tableTopic, n);
    if (graph.loopTopic) {
      await tm.ensureStream(graph.loopTopic, n);
      this.topicPartitions.set(graph.loopTopic, n);
    }
    for (const [topic, , partitions] of await Promise.all(outputs)) this.topicPartitions.set(topic, partitions);
    // Error policy (issue 10): dead-letter topics are created when missing and their partition counts recorded.
    await prepareDeadLetterTopics(tm, deadLetterTopics(graph, this.options), n, this.topicPartitions, this.hooks.deadLetterLimits);
  }

  private async startViews(): Promise<void> {
    if (this.graph.lookups.size === 0) return;
    for (const [topic, codec] of this.graph.lookups) {
      const view = new View<unknown>(topic, codec, {
        client: this.options.client,
        storage: this.options.storage,
        hasher: this.options.hasher,
        keys: this.graph.keyCodec,
        logger: this.logger,
      });
      this.views.set(topic, view);
      // Stopped in the cleanup, after the partitions drained: callbacks still finishing may look up.
      view.run().catch((error) => this.fail(new GokaError(`lookup table "${topic}" of group "${this.graph.group}" failed: ${describeError(error)}`, { cause: error })));
    }
    await Promise.race([Promise.all([...this.views.values()].map((v) => v.waitRunning())), this.haltPromise]);
  }

  private async stopViews(): Promise<void> {
    await Promise.all([...this.views.values()].map((v) => v.stop()));
  }

  // --- consuming ----------------------------------------------------------------------------

  private async consume(cleanups: { what: string; run: () => Promise<void> }[]): Promise<void> {
    const c = this.options.consumer;
    const consumer = this.options.client.groupConsumer({
      groupId: this.graph.group,
      topics: this.graph.inputs.map((i) => i.topic),
      startFrom: this.options.startFrom,
      sessionTimeoutMs: c.sessionTimeoutMs,
      heartbeatIntervalMs: c.heartbeatIntervalMs,
      rebalanceTimeoutMs: c.rebalanceTimeoutMs,
      maxWaitMs: c.maxWaitMs,
      cooperative: c.cooperative,
    });
    this.consumer = consumer;
    // Partitions the consumer never revoked (it failed, or closed without revoking) close here.
    cleanups.push({ what: 'partitions', run: () => this.rebalance.closeAll() });
    const timer = setInterval(() => this.committer.tick(), this.options.commitIntervalMs);
    timer.unref();
    cleanups.push({ what: 'commit timer', run: async () => clearInterval(timer) });

    const handler: GroupHandler = {
      onAssigned: (partitions) => this.rebalance.assign(partitions).catch((error) => this.fail(error)),
      onRevoked: (partitions) => this.rebalance.revoke(partitions).catch((error) => this.fail(error)),
      onBatch: (batch: MessageBatch) => {
        const pp = this.rebalance.partitions.get(batch.partition);
        if (!pp || this.halted) return RESOLVED;
        return pp.processBatch(batch).catch((error) => this.fail(error));
      },
    };
    const consumed: Promise<{ error?: unknown }> = consumer.run(handler).then(
      () => ({}),
      (error: unknown) => ({ error }),
    );
    const ended = await Promise.race([consumed, this.haltPromise.then(() => undefined)]);
    if (ended) {
      // The consumer stopped without being asked to (a lost connection): nothing can be committed
      // any more, so nothing more is sent either; the partitions close in the cleanup.
      this.consumerLost = true;
      this.fail(ended.error ?? new GokaError(`group "${this.graph.group}": the group consumer stopped unexpectedly`));
      await consumer.close().catch((error) => this.logger.debug('closing the failed consumer failed', { error: describeError(error) }));
      return;
    }
    try {
      await consumer.close(); // revokes every partition: drains and commits them
    } catch (error) {
      this.fail(error);
    }
    const result = await consumed;
    if (result.error && !this.stopping) this.fail(result.error);
  }

  // --- queries --------------------------------------------------------------------------------

  lookupStats(): Record<string, ViewStats> {
    const out: Record<string, ViewStats> = {};
    for (const [topic, view] of this.views) out[topic] = view.stats();
    return out;
  }

  /** Throws unless the run is consuming. */
  checkActive(what: string): void {
    if (this.halted) throw new StateError(`group "${this.graph.group}": ${what} is not possible while the processor stops`);
  }
}
