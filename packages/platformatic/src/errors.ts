import { mapClientError, type ClientErrorReader, type ErrorContext } from '@goka-ts/adapter-kit';

const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
const CONNECTION_CODES = new Set(['PLT_KFK_NETWORK', 'PLT_KFK_TIMEOUT']);
/** Protocol errors after which the partition's leader moved: refresh metadata and fetch again. */
const STALE_LEADER = new Set(['NOT_LEADER_OR_FOLLOWER', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH', 'LEADER_NOT_AVAILABLE', 'REPLICA_NOT_AVAILABLE', 'KAFKA_STORAGE_ERROR', 'NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS', 'OFFSET_NOT_AVAILABLE', 'UNKNOWN_TOPIC_ID']);

interface ErrorLike {
  name?: string;
  message?: string;
  code?: unknown;
  apiId?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/**
 * The error, its causes and (for platformatic's aggregate errors) the errors it gathers,
 * outermost first: platformatic wraps a broker's answer as a `ResponseError` of `ProtocolError`s.
 */
export function errorTree(err: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  const queue: unknown[] = [err];
  while (queue.length && out.length < 50) {
    const current = queue.shift();
    if (!current || typeof current !== 'object' || out.includes(current as ErrorLike)) continue;
    const e = current as ErrorLike;
    out.push(e);
    if (e.cause) queue.push(e.cause);
    if (Array.isArray(e.errors)) queue.push(...(e.errors as unknown[]));
  }
  return out;
}

/** The broker's error name (e.g. `UNKNOWN_TOPIC_OR_PARTITION`) anywhere in the error. */
export function hasProtocolError(err: unknown, apiId: string): boolean {
  return errorTree(err).some((e) => e.apiId === apiId);
}

export function protocolErrors(err: unknown): string[] {
  return errorTree(err).flatMap((e) => (typeof e.apiId === 'string' ? [e.apiId] : []));
}

export function isConnectionError(err: unknown): boolean {
  return errorTree(err).some((e) => (typeof e.code === 'string' && (CONNECTION_CODES.has(e.code) || SOCKET_CODES.has(e.code))));
}

export function isUnknownTopic(err: unknown): boolean {
  return (
    hasProtocolError(err, 'UNKNOWN_TOPIC_OR_PARTITION') ||
    hasProtocolError(err, 'UNKNOWN_TOPIC_ID') ||
    // platformatic's metadata lookup replaces the broker's answer with a user error of its own.
    errorTree(err).some((e) => e.code === 'PLT_KFK_USER' && typeof e.message === 'string' && e.message.startsWith('Unknown topic '))
  );
}

/** Errors that a metadata refresh and a retry fix (leader moved, coordinator loading). */
export function isStaleMetadata(err: unknown): boolean {
  return protocolErrors(err).some((id) => STALE_LEADER.has(id));
}

/** A transactional producer's epoch is stale: a newer producer with its id registered, or the broker bumped it. */
export function isProducerFenced(err: unknown): boolean {
  return protocolErrors(err).some((id) => id === 'INVALID_PRODUCER_EPOCH' || id === 'PRODUCER_FENCED' || id === 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED');
}

function rootMessage(err: unknown): string {
  const tree = errorTree(err);
  const leaf = [...tree].reverse().find((e) => e.message);
  return leaf?.message ?? String(err);
}

const PLATFORMATIC_ERRORS: ClientErrorReader = {
  isUnknownTopic,
  isConnectionError,
  rootMessage,
  detail: (err, message, root) => {
    const names = protocolErrors(err);
    const detail = [root !== message ? root : '', names.length ? names.join(', ') : ''].filter(Boolean).join('; ');
    return detail ? ` (${detail})` : '';
  },
};

/**
 * Maps a `@platformatic/kafka` error to the goka-ts error classes as {@link mapClientError} does,
 * adding the root cause and the broker's error names.
 */
export function toGokaError(err: unknown, ctx: ErrorContext): Error {
  return mapClientError(err, ctx, PLATFORMATIC_ERRORS);
}
