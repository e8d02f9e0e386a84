import { DecompressionError, GokaError, KafkaConnectionError, UnknownTopicError } from '@goka-ts/api';
import { rdkafka } from './rdkafka';

/** librdkafka error codes this adapter acts on (negative: local, positive: broker). */
export const Code = {
  ASSIGN_PARTITIONS: -175,
  REVOKE_PARTITIONS: -174,
  ALL_BROKERS_DOWN: -187,
  TRANSPORT: -195,
  TIMED_OUT: -185,
  QUEUE_FULL: -184,
  UNKNOWN_TOPIC_LOCAL: -188,
  UNKNOWN_PARTITION: -190,
  PARTITION_EOF: -191,
  STATE: -172,
  NOENT: -156,
  NO_OFFSET: -168,
  ILLEGAL_GENERATION: 22,
  UNKNOWN_MEMBER_ID: 25,
  REBALANCE_IN_PROGRESS: 27,
  UNKNOWN_TOPIC_OR_PART: 3,
  TOPIC_ALREADY_EXISTS: 36,
  /** A record over librdkafka's `message.max.bytes` (local) or the broker's or topic's limit. */
  MSG_SIZE_TOO_LARGE: 10,
  /** A fetched batch librdkafka could not parse (corrupt, bad CRC) or decompress. */
  BAD_MSG: -199,
  BAD_COMPRESSION: -198,
  RECORD_LIST_TOO_LARGE: 18,
} as const;

/** librdkafka's name of an error code (`ERR_UNKNOWN_MEMBER_ID`), or the number when it has none. */
export function codeName(code: number): string {
  const names = rdkafka.CODES.ERRORS as Record<string, number>;
  return Object.keys(names).find((name) => names[name] === code) ?? String(code);
}

/** The parts of a librdkafka error this adapter reads (it may also be a plain Error). */
export interface RdError {
  readonly message: string;
  readonly code?: number;
  readonly isFatal?: boolean;
}

export function codeOf(err: unknown): number | undefined {
  const code = (err as RdError | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

export function isConnectionFailure(err: unknown): boolean {
  const code = codeOf(err);
  return code === Code.TRANSPORT || code === Code.ALL_BROKERS_DOWN || code === Code.TIMED_OUT;
}

export function isUnknownTopic(err: unknown): boolean {
  const code = codeOf(err);
  return code === Code.UNKNOWN_TOPIC_OR_PART || code === Code.UNKNOWN_TOPIC_LOCAL;
}

/** The error's message with its librdkafka code, e.g. `Broker: Message size too large (librdkafka code 10)`. */
export function describeRdError(err: unknown): string {
  if (err instanceof Error) {
    const code = codeOf(err);
    return code === undefined ? err.message : `${err.message} (librdkafka code ${code})`;
  }
  return String(err);
}

/**
 * Turns a librdkafka error into the goka-ts error a caller can act on: connection failures and
 * timeouts become {@link KafkaConnectionError}, missing topics {@link UnknownTopicError}, anything
 * else a {@link GokaError} naming what was being done. goka errors pass through unchanged.
 */
export function toGokaError(err: unknown, what: string, context: { topic?: string; brokers?: readonly string[] } = {}): GokaError {
  if (err instanceof GokaError) return err;
  if (context.topic !== undefined && isUnknownTopic(err)) {
    return new UnknownTopicError(context.topic, { cause: err, detail: what });
  }
  if (isConnectionFailure(err)) {
    const where = context.brokers ? ` (brokers ${context.brokers.join(',')})` : '';
    return new KafkaConnectionError(`${what}: Kafka did not answer${where}: ${describeRdError(err)}`, { cause: err });
  }
  return new GokaError(`${what}: ${describeRdError(err)}`, { cause: err });
}

/**
 * A consume error for a batch librdkafka could not parse or decompress. librdkafka reports it once
 * and then reads on past the batch, so passing it by as a warning would skip its records silently.
 */
export function isCorruptBatch(err: unknown): boolean {
  const code = codeOf(err);
  return code === Code.BAD_MSG || code === Code.BAD_COMPRESSION;
}

/**
 * The error a reader or group consumer fails with for a corrupt batch. The binding's consume call
 * passes on only the error code, so the partition is known only when the reader reads one
 * (otherwise -1), and the offset and codec are not known (-1, `unknown`).
 */
export function corruptBatchError(err: unknown, topic: string, partitions: readonly number[]): DecompressionError {
  return new DecompressionError(topic, partitions.length === 1 ? partitions[0]! : -1, -1, 'unknown', { cause: err });
}
