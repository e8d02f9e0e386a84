import { createClient } from 'redis';
import type { RedisArgument } from 'redis';
import { StorageError } from '@goka-ts/api';
import { ReplyTimeoutError } from './redis_errors';
import type { RedisStorageOptions } from './redis_options';

/** The part of a node-redis client the storage uses. */
export interface CommandClient {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  sendCommand(args: ReadonlyArray<RedisArgument>, options?: object): Promise<unknown>;
  multi(): { addCommand(args: ReadonlyArray<RedisArgument>): unknown; exec(): Promise<unknown> };
}

/**
 * A client held by one storage until it releases it, with the policy that bounds how long a command
 * may wait for its reply. Storages call `begin()`/`end()` around each command and pass its promise
 * through `deadline()`.
 */
export interface Lease {
  readonly client: CommandClient;
  /** Why the connection was given up, when it was. */
  readonly failureReason: string | undefined;
  begin(): void;
  end(): void;
  deadline<T>(reply: Promise<T>, timeoutMs: number): Promise<T>;
  release(): Promise<void>;
}

/** Hands out the client of a builder's storages. */
export interface Connection {
  /** Where Redis is, for messages. */
  readonly where: string;
  acquire(): Promise<Lease>;
}

/**
 * A client the user owns: used as is, never connected or closed here. node-redis stops timing a
 * command once it is written, and the client is not ours to drop, so each command races a timer.
 */
export class GivenConnection implements Connection {
  readonly where = 'the given Redis client';

  constructor(private readonly client: CommandClient) {}

  async acquire(): Promise<Lease> {
    if (!this.client.isOpen) throw new StorageError('the given Redis client is not connected: call connect() on it before opening storage');
    return {
      client: this.client,
      failureReason: undefined,
      begin: () => undefined,
      end: () => undefined,
      deadline: raceTimer,
      release: async () => undefined,
    };
  }
}

function raceTimer<T>(reply: Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new ReplyTimeoutError(timeoutMs)), timeoutMs);
    reply.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

type OwnedClient = CommandClient & {
  connect(): Promise<unknown>;
  close(): Promise<void>;
  destroy(): void;
  on(event: 'error', listener: (err: Error) => void): unknown;
};

/**
 * One connected client of ours and the storages holding it. A watchdog drops the connection when
 * commands are pending and no reply came for `commandTimeoutMs`: node-redis would wait forever for
 * the reply of a written command, and dropping fails every pending command at once. Healthy traffic
 * costs a counter and a clock read per command, no timer.
 */
class Owned {
  refs = 0;
  failureReason: string | undefined;
  readonly ready: Promise<void>;
  private pending = 0;
  private lastProgress = 0;
  private watchdog: NodeJS.Timeout | undefined;

  constructor(readonly client: OwnedClient, where: string, connectTimeoutMs: number, private readonly commandTimeoutMs: number) {
    // node-redis bounds the TCP connect only: a server that accepts but never answers the handshake
    // would hold connect() forever, so the whole connect is bounded here.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${connectTimeoutMs} ms`)), connectTimeoutMs);
    });
    const connecting = client.connect();
    connecting.catch(() => undefined);
    this.ready = Promise.race([connecting, timeout]).then(
      () => {
        clearTimeout(timer);
        this.watchdog = setInterval(() => this.check(), Math.max(50, commandTimeoutMs >> 2));
        this.watchdog.unref();
      },
      (err: Error) => {
        clearTimeout(timer);
        if (client.isOpen) client.destroy();
        throw new StorageError(`cannot connect to ${where}: ${err.message || err.constructor.name}`, { cause: err });
      },
    );
  }

  begin(): void {
    if (this.pending++ === 0) this.lastProgress = Date.now();
  }

  end(): void {
    this.pending--;
    this.lastProgress = Date.now();
  }

  stop(): void {
    clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  private check(): void {
    if (!this.client.isOpen) {
      this.stop();
      return;
    }
    if (this.pending === 0 || Date.now() - this.lastProgress <= this.commandTimeoutMs) return;
    this.failureReason = `no reply for ${this.commandTimeoutMs} ms, connection dropped`;
    this.stop();
    this.client.destroy();
  }
}

const identity = <T>(reply: Promise<T>): Promise<T> => reply;

/**
 * A client of its own for one builder, connected on the first `acquire()` and closed after the last
 * release. It fails fast: connecting is bounded by `connectTimeoutMs` with no retry, a lost
 * connection gets a few reconnect attempts, commands are rejected (not queued) meanwhile, and a
 * server that stops answering is dropped. Once a client is gone, the next `acquire()` connects anew.
 */
export class OwnedConnection implements Connection {
  readonly where: string;
  private current: Owned | undefined;

  constructor(private readonly url: string, private readonly options: RedisStorageOptions) {
    this.where = `Redis at ${redactUrl(url)}`;
  }

  async acquire(): Promise<Lease> {
    if (this.current && this.current.refs > 0 && !this.current.client.isOpen) this.current = undefined;
    const owned = (this.current ??= this.connect());
    owned.refs++;
    try {
      await owned.ready;
      if (!owned.client.isOpen) throw new StorageError(`${this.where}: the connection was lost and could not be re-established`);
    } catch (err) {
      if (this.current === owned) this.current = undefined;
      await this.release(owned);
      throw err;
    }
    let released = false;
    return {
      client: owned.client,
      get failureReason() {
        return owned.failureReason;
      },
      begin: () => owned.begin(),
      end: () => owned.end(),
      deadline: identity,
      release: async () => {
        if (released) return;
        released = true;
        await this.release(owned);
      },
    };
  }

  private async release(owned: Owned): Promise<void> {
    if (--owned.refs > 0) return;
    if (this.current === owned) this.current = undefined;
    owned.stop();
    const { client } = owned;
    if (!client.isOpen) return;
    if (!client.isReady) {
      client.destroy();
      return;
    }
    // QUIT waits for pending replies; a server that stopped answering must not hold close() up.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.options.commandTimeoutMs ?? 5000)));
    const result = await Promise.race([client.close().then(() => 'closed' as const, () => 'failed' as const), timeout]);
    clearTimeout(timer);
    if (result !== 'closed' && client.isOpen) client.destroy();
  }

  private connect(): Owned {
    let connected = false;
    const attempts = this.options.reconnectAttempts ?? 3;
    const connectTimeout = this.options.connectTimeoutMs ?? 5000;
    const client = createClient({
      url: this.url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout,
        reconnectStrategy: (retries: number, cause: Error) => {
          if (!connected) return false;
          if (retries >= attempts) return new StorageError(`${this.where}: connection lost, gave up after ${retries} reconnect attempts: ${cause.message}`, { cause });
          return Math.min(100 * 2 ** retries, 2000);
        },
      },
    }) as unknown as OwnedClient;
    // Errors reach callers through rejected commands; without a listener an 'error' event would crash the process.
    client.on('error', () => undefined);
    const owned = new Owned(client, this.where, connectTimeout, this.options.commandTimeoutMs ?? 5000);
    owned.ready.then(() => (connected = true), () => undefined);
    return owned;
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
