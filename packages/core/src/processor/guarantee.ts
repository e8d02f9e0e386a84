import type { Admin, GroupConsumer, Logger, MessageBatch, Producer, TopicPartitionOffset } from '@goka-ts/api';
import type { TableWriteBuffer } from '../table/table_write_buffer';
import type { CommittingPartition, PartitionCommits } from './committer';
import type { RecordSender } from './partition_transaction';
import type { ResolvedProcessorOptions } from './processor_options';
import { AtLeastOnce } from './at_least_once';
import { ExactlyOnce } from './exactly_once';

/**
 * The processing guarantee of a processor run (at-least-once or exactly-once), chosen once when the
 * run is set up: it owns everything the two guarantees do differently, so neither the committer,
 * rebalancing nor the partition processors ask which one is in force.
 */
export interface Guarantee {
  /** At assignment, before the tables of the new `partitions` recover (exactly-once: fences their previous owner). */
  assign(partitions: readonly number[], run: AssigningRun): Promise<void>;
  /** The partition's side of the guarantee, when its processor starts. */
  partition(partition: number, producer: Producer): PartitionGuarantee;
  /** Partitions with guarantee state that a close must end (assigned, possibly not started). */
  held(): Iterable<number>;
  /** Commits the finished work of `pps`, inside the committer's chain; `flush` sends buffered table writes too. */
  commit(flush: boolean, pps: readonly CommittingPartition[], host: CommitHost): Promise<void>;
  /** Drains `partitions`, commits them a last time when `commit` and closes what the guarantee holds for them. */
  close(partitions: readonly number[], commit: boolean, host: ReleaseHost): Promise<void>;
}

/** One partition's side of the guarantee. Called per batch or per commit, never per message. */
export interface PartitionGuarantee {
  /** Where the partition sends every record (table writes, emits, loopbacks, dead letters). */
  readonly sender: RecordSender;
  /**
   * Whether a table write holds its message until the write is applied to storage, with expired
   * sends requeued (at-least-once); otherwise the message's offset commits together with the write.
   */
  readonly writesHoldMessages: boolean;
  /** The messages of a delivered batch of `topic` that are to be processed. */
  admit(topic: string, messages: MessageBatch['messages']): MessageBatch['messages'];
  /**
   * Commits what the partition finished, in the partition's turn between batches (and before a
   * visit reads storage). At-least-once has nothing to do here: the committer commits the group's offsets.
   */
  commit(state: PartitionCommitState): Promise<void>;
}

/** What a partition's own commit works on (built once per partition processor). */
export interface PartitionCommitState {
  readonly group: string;
  readonly partition: number;
  readonly commits: PartitionCommits;
  readonly writes: TableWriteBuffer | undefined;
  /** Resolves once the processor failed. */
  readonly failed: Promise<unknown> | undefined;
}

/** What a guarantee needs of the run at assignment. */
export interface AssigningRun {
  readonly group: string;
  readonly inputs: readonly string[];
  readonly options: ResolvedProcessorOptions;
  readonly admin: Admin | undefined;
  readonly consumer: GroupConsumer | undefined;
}

/** What a guarantee's commit needs of the committer. */
export interface CommitHost {
  readonly logger: Logger;
  consumer(): GroupConsumer | undefined;
  failed(): boolean;
  /** Commits `offsets` of `pps` with the consumer: the membership lease it proves, or `undefined` when refused. */
  commitOffsets(consumer: GroupConsumer, pps: readonly CommittingPartition[], offsets: TopicPartitionOffset[]): Promise<number | undefined>;
}

/** A partition as closing sees it (the partition processor). */
export interface ReleasingPartition extends CommittingPartition {
  readonly partition: number;
  drain(mode: { graceful: boolean; flush: boolean; discard?: boolean; notAfter?: number }, interrupted: Promise<unknown>, onSlow?: (held: Record<string, number>) => void): Promise<void>;
}

/** What a guarantee's close needs of rebalancing. */
export interface ReleaseHost {
  readonly logger: Logger;
  readonly partitions: Map<number, ReleasingPartition>;
  readonly failed: boolean;
  readonly failedPromise: Promise<void>;
  readonly committer: {
    commit(flush: boolean, only: readonly CommittingPartition[] | undefined): Promise<void>;
    confirmMembership(pps: readonly CommittingPartition[]): Promise<number | undefined>;
  };
  /** Hands the partition's tables to standby (or closes them when the run halted). */
  releaseTables(partition: number): Promise<void>;
}

/** The guarantee the options ask for. */
export function guaranteeFor(options: ResolvedProcessorOptions): Guarantee {
  return options.guarantee === 'exactly-once' ? new ExactlyOnce() : new AtLeastOnce();
}
