import { GokaError, ProducerFencedError, StateError } from '@goka-ts/api';
import type {
  BatchResult, ProducerRecord, ProduceResult, TopicPartitionOffset, TransactionalProducer, TransactionalProducerConfig, TransactionOffsetsTarget,
} from '@goka-ts/api';
import type { CompressionTypes, Kafka, Producer as KafkaJsProducer, TopicOffsets, Transaction } from 'kafkajs';
import { ClusterOps } from './cluster_ops';
import { isProducerFenced, toGokaError } from './errors';
import type { ResolvedOptions } from './options';
import { compressionType, PRODUCER_DEFAULTS } from './producer';
import { RecordBatcher, requestOf, type SendOutcome, type Slice } from './record_batcher';

/** Defaults of {@link TransactionalProducerConfig} for this adapter (batching as {@link PRODUCER_DEFAULTS}). */
export const TRANSACTIONAL_DEFAULTS = { transactionTimeoutMs: 60000 };

type State = 'idle' | 'connecting' | 'ready' | 'beginning' | 'open' | 'committing' | 'aborting' | 'fenced' | 'closing' | 'closed';

/**
 * Transactional producer on kafkajs' transactions, with the batching of the plain producer
 * ({@link RecordBatcher}): the records of a transaction go out in few `sendBatch` requests of the
 * kafkajs transaction, one at a time.
 *
 * kafkajs registers the transactional id (InitProducerId, which fences older producers with the
 * same id) in its first `transaction()`, so {@link connect} starts a kafkajs transaction right away;
 * nothing is open on the broker until records or offsets are added. Writes always wait for all
 * in-sync replicas (`acks` of the config is not used: idempotent writes require it).
 */
export class KafkajsTransactionalProducer implements TransactionalProducer {
  private producer: KafkaJsProducer;
  /** The kafkajs transaction the next (or the open) transaction uses. */
  private txn: Transaction | undefined;
  private readonly ops: ClusterOps;
  private readonly batcher: RecordBatcher;
  private readonly compression: CompressionTypes;
  private readonly transactionTimeout: number;
  private readonly name: string;
  private state: State = 'idle';
  private connecting?: Promise<void>;
  private closing?: Promise<void>;
  /** The running begin / commit / abort, which close() lets finish. */
  private operation: Promise<unknown> = Promise.resolve();
  private fenced: ProducerFencedError | undefined;
  /** Why the open transaction must not commit (a record or offsets of it failed). */
  private failure: Error | undefined;
  private readonly pendingOffsets = new Set<Promise<void>>();
  /**
   * A request of kafkajs failed in a way that leaves the kafkajs producer unfit for the next
   * transaction: a produce request with an unknown outcome (kafkajs' sequence numbers may no longer
   * match the broker's), or an EndTxn (kafkajs' transaction stays half-ended). Ending the
   * transaction then registers the transactional id again on a fresh kafkajs producer.
   */
  private unfit: 'no' | 'after-abort' | 'now' = 'no';

  constructor(private readonly kafka: Kafka, private readonly options: ResolvedOptions, private readonly config: TransactionalProducerConfig) {
    if (!config.transactionalId) throw new GokaError('kafkajs transactional producer: transactionalId must not be empty');
    this.name = `kafkajs transactional producer "${config.transactionalId}"`;
    this.transactionTimeout = config.transactionTimeoutMs ?? TRANSACTIONAL_DEFAULTS.transactionTimeoutMs;
    this.compression = compressionType(config.compression ?? PRODUCER_DEFAULTS.compression);
    this.ops = new ClusterOps(kafka, options.brokers, this.name);
    this.producer = this.createKafkajsProducer();
    this.batcher = new RecordBatcher({
      name: this.name,
      brokers: options.brokers,
      lingerMs: config.lingerMs ?? PRODUCER_DEFAULTS.lingerMs,
      batchSize: Math.max(1, config.batchSize ?? PRODUCER_DEFAULTS.batchSize),
      ops: this.ops,
      send: (slices) => this.execute(slices),
      refuse: () => (this.state === 'open' || this.state === 'committing' ? undefined : this.fenced ?? new StateError(`${this.name}: the transaction ended while the record waited for its topic's metadata`)),
    });
  }

  private createKafkajsProducer(): KafkaJsProducer {
    return this.kafka.producer({
      // goka-ts always picks the partition itself.
      createPartitioner: () => ({ message }) => message.partition!,
      allowAutoTopicCreation: false,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionalId: this.config.transactionalId,
      transactionTimeout: this.transactionTimeout,
      retry: this.options.retry,
    });
  }

  connect(): Promise<void> {
    if (this.fenced) return Promise.reject(this.fenced);
    if (this.state === 'closing' || this.state === 'closed') return Promise.reject(new StateError(`${this.name}: connect() after close()`));
    if (this.state !== 'idle' && this.state !== 'connecting') return Promise.resolve();
    if (!this.connecting) {
      this.state = 'connecting';
      this.connecting = (async () => {
        try {
          await Promise.all([this.producer.connect(), this.ops.connect()]);
          this.txn = await this.producer.transaction();
          if (this.state === 'connecting') this.state = 'ready';
        } catch (err) {
          this.connecting = undefined;
          if (this.state === 'connecting') this.state = 'idle';
          await Promise.allSettled([this.producer.disconnect(), this.ops.disconnect()]);
          throw toGokaError(err, { operation: `${this.name}: connect`, brokers: this.options.brokers });
        }
      })();
    }
    return this.connecting;
  }

  begin(): Promise<void> {
    if (this.state !== 'ready') return Promise.reject(this.refusal('begin()'));
    this.state = 'beginning';
    return this.track(async () => {
      try {
        // After a commit or abort kafkajs needs a new transaction object (no request: the id is registered).
        this.txn ??= await this.producer.transaction();
      } catch (err) {
        if (this.state === 'beginning') this.state = 'ready';
        throw this.mapError(err, 'begin');
      }
      this.failure = undefined;
      this.batcher.takeFailure();
      this.state = 'open';
    });
  }

  send(record: ProducerRecord): Promise<ProduceResult> {
    if (this.state !== 'open') return Promise.reject(this.refusal('send()'));
    return this.batcher.send(record);
  }

  sendBatch(records: readonly ProducerRecord[]): Promise<BatchResult> {
    if (this.state !== 'open') return Promise.reject(this.refusal('sendBatch()'));
    return this.batcher.sendBatch(records);
  }

  sendOffsets(offsets: readonly TopicPartitionOffset[], target: TransactionOffsetsTarget): Promise<void> {
    if (this.state !== 'open') return Promise.reject(this.refusal('sendOffsets()'));
    if (!target.groupId) return Promise.reject(new GokaError(`${this.name}: sendOffsets() needs a group id`));
    const byTopic = new Map<string, TopicOffsets>();
    for (const o of offsets) {
      if (!Number.isInteger(o.offset) || o.offset < 0) return Promise.reject(new GokaError(`${this.name}: invalid offset ${String(o.offset)} for topic "${o.topic}" partition ${o.partition}`));
      let entry = byTopic.get(o.topic);
      if (!entry) byTopic.set(o.topic, (entry = { topic: o.topic, partitions: [] }));
      entry.partitions.push({ partition: o.partition, offset: String(o.offset) });
    }
    if (byTopic.size === 0) return Promise.resolve();
    const txn = this.txn!;
    // kafkajs' TxnOffsetCommit carries no group generation (no KIP-447): target.consumer cannot be used.
    const request = (async () => {
      try {
        await txn.sendOffsets({ consumerGroupId: target.groupId, topics: [...byTopic.values()] });
      } catch (err) {
        const error = this.mapError(err, `sendOffsets for group "${target.groupId}"`);
        this.failure ??= error;
        throw error;
      }
    })();
    this.pendingOffsets.add(request);
    void request.catch(() => undefined).finally(() => this.pendingOffsets.delete(request));
    return request;
  }

  commit(): Promise<void> {
    if (this.state !== 'open') return Promise.reject(this.refusal('commit()'));
    this.state = 'committing';
    return this.track(async () => {
      await this.settleRequests();
      if (this.fenced) throw this.fenced;
      this.failure ??= this.batcher.takeFailure();
      if (this.failure) {
        this.state = 'open';
        throw new GokaError(`${this.name}: not committed because a send of the transaction failed (abort it): ${this.failure.message}`, { cause: this.failure });
      }
      try {
        await this.txn!.commit();
      } catch (err) {
        const error = this.mapError(err, 'commit');
        if (!this.fenced) {
          this.unfit = 'now';
          this.failure = error;
          this.state = 'open';
        }
        throw error;
      }
      this.ended();
    });
  }

  /**
   * Aborts the open transaction: records still waiting to be sent are rejected, the request in
   * flight is waited for. Without an open transaction it does nothing. If a failed commit had
   * already reached the transaction coordinator, the coordinator completes that commit instead.
   */
  abort(): Promise<void> {
    if (this.state === 'ready') return Promise.resolve();
    if (this.state !== 'open') return Promise.reject(this.refusal('abort()'));
    this.state = 'aborting';
    return this.track(async () => {
      await this.batcher.discard(new GokaError(`${this.name}: the transaction was aborted before the record was sent`));
      await this.settleRequests();
      if (this.fenced) throw this.fenced;
      try {
        if (this.unfit !== 'now') {
          try {
            await this.txn!.abort();
          } catch (err) {
            if (isProducerFenced(err)) throw err;
            this.unfit = 'now';
          }
        }
        // A fresh registration ends a half-ended transaction (the coordinator aborts it) and resets sequences.
        if (this.unfit !== 'no') await this.reregister();
      } catch (err) {
        const error = this.mapError(err, 'abort');
        if (!this.fenced) {
          this.unfit = 'now';
          this.state = 'open';
        }
        throw error;
      }
      this.ended();
    });
  }

  close(): Promise<void> {
    if (!this.closing) {
      this.closing = (async () => {
        await this.connecting?.catch(() => undefined);
        await this.operation.catch(() => undefined);
        if (this.state === 'open') await this.abort().catch(() => undefined);
        this.state = 'closing';
        await this.batcher.discard(new StateError(`${this.name}: closed`));
        await Promise.allSettled([this.producer.disconnect(), this.ops.disconnect()]);
        this.state = 'closed';
      })();
    }
    return this.closing;
  }

  private async execute(slices: Slice[]): Promise<SendOutcome> {
    try {
      return { metadata: await this.txn!.sendBatch({ topicMessages: requestOf(slices), acks: -1, compression: this.compression }) };
    } catch (err) {
      const error = this.mapError(err, 'send');
      if (!this.fenced && this.unfit === 'no') this.unfit = 'after-abort';
      return { error: () => error };
    }
  }

  /** Waits for the records and offsets of the open transaction to be acknowledged or to fail. */
  private async settleRequests(): Promise<void> {
    await this.batcher.flush();
    await Promise.allSettled([...this.pendingOffsets]);
  }

  private async reregister(): Promise<void> {
    const fresh = this.createKafkajsProducer();
    let txn: Transaction;
    try {
      await fresh.connect();
      txn = await fresh.transaction();
    } catch (err) {
      await fresh.disconnect().catch(() => undefined);
      throw err;
    }
    const old = this.producer;
    this.producer = fresh;
    this.txn = txn;
    this.unfit = 'no';
    await old.disconnect().catch(() => undefined);
  }

  private ended(): void {
    this.txn = this.txn?.isActive() ? this.txn : undefined;
    this.failure = undefined;
    this.state = 'ready';
  }

  /** Runs a begin / commit / abort so close() can wait for it. */
  private track(operation: () => Promise<void>): Promise<void> {
    const run = operation();
    this.operation = run.catch(() => undefined);
    return run;
  }

  /** A kafkajs error as a goka-ts error; a fencing makes this producer unusable. */
  private mapError(err: unknown, what: string): Error {
    if (this.fenced) return this.fenced;
    if (!isProducerFenced(err)) return toGokaError(err, { operation: `${this.name}: ${what}`, brokers: this.options.brokers });
    const fenced = new ProducerFencedError(this.config.transactionalId, { cause: err });
    this.fenced = fenced;
    this.state = 'fenced';
    // Synchronously drops the queued records; the request in flight settles on its own.
    void this.batcher.discard(fenced);
    return fenced;
  }

  private refusal(call: string): Error {
    if (this.fenced) return this.fenced;
    const why: Record<State, string> = {
      idle: 'before connect()',
      connecting: 'before connect() completed',
      ready: 'without an open transaction (call begin() first)',
      beginning: 'before begin() completed',
      open: 'while a transaction is open',
      committing: 'while the transaction commits',
      aborting: 'while the transaction aborts',
      fenced: 'after the producer was fenced',
      closing: 'after close()',
      closed: 'after close()',
    };
    return new StateError(`${this.name}: ${call} ${why[this.state]}`);
  }
}
