import type { Hasher, Headers, KafkaClient, Logger, ProducerConfig, StartOffset, StorageBuilder } from '@goka-ts/api';
import { memoryStorage } from '@goka-ts/storage-memory';
import { murmur2Hasher } from './hasher_murmur2';
import { consoleLogger } from './logger';
import type { TopicManagerOptions } from './topic_manager';

/** What the processor does with an input record whose value is null (a tombstone). */
export type NilHandling = 'skip' | 'process' | 'decode';

/** Automatic restart after transient Kafka errors. */
export interface RestartOptions {
  /** Restarts before giving up (run() then rejects with the last error). Default unlimited. */
  readonly maxRetries?: number;
  /** First wait before a restart (ms). Default 500. */
  readonly initialBackoffMs?: number;
  /** Longest wait between restarts (ms). Default 30 000. */
  readonly maxBackoffMs?: number;
}

/** Consumer-group settings passed to the client's group consumer. */
export interface ProcessorConsumerOptions {
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly rebalanceTimeoutMs?: number;
  readonly maxWaitMs?: number;
  /** Incremental (cooperative) rebalancing where the adapter supports it with co-partitioning. */
  readonly cooperative?: boolean;
}

export interface ProcessorOptions {
  /** The Kafka client adapter, e.g. `kafkajsClient({ brokers })`. */
  readonly client: KafkaClient;
  /** Local storage of the group table, joined tables and lookup views. Default: in memory. */
  readonly storage?: StorageBuilder;
  /**
   * Maps keys to partitions for emit, loopback, lookups and {@link Processor.get}. Default murmur2
   * (Java and kafkajs compatible). Table writes always go to the partition of the input message.
   */
  readonly hasher?: Hasher;
  /** How the group table and loop topics are created (replication, retention, mismatch policy). */
  readonly topics?: TopicManagerOptions;
  /** Input records with a null value: `'skip'` them (default, like Goka), `'process'` them with a `null` message, or `'decode'` an empty buffer with the codec. */
  readonly nilHandling?: NilHandling;
  /** Headers added to every emit and loopback; the call's own headers win on name clashes. */
  readonly defaultHeaders?: Headers;
  /** Called with the complete assignment (partition numbers) after every rebalance, once its partitions are recovered. */
  readonly onRebalance?: (partitions: readonly number[]) => void | Promise<void>;
  /** Keep every table partition this instance does not own up to date, for fast takeover. */
  readonly hotStandby?: boolean;
  /** Recover every table partition before joining the group. */
  readonly recoverAhead?: boolean;
  /** Where a group without committed offsets starts reading its inputs. Default `'newest'` (Goka). */
  readonly startFrom?: StartOffset;
  /** Restart automatically after transient Kafka errors (never after processing failures). Default off. */
  readonly restart?: false | RestartOptions;
  readonly producer?: ProducerConfig;
  readonly consumer?: ProcessorConsumerOptions;
  /**
   * How often finished input offsets are committed and buffered table writes are sent (ms). Repeated
   * writes of one key within an interval are sent once (like Kafka Streams' record cache). Default 1000.
   */
  readonly commitIntervalMs?: number;
  /** Buffered table writes (distinct keys) per partition that trigger a send before the interval is up. Default 10 000. */
  readonly maxBufferedWrites?: number;
  readonly logger?: Logger;
}

/** Options with defaults applied. */
export interface ResolvedProcessorOptions {
  readonly client: KafkaClient;
  readonly storage: StorageBuilder;
  readonly hasher: Hasher;
  readonly topics: TopicManagerOptions;
  readonly nilHandling: NilHandling;
  readonly defaultHeaders: Headers | undefined;
  readonly onRebalance: ((partitions: readonly number[]) => void | Promise<void>) | undefined;
  readonly hotStandby: boolean;
  readonly recoverAhead: boolean;
  readonly startFrom: StartOffset;
  readonly restart: false | Required<RestartOptions>;
  readonly producer: ProducerConfig | undefined;
  readonly consumer: ProcessorConsumerOptions;
  readonly commitIntervalMs: number;
  readonly maxBufferedWrites: number;
  readonly logger: Logger;
}

/** Applies defaults and rejects invalid values with a message naming the option. */
export function resolveProcessorOptions(group: string, options: ProcessorOptions): ResolvedProcessorOptions {
  const fail = (what: string): never => {
    throw new TypeError(`processor "${group}": ${what}`);
  };
  if (!options || !options.client) fail('options.client is required (a KafkaClient, e.g. from @goka-ts/kafkajs)');
  const nilHandling = options.nilHandling ?? 'skip';
  if (!['skip', 'process', 'decode'].includes(nilHandling)) fail(`nilHandling must be 'skip', 'process' or 'decode', got ${JSON.stringify(nilHandling)}`);
  const startFrom = options.startFrom ?? 'newest';
  if (startFrom !== 'newest' && startFrom !== 'oldest') fail(`startFrom must be 'newest' or 'oldest', got ${JSON.stringify(startFrom)}`);
  const commitIntervalMs = options.commitIntervalMs ?? 1000;
  if (!(commitIntervalMs > 0)) fail(`commitIntervalMs must be > 0, got ${commitIntervalMs}`);
  const maxBufferedWrites = options.maxBufferedWrites ?? 10_000;
  if (!(maxBufferedWrites >= 1)) fail(`maxBufferedWrites must be >= 1, got ${maxBufferedWrites}`);
  const restart = options.restart
    ? {
        maxRetries: options.restart.maxRetries ?? Infinity,
        initialBackoffMs: options.restart.initialBackoffMs ?? 500,
        maxBackoffMs: options.restart.maxBackoffMs ?? 30_000,
      }
    : false;
  return {
    client: options.client,
    storage: options.storage ?? memoryStorage(),
    hasher: options.hasher ?? murmur2Hasher,
    topics: options.topics ?? {},
    nilHandling,
    defaultHeaders: options.defaultHeaders,
    onRebalance: options.onRebalance,
    hotStandby: options.hotStandby ?? false,
    recoverAhead: options.recoverAhead ?? false,
    startFrom,
    restart,
    producer: options.producer,
    consumer: options.consumer ?? {},
    commitIntervalMs,
    maxBufferedWrites,
    logger: options.logger ?? consoleLogger(),
  };
}
