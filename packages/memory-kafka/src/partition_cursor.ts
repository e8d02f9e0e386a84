import { UnknownTopicError, type MessageBatch } from '@goka-ts/api';
import type { MemoryPartitionLog } from './memory_log';
import { nextTurn } from './scheduling';

export interface PartitionCursorOptions {
  readonly log: MemoryPartitionLog;
  /** Offset of the next record to deliver. */
  readonly position: number;
  /** Stop once this offset is reached (a non-following reader); absent: follow forever. */
  readonly until?: number;
  readonly maxBatchSize: number;
  /** Who reads, for idle diagnostics, e.g. `group "g"`. */
  readonly owner: string;
  readonly onBatch: (batch: MessageBatch) => Promise<void>;
  /**
   * Called once, when the cursor first has nothing more to deliver: at `until`, or (following) at the
   * last stable offset, which is the high watermark unless a transaction is open.
   */
  readonly onCaughtUp?: (highWatermark: number) => void;
  readonly isPaused?: () => boolean;
}

/**
 * Delivers one partition log to a handler, batch by batch, each batch only after the previous one's
 * promise resolved (backpressure). It waits for new records through the log's watchers, never a
 * timer, and yields to the event loop before each batch so partitions are served fairly.
 *
 * It reads committed data only: it never passes the log's last stable offset, and moves over
 * transaction markers and aborted records without delivering them. A cursor with `until` whose way
 * there is held back by an open transaction waits for that transaction to end.
 */
export class PartitionCursor {
  private position: number;
  private stopped = false;
  private delivering = false;
  private waker: (() => void) | undefined;

  constructor(private readonly options: PartitionCursorOptions) {
    this.position = options.position;
  }

  get topic(): string {
    return this.options.log.topic;
  }

  get partition(): number {
    return this.options.log.partition;
  }

  /** Offset of the next record this cursor delivers. */
  get nextOffset(): number {
    return this.position;
  }

  /**
   * Delivers until {@link stop} (or `until`); rejects when the handler fails or the topic is deleted.
   * After `stop()` it resolves once the batch in flight, if any, has been handled.
   */
  async run(): Promise<void> {
    const { log, until, maxBatchSize, onBatch, onCaughtUp, isPaused } = this.options;
    let caughtUp = false;
    while (!this.stopped) {
      await nextTurn();
      if (this.stopped) break;
      if (log.deleted) throw new UnknownTopicError(log.topic, { detail: 'it was deleted while being read' });
      if (this.position < log.oldest) this.position = log.oldest;
      if (until !== undefined && this.position >= until) {
        if (!caughtUp) onCaughtUp?.(until);
        break;
      }
      const end = Math.min(log.lastStableOffset, until ?? Number.POSITIVE_INFINITY);
      if (this.position >= end) {
        // Following: everything readable is delivered. With `until`: an open transaction holds the
        // way, and the cursor is caught up only once it ended.
        if (!caughtUp && until === undefined) {
          caughtUp = true;
          onCaughtUp?.(end);
        }
        await this.waitForChange();
        continue;
      }
      if (isPaused?.()) {
        await this.waitForChange();
        continue;
      }
      const { messages, next } = log.read(this.position, end, maxBatchSize);
      if (messages.length > 0) {
        this.delivering = true;
        try {
          await onBatch({ topic: log.topic, partition: log.partition, messages, highWatermark: log.highWatermark });
        } finally {
          this.delivering = false;
        }
      }
      this.position = next;
    }
  }

  /** Ends {@link run} after the batch in flight. */
  stop(): void {
    this.stopped = true;
    this.wake();
  }

  /** Re-checks pause state and the log now (after `resume`). */
  wake(): void {
    this.waker?.();
  }

  /** Why this cursor is not idle, or undefined when it is. */
  busyReason(): string | undefined {
    const { log, until, owner, isPaused } = this.options;
    const where = `${owner}, topic "${log.topic}" partition ${log.partition}`;
    if (this.delivering) return `${where}: a batch is being handled`;
    if (this.stopped || log.deleted || isPaused?.()) return undefined;
    const end = Math.min(log.lastStableOffset, until ?? Number.POSITIVE_INFINITY);
    const position = Math.max(this.position, log.oldest);
    // Counts offsets, markers and aborted records included: the cursor still has to move over them.
    if (position < end) return `${where}: ${end - position} offset(s) not yet delivered (next offset ${position})`;
    return undefined;
  }

  private waitForChange(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        unwatch();
        this.waker = undefined;
        resolve();
      };
      const unwatch = this.options.log.watch(done);
      this.waker = done;
    });
  }
}
