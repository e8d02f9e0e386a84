import {
  GokaError, KafkaConnectionError, StateError, UnknownTopicError, WriteExpiredError,
  type ProduceResult, type Producer, type ProducerConfig, type ProducerRecord,
} from '@goka-ts/api';
import { DeliveryTracker, type Tracked } from './delivery_tracker';
import { Code, codeOf, toGokaError } from './errors';
import { instrument } from './instrumentation';
import { toRdHeaders, wireBytes } from './message';
import type { ResolvedOptions } from './options';
import { connectClient, disconnectClient, rdkafka, type LibrdKafkaError, type RdConfig, type RdProducer } from './rdkafka';
import type { StatisticsHub } from './statistics';

/** One `send` in flight; it is also the opaque librdkafka hands back with the delivery report. */
interface InFlight extends Tracked {
  readonly record: ProducerRecord;
  resolve: (result: ProduceResult) => void;
  reject: (err: Error) => void;
}

interface DeliveryReport {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly opaque: InFlight;
}

const COMPRESSION: Record<NonNullable<ProducerConfig['compression']>, string> = {
  none: 'none', gzip: 'gzip', snappy: 'snappy', lz4: 'lz4', zstd: 'zstd',
};

/** How long a queue-full producer waits before trying again when no delivery report freed space. */
const QUEUE_FULL_RETRY_MS = 20;

export function producerConfig(options: ResolvedOptions, config: ProducerConfig): RdConfig {
  const rd: RdConfig = {
    'bootstrap.servers': options.brokers.join(','),
    'client.id': config.clientId ?? options.clientId,
    // Records that wait for metadata of a missing topic fail after this (librdkafka: 30 s).
    'topic.metadata.propagation.max.ms': 5000,
    'linger.ms': 5,
    ...options.config,
    ...options.producerConfig,
  };
  if (config.lingerMs !== undefined) rd['linger.ms'] = config.lingerMs;
  if (config.batchSize !== undefined) rd['batch.num.messages'] = config.batchSize;
  if (config.acks !== undefined) rd['acks'] = config.acks;
  if (config.compression !== undefined) rd['compression.codec'] = COMPRESSION[config.compression];
  // Records of a partition must stay in send order: a table's later value of a key has to come last.
  // librdkafka retries a failed request while later ones may already have succeeded, which reorders
  // them, and sends a timed-out request again (a duplicate, possibly long after: see
  // ProducerRecord.notAfter). Idempotence keeps the order and drops duplicates; it needs acks=all,
  // so with acks=1 one request per connection at a time keeps the order instead.
  const user = { ...options.config, ...options.producerConfig };
  if (!('enable.idempotence' in user) && !('max.in.flight.requests.per.connection' in user) && !('max.in.flight' in user)) {
    const acks = rd['acks'] ?? rd['request.required.acks'];
    if (acks === 1 || acks === '1' || acks === 0 || acks === '0') rd['max.in.flight.requests.per.connection'] = 1;
    else rd['enable.idempotence'] = true;
  }
  // Delivery reports resolve the send promises: without them nothing would ever settle.
  rd['dr_cb'] = true;
  delete rd['dr_msg_cb'];
  return rd;
}

/** The error a send rejects with when librdkafka refused or failed its record. */
export function deliveryError(err: LibrdKafkaError, record: ProducerRecord, brokers: readonly string[]): Error {
  const code = codeOf(err);
  if (code === Code.UNKNOWN_TOPIC_OR_PART || code === Code.UNKNOWN_TOPIC_LOCAL) {
    return new UnknownTopicError(record.topic, { cause: err, detail: `producing to partition ${record.partition}` });
  }
  if (code === Code.UNKNOWN_PARTITION) {
    return new GokaError(`topic "${record.topic}" has no partition ${record.partition}`, { cause: err });
  }
  return toGokaError(err, `producing to topic "${record.topic}", partition ${record.partition}`, { brokers });
}

/**
 * Producer on librdkafka. Every record names its partition; librdkafka batches (linger / batch
 * size), its background thread serves delivery reports, and each report resolves its own send
 * with the acknowledged offset. No JS timer polls while idle.
 */
export class ConfluentProducer implements Producer {
  private state: 'idle' | 'connecting' | 'connected' | 'closing' | 'closed' = 'idle';
  private rd?: RdProducer;
  private connecting?: Promise<void>;
  private closing?: Promise<void>;
  private readonly tracker = new DeliveryTracker<InFlight>();
  /** Records that met a full librdkafka queue, in send order; later sends queue behind them. */
  private blocked: InFlight[] = [];
  private retryTimer?: NodeJS.Timeout;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly statistics: StatisticsHub,
    private readonly config: ProducerConfig = {},
  ) {}

  connect(): Promise<void> {
    if (this.state === 'connected') return Promise.resolve();
    if (this.state === 'connecting') return this.connecting!;
    if (this.state !== 'idle') return Promise.reject(new StateError('producer is closed'));
    this.state = 'connecting';
    this.connecting = this.open().then(
      () => {
        if (this.state === 'connecting') this.state = 'connected';
      },
      (err: unknown) => {
        if (this.state === 'connecting') this.state = 'idle';
        throw err;
      },
    );
    return this.connecting;
  }

  private async open(): Promise<void> {
    const rd = new rdkafka.Producer(producerConfig(this.options, this.config) as never);
    instrument(rd, 'producer', { logger: this.options.logger, statistics: this.statistics }, (err) => {
      this.options.logger?.warn(`producer: ${err.message}`, { code: err.code, fatal: err.isFatal === true });
    });
    rd.on('delivery-report', (err, report) => this.delivered(err, report as unknown as DeliveryReport));
    try {
      await connectClient(rd, this.options.connectionTimeoutMs);
    } catch (err) {
      await disconnectClient(rd);
      throw new KafkaConnectionError(
        `producer could not connect to ${this.options.brokers.join(',')} within ${this.options.connectionTimeoutMs} ms: ${(err as Error).message}`,
        { cause: err },
      );
    }
    rd.setPollInBackground(true);
    this.rd = rd;
  }

  send(record: ProducerRecord): Promise<ProduceResult> {
    if (this.state !== 'connected') {
      return Promise.reject(new StateError(this.state === 'idle' || this.state === 'connecting'
        ? 'producer is not connected: call connect() first'
        : 'producer is closed'));
    }
    if (!Number.isInteger(record.partition) || record.partition < 0) {
      return Promise.reject(new GokaError(`record for topic "${record.topic}" needs an explicit partition, got ${record.partition}`));
    }
    return new Promise<ProduceResult>((resolve, reject) => {
      const item: InFlight = { seq: 0, done: false, record, resolve, reject };
      this.tracker.track(item);
      if (this.blocked.length > 0) this.blocked.push(item);
      else this.produce(item);
    });
  }

  /** Hands a record to librdkafka; returns false if its queue is full (the record is then blocked). */
  private produce(item: InFlight): boolean {
    const { topic, partition, key, value, timestamp, headers, notAfter } = item.record;
    // The last moment the record is still ours: once librdkafka has it, its thread sends it.
    if (notAfter !== undefined) {
      const late = performance.now() - notAfter;
      if (late > 0) {
        item.reject(new WriteExpiredError(topic, partition, late));
        this.tracker.complete(item);
        return true;
      }
    }
    try {
      this.rd!.produce(
        topic, partition,
        value === null ? null : wireBytes(value),
        key === null ? null : wireBytes(key),
        timestamp ?? null,
        item,
        toRdHeaders(headers),
      );
      return true;
    } catch (err) {
      if (codeOf(err) === Code.QUEUE_FULL) {
        if (this.blocked[0] !== item) this.blocked.push(item);
        this.scheduleRetry();
        return false;
      }
      item.reject(deliveryError(err as LibrdKafkaError, item.record, this.options.brokers));
      this.tracker.complete(item);
      return true;
    }
  }

  private delivered(err: LibrdKafkaError | null, report: DeliveryReport): void {
    const item = report.opaque;
    // Settle the send before flush waiters, so code awaiting flush sees its sends settled.
    if (err) item.reject(deliveryError(err, item.record, this.options.brokers));
    else item.resolve({ topic: report.topic, partition: report.partition, offset: report.offset });
    this.tracker.complete(item);
    if (this.blocked.length > 0) this.drainBlocked();
  }

  private drainBlocked(): void {
    while (this.blocked.length > 0) {
      const item = this.blocked[0]!;
      if (!this.produce(item)) return;
      this.blocked.shift();
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.state === 'connected' || this.state === 'closing') this.drainBlocked();
    }, QUEUE_FULL_RETRY_MS);
  }

  flush(): Promise<void> {
    return this.tracker.drained();
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    const previous = this.state;
    this.state = 'closing';
    this.closing = (async () => {
      if (previous === 'connecting') await this.connecting!.catch(() => undefined);
      if (this.rd) {
        await this.tracker.drained();
        await disconnectClient(this.rd);
      }
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.state = 'closed';
    })();
    return this.closing;
  }
}
