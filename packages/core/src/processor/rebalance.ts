import { GokaError, type Admin, type ComponentState, type GroupConsumer, type Logger, type Producer } from '@goka-ts/api';
import { describeError } from '../errors/describe_error';
import type { DeadLetterLimits } from '../errors/dead_letter_fit';
import type { GroupGraph } from '../graph/graph';
import { PartitionTable } from '../table/partition_table';
import { StandbyTables } from '../table/standby_tables';
import { followersOf, recoverFollowers, TableFollower, type PartitionTables } from '../table/table_follower';
import type { LookupSource } from './callback_effects';
import type { Committer } from './committer';
import type { Guarantee, ReleaseHost } from './guarantee';
import { PartitionProcessor } from './partition_processor';
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
  /** The run's processing guarantee: what happens at assignment, start and close of a partition. */
  readonly guarantee: Guarantee;
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
  /** The recovery of an assignment in progress, which a revocation may stop. */
  private recovering: { readonly partitions: ReadonlySet<number>; readonly abort: AbortController; readonly done: Promise<void> } | undefined;
  private readonly graph: GroupGraph;
  private readonly options: ResolvedProcessorOptions;
  private readonly logger: Logger;
  private readonly run: RebalanceRun;
  private readonly committer: Committer;
  private readonly guarantee: Guarantee;
  /** Rebalancing as the guarantee's close sees it. */
  private readonly releaseHost: ReleaseHost;

  constructor(private readonly deps: RebalanceDeps) {
    this.graph = deps.graph;
    this.options = deps.options;
    this.logger = deps.logger;
    this.run = deps.run;
    this.committer = deps.committer;
    this.guarantee = deps.guarantee;
    this.standby = new StandbyTables((p) => this.createTables(p));
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    this.releaseHost = {
      logger: this.logger,
      partitions: this.partitions,
      get failed() {
        return self.run.failed;
      },
      failedPromise: this.run.failedPromise,
      committer: this.committer,
      releaseTables: (partition) => this.releaseTables(partition),
    };
  }

  /** Closes every partition the consumer never revoked (it failed, or closed without revoking). */
  closeAll(): Promise<void> {
    return this.closePartitions([...new Set([...this.partitions.keys(), ...this.tables.keys(), ...this.guarantee.held()])], false);
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
    await this.guarantee.assign(fresh, { group: this.graph.group, inputs: this.graph.inputs.map((i) => i.topic), options: this.options, admin: this.run.admin, consumer: this.run.consumer });
    if (this.run.halted) return;
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

  /** Joined tables keep following; the partition's processor starts. */
  private startPartition(partition: number, tables: PartitionTables): void {
    for (const follower of tables.joined.values()) follower.follow();
    this.partitions.set(
      partition,
      new PartitionProcessor({
        graph: this.graph,
        partition,
        options: this.options,
        producer: this.run.producer!,
        guarantee: this.guarantee.partition(partition, this.run.producer!),
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
   * Drains, commits and closes partitions, as the guarantee does. Gracefully (not failed) every
   * started message finishes first; after a failure only acknowledged work is committed. The tables
   * stay open as standby and follow.
   */
  private closePartitions(partitions: readonly number[], commit: boolean): Promise<void> {
    return this.guarantee.close(partitions, commit, this.releaseHost);
  }

  /** Hands a closed partition's tables to standby, or closes them when the run halted. */
  private async releaseTables(partition: number): Promise<void> {
    const tables = this.tables.get(partition);
    this.tables.delete(partition);
    if (!tables) return;
    // Kept (hot standby: following) in case the partition comes back, as it usually does with
    // eager rebalancing: it then recovers only what was written meanwhile.
    if (!this.run.halted) await this.standby.give(partition, tables, this.options.hotStandby);
    else await Promise.all(followersOf(tables).map((f) => f.close()));
  }
}
