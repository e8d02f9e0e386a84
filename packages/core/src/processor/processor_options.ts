import type { Hasher, Headers, KafkaClient, Logger, ProducerConfig, StartOffset, StorageBuilder } from '@goka-ts/api';
import { memoryStorage } from '@goka-ts/storage-memory';
import { murmur2Hasher } from '../hashers/murmur2';
import { errorPolicyProblem, resolveRetries, type ErrorPolicy, type ResolvedRetries, type RetryPolicy } from '../errors/error_policy';
import { defaultLogger } from '../logger';
import { checkMaxMessageBytes } from '../codecs/message_size';
import type { TopicManagerOptions } from '../topics/topic_manager';

/** What the processor does with an input record whose value is null (a tombstone). */
export type NilHandling = 'skip' | 'process' | 'decode';

/**
 * What a crash or rebalance may do to the results (see "Failures and recovery" in the README).
 * - `'at-least-once'`: nothing is lost; work done since the last commit (about one commit interval)
 *   is processed again, so table updates and emits of it may apply twice.
 * - `'exactly-once'`: each commit interval's table writes, emits, loopbacks and input offsets of a
 *   partition are committed in one Kafka transaction; after a crash the table is exact and
 *   read_committed consumers see every output once. Costs a transaction per partition and interval.
 */
export type ProcessingGuarantee = 'at-least-once' | 'exactly-once';

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
  /** Default `'at-least-once'`. */
  readonly guarantee?: ProcessingGuarantee;
  /**
   * Exactly-once: prefix of the transactional ids, one per group partition (`<prefix><group>-<partition>`).
   * Must be equal in every instance of the group and unique in the cluster. Default `''`.
   */
  readonly transactionalIdPrefix?: string;
  /** Exactly-once: how long the broker lets a transaction stay open before aborting it (ms). Default 60 000. */
  readonly transactionTimeoutMs?: number;
  /**
   * Restart automatically after transient Kafka errors (never after processing failures). Default
   * off in at-least-once mode, on (unlimited, 500 ms to 30 s backoff) in exactly-once mode, where an
   * aborted transaction is recovered from by a restart.
   */
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
  /** Where the component logs. Default {@link defaultLogger}: stderr at `'warn'` (env `GOKA_LOG_LEVEL` overrides); {@link silentLogger} quiets it. */
  readonly logger?: Logger;
  /**
   * What becomes of an input message that fails (decode error, callback throw or rejection,
   * `ctx.fail()`): `'fail'` (default) stops the processor, `'skip'` logs and counts it,
   * `{ deadLetter: topic }` parks it in a dead-letter topic, or a function decides per failure.
   * An input edge's own `onError` wins. See "Bad input: the error policy" in the README.
   */
  readonly onError?: ErrorPolicy;
  /** Retries of a failed callback before `onError` applies (an edge's own `retries` win). Default none. */
  readonly retries?: RetryPolicy;
  /**
   * Dead-letter topics an `onError` function may choose: like those of fixed policies they are
   * created at start-up when missing (partition counts must be known before the first failure).
   */
  readonly deadLetterTopics?: readonly string[];
  /**
   * Largest record (key, value and headers) that emit, loopback and setValue may send; larger ones
   * fail the message with a RecordTooLargeError naming key, topic and size instead of being
   * rejected by the client or broker. Default 1 000 000 (librdkafka's limit, just under the
   * broker's 1 MiB default); `Infinity` turns the check off. A dead letter larger than this (or
   * than its topic's `max.message.bytes`) is cut to fit instead, see "Bad input" in the README.
   */
  readonly maxMessageBytes?: number;
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
  readonly guarantee: ProcessingGuarantee;
  readonly transactionalIdPrefix: string;
  readonly transactionTimeoutMs: number | undefined;
  readonly restart: false | Required<RestartOptions>;
  readonly producer: ProducerConfig | undefined;
  readonly consumer: ProcessorConsumerOptions;
  readonly commitIntervalMs: number;
  readonly maxBufferedWrites: number;
  readonly logger: Logger;
  readonly onError: ErrorPolicy;
  readonly retries: ResolvedRetries | undefined;
  readonly deadLetterTopics: readonly string[];
  readonly maxMessageBytes: number;
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
  const guarantee = options.guarantee ?? 'at-least-once';
  if (guarantee !== 'at-least-once' && guarantee !== 'exactly-once') fail(`guarantee must be 'at-least-once' or 'exactly-once', got ${JSON.stringify(guarantee)}`);
  const restartOption = options.restart ?? (guarantee === 'exactly-once' ? {} : false);
  const restart = restartOption
    ? {
        maxRetries: restartOption.maxRetries ?? Infinity,
        initialBackoffMs: restartOption.initialBackoffMs ?? 500,
        maxBackoffMs: restartOption.maxBackoffMs ?? 30_000,
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
    guarantee,
    transactionalIdPrefix: options.transactionalIdPrefix ?? '',
    transactionTimeoutMs: options.transactionTimeoutMs,
    restart,
    producer: options.producer,
    consumer: options.consumer ?? {},
    commitIntervalMs,
    maxBufferedWrites,
    logger: options.logger ?? defaultLogger(),
    ...resolveFailureOptions(group, options),
  };
}

/** The error policy options (see {@link ProcessorOptions.onError}), checked. */
function resolveFailureOptions(group: string, options: ProcessorOptions): Pick<ResolvedProcessorOptions, 'onError' | 'retries' | 'deadLetterTopics' | 'maxMessageBytes'> {
  const where = `processor "${group}"`;
  const onError = options.onError ?? 'fail';
  const problem = errorPolicyProblem(onError);
  if (problem) throw new TypeError(`${where}: onError ${problem}`);
  const deadLetterTopics = options.deadLetterTopics ?? [];
  if (!Array.isArray(deadLetterTopics) || deadLetterTopics.some((t) => typeof t !== 'string' || t === '')) {
    throw new TypeError(`${where}: deadLetterTopics must be a list of topic names, got ${JSON.stringify(deadLetterTopics)}`);
  }
  const maxMessageBytes = checkMaxMessageBytes(where, options.maxMessageBytes);
  return { onError, retries: resolveRetries(options.retries, where), deadLetterTopics, maxMessageBytes };
}
