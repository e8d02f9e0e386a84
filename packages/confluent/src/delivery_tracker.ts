/** A record between `send` and its delivery report. */
export interface Tracked {
  /** Position in send order, used by flush. */
  seq: number;
  done: boolean;
}

/**
 * Knows which sent records are still unacknowledged, so `flush` can wait for exactly the records
 * sent before it was called. Reports arrive out of order across partitions; the oldest unfinished
 * record is found by skipping finished ones at the head of a FIFO (amortised O(1), no per-record
 * allocation beyond the FIFO slot).
 */
export class DeliveryTracker<T extends Tracked> {
  private fifo: (T | undefined)[] = [];
  private head = 0;
  private nextSeq = 0;
  private waiters: { seq: number; resolve: () => void }[] = [];

  get pending(): number {
    let n = 0;
    for (let i = this.head; i < this.fifo.length; i++) if (!this.fifo[i]!.done) n++;
    return n;
  }

  track(item: T): void {
    item.seq = this.nextSeq++;
    item.done = false;
    this.fifo.push(item);
  }

  complete(item: T): void {
    if (item.done) return;
    item.done = true;
    while (this.head < this.fifo.length && this.fifo[this.head]!.done) this.fifo[this.head++] = undefined;
    if (this.head === this.fifo.length) {
      this.fifo = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.fifo.length) {
      this.fifo = this.fifo.slice(this.head);
      this.head = 0;
    }
    if (this.waiters.length > 0) this.release();
  }

  /** Resolves when every record tracked so far is complete. */
  drained(): Promise<void> {
    if (this.head === this.fifo.length) return Promise.resolve();
    const seq = this.nextSeq - 1;
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  private release(): void {
    const oldest = this.head < this.fifo.length ? this.fifo[this.head]!.seq : Infinity;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (w.seq < oldest) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }
}
