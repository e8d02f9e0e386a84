/**
 * Tracks the messages of one input topic-partition from delivery until every effect they caused is
 * acknowledged, and yields the offset that may be committed: the end of the contiguous prefix of
 * finished messages. A message that is still pending (or failed) holds back every later offset, so a
 * commit never skips over a message whose effects are not durable (Goka can; this does not).
 *
 * Each message gets a sequence handle from {@link begin} with one outstanding unit (the callback);
 * every effect adds a unit ({@link add}) and releases it when acknowledged ({@link done}). The
 * bookkeeping is two typed-array ring buffers: no allocation per message, O(1) per operation.
 */
export class CommitTracker {
  private offsets: Float64Array;
  private pending: Int32Array;
  private mask: number;
  /** Sequence number of the oldest message still held (not yet part of the finished prefix). */
  private head = 0;
  /** Sequence number the next message gets. */
  private tail = 0;
  /** Offset of the last message of the finished prefix, or -1. */
  private finished = -1;
  private lastBegun = -1;
  private idleWaiters: (() => void)[] = [];

  constructor(initialCapacity = 1024) {
    const capacity = nextPowerOfTwo(Math.max(16, initialCapacity));
    this.offsets = new Float64Array(capacity);
    this.pending = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  /**
   * Starts tracking a delivered message with one outstanding unit (its callback). Offsets must
   * increase from call to call.
   * @returns the handle for {@link add} / {@link done}.
   */
  begin(offset: number): number {
    if (offset <= this.lastBegun) {
      throw new RangeError(`commit tracker: offset ${offset} is not after the last tracked offset ${this.lastBegun}`);
    }
    this.lastBegun = offset;
    if (this.tail - this.head > this.mask) this.grow();
    const seq = this.tail++;
    const i = seq & this.mask;
    this.offsets[i] = offset;
    this.pending[i] = 1;
    return seq;
  }

  /** Adds `units` outstanding effects to a message that has not finished yet. */
  add(seq: number, units = 1): void {
    this.check(seq);
    this.pending[seq & this.mask] += units;
  }

  /** Releases one unit of a message; the prefix advances when the oldest messages reach zero. */
  done(seq: number): void {
    this.check(seq);
    const i = seq & this.mask;
    if (this.pending[i] <= 0) throw new RangeError(`commit tracker: handle ${seq} (offset ${this.offsets[i]}) released more often than added`);
    if (--this.pending[i] !== 0 || seq !== this.head) return;
    // Walk over every finished message at the front.
    let head = this.head;
    const tail = this.tail;
    const mask = this.mask;
    while (head < tail && this.pending[head & mask] === 0) head++;
    this.finished = this.offsets[(head - 1) & mask];
    this.head = head;
    if (head === tail && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Offset of a tracked message (for error messages). */
  offsetOf(seq: number): number {
    this.check(seq);
    return this.offsets[seq & this.mask];
  }

  /** Whether `seq` is still held (unfinished, or finished behind an unfinished one). */
  isHeld(seq: number): boolean {
    return seq >= this.head && seq < this.tail;
  }

  /** The offset to commit (last finished offset + 1), or -1 when nothing has finished yet. */
  get committable(): number {
    return this.finished < 0 ? -1 : this.finished + 1;
  }

  /** Offset of the last message of the finished prefix, or -1. */
  get lastFinished(): number {
    return this.finished;
  }

  /** Messages delivered but not yet part of the finished prefix. */
  get held(): number {
    return this.tail - this.head;
  }

  /** Offset of the oldest held message (the first one not finished), or undefined when none is held. */
  get oldestHeldOffset(): number | undefined {
    return this.tail > this.head ? this.offsets[this.head & this.mask] : undefined;
  }

  /** Resolves when every tracked message has finished (at once when none is held). */
  whenIdle(): Promise<void> {
    if (this.head === this.tail) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private check(seq: number): void {
    if (seq < this.head || seq >= this.tail) {
      throw new RangeError(`commit tracker: handle ${seq} is not held (held: ${this.head}..${this.tail - 1})`);
    }
  }

  private grow(): void {
    const capacity = (this.mask + 1) * 2;
    const offsets = new Float64Array(capacity);
    const pending = new Int32Array(capacity);
    const mask = capacity - 1;
    for (let seq = this.head; seq < this.tail; seq++) {
      offsets[seq & mask] = this.offsets[seq & this.mask];
      pending[seq & mask] = this.pending[seq & this.mask];
    }
    this.offsets = offsets;
    this.pending = pending;
    this.mask = mask;
  }
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
