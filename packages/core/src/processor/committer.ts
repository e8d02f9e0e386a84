import type { GroupConsumer, Logger, TopicPartitionOffset } from '@goka-ts/api';
import type { CommitTracker } from './commit_tracker';
import { MembershipLease, NO_DEADLINE } from './membership_lease';

const RESOLVED = Promise.resolve();

/**
 * What one partition may commit: per input topic, the contiguous acknowledged prefix of its commit
 * tracker, and what was committed last (so an unchanged offset is not committed again).
 */
export class PartitionCommits {
  /** Next offset last committed per input topic. */
  private readonly committed = new Map<string, number>();

  constructor(
    private readonly partition: number,
    private readonly trackers: ReadonlyMap<string, CommitTracker>,
  ) {}

  /**
   * The offset to resume from per input topic that delivered anything: the finished prefix, or the
   * first delivered offset when none finished. Committing it changes nothing but proves membership.
   */
  positionOffsets(): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = [];
    for (const [topic, tracker] of this.trackers) {
      const offset = tracker.committable >= 0 ? tracker.committable : tracker.oldestHeldOffset;
      if (offset !== undefined) out.push({ topic, partition: this.partition, offset });
    }
    return out;
  }

  /** Offsets that advanced since the last commit: the next offset to read per input topic. */
  committableOffsets(): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = [];
    for (const [topic, tracker] of this.trackers) {
      const offset = tracker.committable;
      if (offset >= 0 && offset > (this.committed.get(topic) ?? -1)) out.push({ topic, partition: this.partition, offset });
    }
    return out;
  }

  /** Records offsets as committed (after the consumer or the transaction acknowledged the commit). */
  markCommitted(offsets: readonly TopicPartitionOffset[]): void {
    for (const o of offsets) {
      if (o.partition === this.partition && o.offset > (this.committed.get(o.topic) ?? -1)) this.committed.set(o.topic, o.offset);
    }
  }

  /** Resolves once every delivered message finished (every effect acknowledged). */
  whenIdle(): Promise<unknown> {
    return Promise.all([...this.trackers.values()].map((t) => t.whenIdle()));
  }

  /** Messages still held per input topic (for the slow-drain warning). */
  heldCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [topic, tracker] of this.trackers) if (tracker.held > 0) out[topic] = tracker.held;
    return out;
  }
}

/** A partition as the committer sees it (the partition processor). */
export interface CommittingPartition {
  readonly commits: PartitionCommits;
  /** Whether table writes wait to be sent. */
  hasPendingWrites(): boolean;
  /** Sends the buffered table writes; none may leave the process after `notAfter`. */
  flushWrites(notAfter?: number): void;
  /** Exactly-once: commits the partition's transaction between batches. */
  commitTransaction(): Promise<void>;
}

export interface CommitterDeps {
  readonly group: string;
  readonly sessionTimeoutMs: number | undefined;
  readonly exactlyOnce: boolean;
  readonly logger: Logger;
  /** The partitions the run processes now. */
  partitions(): Iterable<CommittingPartition>;
  /** The group consumer, once it exists. */
  consumer(): GroupConsumer | undefined;
  /** Whether the run has failed: then nothing but acknowledged work is committed, and no writes are sent. */
  failed(): boolean;
  fail(error: unknown): void;
}

/**
 * When and what a processor run commits: at the commit tick, when a table write buffer is full, and
 * when a partition is given away. Commits run one after another, so a slow older commit never
 * overwrites a newer one.
 */
export class Committer {
  private chain: Promise<void> = RESOLVED;
  private tickRunning = false;
  private readonly lease: MembershipLease;

  constructor(private readonly deps: CommitterDeps) {
    this.lease = new MembershipLease(deps.group, deps.sessionTimeoutMs, deps.logger);
  }

  /** The commit interval's tick (and a full write buffer's request): commits and sends buffered writes, once at a time. */
  tick(): void {
    if (this.tickRunning) return;
    this.tickRunning = true;
    void this.commit(true, undefined)
      .catch((error) => this.deps.fail(error))
      .finally(() => (this.tickRunning = false));
  }

  /**
   * Commits the finished prefix of every (or the given) partition; with `flush`, then sends the
   * buffered table writes.
   *
   * Table writes go out only after a commit succeeded: the commit proves this instance is still the
   * group member owning the partitions (Kafka rejects commits of members it no longer knows). A member
   * that was paused past its session (a long GC or blocked event loop, a frozen VM, SIGSTOP) has been
   * replaced meanwhile; sending its buffered writes would overwrite the new owner's newer table values
   * with older ones and lose counts. With writes waiting, the commit includes every partition's
   * position even when it did not advance, so there is always something to commit.
   */
  commit(flush: boolean, only: readonly CommittingPartition[] | undefined): Promise<void> {
    if (this.deps.exactlyOnce) return this.commitTransactions(only);
    const run = this.chain.then(async () => {
      const consumer = this.deps.consumer();
      const pps = only ?? [...this.deps.partitions()];
      const flushing = flush && !this.deps.failed() ? pps.filter((pp) => pp.hasPendingWrites()) : [];
      const offsets: TopicPartitionOffset[] = [];
      for (const pp of pps) offsets.push(...(flushing.length > 0 ? pp.commits.positionOffsets() : pp.commits.committableOffsets()));
      // Writes of visits on partitions that never delivered a message have no offset to prove membership with.
      const proof = offsets.length > 0 && consumer ? await this.commitOffsets(consumer, pps, offsets) : NO_DEADLINE;
      if (proof === undefined) {
        if (flushing.length > 0) this.deps.logger.warn('table writes held back until a commit confirms this instance still owns its partitions');
        return;
      }
      for (const pp of flushing) pp.flushWrites(proof);
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Commits the positions of `pps` (unchanged or not): resolves with the moment until which the
   * accepted commit proves this instance's membership (see {@link MembershipLease}), or `undefined`
   * when the group refused it.
   */
  confirmMembership(pps: readonly CommittingPartition[]): Promise<number | undefined> {
    const run = this.chain.then(() => {
      const consumer = this.deps.consumer();
      const offsets = pps.flatMap((pp) => pp.commits.positionOffsets());
      return offsets.length === 0 || !consumer ? NO_DEADLINE : this.commitOffsets(consumer, pps, offsets);
    });
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Exactly-once: commits the transaction of every (or the given) partition, partitions in parallel. */
  private commitTransactions(only: readonly CommittingPartition[] | undefined): Promise<void> {
    const run = this.chain.then(async () => {
      if (this.deps.failed()) return;
      await Promise.all((only ?? [...this.deps.partitions()]).map((pp) => pp.commitTransaction()));
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Commits `offsets` of `pps`; resolves with the membership lease it proves, or `undefined`. */
  private commitOffsets(consumer: GroupConsumer, pps: readonly CommittingPartition[], offsets: TopicPartitionOffset[]): Promise<number | undefined> {
    return this.lease.commit(consumer, offsets, () => {
      for (const pp of pps) pp.commits.markCommitted(offsets);
    });
  }
}
