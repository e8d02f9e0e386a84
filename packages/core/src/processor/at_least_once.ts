import type { MessageBatch, Producer, TopicPartitionOffset } from '@goka-ts/api';
import type { CommittingPartition } from './committer';
import type { AssigningRun, CommitHost, Guarantee, PartitionCommitState, PartitionGuarantee, ReleaseHost, ReleasingPartition } from './guarantee';
import { NO_DEADLINE } from './membership_lease';
import type { RecordSender } from './partition_transaction';

const RESOLVED = Promise.resolve();

/**
 * At-least-once: partitions send through the run's producer, the consumer commits the finished
 * prefix of every partition, and table writes go out only after such a commit proved this instance
 * still owns its partitions (see {@link MembershipLease}). A message stays held until its table
 * write is applied, so a crash processes it again rather than losing it.
 */
export class AtLeastOnce implements Guarantee {
  assign(_partitions: readonly number[], _run: AssigningRun): Promise<void> {
    return RESOLVED;
  }

  partition(_partition: number, producer: Producer): PartitionGuarantee {
    return new AtLeastOncePartition(producer);
  }

  held(): Iterable<number> {
    return [];
  }

  /**
   * Commits the finished prefix of `pps`; with `flush`, then sends the buffered table writes.
   *
   * Table writes go out only after a commit succeeded: the commit proves this instance is still the
   * group member owning the partitions (Kafka rejects commits of members it no longer knows). A member
   * that was paused past its session (a long GC or blocked event loop, a frozen VM, SIGSTOP) has been
   * replaced meanwhile; sending its buffered writes would overwrite the new owner's newer table values
   * with older ones and lose counts. With writes waiting, the commit includes every partition's
   * position even when it did not advance, so there is always something to commit.
   */
  async commit(flush: boolean, pps: readonly CommittingPartition[], host: CommitHost): Promise<void> {
    const consumer = host.consumer();
    const flushing = flush && !host.failed() ? pps.filter((pp) => pp.hasPendingWrites()) : [];
    const offsets: TopicPartitionOffset[] = [];
    for (const pp of pps) offsets.push(...(flushing.length > 0 ? pp.commits.positionOffsets() : pp.commits.committableOffsets()));
    // Writes of visits on partitions that never delivered a message have no offset to prove membership with.
    const proof = offsets.length > 0 && consumer ? await host.commitOffsets(consumer, pps, offsets) : NO_DEADLINE;
    if (proof === undefined) {
      if (flushing.length > 0) host.logger.warn('table writes held back until a commit confirms this instance still owns its partitions');
      return;
    }
    for (const pp of flushing) pp.flushWrites(proof);
  }

  /**
   * Confirms membership first: if this instance no longer owns the partitions (its session
   * expired, e.g. after a pause longer than the session timeout), another member may be writing the
   * table already, and the buffered writes, computed from older values, must not overwrite its newer ones.
   */
  async close(partitions: readonly number[], commit: boolean, host: ReleaseHost): Promise<void> {
    const owned = partitions.map((p) => host.partitions.get(p)).filter((pp): pp is ReleasingPartition => pp !== undefined);
    const proof = commit && !host.failed && owned.length > 0 ? await host.committer.confirmMembership(owned) : NO_DEADLINE;
    const lost = proof === undefined;
    if (lost) {
      host.logger.warn('partitions were lost to another member: their unsent table writes are dropped, their uncommitted messages will be processed again', {
        partitions: owned.map((pp) => pp.partition),
      });
    }
    await Promise.all(
      partitions.map(async (partition) => {
        const pp = host.partitions.get(partition);
        if (pp) {
          await pp.drain({ graceful: !host.failed, flush: commit, discard: lost, notAfter: proof }, host.failedPromise, (held) =>
            host.logger.warn('still waiting for messages to finish before the partition can be released (a deferred commit not called?)', { partition, held }),
          );
          if (commit && !lost) await host.committer.commit(false, [pp]);
          host.partitions.delete(partition);
        }
        await host.releaseTables(partition);
      }),
    );
  }
}

/** A partition at least once: the run's producer, messages held by their table writes, every message processed. */
export class AtLeastOncePartition implements PartitionGuarantee {
  readonly writesHoldMessages = true;

  constructor(readonly sender: RecordSender) {}

  admit(_topic: string, messages: MessageBatch['messages']): MessageBatch['messages'] {
    return messages;
  }

  commit(_state: PartitionCommitState): Promise<void> {
    return RESOLVED;
  }
}
