import type { TopicPartitionOffset } from '@goka-ts/api';
import type { LibrdKafkaError } from './rdkafka';

/** A partition as librdkafka's offset commit callback reports it (no `offset` when it was negative). */
export interface CommittedPartition {
  readonly topic: string;
  readonly partition: number;
  readonly offset?: number;
}

interface PendingCommit {
  readonly key: string;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Pairs each `commit()` with the result librdkafka reports for it through its offset commit callback,
 * so a commit settles with the group coordinator's answer instead of when it was queued. The callback
 * does not say which call it answers; it carries the committed offsets, so results are matched by
 * their topic-partition-offset set, the oldest pending commit with that set first (identical commits
 * are interchangeable). Few commits are in flight at a time, so a linear search is cheap.
 */
export class PendingCommits {
  private pending: PendingCommit[] = [];

  get size(): number {
    return this.pending.length;
  }

  /**
   * Registers a commit before it is handed to librdkafka (a local error can be reported before the
   * hand-over returns). `answer` settles once {@link onResult} reported it, or {@link cancel} / {@link failAll}.
   */
  track(offsets: readonly TopicPartitionOffset[]): { answer: Promise<void>; cancel: (err: unknown) => void } {
    const key = keyOf(offsets);
    let entry!: PendingCommit;
    const answer = new Promise<void>((resolve, reject) => {
      entry = { key, resolve, reject };
    });
    this.pending.push(entry);
    const cancel = (err: unknown) => {
      const i = this.pending.indexOf(entry);
      if (i < 0) return;
      this.pending.splice(i, 1);
      entry.reject(err);
    };
    return { answer, cancel };
  }

  /**
   * librdkafka's offset commit callback. `err` is the request's error, or the partitions' error when
   * every partition failed (librdkafka reports a partial failure without error, and this binding does
   * not pass per-partition errors on). `classify` turns a refusal into the error the caller sees.
   */
  onResult(err: LibrdKafkaError | null | undefined, partitions: readonly CommittedPartition[], classify: (err: LibrdKafkaError) => unknown): void {
    const key = keyOf(partitions);
    const i = this.pending.findIndex((p) => p.key === key);
    // Not one of ours: auto commit is off, so only a commit tracked and then cancelled lands here.
    if (i < 0) return;
    const [entry] = this.pending.splice(i, 1);
    if (err) entry.reject(classify(err));
    else entry.resolve();
  }

  /** Rejects every pending commit (the client closes: librdkafka drops their results). */
  failAll(err: unknown): void {
    const pending = this.pending;
    this.pending = [];
    for (const p of pending) p.reject(err);
  }
}

/** Order-independent identity of a commit: its sorted `topic/partition@offset` entries (negative offsets as -1). */
function keyOf(partitions: readonly CommittedPartition[]): string {
  return partitions
    .map((p) => `${p.topic}/${p.partition}@${p.offset !== undefined && p.offset >= 0 ? p.offset : -1}`)
    .sort()
    .join('\n');
}
