import {
  GokaError,
  ProducerFencedError,
  StateError,
  TransactionAbortedError,
  type BatchResult,
  type ProduceResult,
  type ProducerRecord,
  type TopicPartitionOffset,
  type TransactionalProducer,
  type TransactionalProducerConfig,
  type TransactionOffsetsTarget,
} from '@goka-ts/api';
import type { MemoryBroker } from './memory_broker';
import { MemoryGroupConsumer } from './memory_group_consumer';
import type { MemoryTransaction } from './memory_transaction';
import { ProduceRounds, type AppendRound } from './produce_rounds';

/**
 * A transactional producer of the in-memory broker, with Kafka's semantics: records of the open
 * transaction take offsets when written (batched per event-loop turn, as the plain producer's are)
 * but are readable only after {@link commit}; offsets given to {@link sendOffsets} become the
 * group's committed offsets on commit; {@link connect} fences every older producer of the same
 * transactional id and aborts the transaction it left open, after which the older one's calls
 * reject with {@link ProducerFencedError}.
 *
 * `abort()` without an open transaction does nothing, so "abort after any error" is always safe.
 */
export class MemoryTransactionalProducer implements TransactionalProducer {
  readonly transactionalId: string;
  private readonly rounds: ProduceRounds;
  /** Producer epoch at the coordinator; undefined until connected. */
  private epoch: number | undefined;
  private closed = false;
  private transaction: MemoryTransaction | undefined;
  /** Writes records into {@link transaction}; one function per transaction, so rounds never mix two. */
  private append: AppendRound | undefined;
  /** The first record of the open transaction that was not written: the transaction cannot commit. */
  private sendFailure: { readonly error: unknown } | undefined;
  /** A commit or abort is running. */
  private ending = false;

  constructor(
    private readonly broker: MemoryBroker,
    readonly config: TransactionalProducerConfig,
  ) {
    if (typeof config?.transactionalId !== 'string' || config.transactionalId === '') {
      throw new TypeError('a transactional producer needs a non-empty transactionalId');
    }
    this.transactionalId = config.transactionalId;
    this.rounds = new ProduceRounds(broker.activities, broker.now);
  }

  async connect(): Promise<void> {
    if (this.closed) throw new StateError(`transactional producer "${this.transactionalId}" is closed; create a new one`);
    this.epoch ??= this.broker.transactions.register(this.transactionalId);
  }

  async begin(): Promise<void> {
    const epoch = this.checkUsable('begin a transaction');
    if (this.transaction) {
      const detail = this.transaction.status === 'aborted' ? `the broker aborted it (${this.transaction.abortReason}); abort() it first` : 'commit or abort it first';
      throw new StateError(`transactional producer "${this.transactionalId}" cannot begin a transaction: one is open; ${detail}`);
    }
    const transaction = this.broker.transactions.begin(this.transactionalId, epoch, this.config.transactionTimeoutMs);
    this.transaction = transaction;
    this.append = (topic, partition, records) => this.broker.transactions.append(transaction, topic, partition, records);
    this.sendFailure = undefined;
  }

  send(record: ProducerRecord): Promise<ProduceResult> {
    let transaction: MemoryTransaction;
    try {
      transaction = this.openTransaction(`send to topic "${record.topic}"`);
    } catch (error) {
      return Promise.reject(error);
    }
    const sent = this.rounds.send(record, this.append!);
    sent.catch((error: unknown) => {
      if (this.transaction === transaction) this.sendFailure ??= { error };
    });
    return sent;
  }

  sendBatch(records: readonly ProducerRecord[]): Promise<BatchResult> {
    let transaction: MemoryTransaction;
    try {
      transaction = this.openTransaction('send a batch');
    } catch (error) {
      return Promise.reject(error);
    }
    const sent = this.rounds.sendBatch(records, this.append!);
    sent.catch((error: unknown) => {
      if (this.transaction === transaction) this.sendFailure ??= { error: (error as { errors?: readonly Error[] }).errors?.[0] ?? error };
    });
    return sent;
  }

  async sendOffsets(offsets: readonly TopicPartitionOffset[], target: TransactionOffsetsTarget): Promise<void> {
    const transaction = this.openTransaction('send offsets');
    if (!target?.groupId) throw new TypeError(`transactional producer "${this.transactionalId}": sendOffsets needs a groupId`);
    for (const { topic, partition, offset } of offsets) {
      if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(partition) || partition < 0) {
        throw new RangeError(`group "${target.groupId}": cannot commit offset ${offset} for topic "${topic}" partition ${partition}`);
      }
    }
    // KIP-447: the broker rejects offsets of a member that is no longer in the group (a zombie).
    const consumer = target.consumer;
    if (consumer instanceof MemoryGroupConsumer && !this.broker.existingGroup(target.groupId)?.memberIds().includes(consumer.memberId)) {
      throw new GokaError(
        `group "${target.groupId}": member ${consumer.memberId} is not in the group (it left, failed or belongs to another group); abort the transaction of "${this.transactionalId}"`,
      );
    }
    this.broker.transactions.addOffsets(transaction, target.groupId, offsets);
  }

  async commit(): Promise<void> {
    const transaction = this.openTransaction('commit');
    this.ending = true;
    try {
      await this.rounds.flush();
      this.broker.transactions.checkOpen(transaction); // fenced or timed out meanwhile
      if (this.sendFailure) {
        const { error } = this.sendFailure;
        this.broker.transactions.abort(transaction);
        throw new TransactionAbortedError(this.transactionalId, `a record of it was not written: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      }
      this.broker.transactions.commit(transaction);
    } finally {
      this.ending = false;
      if (transaction.status !== 'open') this.endLocally();
    }
  }

  async abort(): Promise<void> {
    this.checkUsable('abort a transaction');
    const transaction = this.transaction;
    if (!transaction) return;
    if (this.ending) throw new StateError(`transactional producer "${this.transactionalId}" cannot abort: a commit or abort is running`);
    this.ending = true;
    try {
      this.broker.transactions.abort(transaction);
      // Records still queued fail now instead of landing in the aborted transaction.
      await this.rounds.flush();
    } finally {
      this.ending = false;
      this.endLocally();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const transaction = this.transaction;
    if (transaction && this.epoch !== undefined && this.broker.transactions.isCurrent(this.transactionalId, this.epoch)) {
      this.broker.transactions.abort(transaction);
    }
    await this.rounds.flush();
    this.endLocally();
  }

  /** The epoch, after rejecting a closed, unconnected or fenced producer. */
  private checkUsable(what: string): number {
    if (this.closed) throw new StateError(`transactional producer "${this.transactionalId}" cannot ${what}: it is closed`);
    if (this.epoch === undefined) throw new StateError(`transactional producer "${this.transactionalId}" cannot ${what}: connect() it first`);
    if (!this.broker.transactions.isCurrent(this.transactionalId, this.epoch)) throw new ProducerFencedError(this.transactionalId);
    return this.epoch;
  }

  /** The open transaction, after rejecting what {@link checkUsable} rejects, no transaction, or one the broker aborted. */
  private openTransaction(what: string): MemoryTransaction {
    this.checkUsable(what);
    const transaction = this.transaction;
    if (!transaction) throw new StateError(`transactional producer "${this.transactionalId}" cannot ${what}: no transaction is open; begin() one first`);
    if (this.ending) throw new StateError(`transactional producer "${this.transactionalId}" cannot ${what}: the transaction is being committed or aborted`);
    this.broker.transactions.checkOpen(transaction);
    return transaction;
  }

  private endLocally(): void {
    this.transaction = undefined;
    this.append = undefined;
    this.sendFailure = undefined;
  }
}
