import {
  ClientClosedError, ClientOfflineError, ConnectionTimeoutError, DisconnectsClientError, ReconnectStrategyError,
  SocketClosedUnexpectedlyError, SocketTimeoutError, TimeoutError,
} from 'redis';
import { StorageError } from '@goka-ts/api';

/** A command got no reply in time: Redis is unresponsive. */
export class ReplyTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`no reply from Redis within ${timeoutMs} ms`);
    this.name = 'ReplyTimeoutError';
  }
}

const CONNECTION_ERRORS = [
  ReplyTimeoutError, ClientClosedError, ClientOfflineError, ConnectionTimeoutError, DisconnectsClientError, ReconnectStrategyError,
  SocketClosedUnexpectedlyError, SocketTimeoutError, TimeoutError,
];
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND']);

/** Whether `err` says the connection is gone rather than that Redis refused a command. */
export function isConnectionError(err: unknown): boolean {
  return CONNECTION_ERRORS.some((type) => err instanceof type) || SOCKET_CODES.has((err as { code?: string })?.code ?? '');
}

/**
 * The error of a failed Redis operation; says plainly when Redis is unreachable or gone (`lost`),
 * with the reason the connection was given up when there is one.
 */
export function redisFailure(what: string, operation: string, where: string, err: unknown, lost: boolean, reason?: string): StorageError {
  if (err instanceof StorageError && !lost) return err;
  const message = err === undefined ? 'not connected' : (err as Error)?.message || (err as Error)?.constructor?.name || String(err);
  if (lost || isConnectionError(err)) {
    const detail = reason ? `${reason}; ${message}` : message;
    return new StorageError(`${what}: ${operation} failed: ${where} is unreachable or the connection was lost (${detail})`, { cause: err });
  }
  return new StorageError(`${what}: ${operation} failed: ${message}`, { cause: err });
}
