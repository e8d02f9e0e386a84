import { RecordTooLargeError, StateError, UnknownTopicError } from '@goka-ts/api';
import type { BatchResult, ProduceResult, Producer, ProducerConfig, ProducerRecord } from '@goka-ts/api';
import { Producer as PltProducer, type CompressionAlgorithmValue, type MessageToProduce } from '@platformatic/kafka';
import { topicInfo } from './cluster';
import { compressionFor } from './compression';
import { hasProtocolError, isUnknownTopic, toGokaError } from './errors';
import type { ResolvedOptions } from './options';
import { sendByPartition } from './partition_send';
import { capProduceVersion } from './produce_version';
import { retrying, retryPolicyOf, type RetryPolicy } from './retry';
import { RecordBatcher, recordBytes } from './record_batcher';

/** Defaults of {@link ProducerConfig} for this adapter (Goka's acks=1; short linger). */
export const PRODUCER_DEFAULTS = { lingerMs: 5, batchSize: 1000, acks: 1 as const, compression: 'none' as const };

type State = 'idle' | 'connected' | 'closing' | 'closed';

/**
 * {@link Producer} on a platformatic Producer. platformatic sends what it is given at once, so
 * the adapter batches: every linger period one `send` call carries all queued records.
 */
export class PlatformaticProducer implements Producer {
  private state: State = 'idle';
  private readonly producer: PltProducer;
  private readonly batcher: RecordBatcher;
  private readonly acks: -1 | 1;
  private readonly compression: CompressionAlgorithmValue;
  private readonly name: string;
  private readonly retry: RetryPolicy;

  constructor(private readonly options: ResolvedOptions, config: ProducerConfig = {}) {
    this.name = 'platformatic producer';
    this.acks = config.acks ?? PRODUCER_DEFAULTS.acks;
    this.compression = compressionFor(config.compression ?? PRODUCER_DEFAULTS.compression, this.name);
    // The adapter retries produce requests itself, per partition (see sendByPartition), and its
    // metadata lookups with the same policy.
    this.retry = retryPolicyOf(options.base.retries, options.base.retryDelay);
    this.producer = new PltProducer({ ...options.base, clientId: config.clientId ?? options.clientId, retries: 0 });
    capProduceVersion(this.producer);
    this.batcher = new RecordBatcher(
      {
        partitionCount: async (topic) => (await retrying(this.retry, () => topicInfo(this.producer, topic, false)))?.partitions,
        send: (messages: MessageToProduce[]) =>
          sendByPartition(
            (pending) => this.producer.send({ messages: pending, acks: this.acks, compression: this.compression, repeatOnStaleMetadata: false }),
            messages,
            this.retry,
            () => this.producer.clearMetadata(),
          ),
        error: (err, topic, record) => this.error(err, topic, record),
      },
      config.lingerMs ?? PRODUCER_DEFAULTS.lingerMs,
      config.batchSize ?? PRODUCER_DEFAULTS.batchSize,
    );
  }

  async connect(): Promise<void> {
    if (this.state === 'closing' || this.state === 'closed') throw new StateError(`${this.name}: connect() after close()`);
    if (this.state === 'connected') return;
    try {
      await retrying(this.retry, () => this.producer.metadata({ topics: [] }));
    } catch (err) {
      throw toGokaError(err, { operation: `${this.name}: connect`, brokers: this.options.brokers });
    }
    this.state = 'connected';
  }

  send(record: ProducerRecord): Promise<ProduceResult> {
    if (this.state === 'closing' || this.state === 'closed') return Promise.reject(new StateError(`${this.name}: send() after close()`));
    return this.batcher.add(record);
  }

  sendBatch(records: readonly ProducerRecord[]): Promise<BatchResult> {
    if (this.state === 'closing' || this.state === 'closed') return Promise.reject(new StateError(`${this.name}: sendBatch() after close()`));
    return this.batcher.addBatch(records);
  }

  flush(): Promise<void> {
    return this.batcher.flush();
  }

  async close(): Promise<void> {
    if (this.state === 'closed' || this.state === 'closing') return;
    this.state = 'closing';
    try {
      await this.batcher.flush();
    } finally {
      this.state = 'closed';
      await this.producer.close().catch(() => undefined);
    }
  }

  private error(err: unknown, topic: string, record: ProducerRecord): Error {
    if (hasProtocolError(err, 'MESSAGE_TOO_LARGE') || hasProtocolError(err, 'RECORD_LIST_TOO_LARGE')) return tooLarge(err, record);
    if (isUnknownTopic(err)) return new UnknownTopicError(topic, { cause: err });
    return toGokaError(err, { operation: `${this.name}: send`, brokers: this.options.brokers, topic });
  }
}

/** Kafka's default `message.max.bytes`; the broker's or the topic's own setting may differ. */
const KAFKA_DEFAULT_MESSAGE_MAX_BYTES = 1_048_588;

/** The broker refused a record as too large (the batcher sends such a record alone). */
export function tooLarge(err: unknown, record: ProducerRecord): RecordTooLargeError {
  return new RecordTooLargeError(record.topic, record.key?.toString() ?? '', recordBytes(record), KAFKA_DEFAULT_MESSAGE_MAX_BYTES, {
    cause: err,
    detail: "the broker refused it as larger than the max message size it accepts (Kafka's default limit is shown; see the broker's message.max.bytes and the topic's max.message.bytes)",
  });
}
