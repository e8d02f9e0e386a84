import { GokaError, StateError, UnknownTopicError } from '@goka-ts/api';
import type { BatchResult, Producer, ProducerConfig, ProducerRecord, ProduceResult } from '@goka-ts/api';
import { CompressionCodecs, CompressionTypes, type Kafka, type Producer as KafkaJsProducer, type RecordMetadata } from 'kafkajs';
import { ClusterOps } from './cluster_ops';
import { isUnknownTopic, toGokaError } from './errors';
import type { ResolvedOptions } from './options';
import { dropExpired, RecordBatcher, requestOf, type SendOutcome, type Slice } from './record_batcher';

/** Defaults of {@link ProducerConfig} for this adapter. */
export const PRODUCER_DEFAULTS = { lingerMs: 5, batchSize: 1000, acks: 1 as const, compression: 'none' as const };

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Whether kafkajs gave up on an error it would have retried with retries left (a one-try producer reports those so). */
function retriedOut(err: unknown): boolean {
  const e = err as { name?: string; retriable?: boolean } | null;
  return e?.name === 'KafkaJSNumberOfRetriesExceeded' || (e?.retriable === true && e?.name !== 'KafkaJSNonRetriableError');
}

/** The kafkajs compression type of a {@link ProducerConfig} compression name; throws when kafkajs has no codec for it. */
export function compressionType(name: NonNullable<ProducerConfig['compression']>): CompressionTypes {
  const type = {
    none: CompressionTypes.None,
    gzip: CompressionTypes.GZIP,
    snappy: CompressionTypes.Snappy,
    lz4: CompressionTypes.LZ4,
    zstd: CompressionTypes.ZSTD,
  }[name];
  if (type === undefined) throw new GokaError(`kafkajs producer: unknown compression "${name}"`);
  if (type !== CompressionTypes.None) {
    // kafkajs ships gzip only; other codecs throw "not implemented" until the user registers one.
    try {
      (CompressionCodecs[type] as () => unknown)();
    } catch {
      throw new GokaError(
        `kafkajs producer: compression "${name}" needs a codec registered with kafkajs first: the adapter brings snappy and lz4; for zstd register one, e.g. CompressionCodecs[CompressionTypes.ZSTD] = <codec> (such as @kafkajs/zstd)`,
      );
    }
  }
  return type;
}

/**
 * Producer on kafkajs with the batching kafkajs lacks ({@link RecordBatcher}): records wait up to
 * `lingerMs` (or until a partition has `batchSize` records) and go out in one `sendBatch`, one
 * request at a time, each record resolving with its exact offset.
 */
export class KafkajsProducer implements Producer {
  private producer: KafkaJsProducer;
  /** A kafkajs producer that tries each request once, for requests with deadlines (created on first use). */
  private strict: { producer: KafkaJsProducer; connected: Promise<void> } | undefined;
  private readonly ops: ClusterOps;
  private readonly batcher: RecordBatcher;
  private readonly acks: -1 | 1;
  private readonly compression: CompressionTypes;
  private state: 'idle' | 'connecting' | 'connected' | 'closing' | 'closed' = 'idle';
  private connecting?: Promise<void>;
  private closing?: Promise<void>;

  constructor(private readonly kafka: Kafka, private readonly options: ResolvedOptions, config: ProducerConfig = {}) {
    this.acks = config.acks ?? PRODUCER_DEFAULTS.acks;
    if (this.acks !== -1 && this.acks !== 1) throw new GokaError(`kafkajs producer: acks must be -1 or 1, not ${String(this.acks)}`);
    this.compression = compressionType(config.compression ?? PRODUCER_DEFAULTS.compression);
    this.producer = this.createKafkajsProducer();
    this.ops = new ClusterOps(kafka, options.brokers, 'kafkajs producer');
    this.batcher = new RecordBatcher({
      name: 'kafkajs producer',
      brokers: options.brokers,
      lingerMs: config.lingerMs ?? PRODUCER_DEFAULTS.lingerMs,
      batchSize: Math.max(1, config.batchSize ?? PRODUCER_DEFAULTS.batchSize),
      ops: this.ops,
      send: (slices) => this.execute(slices),
      refuse: () => (this.state !== 'connected' && this.state !== 'closing' ? new StateError('kafkajs producer: closed while sending') : undefined),
    });
  }

  private createKafkajsProducer(retries = this.options.retry.retries): KafkaJsProducer {
    return this.kafka.producer({
      // goka-ts always picks the partition itself.
      createPartitioner: () => ({ message }) => message.partition!,
      allowAutoTopicCreation: false,
      idempotent: false,
      retry: { ...this.options.retry, retries },
    });
  }

  connect(): Promise<void> {
    if (this.state === 'connected') return Promise.resolve();
    if (this.state === 'closing' || this.state === 'closed') return Promise.reject(new StateError('kafkajs producer: connect() after close()'));
    if (!this.connecting) {
      this.state = 'connecting';
      this.connecting = (async () => {
        try {
          await Promise.all([this.producer.connect(), this.ops.connect()]);
          if (this.state === 'connecting') this.state = 'connected';
        } catch (err) {
          this.connecting = undefined;
          if (this.state === 'connecting') this.state = 'idle';
          await Promise.allSettled([this.producer.disconnect(), this.ops.disconnect()]);
          throw toGokaError(err, { operation: 'kafkajs producer: connect', brokers: this.options.brokers });
        }
      })();
    }
    return this.connecting;
  }

  send(record: ProducerRecord): Promise<ProduceResult> {
    const refused = this.refusal('send()');
    return refused ? Promise.reject(refused) : this.batcher.send(record);
  }

  sendBatch(records: readonly ProducerRecord[]): Promise<BatchResult> {
    const refused = this.refusal('sendBatch()');
    return refused ? Promise.reject(refused) : this.batcher.sendBatch(records);
  }

  private refusal(call: string): StateError | undefined {
    if (this.state === 'connected') return undefined;
    return new StateError(this.state === 'closing' || this.state === 'closed' ? `kafkajs producer: ${call} after close()` : `kafkajs producer: ${call} before connect() completed`);
  }

  flush(): Promise<void> {
    return this.batcher.flush();
  }

  close(): Promise<void> {
    if (!this.closing) {
      const wasConnected = this.state === 'connected' || this.state === 'connecting';
      this.closing = (async () => {
        if (this.state === 'connecting') await this.connecting?.catch(() => undefined);
        this.state = 'closing';
        try {
          if (wasConnected) await this.flush();
        } finally {
          this.batcher.stop();
          await Promise.allSettled([this.producer.disconnect(), this.ops.disconnect(), this.strict?.producer.disconnect()]);
          this.state = 'closed';
        }
      })();
    }
    return this.closing;
  }

  /**
   * Sends a request that holds records with deadlines. kafkajs retries a failed or timed-out request
   * on its own, and would send it again long after the deadline (a request that timed out because
   * the process was paused goes out again when it wakes up). Here kafkajs tries once, and between
   * tries the records whose deadline passed are dropped ({@link dropExpired}); the adapter's retry
   * policy (backoff, number of tries) is the same.
   */
  private async sendStrict(slices: Slice[]): Promise<RecordMetadata[]> {
    const { retries, initialRetryTime, maxRetryTime, multiplier } = this.options.retry;
    let wait = initialRetryTime;
    for (let attempt = 0; ; attempt++) {
      try {
        const strict = this.strictProducer();
        await strict.connected;
        return await strict.producer.sendBatch({ topicMessages: requestOf(slices), acks: this.acks, compression: this.compression });
      } catch (err) {
        if (!retriedOut(err) || attempt >= retries) throw err;
      }
      await delay(wait);
      wait = Math.min(wait * multiplier, maxRetryTime);
      dropExpired(slices);
      if (slices.length === 0) return [];
    }
  }

  private strictProducer(): { producer: KafkaJsProducer; connected: Promise<void> } {
    if (!this.strict) {
      const producer = this.createKafkajsProducer(0);
      const strict = { producer, connected: producer.connect() };
      // A failed connect is retried with the next try.
      strict.connected.catch(() => {
        if (this.strict === strict) this.strict = undefined;
        void producer.disconnect().catch(() => undefined);
      });
      this.strict = strict;
    }
    return this.strict;
  }

  private async execute(slices: Slice[]): Promise<SendOutcome> {
    const strict = slices.some((s) => s.deadlines !== undefined);
    const send = () => (strict ? this.sendStrict(slices) : this.producer.sendBatch({ topicMessages: requestOf(slices), acks: this.acks, compression: this.compression }));
    let failure: unknown;
    try {
      return { metadata: await send() };
    } catch (err) {
      failure = err;
    }
    let missing = new Set<string>();
    if (isUnknownTopic(failure)) {
      // kafkajs does not say which topic is missing: ask. If none is, the failure came from kafkajs'
      // stale topic list (a topic it wrote to earlier was deleted) before anything was written, so
      // the request is sent again once on a fresh kafkajs producer.
      await this.renewProducer();
      missing = await this.missingTopics([...new Set(slices.map((sl) => sl.queue.topic))]);
      if (missing.size === 0) {
        try {
          return { metadata: await send() };
        } catch (err) {
          failure = err;
        }
      }
    }
    const general = toGokaError(failure, { operation: 'kafkajs producer: send', brokers: this.options.brokers });
    const unknown = new Map<string, Error>();
    return {
      error: (topic) => {
        if (!missing.has(topic)) return general;
        let err = unknown.get(topic);
        if (!err) unknown.set(topic, (err = new UnknownTopicError(topic, { cause: failure })));
        return err;
      },
    };
  }

  private async missingTopics(topics: readonly string[]): Promise<Set<string>> {
    const missing = new Set<string>();
    await Promise.all(
      topics.map(async (topic) => {
        const exists = await this.ops.topicInfo(topic).then((i) => i !== undefined, () => true);
        if (!exists) {
          missing.add(topic);
          this.batcher.forgetTopic(topic);
        }
      }),
    );
    return missing;
  }

  /**
   * kafkajs' producer refreshes metadata for every topic it ever wrote to and fails all sends once
   * one of them was deleted. A fresh kafkajs producer forgets them. Runs in the single in-flight
   * slot, so no request uses the old one meanwhile.
   */
  private async renewProducer(): Promise<void> {
    const fresh = this.createKafkajsProducer();
    try {
      await fresh.connect();
    } catch {
      await fresh.disconnect().catch(() => undefined);
      return; // keep the old one; the broker is probably gone and the next send says so
    }
    const old = this.producer;
    this.producer = fresh;
    // The one-try producer has the same stale topic list: the next request with deadlines makes a new one.
    const strict = this.strict;
    this.strict = undefined;
    await Promise.allSettled([old.disconnect(), strict?.producer.disconnect()]);
  }
}
