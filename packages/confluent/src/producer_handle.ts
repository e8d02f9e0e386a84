import {
  GokaError, KafkaConnectionError, RecordTooLargeError, UnknownTopicError, type ProducerConfig, type ProducerRecord,
} from '@goka-ts/api';
import { Code, codeOf, describeRdError, toGokaError } from './errors';
import { instrument } from './instrumentation';
import type { ResolvedOptions } from './options';
import { connectClient, disconnectClient, rdkafka, type LibrdKafkaError, type RdConfig, type RdProducer } from './rdkafka';
import type { StatisticsHub } from './statistics';

const COMPRESSION: Record<NonNullable<ProducerConfig['compression']>, string> = {
  none: 'none', gzip: 'gzip', snappy: 'snappy', lz4: 'lz4', zstd: 'zstd',
};

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

/** librdkafka's default `message.max.bytes`: it refuses larger records itself, before the broker sees them. */
const LIBRDKAFKA_DEFAULT_MESSAGE_MAX_BYTES = 1_000_000;

/** The error a send rejects with when librdkafka refused or failed its record. */
export function deliveryError(err: LibrdKafkaError, record: ProducerRecord, brokers: readonly string[]): Error {
  const code = codeOf(err);
  if (code === Code.UNKNOWN_TOPIC_OR_PART || code === Code.UNKNOWN_TOPIC_LOCAL) {
    return new UnknownTopicError(record.topic, { cause: err, detail: `producing to partition ${record.partition}` });
  }
  if (code === Code.UNKNOWN_PARTITION) {
    return new GokaError(`topic "${record.topic}" has no partition ${record.partition}`, { cause: err });
  }
  if (code === Code.MSG_SIZE_TOO_LARGE || code === Code.RECORD_LIST_TOO_LARGE) {
    let bytes = (record.key?.length ?? 0) + (record.value?.length ?? 0);
    for (const name in record.headers ?? {}) bytes += Buffer.byteLength(name) + record.headers![name]!.length;
    return new RecordTooLargeError(record.topic, record.key?.toString() ?? '', bytes, LIBRDKAFKA_DEFAULT_MESSAGE_MAX_BYTES, {
      cause: err,
      detail: `librdkafka or the broker refused it as too large (${describeRdError(err)}; librdkafka's default message.max.bytes is shown, see also the topic's max.message.bytes)`,
    });
  }
  return toGokaError(err, `producing to topic "${record.topic}", partition ${record.partition}`, { brokers });
}

export interface ProducerHandleSetup {
  readonly options: ResolvedOptions;
  readonly statistics: StatisticsHub;
  readonly config: RdConfig;
  /** Names the producer in logs and errors, e.g. `producer` or `transactional producer "t-1"`. */
  readonly component: string;
  /** Wires the handle (delivery reports) before it connects. */
  readonly prepare: (rd: RdProducer) => void;
  /** librdkafka's error events (all of them, fatal or not). */
  readonly onError: (err: LibrdKafkaError) => void;
}

/**
 * Creates and connects a librdkafka producer handle whose delivery reports are served by
 * librdkafka's background thread (no JS polling timer). A handle that cannot reach the cluster
 * within `connectionTimeoutMs` is released and reported as {@link KafkaConnectionError}.
 */
export async function openProducerHandle(setup: ProducerHandleSetup): Promise<RdProducer> {
  const { options, component } = setup;
  const rd = new rdkafka.Producer(setup.config as never);
  instrument(rd, component, { logger: options.logger, statistics: setup.statistics }, setup.onError);
  setup.prepare(rd);
  try {
    await connectClient(rd, options.connectionTimeoutMs);
  } catch (err) {
    await disconnectClient(rd);
    throw new KafkaConnectionError(
      `${component} could not connect to ${options.brokers.join(',')} within ${options.connectionTimeoutMs} ms: ${(err as Error).message}`,
      { cause: err },
    );
  }
  rd.setPollInBackground(true);
  return rd;
}
