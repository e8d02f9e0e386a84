import type { StorageError } from '@goka-ts/api';

/** The subset of an abstract-level iterator used here. */
interface LevelIterator {
  nextv(size: number): Promise<Array<[string, Buffer]>>;
  close(): Promise<void>;
}

/** What the iterator needs from its storage. */
export interface IteratorOwner {
  release(iterator: LevelDbIterator): void;
  closedError(): StorageError;
  failure(operation: string, err: unknown): StorageError;
}

const DONE: IteratorResult<[string, Buffer]> = Object.freeze({ done: true, value: undefined });
/** Entries fetched per call into LevelDB (classic-level also caps a read at ~16 KiB of data). */
const BATCH = 256;

/**
 * Iterates one partition's key range of a LevelDB snapshot (classic-level takes the snapshot
 * synchronously when the iterator is created), reading entries in batches and stripping the
 * partition's key prefix.
 */
export class LevelDbIterator implements AsyncIterableIterator<[string, Buffer]> {
  private entries: Array<[string, Buffer]> = [];
  private pos = 0;
  private exhausted = false;
  private closed = false;

  constructor(
    private readonly owner: IteratorOwner,
    private readonly it: LevelIterator | undefined,
    private readonly prefixLength: number,
  ) {
    if (!it) this.exhausted = true;
  }

  async next(): Promise<IteratorResult<[string, Buffer]>> {
    if (this.closed) throw this.owner.closedError();
    if (this.pos === this.entries.length) {
      if (this.exhausted) return DONE;
      try {
        this.entries = await this.it!.nextv(BATCH);
      } catch (err) {
        if (this.closed) throw this.owner.closedError();
        await this.finish();
        throw this.owner.failure('iterator', err);
      }
      if (this.closed) throw this.owner.closedError();
      this.pos = 0;
      if (this.entries.length === 0) {
        await this.finish();
        return DONE;
      }
    }
    const entry = this.entries[this.pos];
    this.entries[this.pos++] = undefined as unknown as [string, Buffer];
    entry[0] = entry[0].slice(this.prefixLength);
    return { done: false, value: entry };
  }

  async return(): Promise<IteratorResult<[string, Buffer]>> {
    await this.finish();
    return DONE;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The storage closed: later reads reject. */
  async storageClosed(): Promise<void> {
    this.closed = true;
    await this.finish();
  }

  private async finish(): Promise<void> {
    this.entries = [];
    this.pos = 0;
    if (this.exhausted) return;
    this.exhausted = true;
    this.owner.release(this);
    await this.it!.close();
  }
}
