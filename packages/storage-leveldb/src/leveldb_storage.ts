import path from 'node:path';
import { StorageError } from '@goka-ts/api';
import type { Storage, StorageBatchOp, StorageIteratorOptions } from '@goka-ts/api';
import { databases } from './database_registry';
import type { Database } from './database_registry';
import { LevelDbIterator } from './leveldb_iterator';
import type { IteratorOwner } from './leveldb_iterator';
import { levelOpenOptions } from './leveldb_options';
import type { LevelDbStorageOptions } from './leveldb_options';

/** Directory name of the shared database; never `<topic>.<partition>`, which always has a dot. */
export const SHARED_DATABASE_DIR = 'all-partitions';

/**
 * Key layout inside a database: `<ns>k<key>` for values and `<ns>o` for the table offset, where
 * `<ns>` is empty for a database of its own and `<topic>\0<partition>\0` in the shared one. Every
 * value key has `k` after the namespace, so no user key (including `__offset`) reaches the offset,
 * and namespaces are prefix-free because topic names hold no NUL.
 */
const VALUE_TAG = 'k';
const VALUE_END_TAG = 'l';
const OFFSET_TAG = 'o';

/**
 * A table partition in LevelDB: its own database at `<path>/<topic>.<partition>`, or its key range
 * of the shared database. Reads of iterators come from a snapshot; batches are atomic, offset included.
 */
export class LevelDbStorage implements Storage, IteratorOwner {
  private db: Database | undefined;
  private closed = false;
  private readonly location: string;
  private readonly claim: string;
  private readonly valuePrefix: string;
  private readonly valueEnd: string;
  private readonly offsetKey: string;
  private readonly writeOptions: { sync: boolean } | undefined;
  private readonly syncReads: boolean;
  private readonly iterators = new Set<LevelDbIterator>();

  constructor(readonly topic: string, readonly partition: number, private readonly options: LevelDbStorageOptions) {
    if (!options.path) throw new StorageError('LevelDB storage needs a path');
    if (topic === '' || topic === '.' || topic === '..' || /[/\\\0]/.test(topic)) {
      throw new StorageError(`LevelDB storage cannot store topic "${topic}": not a valid topic name`);
    }
    if (!Number.isInteger(partition) || partition < 0) throw new StorageError(`LevelDB storage: invalid partition ${partition}`);
    const ns = options.sharedDatabase ? `${topic}\0${partition}\0` : '';
    this.location = path.resolve(options.path, options.sharedDatabase ? SHARED_DATABASE_DIR : `${topic}.${partition}`);
    this.claim = ns;
    this.valuePrefix = ns + VALUE_TAG;
    this.valueEnd = ns + VALUE_END_TAG;
    this.offsetKey = ns + OFFSET_TAG;
    this.writeOptions = options.sync ? { sync: true } : undefined;
    this.syncReads = options.syncReads ?? true;
  }

  async open(): Promise<void> {
    if (this.closed) throw new StorageError(`${this.describe()} is closed and cannot be opened again; build a new one`);
    if (this.db) return;
    this.db = await databases.acquire(this.location, levelOpenOptions(this.options), this.claim, this.describe());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const wasOpen = this.db !== undefined;
    this.db = undefined;
    const closing: Promise<void>[] = [];
    for (const it of this.iterators) closing.push(it.storageClosed());
    this.iterators.clear();
    await Promise.all(closing);
    if (wasOpen) await databases.release(this.location, this.claim);
  }

  async has(key: string): Promise<boolean> {
    const db = this.db ?? this.notOpen();
    try {
      if (this.syncReads) return db.getSync(this.valuePrefix + key) !== undefined;
      return await db.has(this.valuePrefix + key);
    } catch (err) {
      throw this.failure('has', err);
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    const db = this.db ?? this.notOpen();
    try {
      if (this.syncReads) return db.getSync(this.valuePrefix + key);
      return await db.get(this.valuePrefix + key);
    } catch (err) {
      throw this.failure('get', err);
    }
  }

  async set(key: string, value: Buffer): Promise<void> {
    const db = this.db ?? this.notOpen();
    try {
      if (this.writeOptions) await db.put(this.valuePrefix + key, value, this.writeOptions);
      else await db.put(this.valuePrefix + key, value);
    } catch (err) {
      throw this.failure('set', err);
    }
  }

  async delete(key: string): Promise<void> {
    const db = this.db ?? this.notOpen();
    try {
      if (this.writeOptions) await db.del(this.valuePrefix + key, this.writeOptions);
      else await db.del(this.valuePrefix + key);
    } catch (err) {
      throw this.failure('delete', err);
    }
  }

  async getOffset(defaultValue: number): Promise<number> {
    const db = this.db ?? this.notOpen();
    let raw: Buffer | undefined;
    try {
      raw = await db.get(this.offsetKey);
    } catch (err) {
      throw this.failure('getOffset', err);
    }
    if (raw === undefined) return defaultValue;
    const offset = Number(raw.toString('latin1'));
    if (!Number.isSafeInteger(offset)) throw new StorageError(`${this.describe()}: stored offset "${raw.toString('latin1')}" is not a number`);
    return offset;
  }

  async setOffset(offset: number): Promise<void> {
    const db = this.db ?? this.notOpen();
    try {
      if (this.writeOptions) await db.put(this.offsetKey, encodeOffset(offset), this.writeOptions);
      else await db.put(this.offsetKey, encodeOffset(offset));
    } catch (err) {
      throw this.failure('setOffset', err);
    }
  }

  async writeBatch(ops: readonly StorageBatchOp[], offset?: number): Promise<void> {
    const db = this.db ?? this.notOpen();
    if (ops.length === 0 && offset === undefined) return;
    // A chained batch takes each write without an operation object per write; one LevelDB write applies all.
    const batch = db.batch();
    try {
      const prefix = this.valuePrefix;
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i];
        if (op.type === 'put') batch.put(prefix + op.key, op.value);
        else batch.del(prefix + op.key);
      }
      if (offset !== undefined) batch.put(this.offsetKey, encodeOffset(offset));
      if (this.writeOptions) await batch.write(this.writeOptions);
      else await batch.write();
    } catch (err) {
      await batch.close().catch(() => undefined);
      throw this.failure('writeBatch', err);
    }
  }

  async markRecovered(): Promise<void> {
    if (!this.db) this.notOpen();
  }

  iterator(options?: StorageIteratorOptions): AsyncIterableIterator<[string, Buffer]> {
    const db = this.db;
    if (!db) {
      const err = this.closed ? this.closedError() : new StorageError(`${this.describe()} is not open; call open() first`);
      return (async function* failed(): AsyncGenerator<[string, Buffer]> { throw err; })();
    }
    const limit = options?.limit;
    if (limit === 0) return new LevelDbIterator(this, undefined, 0);
    const range: { gte: string; lt: string; limit?: number } = {
      gte: options?.gte === undefined ? this.valuePrefix : this.valuePrefix + options.gte,
      lt: options?.lt === undefined ? this.valueEnd : this.valuePrefix + options.lt,
    };
    if (limit !== undefined && limit > 0) range.limit = limit;
    const it = new LevelDbIterator(this, db.iterator(range), this.valuePrefix.length);
    this.iterators.add(it);
    return it;
  }

  release(it: LevelDbIterator): void {
    this.iterators.delete(it);
  }

  closedError(): StorageError {
    return new StorageError(`${this.describe()} is closed`);
  }

  failure(operation: string, err: unknown): StorageError {
    if (err instanceof StorageError) return err;
    if (this.closed) return this.closedError();
    return new StorageError(`${this.describe()}: ${operation} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }

  private notOpen(): never {
    throw this.closed ? this.closedError() : new StorageError(`${this.describe()} is not open; call open() first`);
  }

  private describe(): string {
    return `LevelDB storage of topic "${this.topic}", partition ${this.partition}`;
  }
}

function encodeOffset(offset: number): Buffer {
  if (!Number.isSafeInteger(offset)) throw new StorageError(`offset ${offset} is not an integer`);
  return Buffer.from(String(offset), 'latin1');
}
