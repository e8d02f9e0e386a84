import type { Headers, KafkaMessage } from '@goka-ts/api';

/** What a producer hands to a partition log; the log assigns the offset. */
export interface AppendRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Headers;
  readonly timestamp: number;
}

/**
 * The records of one topic-partition, in offset order. Watchers are plain callbacks (no timers),
 * called synchronously after every append and when the topic is deleted, so a reader waiting for
 * data keeps nothing alive.
 */
export class MemoryPartitionLog {
  private readonly records: KafkaMessage[] = [];
  /** Broker-wide append sequence of each record, to order records across partitions. */
  private readonly sequences: number[] = [];
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

  /** Offset the next record will get. */
  get highWatermark(): number {
    return this.nextOffset;
  }

  /** True once the topic was deleted; readers of this log must fail. */
  get deleted(): boolean {
    return this.isDeleted;
  }

  /**
   * Appends records in order and returns them as consumers will see them; `firstSequence` numbers
   * them broker-wide. Watchers run once afterwards.
   */
  append(records: readonly AppendRecord[], firstSequence: number): KafkaMessage[] {
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
      appended.push(message);
    }
    if (appended.length > 0) this.notify();
    return appended;
  }

  /** Up to `max` records from offset `from` (clamped to the oldest), stopping before offset `until`. */
  read(from: number, until: number, max: number): KafkaMessage[] {
    const begin = Math.max(from, this.startOffset) - this.startOffset;
    const end = Math.min(until, this.nextOffset) - this.startOffset;
    if (end <= begin) return [];
    return this.records.slice(begin, Math.min(end, begin + max));
  }

  /** Every record currently in the log (oldest first). */
  all(): readonly KafkaMessage[] {
    return this.records;
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
    this.startOffset = upTo;
  }

  /** Calls `watcher` after each append and on deletion until the returned function is called. */
  watch(watcher: () => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  markDeleted(): void {
    this.isDeleted = true;
    this.notify();
  }

  private notify(): void {
    for (const watcher of [...this.watchers]) watcher();
  }
}
