import { WriteExpiredError, type ProduceResult, type ProducerRecord } from '@goka-ts/api';
import { DeliveryTracker, type Tracked } from './delivery_tracker';
import { Code, codeOf } from './errors';
import { toRdHeaders, wireBytes } from './message';
import type { LibrdKafkaError, RdProducer } from './rdkafka';

/** One `send` in flight; it is also the opaque librdkafka hands back with the delivery report. */
export interface Outgoing extends Tracked {
  readonly record: ProducerRecord;
  resolve: (result: ProduceResult) => void;
  reject: (err: Error) => void;
}

interface DeliveryReport<T> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly opaque: T;
}

/** How long a queue-full producer waits before trying again when no delivery report freed space. */
const QUEUE_FULL_RETRY_MS = 20;

/**
 * The send path shared by the plain and the transactional producer, as the other adapters' record
 * batchers are; librdkafka forms the batches itself (`linger.ms`, `batch.size`), so this hands
 * records to librdkafka in send order, holds them (in order) while librdkafka's queue is full, checks
 * each record's `notAfter` at the last moment it is still in this process, and settles each send
 * with its own delivery report. `flush` semantics come from the {@link DeliveryTracker}.
 */
export class RecordBatcher<T extends Outgoing> {
  private readonly tracker = new DeliveryTracker<T>();
  /** Records that met a full librdkafka queue, in send order; later sends queue behind them. */
  private blocked: T[] = [];
  private retryTimer?: NodeJS.Timeout;
  private rd?: RdProducer;
  private disposed = false;

  /**
   * @param failure turns a librdkafka error of one record (local or from its delivery report)
   *   into the error its send rejects with.
   */
  constructor(private readonly failure: (err: LibrdKafkaError, item: T) => Error) {}

  /** Routes the handle's delivery reports here; call before connecting it. */
  attach(rd: RdProducer): void {
    this.rd = rd;
    rd.on('delivery-report', (err, report) => this.delivered(err, report as unknown as DeliveryReport<T>));
  }

  get pending(): number {
    return this.tracker.pending;
  }

  /** Queues a tracked send; the handle must be connected. */
  push(item: T): void {
    this.tracker.track(item);
    if (this.blocked.length > 0) this.blocked.push(item);
    else this.produce(item);
  }

  /** Resolves when every send pushed so far has settled. */
  drained(): Promise<void> {
    return this.tracker.drained();
  }

  /** Rejects the sends still held back by a full queue (they never reached librdkafka). */
  dropBlocked(reason: (item: T) => Error): void {
    const blocked = this.blocked;
    this.blocked = [];
    for (const item of blocked) this.settle(item, reason(item));
  }

  /** Stops retrying held-back sends (the handle is going away). */
  dispose(): void {
    this.disposed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** Hands a record to librdkafka; returns false if its queue is full (the record is then blocked). */
  private produce(item: T): boolean {
    const { topic, partition, key, value, timestamp, headers, notAfter } = item.record;
    // The last moment the record is still ours: once librdkafka has it, its thread sends it.
    if (notAfter !== undefined) {
      const late = performance.now() - notAfter;
      if (late > 0) {
        this.settle(item, new WriteExpiredError(topic, partition, late));
        return true;
      }
    }
    try {
      this.rd!.produce(
        topic, partition,
        value === null ? null : wireBytes(value),
        key === null ? null : wireBytes(key),
        timestamp ?? null,
        item,
        toRdHeaders(headers),
      );
      return true;
    } catch (err) {
      if (codeOf(err) === Code.QUEUE_FULL && !this.disposed) {
        if (this.blocked[0] !== item) this.blocked.push(item);
        this.scheduleRetry();
        return false;
      }
      this.settle(item, this.failure(err as LibrdKafkaError, item));
      return true;
    }
  }

  private delivered(err: LibrdKafkaError | null, report: DeliveryReport<T>): void {
    const item = report.opaque;
    if (err) this.settle(item, this.failure(err, item));
    else this.settle(item, { topic: report.topic, partition: report.partition, offset: report.offset });
    if (this.blocked.length > 0) this.drainBlocked();
  }

  /** Settles the send before flush waiters, so code awaiting flush sees its sends settled. */
  private settle(item: T, outcome: ProduceResult | Error): void {
    if (outcome instanceof Error) item.reject(outcome);
    else item.resolve(outcome);
    this.tracker.complete(item);
  }

  private drainBlocked(): void {
    while (this.blocked.length > 0) {
      const item = this.blocked[0]!;
      if (!this.produce(item)) return;
      this.blocked.shift();
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.disposed) this.drainBlocked();
    }, QUEUE_FULL_RETRY_MS);
  }
}
