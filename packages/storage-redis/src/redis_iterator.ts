import type { StorageError, StorageIteratorOptions } from '@goka-ts/api';

/** What the iterator needs from its storage. */
export interface PageSource {
  readonly isClosed: boolean;
  /** Up to `count` entries with keys in [min, max] (ZRANGEBYLEX bounds), flat: key, value, key, value... */
  page(min: string, max: string, count: number): Promise<Array<Buffer | null>>;
  closedError(): StorageError;
}

const DONE: IteratorResult<[string, Buffer]> = Object.freeze({ done: true, value: undefined });

/**
 * Iterates a partition's keys in byte order, a page per round trip, each page read atomically.
 * Pages continue after the last key seen, so concurrent writes never make it repeat or skip a key
 * that was there all along; it is no snapshot, though: later pages see later writes.
 */
export class RedisIterator implements AsyncIterableIterator<[string, Buffer]> {
  private page: Array<Buffer | null> = [];
  private pos = 0;
  private min: string;
  private readonly max: string;
  private remaining: number;
  private exhausted = false;

  constructor(private readonly source: PageSource, options: StorageIteratorOptions | undefined, private readonly pageSize: number) {
    this.min = options?.gte === undefined ? '-' : `[${options.gte}`;
    this.max = options?.lt === undefined ? '+' : `(${options.lt}`;
    this.remaining = options?.limit !== undefined && options.limit >= 0 ? options.limit : Infinity;
    if (this.remaining === 0) this.exhausted = true;
  }

  async next(): Promise<IteratorResult<[string, Buffer]>> {
    for (;;) {
      if (this.source.isClosed) throw this.source.closedError();
      while (this.pos < this.page.length) {
        const key = this.page[this.pos]!.toString('utf8');
        const value = this.page[this.pos + 1];
        this.pos += 2;
        // A key whose value is gone was deleted between the two writes of a delete; it is absent.
        if (value !== null) {
          if (--this.remaining === 0) this.finish();
          return { done: false, value: [key, value] };
        }
      }
      if (this.exhausted) return DONE;
      const count = this.remaining < this.pageSize ? this.remaining : this.pageSize;
      const page = await this.source.page(this.min, this.max, count);
      if (this.exhausted) return DONE;
      this.page = page;
      this.pos = 0;
      if (page.length < 2 * count) this.exhausted = true;
      else this.min = `(${page[page.length - 2]!.toString('utf8')}`;
    }
  }

  async return(): Promise<IteratorResult<[string, Buffer]>> {
    this.finish();
    return DONE;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private finish(): void {
    this.exhausted = true;
    this.page = [];
    this.pos = 0;
  }
}
