import { BatchSendError } from '@goka-ts/api';
import type { ProducerRecord } from '@goka-ts/api';
import type { RecordSender } from './partition_transaction';

/** What becomes of one record of an {@link OutputBatch}. */
export interface OutputHandler {
  sent(): void;
  failed(error: unknown): void;
}

/** Records per sendBatch call at most; more in one turn go out in several calls, in order. */
const MAX_BATCH = 5000;

/**
 * The emits, loopbacks and dead letters a partition's callbacks produce in one synchronous run,
 * handed to the producer (or the partition's transaction) as one `sendBatch` once that run is
 * over, instead of one `send` and one promise per record.
 *
 * Why then: a batch of input messages runs its callbacks back to back, so their records leave
 * together with no wait added (no linger of our own: the adapter still batches as it does). A
 * record counts as held by its message until acknowledged, as a single send did, so commits and
 * exactly-once transactions never pass a message whose records are still queued here.
 */
export class OutputBatch {
  private records: ProducerRecord[] = [];
  private handlers: OutputHandler[] = [];
  private scheduled = false;

  constructor(private readonly sender: RecordSender) {}

  /** Queues a record; `handler` learns its outcome once the batch it went out in settled. */
  add(record: ProducerRecord, handler: OutputHandler): void {
    this.records.push(record);
    this.handlers.push(handler);
    if (this.records.length >= MAX_BATCH) this.send();
    else if (!this.scheduled) {
      this.scheduled = true;
      // A promise job, not setImmediate: jest's fake timers replace setImmediate and queueMicrotask
      // but not the promise queue, and it runs once the synchronous callbacks of the batch are done.
      void Promise.resolve().then(this.send);
    }
  }

  /** Sends what is queued now and resolves once everything sent through the sender so far settled. */
  flush(): Promise<void> {
    this.send();
    return this.sender.flush();
  }

  private readonly send = (): void => {
    this.scheduled = false;
    if (this.records.length === 0) return;
    const records = this.records;
    const handlers = this.handlers;
    this.records = [];
    this.handlers = [];
    this.sender.sendBatch(records).then(
      () => {
        for (const handler of handlers) handler.sent();
      },
      (error: unknown) => {
        if (error instanceof BatchSendError && error.outcomes.length === handlers.length) {
          error.outcomes.forEach((outcome, i) => (outcome instanceof Error ? handlers[i]!.failed(outcome) : handlers[i]!.sent()));
        } else {
          for (const handler of handlers) handler.failed(error);
        }
      },
    );
  };
}
