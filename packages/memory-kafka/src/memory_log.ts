import type { Headers, KafkaMessage } from '@goka-ts/api';

/** What a producer hands to a partition log; the log assigns the offset. */
export interface AppendRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Headers;
  readonly timestamp: number;
}

/**
 * The outcome of one transaction, shared by every record it wrote on every partition: settling it
 * once makes all of them visible (or hidden for good) together.
 */
export interface TransactionOutcome {
  readonly status: 'open' | 'committed' | 'aborted';
}

/** Marks the control records (commit and abort markers) that take an offset but are never delivered. */
const CONTROL: unique symbol = Symbol('control record');

/** Who wrote an entry: nobody special (a plain producer), a transaction, or the broker (a marker). */
type Owner = TransactionOutcome | typeof CONTROL | undefined;

/** What a read found: the records to deliver, and where the next read starts. */
export interface LogRead {
  readonly messages: KafkaMessage[];
  /**
   * Offset after the last entry the read looked at. Beyond the last delivered record when markers or
   * aborted records followed it, so a reader can move past a stretch that delivers nothing.
   */
  readonly next: number;
}

/**
 * The records of one topic-partition, in offset order, read in read_committed mode (the only mode of
 * goka-ts): records of an open transaction take their offsets when written but are readable only
 * once it committed, never when it aborted; commit and abort markers take one offset each and are
 * never readable; nothing at or after the last stable offset (the first offset of the oldest open
 * transaction) is readable, committed or not, as on a real broker.
 *
 * Watchers are plain callbacks (no timers), called synchronously after every append, every end of a
 * transaction and when the topic is deleted, so a reader waiting for data keeps nothing alive.
 */
export class MemoryPartitionLog {
  private readonly records: KafkaMessage[] = [];
  /** Broker-wide append sequence of each entry, to order records across partitions. */
  private readonly sequences: number[] = [];
  /** Writer of each entry; all `undefined` until the first transaction writes here. */
  private readonly owners: Owner[] = [];
  /** Open transactions that wrote here, with the offset of their first entry. */
  private readonly open = new Map<TransactionOutcome, number>();
  /** True once a transaction wrote here: before that every entry is readable and reads take a fast path. */
  private transactional = false;
  /** Offset up to which {@link takeReadable} handed out records. */
  private announced = 0;
  /** Offset of `records[0]`; grows when records are deleted from the front. */
  private startOffset = 0;
  private nextOffset = 0;
  private readonly watchers = new Set<() => void>();
  private isDeleted = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  /** First readable offset. */
  get oldest(): number {
    return this.startOffset;
  }

  /** Offset the next entry will get (markers and records of open or aborted transactions included). */
  get highWatermark(): number {
    return this.nextOffset;
  }

  /** The first offset of the oldest open transaction, or the high watermark: readers stop before it. */
  get lastStableOffset(): number {
    let stable = this.nextOffset;
    for (const first of this.open.values()) if (first < stable) stable = first;
    return stable;
  }

  /** True once the topic was deleted; readers of this log must fail. */
  get deleted(): boolean {
    return this.isDeleted;
  }

  /**
   * Appends records in order and returns them as consumers will see them; `firstSequence` numbers
   * them broker-wide. Records of `transaction` stay unreadable until it committed. Watchers run once
   * afterwards.
   */
  append(records: readonly AppendRecord[], firstSequence: number, transaction?: TransactionOutcome): KafkaMessage[] {
    if (transaction && records.length > 0) {
      this.transactional = true;
      if (!this.open.has(transaction)) this.open.set(transaction, this.nextOffset);
    }
    let sequence = firstSequence;
    const appended: KafkaMessage[] = [];
    for (const record of records) {
      const message: KafkaMessage = Object.freeze({
        topic: this.topic,
        partition: this.partition,
        offset: this.nextOffset++,
        key: record.key,
        value: record.value,
        headers: record.headers,
        timestamp: record.timestamp,
      });
      this.records.push(message);
      this.sequences.push(sequence++);
      this.owners.push(transaction);
      appended.push(message);
    }
    if (appended.length > 0) this.notify();
    return appended;
  }

  /**
   * Writes the commit or abort marker of `transaction` (already settled by its coordinator), which
   * takes one offset, and lifts the transaction's hold on the last stable offset.
   */
  endTransaction(transaction: TransactionOutcome, sequence: number, timestamp: number): void {
    if (!this.open.delete(transaction)) return;
    this.records.push(
      Object.freeze({ topic: this.topic, partition: this.partition, offset: this.nextOffset++, key: null, value: null, headers: {}, timestamp }),
    );
    this.sequences.push(sequence);
    this.owners.push(CONTROL);
    this.notify();
  }

  /** Whether `transaction` wrote here and is still open. */
  holds(transaction: TransactionOutcome): boolean {
    return this.open.has(transaction);
  }

  /**
   * Up to `max` readable records from offset `from` (clamped to the oldest), stopping before offset
   * `until` and before the last stable offset.
   */
  read(from: number, until: number, max: number): LogRead {
    const begin = Math.max(from, this.startOffset) - this.startOffset;
    const end = Math.min(until, this.lastStableOffset) - this.startOffset;
    if (end <= begin) return { messages: [], next: Math.max(from, this.startOffset) };
    if (!this.transactional) {
      const messages = this.records.slice(begin, Math.min(end, begin + max));
      return { messages, next: this.startOffset + begin + messages.length };
    }
    const messages: KafkaMessage[] = [];
    let index = begin;
    for (; index < end && messages.length < max; index++) {
      if (this.isVisible(index)) messages.push(this.records[index]);
    }
    // Markers and aborted records right after a full batch belong to no batch; skipping them now
    // lets a reader at the end of such a partition see that it is caught up.
    while (index < end && !this.isVisible(index)) index++;
    return { messages, next: this.startOffset + index };
  }

  /** Every record a reader can read now (oldest first): no markers, nothing aborted or not yet stable. */
  all(): readonly KafkaMessage[] {
    if (!this.transactional) return this.records;
    return this.read(this.startOffset, this.nextOffset, Number.POSITIVE_INFINITY).messages;
  }

  /**
   * Records that became readable since the last call (appended outside transactions, committed, or
   * released by the end of an older open transaction), oldest first.
   */
  takeReadable(): KafkaMessage[] {
    const from = Math.max(this.announced, this.startOffset);
    const { messages, next } = this.read(from, this.nextOffset, Number.POSITIVE_INFINITY);
    this.announced = Math.max(next, from);
    return messages;
  }

  /** The broker-wide append sequence of the record at `offset`. */
  sequenceOf(offset: number): number {
    return this.sequences[offset - this.startOffset];
  }

  /** Removes records before `offset` (Kafka's DeleteRecords); readers then start at the new oldest offset. */
  deleteBefore(offset: number): void {
    const upTo = Math.min(Math.max(offset, this.startOffset), this.nextOffset);
    this.records.splice(0, upTo - this.startOffset);
    this.sequences.splice(0, upTo - this.startOffset);
    this.owners.splice(0, upTo - this.startOffset);
    this.startOffset = upTo;
  }

  /** Calls `watcher` after each append or end of a transaction and on deletion until the returned function is called. */
  watch(watcher: () => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  markDeleted(): void {
    this.isDeleted = true;
    this.notify();
  }

  private isVisible(index: number): boolean {
    const owner = this.owners[index];
    return owner === undefined || (owner !== CONTROL && owner.status === 'committed');
  }

  private notify(): void {
    for (const watcher of [...this.watchers]) watcher();
  }
}
