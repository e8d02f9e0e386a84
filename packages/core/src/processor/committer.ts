import type { GroupConsumer, Logger, TopicPartitionOffset } from '@goka-ts/api';
import type { CommitTracker } from './commit_tracker';
import type { CommitHost, Guarantee } from './guarantee';
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
  /** Commits what the guarantee commits per partition (exactly-once: its transaction), in the partition's turn between batches. */
  commitInTurn(): Promise<void>;
}

export interface CommitterDeps {
  readonly group: string;
  readonly sessionTimeoutMs: number | undefined;
  /** The run's processing guarantee: how a commit happens. */
  readonly guarantee: Guarantee;
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
  /** The committer as the guarantee's commit sees it. */
  private readonly host: CommitHost;

  constructor(private readonly deps: CommitterDeps) {
    this.lease = new MembershipLease(deps.group, deps.sessionTimeoutMs, deps.logger);
    this.host = {
      logger: deps.logger,
      consumer: () => deps.consumer(),
      failed: () => deps.failed(),
      commitOffsets: (consumer, pps, offsets) => this.commitOffsets(consumer, pps, offsets),
    };
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
   * Commits the finished work of every (or the given) partition the way the guarantee does; with
   * `flush`, sends buffered table writes too. One commit at a time, in order.
   */
  commit(flush: boolean, only: readonly CommittingPartition[] | undefined): Promise<void> {
    const run = this.chain.then(() => this.deps.guarantee.commit(flush, only ?? [...this.deps.partitions()], this.host));
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

  /** Commits `offsets` of `pps`; resolves with the membership lease it proves, or `undefined`. */
  private commitOffsets(consumer: GroupConsumer, pps: readonly CommittingPartition[], offsets: TopicPartitionOffset[]): Promise<number | undefined> {
    return this.lease.commit(consumer, offsets, () => {
      for (const pp of pps) pp.commits.markCommitted(offsets);
    });
  }
}
