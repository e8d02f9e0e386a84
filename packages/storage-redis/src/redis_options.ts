import type { RedisClientType } from 'redis';

/** Options of {@link redisStorage}. Give `url` (the storage owns a client) or `client` (you own it). */
export interface RedisStorageOptions {
  /** `redis[s]://[[user][:password]@]host[:port][/db]`; the builder connects one client for all its partitions. */
  readonly url?: string;
  /**
   * A client you created and connected; the storage never connects, reconnects or closes it. Its
   * own reconnect and offline-queue settings apply, bounded by `commandTimeoutMs`.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly client?: RedisClientType<any, any, any, any, any>;
  /**
   * Start of every Redis key, default `goka`. A partition lives under `<prefix>:{<topic>:<partition>}`;
   * give components that share a Redis but must not share tables their own prefix.
   */
  readonly prefix?: string;
  /** Connecting (owned client) fails after this long (default 5000 ms). */
  readonly connectTimeoutMs?: number;
  /** A command without reply fails after this long (default 5000 ms; batches get more per write). */
  readonly commandTimeoutMs?: number;
  /**
   * Reconnect attempts of the owned client after a lost connection before it gives up (default 3,
   * backing off from 100 ms). Commands fail at once while it reconnects, never queue.
   */
  readonly reconnectAttempts?: number;
  /** Entries an iterator reads per round trip (default 500). */
  readonly iteratorPageSize?: number;
}
