import http from 'node:http';

/**
 * Limits of an HTTP server of goka-ts (the monitor, a service's health and metrics, the examples'
 * APIs). Node's defaults do not fit a small internal server: headers may take 60 s, a request 300 s,
 * timeouts are only checked every 30 s and connections are not capped, so a few hundred slow-loris
 * sockets stay open for minutes.
 */
export interface ServerLimits {
  /** Time a client has to send the request line and every header, from when the connection opens. */
  readonly headersTimeoutMs: number;
  /** Time a client has to send the whole request, body included. At least `headersTimeoutMs`. */
  readonly requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open between requests. */
  readonly keepAliveTimeoutMs: number;
  /** Open connections at most; further ones are closed as they arrive. */
  readonly maxConnections: number;
  /** Largest request line plus headers; more is answered with 431. */
  readonly maxHeaderBytes: number;
  /** Largest request body a server of ours reads; more is answered with 413. */
  readonly maxBodyBytes: number;
}

/** The limits every server of goka-ts uses unless its options say otherwise. */
export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 256,
  maxHeaderBytes: 16 * 1024,
  maxBodyBytes: 64 * 1024,
};

/** `DEFAULT_SERVER_LIMITS` with `overrides`, checked; throws a RangeError for a limit that cannot work. */
export function serverLimits(overrides: Partial<ServerLimits> = {}): ServerLimits {
  const limits = { ...DEFAULT_SERVER_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`server limit ${name} must be a positive integer, got ${value}`);
  }
  if (limits.requestTimeoutMs < limits.headersTimeoutMs) {
    throw new RangeError(`server limit requestTimeoutMs (${limits.requestTimeoutMs}) must be at least headersTimeoutMs (${limits.headersTimeoutMs})`);
  }
  return limits;
}

/**
 * A `node:http` server with `limits` applied (see {@link ServerLimits}). Every server of goka-ts is
 * made here, so they all get the same protection against slow and oversized requests.
 */
export function createLimitedServer(listener: http.RequestListener, limits: ServerLimits = DEFAULT_SERVER_LIMITS): http.Server {
  const server = http.createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      maxHeaderSize: limits.maxHeaderBytes,
      // Node checks the two timeouts above only this often (default 30 s): a check per quarter of the
      // header timeout closes a slow client at most 25 % late.
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    listener,
  );
  server.maxConnections = limits.maxConnections;
  return server;
}
