import { GokaError, ProducerFencedError, StateError, TransactionAbortedError } from '@goka-ts/api';
import type { BatchResult, ProduceResult, ProducerRecord, TopicPartitionOffset, TransactionalProducer, TransactionalProducerConfig, TransactionOffsetsTarget } from '@goka-ts/api';
import { Admin as PltAdmin, FindCoordinatorKeyTypes, Producer as PltProducer, type CompressionAlgorithmValue, type Consumer, type Message } from '@platformatic/kafka';

type Transaction = Awaited<ReturnType<PltProducer['beginTransaction']>>;
import { topicInfo } from './cluster';
import { compressionFor } from './compression';
import { hasProtocolError, isProducerFenced, toGokaError } from './errors';
import { PlatformaticGroupConsumer } from './group_consumer';
import type { ResolvedOptions } from './options';
import { PRODUCER_DEFAULTS, tooLarge } from './producer';
import { capProduceVersion } from './produce_version';
import { baseOffsets, RecordBatcher } from './record_batcher';

/** Defaults of {@link TransactionalProducerConfig} for this adapter. */
export const TRANSACTIONAL_DEFAULTS = { transactionTimeoutMs: 60000 };

type State = 'idle' | 'ready' | 'open' | 'ending' | 'fenced' | 'closed';

/**
 * {@link TransactionalProducer} on platformatic's transactions. platformatic registers the
 * transactional id (InitProducerId, which fences older producers) when the first transaction
 * begins, so `connect()` begins one and drops it locally. A transaction the broker never heard
 * of (no records, no offsets) ends locally too: the broker refuses to end one it never started.
 */
export class PlatformaticTransactionalProducer implements TransactionalProducer {
  private state: State = 'idle';
  private readonly producer: PltProducer;
  private tx?: Transaction;
  /** The open transaction reached the broker (records or offsets). */
  private touched = false;
  /** The first send of the open transaction that failed: it cannot commit. */
  private sendError: Error | null = null;
  private readonly batcher: RecordBatcher;
  private readonly compression: CompressionAlgorithmValue;
  private readonly id: string;
  private readonly name: string;
  private admin?: PltAdmin;

  constructor(private readonly options: ResolvedOptions, config: TransactionalProducerConfig) {
    if (!config.transactionalId) throw new GokaError('platformatic transactional producer: transactionalId must not be empty');
    this.id = config.transactionalId;
    this.name = `platformatic transactional producer "${this.id}"`;
    this.compression = compressionFor(config.compression ?? PRODUCER_DEFAULTS.compression, this.name);
    this.producer = new PltProducer({
      ...options.base,
      clientId: config.clientId ?? options.clientId,
      idempotent: true,
      transactionalId: this.id,
      acks: -1,
      // "No producer yet": with platformatic's default (0, 0) the broker fences this producer
      // whenever the id has a producer registered already, instead of fencing that one.
      producerId: -1n,
      producerEpoch: -1,
      // platformatic sends its request timeout as the transaction timeout of InitProducerId.
      timeout: config.transactionTimeoutMs ?? TRANSACTIONAL_DEFAULTS.transactionTimeoutMs,
    });
    capProduceVersion(this.producer);
    this.batcher = new RecordBatcher(
      {
        partitionCount: async (topic) => (await topicInfo(this.producer, topic, false))?.partitions,
        send: async (messages) => {
          this.touched = true;
          return baseOffsets(await this.tx!.send({ messages, acks: -1, compression: this.compression }));
        },
        error: (err, topic, record) => {
          const mapped = hasProtocolError(err, 'MESSAGE_TOO_LARGE') || hasProtocolError(err, 'RECORD_LIST_TOO_LARGE') ? tooLarge(err, record) : this.error(err, 'send', topic);
          this.sendError ??= mapped;
          return mapped;
        },
      },
      config.lingerMs ?? PRODUCER_DEFAULTS.lingerMs,
      config.batchSize ?? PRODUCER_DEFAULTS.batchSize,
    );
  }

  async connect(): Promise<void> {
    if (this.state !== 'idle') {
      if (this.state === 'closed' || this.state === 'fenced') throw new StateError(`${this.name}: connect() while ${this.state}`);
      return;
    }
    try {
      const tx = await this.producer.beginTransaction();
      await tx.cancel();
    } catch (err) {
      throw this.error(err, 'connect');
    }
    this.state = 'ready';
  }

  async begin(): Promise<void> {
    if (this.state !== 'ready') throw new StateError(`${this.name}: begin() while ${this.state}${this.state === 'open' ? ' (a transaction is open)' : ''}`);
    try {
      this.tx = await this.producer.beginTransaction();
    } catch (err) {
      throw this.error(err, 'begin');
    }
    this.touched = false;
    this.sendError = null;
    this.state = 'open';
  }

  send(record: ProducerRecord): Promise<ProduceResult> {
    if (this.state !== 'open') return Promise.reject(new StateError(`${this.name}: send() outside a transaction (state ${this.state})`));
    return this.batcher.add(record);
  }

  sendBatch(records: readonly ProducerRecord[]): Promise<BatchResult> {
    if (this.state !== 'open') return Promise.reject(new StateError(`${this.name}: sendBatch() outside a transaction (state ${this.state})`));
    return this.batcher.addBatch(records);
  }

  async sendOffsets(offsets: readonly TopicPartitionOffset[], target: TransactionOffsetsTarget): Promise<void> {
    if (this.state !== 'open') throw new StateError(`${this.name}: sendOffsets() outside a transaction (state ${this.state})`);
    if (offsets.length === 0) return;
    const member = target.consumer instanceof PlatformaticGroupConsumer ? target.consumer.memberMetadata() : undefined;
    const groupId = target.groupId;
    try {
      const consumer = member && member.groupId === groupId ? member : { groupId, generationId: -1, memberId: '', coordinatorId: await this.groupCoordinator(groupId) };
      this.touched = true;
      // addConsumer only reads the group id.
      await this.tx!.addConsumer({ groupId } as unknown as Consumer);
      // One at a time: platformatic merges concurrent offset commits of a transaction into one.
      for (const o of offsets) {
        const message = { topic: o.topic, partition: o.partition, offset: BigInt(o.offset) - 1n, metadata: { consumer } } as unknown as Message;
        await this.tx!.addOffset(message);
      }
    } catch (err) {
      throw this.error(err, 'sendOffsets');
    }
  }

  async commit(): Promise<void> {
    if (this.state !== 'open') throw new StateError(`${this.name}: commit() without an open transaction (state ${this.state})`);
    this.state = 'ending';
    await this.batcher.flush();
    const failed = this.sendError;
    if (failed) {
      if (failed instanceof ProducerFencedError) return this.fenced(failed);
      await this.end(false).catch(() => undefined);
      throw new TransactionAbortedError(this.id, `a record of it was not written: ${failed.message}`, { cause: failed });
    }
    try {
      await this.end(true);
    } catch (err) {
      const mapped = this.error(err, 'commit');
      if (mapped instanceof ProducerFencedError) return this.fenced(mapped);
      await this.end(false).catch(() => undefined);
      throw new TransactionAbortedError(this.id, mapped.message, { cause: mapped });
    }
  }

  async abort(): Promise<void> {
    if (this.state !== 'open' && this.state !== 'ending') throw new StateError(`${this.name}: abort() without an open transaction (state ${this.state})`);
    this.state = 'ending';
    await this.batcher.flush();
    try {
      await this.end(false);
    } catch (err) {
      const mapped = this.error(err, 'abort');
      if (mapped instanceof ProducerFencedError) return this.fenced(mapped);
      // The transaction stays open on the broker; it aborts it on its timeout.
      this.tx = undefined;
      this.state = 'ready';
      throw mapped;
    }
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    if (this.state === 'open' || this.state === 'ending') {
      await this.batcher.flush();
      await this.end(false).catch(() => undefined);
    }
    this.state = 'closed';
    await this.producer.close().catch(() => undefined);
    await this.admin?.close().catch(() => undefined);
  }

  /** Ends the open transaction: on the broker when it reached it, locally otherwise. */
  private async end(commit: boolean): Promise<void> {
    const tx = this.tx;
    if (!tx) {
      this.state = 'ready';
      return;
    }
    if (!this.touched) await tx.cancel();
    else if (commit) await tx.commit();
    else await tx.abort();
    this.tx = undefined;
    this.state = 'ready';
  }

  private fenced(err: ProducerFencedError): never {
    this.state = 'fenced';
    if (this.tx) void this.tx.cancel().catch(() => undefined);
    this.tx = undefined;
    throw err;
  }

  private async groupCoordinator(groupId: string): Promise<number> {
    this.admin ??= new PltAdmin({ ...this.options.base });
    const [found] = await this.admin.findCoordinator({ keyType: FindCoordinatorKeyTypes.GROUP, keys: [groupId] });
    if (!found) throw new GokaError(`${this.name}: no coordinator for group "${groupId}"`);
    return found.nodeId;
  }

  private error(err: unknown, what: string, topic?: string): Error {
    if (err instanceof GokaError) return err;
    if (isProducerFenced(err)) return new ProducerFencedError(this.id, { cause: err });
    return toGokaError(err, { operation: `${this.name}: ${what}`, brokers: this.options.brokers, topic });
  }
}
