import { GokaError, type Admin, type ComponentState, type GroupConsumer, type Logger, type Producer } from '@goka-ts/api';
import { describeError } from '../errors/describe_error';
import type { DeadLetterLimits } from '../errors/dead_letter_fit';
import { isTransientFailure } from '../errors/transient';
import type { GroupGraph } from '../graph/graph';
import { PartitionTable } from '../table/partition_table';
import { StandbyTables } from '../table/standby_tables';
import { followersOf, recoverFollowers, TableFollower, type PartitionTables } from '../table/table_follower';
import type { LookupSource } from './callback_effects';
import type { Committer } from './committer';
import { NO_DEADLINE } from './membership_lease';
import { PartitionProcessor } from './partition_processor';
import { PartitionTransaction } from './partition_transaction';
import type { ResolvedProcessorOptions } from './processor_options';

/** What rebalancing needs of the run it belongs to: its clients, its failure and stop state. */
export interface RebalanceRun {
  readonly admin: Admin | undefined;
  readonly producer: Producer | undefined;
  readonly consumer: GroupConsumer | undefined;
  /** Whether the run has failed or is stopping: no partition starts any more. */
  readonly halted: boolean;
  readonly failed: boolean;
  /** The consumer ended on its own: no commit is possible any more. */
  readonly consumerLost: boolean;
  /** Resolves once the run failed. */
  readonly failedPromise: Promise<void>;
  /** Aborts when the run halts. */
  readonly signal: AbortSignal;
  fail(error: unknown): void;
  setState(state: ComponentState): void;
  /** Every assigned partition recovered: the run reached 'running'. */
  reachedRunning(): void;
}

export interface RebalanceDeps {
  readonly graph: GroupGraph;
  readonly options: ResolvedProcessorOptions;
  readonly logger: Logger;
  readonly run: RebalanceRun;
  readonly committer: Committer;
  readonly lookups: ReadonlyMap<string, LookupSource>;
  /** Partition counts of the output, loop and dead-letter topics. */
  readonly topicPartitions: ReadonlyMap<string, number>;
  readonly deadLetterLimits: DeadLetterLimits;
}

/**
 * The partitions of a processor run as the group hands them out and takes them back: assign
 * (fence in exactly-once mode, recover the tables, start the partition processors), revoke (stop a
 * recovery, drain, commit, hand the tables to standby) and close.
 */
export class Rebalance {
  readonly partitions = new Map<number, PartitionProcessor>();
  /** Table partitions held but not owned: recovered ahead, hot standby, or kept from a revocation. */
  readonly standby: StandbyTables;
  private readonly tables = new Map<number, PartitionTables>();
  /** Exactly-once: connected transactions of assigned partitions not started yet, with their resume offsets. */
  private readonly fenced = new Map<number, { transaction: PartitionTransaction; resumeFrom: Map<string, number> }>();
  /** The recovery of an assignment in progress, which a revocation may stop. */
  private recovering: { readonly partitions: ReadonlySet<number>; readonly abort: AbortController; readonly done: Promise<void> } | undefined;
  private readonly graph: GroupGraph;
  private readonly options: ResolvedProcessorOptions;
  private readonly logger: Logger;
  private readonly run: RebalanceRun;
  private readonly committer: Committer;
  private readonly exactlyOnce: boolean;

  constructor(private readonly deps: RebalanceDeps) {
    this.graph = deps.graph;
    this.options = deps.options;
    this.logger = deps.logger;
    this.run = deps.run;
    this.committer = deps.committer;
    this.exactlyOnce = deps.options.guarantee === 'exactly-once';
    this.standby = new StandbyTables((p) => this.createTables(p));
  }

  /** Closes every partition the consumer never revoked (it failed, or closed without revoking). */
  closeAll(): Promise<void> {
    return this.closePartitions([...new Set([...this.partitions.keys(), ...this.tables.keys(), ...this.fenced.keys()])], false);
  }

  /** The group table and joined tables of one partition, following their topics. */
  private createTables(partition: number): PartitionTables {
    const onError = (error: unknown, table: PartitionTable) =>
      this.run.fail(new GokaError(`following table "${table.topic}" partition ${table.partition} failed: ${describeError(error)}`, { cause: error }));
    const create = (topic: string) =>
      new TableFollower(
        new PartitionTable({
          topic,
          partition,
          client: this.options.client,
          storage: this.options.storage,
          logger: this.logger,
          admin: this.run.admin,
          maxWaitMs: this.options.consumer.maxWaitMs,
          keys: this.graph.keyCodec,
        }),
        onError,
      );
    const joined = new Map<string, TableFollower>();
    for (const topic of this.graph.joins.keys()) joined.set(topic, create(topic));
    return { table: this.graph.tableTopic ? create(this.graph.tableTopic) : undefined, joined };
  }

  /** The consumer assigned `partitions`: fences (exactly-once), recovers their tables and starts their processors. */
  async assign(partitions: readonly number[]): Promise<void> {
    if (this.run.halted) return;
    this.logger.info('partitions assigned', { partitions: [...partitions] });
    this.run.setState('recovering');
    const fresh = partitions.filter((p) => !this.partitions.has(p) && !this.tables.has(p));
    if (this.exactlyOnce) {
      await this.fence(fresh);
      if (this.run.halted) return;
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
    if (!(await this.recoverAssigned(fresh, followers)) || this.run.halted) return;
    for (const partition of fresh) this.startPartition(partition, this.tables.get(partition)!);
    // Tables recovered ahead or kept from the last revocation that did not come back are closed,
    // unless hot standby keeps them following.
    if (!this.options.hotStandby) await this.standby.closeAll();
    this.run.reachedRunning();
    this.run.setState('running');
    const assignment = [...this.partitions.keys()].sort((a, b) => a - b);
    if (this.options.onRebalance) {
      try {
        await this.options.onRebalance(assignment);
      } catch (error) {
        this.run.fail(new GokaError(`group "${this.graph.group}": the onRebalance callback failed: ${describeError(error)}`, { cause: error }));
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
      const transaction = new PartitionTransaction(transactionalId, producer, { groupId: group, consumer: this.run.consumer });
      this.fenced.set(partition, { transaction, resumeFrom: new Map() });
      return transaction;
    });
    await Promise.all(created.map((t) => t.connect()));
    const admin = this.run.admin!;
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
        producer: this.run.producer!,
        transaction: fenced?.transaction,
        resumeFrom: fenced?.resumeFrom,
        failed: this.run.failedPromise,
        table: tables.table?.table,
        joined: new Map([...tables.joined].map(([topic, f]) => [topic, f.table])),
        lookups: this.deps.lookups,
        deadLetterLimits: this.deps.deadLetterLimits,
        topicPartitions: this.deps.topicPartitions,
        reportFailure: (error) => this.run.fail(error),
        halted: () => this.run.halted,
        requestFlush: () => this.committer.tick(),
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
    this.run.signal.addEventListener('abort', onHalt, { once: true });
    let settled!: () => void;
    this.recovering = { partitions: new Set(partitions), abort, done: new Promise<void>((resolve) => (settled = resolve)) };
    try {
      return await recoverFollowers(followers, abort.signal, this.run.admin);
    } finally {
      this.run.signal.removeEventListener('abort', onHalt);
      this.recovering = undefined;
      settled();
    }
  }

  /** The consumer revoked `partitions`: stops a recovery of only them, then drains, commits and closes them. */
  async revoke(partitions: readonly number[]): Promise<void> {
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
    await this.closePartitions(partitions, !this.run.consumerLost);
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
    const proof = commit && !this.run.failed && owned.length > 0 ? await this.committer.confirmMembership(owned) : NO_DEADLINE;
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
          await pp.drain({ graceful: !this.run.failed, flush: commit, discard: lost, notAfter: proof }, this.run.failedPromise, (held) =>
            this.logger.warn('still waiting for messages to finish before the partition can be released (a deferred commit not called?)', { partition, held }),
          );
          if (commit && !lost) await this.committer.commit(false, [pp]);
          this.partitions.delete(partition);
        }
        const tables = this.tables.get(partition);
        this.tables.delete(partition);
        if (!tables) return;
        // Kept (hot standby: following) in case the partition comes back, as it usually does with
        // eager rebalancing: it then recovers only what was written meanwhile.
        if (!this.run.halted) await this.standby.give(partition, tables, this.options.hotStandby);
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
          const graceful = !this.run.failed;
          await pp.drain({ graceful, flush: false }, this.run.failedPromise, (held) =>
            this.logger.warn('still waiting for messages to finish before the partition can be released (a deferred commit not called?)', { partition, held }),
          );
          if (commit && graceful) {
            try {
              await this.committer.commit(false, [pp]);
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
        if (!this.run.halted) await this.standby.give(partition, tables, this.options.hotStandby);
        else await Promise.all(followersOf(tables).map((f) => f.close()));
      }),
    );
  }
}
