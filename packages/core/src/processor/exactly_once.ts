import { StorageError, type MessageBatch, type Producer } from '@goka-ts/api';
import { describeError } from '../errors/describe_error';
import { isTransientFailure } from '../errors/transient';
import { AtLeastOncePartition } from './at_least_once';
import type { CommittingPartition } from './committer';
import type { AssigningRun, CommitHost, Guarantee, PartitionCommitState, PartitionGuarantee, ReleaseHost } from './guarantee';
import { PartitionTransaction } from './partition_transaction';

const NEVER = new Promise<never>(() => undefined);

/**
 * Exactly-once: every partition has its own transaction (see {@link PartitionTransaction}), which
 * carries its records and its input offsets; a commit is that transaction's commit, and the table
 * applies a generation of writes only once it committed.
 */
export class ExactlyOnce implements Guarantee {
  /** The partitions' transactions from their fencing on, with the resume offsets read then. */
  private readonly transactions = new Map<number, { transaction: PartitionTransaction; resumeFrom: Map<string, number> }>();

  /**
   * Connects the transactional producer of every newly assigned partition, which fences the
   * partition's previous owner and ends its open transaction, then reads the committed input
   * offsets. Only after that is the table recovered: the previous owner can no longer add to it.
   */
  async assign(partitions: readonly number[], run: AssigningRun): Promise<void> {
    const { group, options } = run;
    const created = partitions.map((partition) => {
      const transactionalId = `${options.transactionalIdPrefix}${group}-${partition}`;
      const producer = options.client.transactionalProducer({ ...options.producer, transactionalId, transactionTimeoutMs: options.transactionTimeoutMs });
      const transaction = new PartitionTransaction(transactionalId, producer, { groupId: group, consumer: run.consumer });
      this.transactions.set(partition, { transaction, resumeFrom: new Map() });
      return transaction;
    });
    await Promise.all(created.map((t) => t.connect()));
    const admin = run.admin!;
    const committed = await Promise.all(run.inputs.map((topic) => admin.committedOffsets(group, topic)));
    for (const offsets of committed) {
      for (const o of offsets) {
        const entry = this.transactions.get(o.partition);
        if (entry && o.offset >= 0) entry.resumeFrom.set(o.topic, o.offset);
      }
    }
  }

  partition(partition: number, producer: Producer): PartitionGuarantee {
    const entry = this.transactions.get(partition);
    // Closed while its tables recovered (revoked right after the fencing): the consumer delivers it
    // nothing more, and the partition processor only waits for its close.
    if (!entry) return new AtLeastOncePartition(producer);
    return new ExactlyOncePartition(entry.transaction, entry.resumeFrom);
  }

  held(): Iterable<number> {
    return this.transactions.keys();
  }

  /** Commits the transaction of every given partition, partitions in parallel. */
  async commit(_flush: boolean, pps: readonly CommittingPartition[], host: CommitHost): Promise<void> {
    if (host.failed()) return;
    await Promise.all(pps.map((pp) => pp.commitInTurn()));
  }

  /**
   * Drains, commits the last transaction (gracefully, not after a failure) and closes the
   * partitions' producers, aborting whatever is still open. No membership proof is needed: a member
   * that lost a partition finds its commit fenced by the new owner's producer.
   */
  async close(partitions: readonly number[], commit: boolean, host: ReleaseHost): Promise<void> {
    await Promise.all(
      partitions.map(async (partition) => {
        const pp = host.partitions.get(partition);
        if (pp) {
          const graceful = !host.failed;
          await pp.drain({ graceful, flush: false }, host.failedPromise, (held) =>
            host.logger.warn('still waiting for messages to finish before the partition can be released (a deferred commit not called?)', { partition, held }),
          );
          if (commit && graceful) {
            try {
              await host.committer.commit(false, [pp]);
            } catch (error) {
              if (!isTransientFailure(error)) throw error;
              // Fenced or aborted while giving the partition away: its new owner processes the rest.
              host.logger.warn('the last transaction of a revoked partition did not commit; its new owner processes that input again', { partition, error: describeError(error) });
            }
          }
          host.partitions.delete(partition);
        }
        const entry = this.transactions.get(partition);
        this.transactions.delete(partition);
        await entry?.transaction.close();
        await host.releaseTables(partition);
      }),
    );
  }
}

/** A partition exactly once: its transaction sends, commits and fences; input its previous owner committed is dropped. */
class ExactlyOncePartition implements PartitionGuarantee {
  readonly writesHoldMessages = false;
  /** Per input topic, the first offset not committed by the previous owner (dropped once passed). */
  private resumeFrom: Map<string, number> | undefined;

  /**
   * `resumeFrom`: the committed input offsets read right after the transaction fenced the previous
   * owner. Messages below them were committed by that owner's last transaction; a client that
   * resolved its start offsets before the fencing may still deliver them, and they are dropped.
   */
  constructor(
    private readonly transaction: PartitionTransaction,
    resumeFrom: ReadonlyMap<string, number>,
  ) {
    this.resumeFrom = resumeFrom.size > 0 ? new Map(resumeFrom) : undefined;
  }

  get sender(): PartitionTransaction {
    return this.transaction;
  }

  admit(topic: string, messages: MessageBatch['messages']): MessageBatch['messages'] {
    const resumeFrom = this.resumeFrom;
    if (!resumeFrom) return messages;
    const floor = resumeFrom.get(topic);
    if (floor === undefined || messages.length === 0) return messages;
    if (messages[messages.length - 1].offset >= floor) {
      resumeFrom.delete(topic);
      if (resumeFrom.size === 0) this.resumeFrom = undefined;
    }
    return messages[0].offset >= floor ? messages : messages.filter((m) => m.offset >= floor);
  }

  /**
   * Waits until every delivered message finished (its emits acknowledged), sends the buffered table
   * writes into the transaction, adds the input offsets and commits; then applies the writes to
   * local storage, which so only ever holds committed state. A failure of the processor ends the
   * wait: nothing is committed then.
   */
  async commit(state: PartitionCommitState): Promise<void> {
    const idle = state.commits.whenIdle().then(() => true);
    if (!(await Promise.race([idle, (state.failed ?? NEVER).then(() => false)]))) return;
    const writes = state.writes;
    const sent = writes ? await writes.sendForCommit() : undefined;
    const offsets = state.commits.committableOffsets();
    if (!(await this.transaction.commit(offsets))) return;
    state.commits.markCommitted(offsets);
    if (!sent || !writes) return;
    try {
      await writes.applyCommitted(sent);
    } catch (error) {
      throw new StorageError(
        `group "${state.group}", partition ${state.partition}: applying committed table writes to local storage failed (the table recovers them from Kafka after a restart): ${describeError(error)}`,
        { cause: error },
      );
    }
  }
}
