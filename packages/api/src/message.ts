import type { Headers } from './headers';

/**
 * One Kafka record as a consumer or reader delivers it.
 * Offsets are JavaScript numbers: exact up to 2^53, far beyond any real partition.
 */
export interface KafkaMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** `null` for a record without key. */
  readonly key: Buffer | null;
  /** `null` for a tombstone. */
  readonly value: Buffer | null;
  readonly headers: Headers;
  /** Milliseconds since the epoch (record timestamp). */
  readonly timestamp: number;
}

/** Consecutive messages of one topic-partition, in offset order. */
export interface MessageBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly KafkaMessage[];
  /**
   * The partition's high watermark as the client last saw it (offset of the next record to be
   * written), or -1 when unknown. `highWatermark - lastOffset - 1` is the lag.
   */
  readonly highWatermark: number;
}

/** A topic-partition and an offset. For commits the offset is the *next* offset to read. */
export interface TopicPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}
