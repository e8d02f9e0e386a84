import type { Logger } from '@goka-ts/api';
import type { StatisticsListener } from './statistics';

/** Options of {@link confluentClient}. */
export interface ConfluentClientOptions {
  /** Bootstrap brokers, `host:port`. Use `127.0.0.1` rather than `localhost` (Node may pick ::1 first). */
  readonly brokers: readonly string[];
  /** librdkafka `client.id`; default `"goka-ts"`. A producer's `ProducerConfig.clientId` wins. */
  readonly clientId?: string;
  /**
   * librdkafka settings for every client this adapter creates, passed through unchanged
   * (`security.protocol`, `sasl.*`, `statistics.interval.ms`, `socket.keepalive.enable`, ...).
   * They override the adapter's defaults, so handle with care: `enable.auto.commit`,
   * `partition.assignment.strategy` and the callbacks are what the adapter relies on.
   */
  readonly config?: Readonly<Record<string, unknown>>;
  /** librdkafka settings for producers only (applied after `config`). */
  readonly producerConfig?: Readonly<Record<string, unknown>>;
  /** librdkafka settings for group consumers and partition readers only (applied after `config`). */
  readonly consumerConfig?: Readonly<Record<string, unknown>>;
  /** librdkafka settings for admin clients only (applied after `config`). */
  readonly adminConfig?: Readonly<Record<string, unknown>>;
  /**
   * Receives librdkafka's statistics of every client (parsed JSON). When given and no
   * `statistics.interval.ms` is configured, the interval defaults to 5000 ms.
   */
  readonly onStatistics?: StatisticsListener;
  /** Receives librdkafka's warnings and errors. Without a logger the adapter is silent. */
  readonly logger?: Logger;
  /**
   * Bound for connecting and for each broker request (metadata, watermarks, admin calls), in ms.
   * An unreachable cluster is reported as `KafkaConnectionError` after this time. Default 10000.
   */
  readonly connectionTimeoutMs?: number;
  /** Most messages taken from librdkafka per consume call. Default 1000. */
  readonly consumeBatchSize?: number;
  /**
   * Messages a consumer holds for one partition while its previous batch is being processed;
   * beyond this it pauses fetching that partition. Default 5000.
   */
  readonly maxBufferedPerPartition?: number;
}

/** Options with defaults applied, shared by every component of one adapter instance. */
export interface ResolvedOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly producerConfig: Readonly<Record<string, unknown>>;
  readonly consumerConfig: Readonly<Record<string, unknown>>;
  readonly adminConfig: Readonly<Record<string, unknown>>;
  readonly logger?: Logger;
  readonly connectionTimeoutMs: number;
  readonly consumeBatchSize: number;
  readonly maxBufferedPerPartition: number;
}

const DEFAULT_STATISTICS_INTERVAL_MS = 5000;

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw new TypeError(`confluentClient: ${name} must be a positive integer, got ${value}`);
  return value;
}

export function resolveOptions(options: ConfluentClientOptions): ResolvedOptions {
  if (!options || !Array.isArray(options.brokers) || options.brokers.length === 0) {
    throw new TypeError('confluentClient: at least one broker is required (options.brokers)');
  }
  const config: Record<string, unknown> = { ...options.config };
  const hasInterval = [options.config, options.producerConfig, options.consumerConfig, options.adminConfig]
    .some((c) => c !== undefined && c['statistics.interval.ms'] !== undefined);
  if (options.onStatistics && !hasInterval) config['statistics.interval.ms'] = DEFAULT_STATISTICS_INTERVAL_MS;
  return {
    brokers: [...options.brokers],
    clientId: options.clientId ?? 'goka-ts',
    config,
    producerConfig: { ...options.producerConfig },
    consumerConfig: { ...options.consumerConfig },
    adminConfig: { ...options.adminConfig },
    logger: options.logger,
    connectionTimeoutMs: positive('connectionTimeoutMs', options.connectionTimeoutMs, 10000),
    consumeBatchSize: positive('consumeBatchSize', options.consumeBatchSize, 1000),
    maxBufferedPerPartition: positive('maxBufferedPerPartition', options.maxBufferedPerPartition, 5000),
  };
}
