import { createHash } from 'node:crypto';
import { RESP_TYPES } from 'redis';
import type { RedisArgument } from 'redis';
import { StorageError } from '@goka-ts/api';
import type { Storage, StorageBatchOp, StorageIteratorOptions } from '@goka-ts/api';
import type { Connection, Lease } from './redis_connection';
import { redisFailure } from './redis_errors';
import { RedisIterator } from './redis_iterator';
import type { PageSource } from './redis_iterator';
import type { RedisStorageOptions } from './redis_options';

/** One page of an iteration, read atomically: keys in range from the sorted set, their values from the hash. */
const PAGE_SCRIPT = `
local keys = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local n = #keys
if n == 0 then return {} end
local values = redis.call('HMGET', KEYS[2], unpack(keys))
local out = {}
for i = 1, n do
  out[2 * i - 1] = keys[i]
  out[2 * i] = values[i]
end
return out`;
const PAGE_SHA = createHash('sha1').update(PAGE_SCRIPT).digest('hex');

/** Values come back as Buffers (keys are converted where needed). */
const BUFFERS = { [RESP_TYPES.BLOB_STRING]: Buffer };

/**
 * A table partition in Redis under `<prefix>:{<topic>:<partition>}`: a hash `:values` (key -> value),
 * a sorted set `:keys` with every key at score 0 (so ZRANGEBYLEX orders them bytewise), and the
 * offset in `:offset`, outside the key space. The hash is the truth for has/get; a key is written to
 * the sorted set before its value and removed after it, so a half-done write never hides a key from
 * iterators. Batches run in one MULTI/EXEC, offset included.
 */
export class RedisStorage implements Storage, PageSource {
  private lease: Lease | undefined;
  private closed = false;
  private readonly keysKey: string;
  private readonly valuesKey: string;
  private readonly offsetKey: string;
  private readonly commandOptions: object;
  private readonly commandTimeoutMs: number;
  private readonly pageSize: number;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly connection: Connection,
    options: RedisStorageOptions,
  ) {
    const ns = `${options.prefix ?? 'goka'}:{${topic}:${partition}}`;
    this.keysKey = `${ns}:keys`;
    this.valuesKey = `${ns}:values`;
    this.offsetKey = `${ns}:offset`;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 5000;
    this.commandOptions = { typeMapping: BUFFERS, timeout: this.commandTimeoutMs };
    this.pageSize = options.iteratorPageSize ?? 500;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async open(): Promise<void> {
    if (this.closed) throw new StorageError(`${this.describe()} is closed and cannot be opened again; build a new one`);
    if (this.lease) return;
    this.lease = await this.connection.acquire();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const lease = this.lease;
    this.lease = undefined;
    if (lease) await lease.release();
  }

  async has(key: string): Promise<boolean> {
    return (await this.command('has', ['HEXISTS', this.valuesKey, key])) === 1;
  }

  async get(key: string): Promise<Buffer | undefined> {
    return ((await this.command('get', ['HGET', this.valuesKey, key])) as Buffer | null) ?? undefined;
  }

  async set(key: string, value: Buffer): Promise<void> {
    // The key is indexed before its value exists; both go out in one write.
    await this.commands('set', ['ZADD', this.keysKey, '0', key], ['HSET', this.valuesKey, key, value]);
  }

  async delete(key: string): Promise<void> {
    await this.commands('delete', ['HDEL', this.valuesKey, key], ['ZREM', this.keysKey, key]);
  }

  async getOffset(defaultValue: number): Promise<number> {
    const raw = (await this.command('getOffset', ['GET', this.offsetKey])) as Buffer | null;
    if (raw === null) return defaultValue;
    const offset = Number(raw.toString('latin1'));
    if (!Number.isSafeInteger(offset)) throw new StorageError(`${this.describe()}: stored offset "${raw.toString('latin1')}" is not a number`);
    return offset;
  }

  async setOffset(offset: number): Promise<void> {
    await this.command('setOffset', ['SET', this.offsetKey, encodeOffset(offset)]);
  }

  async writeBatch(ops: readonly StorageBatchOp[], offset?: number): Promise<void> {
    const lease = this.lease ?? this.notOpen();
    if (ops.length === 0 && offset === undefined) return;
    const client = lease.client;
    // MULTI would wait in the queue while reconnecting; fail at once like single commands.
    if (!client.isReady) throw this.failure('writeBatch', undefined);
    const multi = client.multi();
    // Runs of puts (or deletes) become one variadic command pair; order between runs is kept.
    for (let i = 0; i < ops.length;) {
      const type = ops[i].type;
      const members: RedisArgument[] = [type === 'put' ? 'ZADD' : 'ZREM', this.keysKey];
      const fields: RedisArgument[] = [type === 'put' ? 'HSET' : 'HDEL', this.valuesKey];
      for (; i < ops.length && ops[i].type === type; i++) {
        const op = ops[i];
        if (op.type === 'put') {
          members.push('0', op.key);
          fields.push(op.key, op.value);
        } else {
          members.push(op.key);
          fields.push(op.key);
        }
      }
      if (type === 'put') {
        multi.addCommand(members);
        multi.addCommand(fields);
      } else {
        multi.addCommand(fields);
        multi.addCommand(members);
      }
    }
    if (offset !== undefined) multi.addCommand(['SET', this.offsetKey, encodeOffset(offset)]);
    lease.begin();
    try {
      await lease.deadline(multi.exec(), this.commandTimeoutMs + Math.ceil(ops.length / 10));
    } catch (err) {
      throw this.failure('writeBatch', err);
    } finally {
      lease.end();
    }
  }

  async markRecovered(): Promise<void> {
    if (!this.lease) this.notOpen();
  }

  iterator(options?: StorageIteratorOptions): AsyncIterableIterator<[string, Buffer]> {
    if (!this.lease) {
      const err = this.closed ? this.closedError() : new StorageError(`${this.describe()} is not open; call open() first`);
      return (async function* failed(): AsyncGenerator<[string, Buffer]> { throw err; })();
    }
    return new RedisIterator(this, options, this.pageSize);
  }

  async page(min: string, max: string, count: number): Promise<Array<Buffer | null>> {
    const args = [this.keysKey, this.valuesKey, min, max, String(count)];
    try {
      return (await this.command('iterator', ['EVALSHA', PAGE_SHA, '2', ...args])) as Array<Buffer | null>;
    } catch (err) {
      if (!((err as StorageError).cause as Error)?.message?.startsWith('NOSCRIPT')) throw err;
      return (await this.command('iterator', ['EVAL', PAGE_SCRIPT, '2', ...args])) as Array<Buffer | null>;
    }
  }

  closedError(): StorageError {
    return new StorageError(`${this.describe()} is closed`);
  }

  /** Sends one command under the lease's reply deadline. */
  private async command(operation: string, args: RedisArgument[]): Promise<unknown> {
    const lease = this.lease ?? this.notOpen();
    const client = lease.client;
    if (!client.isReady) throw this.failure(operation, undefined);
    lease.begin();
    try {
      return await lease.deadline(client.sendCommand(args, this.commandOptions), this.commandTimeoutMs);
    } catch (err) {
      throw this.failure(operation, err);
    } finally {
      lease.end();
    }
  }

  /** Sends two commands in one write (pipelined), in order. */
  private async commands(operation: string, first: RedisArgument[], second: RedisArgument[]): Promise<void> {
    const lease = this.lease ?? this.notOpen();
    const client = lease.client;
    if (!client.isReady) throw this.failure(operation, undefined);
    lease.begin();
    try {
      await lease.deadline(Promise.all([client.sendCommand(first, this.commandOptions), client.sendCommand(second, this.commandOptions)]), this.commandTimeoutMs);
    } catch (err) {
      throw this.failure(operation, err);
    } finally {
      lease.end();
    }
  }

  private failure(operation: string, err: unknown): StorageError {
    if (this.closed) return this.closedError();
    const lease = this.lease;
    const lost = !lease || !lease.client.isReady;
    return redisFailure(this.describe(), operation, this.connection.where, err, lost, lease?.failureReason);
  }

  private notOpen(): never {
    throw this.closed ? this.closedError() : new StorageError(`${this.describe()} is not open; call open() first`);
  }

  private describe(): string {
    return `Redis storage of topic "${this.topic}", partition ${this.partition}`;
  }
}

function encodeOffset(offset: number): string {
  if (!Number.isSafeInteger(offset)) throw new StorageError(`offset ${offset} is not an integer`);
  return String(offset);
}
