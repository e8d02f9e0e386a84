import { GokaError, StateError, UnknownTopicError } from '@goka-ts/api';
import type { Admin, ComponentState, GroupConsumer, GroupHandler, Logger, MessageBatch, Producer, TopicPartitionOffset, ViewStats } from '@goka-ts/api';
import { describeError } from '../errors/describe_error';
import { isTransientFailure } from '../errors/transient';
import { MembershipLease, NO_DEADLINE } from './membership_lease';
import type { GroupGraph } from '../graph/graph';
import { PartitionProcessor } from './partition_processor';
import { PartitionTransaction } from './partition_transaction';
import { PartitionTable } from '../table/partition_table';
import type { ResolvedProcessorOptions } from './processor_options';
import { StandbyTables } from '../table/standby_tables';
import { followersOf, recoverFollowers, TableFollower, type PartitionTables } from '../table/table_follower';
import { TopicManager } from '../topics/topic_manager';
import { deadLetterTopics, prepareDeadLetterTopics } from '../errors/dead_letter';
import type { DeadLetterLimits } from '../errors/dead_letter_fit';
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
  readonly partitions = new Map<number, PartitionProcessor>();
  private readonly tables = new Map<number, PartitionTables>();
  private readonly views = new Map<string, View<unknown>>();
  private readonly topicPartitions = new Map<string, number>();
  /** Exactly-once: connected transactions of assigned partitions not started yet, with their resume offsets. */
  private readonly fenced = new Map<number, { transaction: PartitionTransaction; resumeFrom: Map<string, number> }>();
  private readonly abort = new AbortController();
  /** The recovery of an assignment in progress, which a revocation may stop. */
  private recovering: { readonly partitions: ReadonlySet<number>; readonly abort: AbortController; readonly done: Promise<void> } | undefined;
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
  private standby!: StandbyTables;
  private commitChain: Promise<void> = RESOLVED;
  private tickRunning = false;
  /** The consumer ended on its own: no commit is possible any more. */
  private consumerLost = false;
  /** Whether the run reached 'running' at least once (a later transient failure resets the restart backoff). */
  reachedRunning = false;

  private readonly graph: GroupGraph;
  private readonly options: ResolvedProcessorOptions;
  private readonly logger: Logger;
  private readonly exactlyOnce: boolean;
  private readonly lease: MembershipLease;

  constructor(
    graph: GroupGraph,
    options: ResolvedProcessorOptions,
    private readonly hooks: ProcessorRunHooks,
  ) {
    this.graph = graph;
    this.options = options;
    this.logger = hooks.logger;
    this.exactlyOnce = options.guarantee === 'exactly-once';
    this.lease = new MembershipLease(graph.group, options.consumer.sessionTimeoutMs, this.logger);
    this.haltPromise = new Promise((resolve) => (this.signalHalt = resolve));
    this.failedPromise = new Promise((resolve) => (this.signalFailed = resolve));
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
      const standby = new StandbyTables((p) => this.createTables(p));
      this.standby = standby;
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

  private createTables(partition: number): PartitionTables {
    const onError = (error: unknown, table: PartitionTable) =>
      this.fail(new GokaError(`following table "${table.topic}" partition ${table.partition} failed: ${describeError(error)}`, { cause: error }));
    const create = (topic: string) =>
      new TableFollower(
        new PartitionTable({
          topic,
          partition,
          client: this.options.client,
          storage: this.options.storage,
          logger: this.logger,
          admin: this.admin,
          maxWaitMs: this.options.consumer.maxWaitMs,
          keys: this.graph.keyCodec,
        }),
        onError,
      );
    const joined = new Map<string, TableFollower>();
    for (const topic of this.graph.joins.keys()) joined.set(topic, create(topic));
    return { table: this.graph.tableTopic ? create(this.graph.tableTopic) : undefined, joined };
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
    cleanups.push({ what: 'partitions', run: () => this.closePartitions([...new Set([...this.partitions.keys(), ...this.tables.keys(), ...this.fenced.keys()])], false) });
    const timer = setInterval(() => this.commitTick(), this.options.commitIntervalMs);
    timer.unref();
    cleanups.push({ what: 'commit timer', run: async () => clearInterval(timer) });

    const handler: GroupHandler = {
      onAssigned: (partitions) => this.assign(partitions).catch((error) => this.fail(error)),
      onRevoked: (partitions) => this.revoke(partitions).catch((error) => this.fail(error)),
      onBatch: (batch: MessageBatch) => {
        const pp = this.partitions.get(batch.partition);
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

  private async assign(partitions: readonly number[]): Promise<void> {
    if (this.halted) return;
    this.logger.info('partitions assigned', { partitions: [...partitions] });
    this.hooks.setState('recovering');
    const fresh = partitions.filter((p) => !this.partitions.has(p) && !this.tables.has(p));
    if (this.exactlyOnce) {
      await this.fence(fresh);
      if (this.halted) return;
    }
    const followers: TableFollower[] = [];
    for (const partition of fresh) {
      let tables = this.standby.take(partition);
      if (tables) await Promise.all(followersOf(tables).map((f) => f.stopFollowing()));
      else tables = this.createTables(partition);
      this.tables.set(partition, tables);
      followers.push(...followersOf(tables));
    }
    // The group table and joined tables of every new partition recover before any message of it is
    // processed (the consumer delivers nothing before this resolves); one reader per topic.
    if (!(await this.recoverAssigned(fresh, followers)) || this.halted) return;
    for (const partition of fresh) this.startPartition(partition, this.tables.get(partition)!);
    // Tables recovered ahead or kept from the last revocation that did not come back are closed,
    // unless hot standby keeps them following.
    if (!this.options.hotStandby) await this.standby.closeAll();
    this.reachedRunning = true;
    this.hooks.setState('running');
    const assignment = [...this.partitions.keys()].sort((a, b) => a - b);
    if (this.options.onRebalance) {
      try {
        await this.options.onRebalance(assignment);
      } catch (error) {
        this.fail(new GokaError(`group "${this.graph.group}": the onRebalance callback failed: ${describeError(error)}`, { cause: error }));
      }
    }
  }

  /**
   * Exactly-once: connects the transactional producer of every newly assigned partition, which
   * fences the partition's previous owner and ends its open transaction, then reads the committed
   * input offsets. Only after that is the table recovered: the previous owner can no longer add to it.
   */
  private async fence(partitions: readonly number[]): Promise<void> {
    const group = this.graph.group;
    const created = partitions.map((partition) => {
      const transactionalId = `${this.options.transactionalIdPrefix}${group}-${partition}`;
      const producer = this.options.client.transactionalProducer({ ...this.options.producer, transactionalId, transactionTimeoutMs: this.options.transactionTimeoutMs });
      const transaction = new PartitionTransaction(transactionalId, producer, { groupId: group, consumer: this.consumer });
      this.fenced.set(partition, { transaction, resumeFrom: new Map() });
      return transaction;
    });
    await Promise.all(created.map((t) => t.connect()));
    const admin = this.admin!;
    const topics = this.graph.inputs.map((i) => i.topic);
    const committed = await Promise.all(topics.map((topic) => admin.committedOffsets(group, topic)));
    for (const offsets of committed) {
      for (const o of offsets) {
        const entry = this.fenced.get(o.partition);
        if (entry && o.offset >= 0) entry.resumeFrom.set(o.topic, o.offset);
      }
    }
  }

  /** Joined tables keep following; the partition's processor starts. */
  private startPartition(partition: number, tables: PartitionTables): void {
    for (const follower of tables.joined.values()) follower.follow();
    const fenced = this.fenced.get(partition);
    this.fenced.delete(partition);
    this.partitions.set(
      partition,
      new PartitionProcessor({
        graph: this.graph,
        partition,
        options: this.options,
        producer: this.producer!,
        transaction: fenced?.transaction,
        resumeFrom: fenced?.resumeFrom,
        failed: this.failedPromise,
        table: tables.table?.table,
        joined: new Map([...tables.joined].map(([topic, f]) => [topic, f.table])),
        lookups: this.views,
        deadLetterLimits: this.hooks.deadLetterLimits,
        topicPartitions: this.topicPartitions,
        reportFailure: (error) => this.fail(error),
        halted: () => this.halted,
        requestFlush: () => this.commitTick(),
      }),
    );
  }

  /**
   * Recovers the tables of newly assigned partitions. A revocation of all of them stops the recovery
   * (see {@link revoke}): what was read so far stays in local storage, and the group does not wait
   * for a table that another member will own (Goka waits, and large tables stall rebalances).
   */
  private async recoverAssigned(partitions: readonly number[], followers: readonly TableFollower[]): Promise<boolean> {
    const abort = new AbortController();
    const onHalt = () => abort.abort();
    this.abort.signal.addEventListener('abort', onHalt, { once: true });
    let settled!: () => void;
    this.recovering = { partitions: new Set(partitions), abort, done: new Promise<void>((resolve) => (settled = resolve)) };
    try {
      return await recoverFollowers(followers, abort.signal, this.admin);
    } finally {
      this.abort.signal.removeEventListener('abort', onHalt);
      this.recovering = undefined;
      settled();
    }
  }

  private async revoke(partitions: readonly number[]): Promise<void> {
    this.logger.info('partitions revoked', { partitions: [...partitions] });
    const recovering = this.recovering;
    if (recovering) {
      // Only when every partition still recovering goes away: a partition that stays must start.
      const revoked = new Set(partitions);
      if ([...recovering.partitions].every((p) => revoked.has(p))) {
        this.logger.info('partitions revoked during recovery: recovery stops, what it read stays in local storage', { partitions: [...recovering.partitions] });
        recovering.abort.abort();
      }
      await recovering.done;
    }
    await this.closePartitions(partitions, !this.consumerLost);
  }

  /**
   * Drains, commits and closes partitions. Gracefully (not failed) every started message finishes
   * first; after a failure only acknowledged work is committed. The tables stay open as standby
   * open and follow.
   */
  private async closePartitions(partitions: readonly number[], commit: boolean): Promise<void> {
    if (this.exactlyOnce) return this.closeTransactionalPartitions(partitions, commit);
    const owned = partitions.map((p) => this.partitions.get(p)).filter((pp): pp is PartitionProcessor => pp !== undefined);
    // Whether this instance still is the group member that owns them: if not (its session expired,
    // e.g. after a pause longer than the session timeout), another member may be writing the table
    // already, and the buffered writes, computed from older values, must not overwrite its newer ones.
    const proof = commit && !this.failure && owned.length > 0 ? await this.confirmMembership(owned) : NO_DEADLINE;
    const lost = proof === undefined;
    if (lost) {
      this.logger.warn('partitions were lost to another member: their unsent table writes are dropped, their uncommitted messages will be processed again', {
        partitions: owned.map((pp) => pp.partition),
      });
    }
    await Promise.all(
      partitions.map(async (partition) => {
        const pp = this.partitions.get(partition);
        if (pp) {
          await pp.drain({ graceful: !this.failure, flush: commit, discard: lost, notAfter: proof }, this.failedPromise, (held) =>
            this.logger.warn('still waiting for messages to finish before the partition can be released (a deferred commit not called?)', { partition, held }),
          );
          if (commit && !lost) await this.commit(false, [pp]);
          this.partitions.delete(partition);
        }
        const tables = this.tables.get(partition);
        this.tables.delete(partition);
        if (!tables) return;
        // Kept (hot standby: following) in case the partition comes back, as it usually does with
        // eager rebalancing: it then recovers only what was written meanwhile.
        if (!this.halted) await this.standby.give(partition, tables, this.options.hotStandby);
        else await Promise.all(followersOf(tables).map((f) => f.close()));
      }),
    );
  }

  /**
   * Exactly-once: drains, commits the last transaction (gracefully, not after a failure) and closes
   * the partitions' producers, aborting whatever is still open. No membership proof is needed: a
   * member that lost a partition finds its commit fenced by the new owner's producer.
   */
  private async closeTransactionalPartitions(partitions: readonly number[], commit: boolean): Promise<void> {
    await Promise.all(
      partitions.map(async (partition) => {
        const pp = this.partitions.get(partition);
        if (pp) {
          const graceful = !this.failure;
          await pp.drain({ graceful, flush: false }, this.failedPromise, (held) =>
            this.logger.warn('still waiting for messages to finish before the partition can be released (a deferred commit not called?)', { partition, held }),
          );
          if (commit && graceful) {
            try {
              await this.commitTransactions([pp]);
            } catch (error) {
              if (!isTransientFailure(error)) throw error;
              // Fenced or aborted while giving the partition away: its new owner processes the rest.
              this.logger.warn('the last transaction of a revoked partition did not commit; its new owner processes that input again', { partition, error: describeError(error) });
            }
          }
          this.partitions.delete(partition);
          await pp.closeTransaction();
        }
        const fenced = this.fenced.get(partition);
        this.fenced.delete(partition);
        await fenced?.transaction.close();
        const tables = this.tables.get(partition);
        this.tables.delete(partition);
        if (!tables) return;
        if (!this.halted) await this.standby.give(partition, tables, this.options.hotStandby);
        else await Promise.all(followersOf(tables).map((f) => f.close()));
      }),
    );
  }

  // --- commits --------------------------------------------------------------------------------

  private commitTick(): void {
    if (this.tickRunning) return;
    this.tickRunning = true;
    void this.commit(true, undefined)
      .catch((error) => this.fail(error))
      .finally(() => (this.tickRunning = false));
  }

  /**
   * Commits the finished prefix of every (or the given) partition; with `flush`, then sends the
   * buffered table writes. Commits run one after another so a slow older commit never overwrites a newer one.
   *
   * Table writes go out only after a commit succeeded: the commit proves this instance is still the
   * group member owning the partitions (Kafka rejects commits of members it no longer knows). A member
   * that was paused past its session (a long GC or blocked event loop, a frozen VM, SIGSTOP) has been
   * replaced meanwhile; sending its buffered writes would overwrite the new owner's newer table values
   * with older ones and lose counts. With writes waiting, the commit includes every partition's
   * position even when it did not advance, so there is always something to commit.
   */
  private commit(flush: boolean, only: readonly PartitionProcessor[] | undefined): Promise<void> {
    if (this.exactlyOnce) return this.commitTransactions(only);
    const run = this.commitChain.then(async () => {
      const consumer = this.consumer;
      const pps = only ?? [...this.partitions.values()];
      const flushing = flush && !this.failure ? pps.filter((pp) => pp.hasPendingWrites()) : [];
      const offsets: TopicPartitionOffset[] = [];
      for (const pp of pps) offsets.push(...(flushing.length > 0 ? pp.positionOffsets() : pp.committableOffsets()));
      // Writes of visits on partitions that never delivered a message have no offset to prove membership with.
      const proof = offsets.length > 0 && consumer ? await this.commitOffsets(consumer, pps, offsets) : NO_DEADLINE;
      if (proof === undefined) {
        if (flushing.length > 0) this.logger.warn('table writes held back until a commit confirms this instance still owns its partitions');
        return;
      }
      for (const pp of flushing) pp.flushWrites(proof);
    });
    this.commitChain = run.catch(() => undefined);
    return run;
  }

  /** Exactly-once: commits the transaction of every (or the given) partition, partitions in parallel. */
  private commitTransactions(only: readonly PartitionProcessor[] | undefined): Promise<void> {
    const run = this.commitChain.then(async () => {
      if (this.failure) return;
      await Promise.all((only ?? [...this.partitions.values()]).map((pp) => pp.commitTransaction()));
    });
    this.commitChain = run.catch(() => undefined);
    return run;
  }

  /**
   * Commits the positions of `pps` (unchanged or not): resolves with the moment until which the
   * accepted commit proves this instance's membership (see {@link commitOffsets}), or `undefined`
   * when the group refused it.
   */
  private confirmMembership(pps: readonly PartitionProcessor[]): Promise<number | undefined> {
    const run = this.commitChain.then(() => {
      const consumer = this.consumer;
      const offsets = pps.flatMap((pp) => pp.positionOffsets());
      return offsets.length === 0 || !consumer ? NO_DEADLINE : this.commitOffsets(consumer, pps, offsets);
    });
    this.commitChain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Commits `offsets` of `pps`; resolves with the membership lease it proves ({@link MembershipLease}), or `undefined`. */
  private commitOffsets(consumer: GroupConsumer, pps: readonly PartitionProcessor[], offsets: TopicPartitionOffset[]): Promise<number | undefined> {
    return this.lease.commit(consumer, offsets, () => {
      for (const pp of pps) pp.markCommitted(offsets);
    });
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
