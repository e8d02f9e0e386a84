import { mapClientError, type ClientErrorReader, type ErrorContext } from '@goka-ts/adapter-kit';

/** kafkajs error names that mean "the broker could not be reached or did not answer in time". */
const CONNECTION_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSLockTimeout',
  'KafkaJSGroupCoordinatorNotFound',
]);
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

interface ErrorLike {
  name?: string;
  message?: string;
  type?: string;
  code?: unknown;
  cause?: unknown;
  originalError?: unknown;
  retriable?: boolean;
}

/** The error and its causes, outermost first (kafkajs wraps retried errors several times). */
export function errorChain(err: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  let current: unknown = err;
  while (current && typeof current === 'object' && chain.length < 10 && !chain.includes(current as ErrorLike)) {
    chain.push(current as ErrorLike);
    const e = current as ErrorLike;
    current = e.cause ?? e.originalError;
  }
  return chain;
}

/** Protocol error type (e.g. `UNKNOWN_TOPIC_OR_PARTITION`) anywhere in the chain. */
export function hasErrorType(err: unknown, type: string): boolean {
  return errorChain(err).some((e) => e.type === type);
}

export function isConnectionError(err: unknown): boolean {
  return errorChain(err).some((e) => (e.name !== undefined && CONNECTION_ERRORS.has(e.name)) || (typeof e.code === 'string' && SOCKET_CODES.has(e.code)));
}

/** The broker refused a record, or a partition's batch, as larger than the topic or broker accepts. */
export function isMessageTooLarge(err: unknown): boolean {
  return hasErrorType(err, 'MESSAGE_TOO_LARGE') || hasErrorType(err, 'RECORD_LIST_TOO_LARGE');
}

export function isUnknownTopic(err: unknown): boolean {
  return hasErrorType(err, 'UNKNOWN_TOPIC_OR_PARTITION');
}

/**
 * A transactional producer's epoch is stale: a newer producer with the same transactional id
 * registered, or the broker aborted its transaction on timeout and bumped the epoch. kafkajs 2.2.4
 * does not know error code 90 (PRODUCER_FENCED, newer request versions) and reports it as unknown.
 */
export function isProducerFenced(err: unknown): boolean {
  return errorChain(err).some(
    (e) => e.type === 'INVALID_PRODUCER_EPOCH' || e.type === 'PRODUCER_FENCED' || (e.type === 'KAFKAJS_UNKNOWN_ERROR_CODE' && e.message === 'Unknown error code 90'),
  );
}

/** Errors after which a consumer group member must rejoin (kafkajs does not export its own check). */
export function isRebalanceError(err: unknown): boolean {
  const type = (err as ErrorLike | undefined)?.type;
  return type === 'REBALANCE_IN_PROGRESS' || type === 'NOT_COORDINATOR_FOR_GROUP' || type === 'ILLEGAL_GENERATION' || type === 'UNKNOWN_MEMBER_ID';
}

function rootMessage(err: unknown): string {
  const chain = errorChain(err);
  const root = chain[chain.length - 1];
  return root?.message ?? String(err);
}

/** kafkajs names the codec it lacks but not what to do about it. */
const ZSTD_HINT = '; the records are compressed with a codec kafkajs lacks: register one with kafkajs (CompressionCodecs[CompressionTypes.ZSTD] = ..., e.g. from @kafkajs/zstd) or use the confluent adapter';

const KAFKAJS_ERRORS: ClientErrorReader = {
  isUnknownTopic,
  isConnectionError,
  rootMessage,
  detail: (_err, message, root) => `${root !== message ? ` (${root})` : ''}${/compression not implemented/i.test(root) ? ZSTD_HINT : ''}`,
};

/**
 * Maps a kafkajs error to the goka-ts error classes as {@link mapClientError} does, adding kafkajs'
 * root cause and, for a codec kafkajs lacks, how to add one.
 */
export function toGokaError(err: unknown, ctx: ErrorContext): Error {
  return mapClientError(err, ctx, KAFKAJS_ERRORS);
}

/** An error kafkajs' retrier does not retry (it retries everything not marked `retriable: false`). */
export function nonRetriable(err: Error): Error {
  (err as ErrorLike).retriable = false;
  return err;
}
