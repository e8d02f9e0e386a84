import { StorageError } from '@goka-ts/api';
import type { StorageIteratorOptions } from '@goka-ts/api';
import { compareUtf8, lowerBound } from './utf8_order';

/** What an iterator needs from its storage: current values, and to leave when done. */
export interface SnapshotSource {
  readonly values: ReadonlyMap<string, Buffer>;
  register(iterator: MemoryIterator): void;
  release(iterator: MemoryIterator): void;
  closedError(): StorageError;
}

const DONE: IteratorResult<[string, Buffer]> = Object.freeze({ done: true, value: undefined });

/**
 * Iterates a snapshot of a {@link MemoryStorage}: the key array published at creation (never
 * mutated), and the values as they were then. Writes made while the iterator is live first save the
 * value they replace here (copy-on-write), so the iterator never copies the map.
 */
export class MemoryIterator implements AsyncIterableIterator<[string, Buffer]> {
  private readonly saved = new Map<string, Buffer | undefined>();
  private pos: number;
  private readonly end: number;
  private finished = false;
  private closed = false;

  constructor(
    private readonly source: SnapshotSource,
    private readonly keys: readonly string[],
    options: StorageIteratorOptions | undefined,
  ) {
    let start = 0;
    let end = keys.length;
    if (options) {
      if (options.gte !== undefined) start = lowerBound(keys, options.gte);
      if (options.lt !== undefined) end = compareUtf8(options.lt, options.gte ?? '') <= 0 ? start : lowerBound(keys, options.lt, start);
      if (options.limit !== undefined && options.limit >= 0 && end - start > options.limit) end = start + options.limit;
    }
    this.pos = start;
    this.end = end;
    if (start >= end) this.finished = true;
    else source.register(this);
  }

  /** Called by the storage before it changes `key`: keep the value this snapshot must see. */
  beforeWrite(key: string, current: Buffer | undefined): void {
    if (!this.saved.has(key)) this.saved.set(key, current);
  }

  /** Called by the storage when it closes. */
  storageClosed(): void {
    this.closed = true;
    this.finish();
  }

  next(): Promise<IteratorResult<[string, Buffer]>> {
    if (this.closed) return Promise.reject(this.source.closedError());
    while (this.pos < this.end) {
      const key = this.keys[this.pos++];
      const value = this.saved.size !== 0 && this.saved.has(key) ? this.saved.get(key) : this.source.values.get(key);
      // Present in the snapshot's key array means present then; a saved undefined means it was added after.
      if (value !== undefined) return Promise.resolve({ done: false, value: [key, value] });
    }
    this.finish();
    return Promise.resolve(DONE);
  }

  return(): Promise<IteratorResult<[string, Buffer]>> {
    this.finish();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.pos = this.end;
    this.saved.clear();
    this.source.release(this);
  }
}
