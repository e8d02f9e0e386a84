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
  /** Called once, when the cursor first has nothing more to deliver. */
  readonly onCaughtUp?: (highWatermark: number) => void;
  readonly isPaused?: () => boolean;
}

/**
 * Delivers one partition log to a handler, batch by batch, each batch only after the previous one's
 * promise resolved (backpressure). It waits for new records through the log's watchers, never a
 * timer, and yields to the event loop before each batch so partitions are served fairly.
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
      const end = Math.min(log.highWatermark, until ?? Number.POSITIVE_INFINITY);
      if (this.position >= end) {
        if (!caughtUp) {
          caughtUp = true;
          onCaughtUp?.(until ?? log.highWatermark);
        }
        if (until !== undefined) break;
        await this.waitForChange();
        continue;
      }
      if (isPaused?.()) {
        await this.waitForChange();
        continue;
      }
      const messages = log.read(this.position, end, maxBatchSize);
      this.delivering = true;
      try {
        await onBatch({ topic: log.topic, partition: log.partition, messages, highWatermark: log.highWatermark });
      } finally {
        this.delivering = false;
      }
      this.position = messages[messages.length - 1].offset + 1;
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
    const end = Math.min(log.highWatermark, until ?? Number.POSITIVE_INFINITY);
    const position = Math.max(this.position, log.oldest);
    if (position < end) return `${where}: ${end - position} record(s) not yet delivered (next offset ${position})`;
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
