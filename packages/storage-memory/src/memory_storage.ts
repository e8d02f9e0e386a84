import { StorageError } from '@goka-ts/api';
import type { Storage, StorageBatchOp, StorageIteratorOptions } from '@goka-ts/api';
import { MemoryIterator } from './memory_iterator';
import type { SnapshotSource } from './memory_iterator';
import { SortedKeyIndex } from './sorted_key_index';

const State = { New: 0, Open: 1, Closed: 2 } as const;

/**
 * A table partition held in a `Map` (core's default storage). Reads and writes are single map
 * operations; the key order iterators need is kept lazily by a {@link SortedKeyIndex}. Every
 * operation completes synchronously inside its promise, so concurrent async callers always see
 * whole operations and whole batches. Nothing survives `close()`.
 */
export class MemoryStorage implements Storage, SnapshotSource {
  readonly values = new Map<string, Buffer>();
  private readonly index = new SortedKeyIndex();
  private readonly iterators = new Set<MemoryIterator>();
  private offset: number | undefined;
  private state: number = State.New;

  constructor(readonly topic = '', readonly partition = 0) {}

  async open(): Promise<void> {
    if (this.state === State.Closed) throw new StorageError(`${this.describe()} is closed and cannot be opened again; build a new one`);
    this.state = State.Open;
  }

  async close(): Promise<void> {
    if (this.state === State.Closed) return;
    this.state = State.Closed;
    for (const it of this.iterators) it.storageClosed();
    this.iterators.clear();
    this.values.clear();
    this.index.clear();
  }

  async has(key: string): Promise<boolean> {
    if (this.state !== State.Open) throw this.notOpen();
    return this.values.has(key);
  }

  async get(key: string): Promise<Buffer | undefined> {
    if (this.state !== State.Open) throw this.notOpen();
    return this.values.get(key);
  }

  async set(key: string, value: Buffer): Promise<void> {
    if (this.state !== State.Open) throw this.notOpen();
    this.put(key, value);
  }

  async delete(key: string): Promise<void> {
    if (this.state !== State.Open) throw this.notOpen();
    this.del(key);
  }

  async getOffset(defaultValue: number): Promise<number> {
    if (this.state !== State.Open) throw this.notOpen();
    return this.offset ?? defaultValue;
  }

  async setOffset(offset: number): Promise<void> {
    if (this.state !== State.Open) throw this.notOpen();
    this.offset = offset;
  }

  async writeBatch(ops: readonly StorageBatchOp[], offset?: number): Promise<void> {
    if (this.state !== State.Open) throw this.notOpen();
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      if (op.type === 'put') this.put(op.key, op.value);
      else this.del(op.key);
    }
    if (offset !== undefined) this.offset = offset;
  }

  async markRecovered(): Promise<void> {
    if (this.state !== State.Open) throw this.notOpen();
  }

  iterator(options?: StorageIteratorOptions): AsyncIterableIterator<[string, Buffer]> {
    if (this.state !== State.Open) {
      const err = this.notOpen();
      return (async function* failed(): AsyncGenerator<[string, Buffer]> { throw err; })();
    }
    return new MemoryIterator(this, this.index.keys(this.values), options);
  }

  /** Number of stored keys. */
  get size(): number {
    return this.values.size;
  }

  /** Iterators register while they have entries left, so writes save what they must still see. */
  register(it: MemoryIterator): void {
    this.iterators.add(it);
  }

  release(it: MemoryIterator): void {
    this.iterators.delete(it);
  }

  closedError(): StorageError {
    return new StorageError(`${this.describe()} is closed`);
  }

  private put(key: string, value: Buffer): void {
    if (this.iterators.size !== 0) this.preserve(key);
    const size = this.values.size;
    this.values.set(key, value);
    if (this.values.size !== size) this.index.keyAdded(key);
  }

  private del(key: string): void {
    if (this.iterators.size !== 0) this.preserve(key);
    if (this.values.delete(key)) this.index.keyRemoved();
  }

  private preserve(key: string): void {
    const current = this.values.get(key);
    for (const it of this.iterators) it.beforeWrite(key, current);
  }

  private notOpen(): StorageError {
    return this.state === State.Closed ? this.closedError() : new StorageError(`${this.describe()} is not open; call open() first`);
  }

  private describe(): string {
    return `memory storage of topic "${this.topic}", partition ${this.partition}`;
  }
}
