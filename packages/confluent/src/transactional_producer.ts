import {
  GokaError, ProducerFencedError, StateError,
  type BatchResult, type ProduceResult, type ProducerRecord, type TopicPartitionOffset, type TransactionalProducer,
  type TransactionalProducerConfig, type TransactionOffsetsTarget,
} from '@goka-ts/api';
import { codeOf, toGokaError, type RdError } from './errors';
import { ConfluentGroupConsumer } from './group_consumer';
import { Lifecycle } from './lifecycle';
import type { ResolvedOptions } from './options';
import { deliveryError, openProducerHandle, producerConfig } from './producer_handle';
import { connectClient, disconnectClient, rdkafka, type KafkaConsumer, type LibrdKafkaError, type RdProducer } from './rdkafka';
import { invalidPartition } from './producer';
import { sendBatch } from './send_batch';
import { RecordBatcher, type Outgoing } from './record_batcher';
import type { StatisticsHub } from './statistics';

/** librdkafka codes that mean "a newer producer with this transactional id exists". */
const FENCED_CODES = new Set([-144 /* ERR__FENCED */, 90 /* PRODUCER_FENCED */, 47 /* INVALID_PRODUCER_EPOCH */]);
/** How long one transactional call (init, offsets, commit, abort) may take before it fails (ms). */
const CALL_TIMEOUT_MS = 30_000;

/**
 * Transactional producer on librdkafka (`transactional.id`, `init_transactions`,
 * `send_offsets_to_transaction` with the consumer's group metadata: KIP-447). Records go through
 * the same send path as the plain producer; librdkafka's commit waits for their delivery itself.
 */
export class ConfluentTransactionalProducer implements TransactionalProducer {
  private readonly lifecycle: Lifecycle;
  private readonly batcher: RecordBatcher<Outgoing>;
  private rd?: RdProducer;
  private open = false;
  private fenced: ProducerFencedError | undefined;
  /** Consumers without a subscription whose group metadata stands in when no group consumer is given. */
  private readonly metadataConsumers = new Map<string, Promise<KafkaConsumer>>();

  constructor(
    private readonly options: ResolvedOptions,
    private readonly statistics: StatisticsHub,
    private readonly config: TransactionalProducerConfig,
  ) {
    this.lifecycle = new Lifecycle(`transactional producer "${config.transactionalId}"`);
    this.batcher = new RecordBatcher((err, item) => this.failure(err, () => deliveryError(err, item.record, options.brokers)));
  }

  connect(): Promise<void> {
    return this.lifecycle.connect(() => this.init());
  }

  private async init(): Promise<void> {
    const rdConfig = producerConfig(this.options, this.config);
    // Transactions need idempotence (acks=all, ordered retries); producerConfig may have chosen one in-flight request instead.
    delete rdConfig['max.in.flight.requests.per.connection'];
    delete rdConfig['acks'];
    delete rdConfig['request.required.acks'];
    rdConfig['enable.idempotence'] = true;
    rdConfig['transactional.id'] = this.config.transactionalId;
    rdConfig['transaction.timeout.ms'] = this.config.transactionTimeoutMs ?? 60_000;
    const component = `transactional producer "${this.config.transactionalId}"`;
    const rd = await openProducerHandle({
      options: this.options,
      statistics: this.statistics,
      config: rdConfig,
      component,
      prepare: (handle) => this.batcher.attach(handle),
      onError: (err) => this.options.logger?.warn(`${component}: ${err.message}`, { code: err.code, fatal: err.isFatal === true }),
    });
    this.rd = rd;
    try {
      await this.call('registering the transactional id', (cb) => rd.initTransactions(CALL_TIMEOUT_MS, cb));
    } catch (err) {
      this.rd = undefined;
      await disconnectClient(rd);
      throw err;
    }
  }

  async begin(): Promise<void> {
    this.usable();
    if (this.open) throw new StateError(`transactional producer "${this.config.transactionalId}": a transaction is already open`);
    await this.call('beginning a transaction', (cb) => this.rd!.beginTransaction(cb));
    this.open = true;
  }

  send(record: ProducerRecord): Promise<ProduceResult> {
    try {
      this.usable();
      this.inTransaction('send');
    } catch (err) {
      return Promise.reject(err);
    }
    if (!Number.isInteger(record.partition) || record.partition < 0) {
      return Promise.reject(new GokaError(`record for topic "${record.topic}" needs an explicit partition, got ${record.partition}`));
    }
    return new Promise<ProduceResult>((resolve, reject) => this.batcher.push({ seq: 0, done: false, record, resolve, reject }));
  }

  sendBatch(records: readonly ProducerRecord[]): Promise<BatchResult> {
    try {
      this.usable();
      this.inTransaction('sendBatch');
    } catch (err) {
      return Promise.reject(err);
    }
    return sendBatch((item) => this.batcher.push(item), records, invalidPartition);
  }

  async sendOffsets(offsets: readonly TopicPartitionOffset[], target: TransactionOffsetsTarget): Promise<void> {
    this.usable();
    this.inTransaction('sendOffsets');
    const consumer = await this.metadataSource(target);
    const list = offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset }));
    await this.call(`adding offsets of group "${target.groupId}"`, (cb) => this.rd!.sendOffsetsToTransaction(list, consumer, CALL_TIMEOUT_MS, cb));
  }

  async commit(): Promise<void> {
    this.usable();
    this.inTransaction('commit');
    // A record that failed fails the commit (the caller aborts): librdkafka would report it only as an abortable state.
    let failed: unknown;
    await this.batcher.drained();
    try {
      await this.call('committing the transaction', (cb) => this.rd!.commitTransaction(CALL_TIMEOUT_MS, cb));
    } catch (err) {
      failed = err;
    }
    if (failed === undefined) {
      this.open = false;
      return;
    }
    if (this.fenced) this.open = false;
    throw failed;
  }

  async abort(): Promise<void> {
    this.usable();
    if (!this.open) return;
    try {
      await this.call('aborting the transaction', (cb) => this.rd!.abortTransaction(CALL_TIMEOUT_MS, cb));
    } finally {
      this.open = false;
    }
    await this.batcher.drained();
  }

  close(): Promise<void> {
    return this.lifecycle.close(async () => {
      const rd = this.rd;
      if (!rd) return;
      if (this.open && !this.fenced) {
        await this.call('aborting the transaction', (cb) => rd.abortTransaction(CALL_TIMEOUT_MS, cb)).catch(() => undefined);
      }
      this.open = false;
      this.batcher.dropBlocked(() => new StateError(`transactional producer "${this.config.transactionalId}" is closed`));
      this.batcher.dispose();
      await this.batcher.drained();
      for (const consumer of this.metadataConsumers.values()) await consumer.then((c) => disconnectClient(c), () => undefined);
      await disconnectClient(rd);
    });
  }

  /**
   * The consumer whose group metadata goes with the offsets: the group consumer's own (generation
   * and member id, so the broker rejects a member that lost the group), or one connected without
   * subscription, whose metadata names the group only.
   */
  private metadataSource(target: TransactionOffsetsTarget): Promise<KafkaConsumer> {
    const native = target.consumer instanceof ConfluentGroupConsumer ? target.consumer.nativeConsumer() : undefined;
    if (native) return Promise.resolve(native);
    let consumer = this.metadataConsumers.get(target.groupId);
    if (!consumer) {
      const created = new rdkafka.KafkaConsumer({ 'bootstrap.servers': this.options.brokers.join(','), 'group.id': target.groupId, ...this.options.config } as never, {});
      consumer = connectClient(created, this.options.connectionTimeoutMs).then(() => created);
      this.metadataConsumers.set(target.groupId, consumer);
    }
    return consumer;
  }

  private usable(): void {
    if (this.fenced) throw this.fenced;
    const notConnected = this.lifecycle.notConnected();
    if (notConnected) throw notConnected;
  }

  private inTransaction(what: string): void {
    if (!this.open) throw new StateError(`transactional producer "${this.config.transactionalId}": ${what} needs an open transaction (call begin() first)`);
  }

  /** Runs a librdkafka transactional call, mapping its error. */
  private call(what: string, run: (cb: (err: LibrdKafkaError | null) => void) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      run((err) => (err ? reject(this.failure(err, () => toGokaError(err, `transactional producer "${this.config.transactionalId}": ${what}`, { brokers: this.options.brokers }))) : resolve()));
    });
  }

  /** Fencing (and any fatal error, after which librdkafka refuses the handle) makes the producer unusable. */
  private failure(err: LibrdKafkaError | RdError, otherwise: () => Error): Error {
    const code = codeOf(err);
    if ((code !== undefined && FENCED_CODES.has(code)) || err.isFatal === true) {
      this.fenced ??= new ProducerFencedError(this.config.transactionalId, { cause: err });
      return this.fenced;
    }
    return otherwise();
  }
}
