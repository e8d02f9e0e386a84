import type { KafkaMessage, MessageBatch } from '@goka-ts/api';
import { toKafkaMessage } from './message';
import { OFFSET_INVALID, type KafkaConsumer, type RdMessage } from './rdkafka';

/** Delivery state of one assigned topic-partition. */
export class Flow {
  /** Consumed messages waiting for the partition's previous batch to finish. */
  buffer: KafkaMessage[] = [];
  /** A batch of this partition is being processed. */
  busy = false;
  /** Delivery allowed (group: after `onAssigned` resolved). */
  ready = false;
  userPaused = false;
  /** Whether librdkafka currently has the partition paused. */
  rdPaused = false;
  /** Revoked or stopped: nothing more is delivered and consumed messages are dropped. */
  closed = false;
  /** Settles when the batch in flight has finished. */
  inFlight: Promise<void> = Promise.resolve();
  /** Offsets at or beyond this are dropped (a bounded reader stops at the high watermark). */
  stopAt = Number.POSITIVE_INFINITY;
  /** Last offset of the last finished batch. */
  delivered = -1;
  /** End offset reported by the last partition EOF, -1 before any. */
  eofAt = -1;
  touched = false;

  constructor(readonly topic: string, readonly partition: number) {}
}

/** Finds flows by topic and partition without building string keys per message. */
export class FlowTable {
  private readonly byTopic = new Map<string, (Flow | undefined)[]>();

  get(topic: string, partition: number): Flow | undefined {
    return this.byTopic.get(topic)?.[partition];
  }

  add(flow: Flow): void {
    let list = this.byTopic.get(flow.topic);
    if (!list) this.byTopic.set(flow.topic, (list = []));
    list[flow.partition] = flow;
  }

  remove(flow: Flow): void {
    const list = this.byTopic.get(flow.topic);
    if (list && list[flow.partition] === flow) list[flow.partition] = undefined;
  }

  all(): Flow[] {
    const out: Flow[] = [];
    for (const list of this.byTopic.values()) for (const f of list) if (f) out.push(f);
    return out;
  }
}

export interface DispatchHooks {
  onBatch(batch: MessageBatch): Promise<void>;
  /** After a batch of `flow` finished (and before the next one is delivered). */
  afterBatch?(flow: Flow): void;
  /** A handler failed: the component stops with this error. */
  onFatal(err: unknown): void;
}

/**
 * Groups consumed messages by topic-partition and delivers them as batches: one batch per
 * partition at a time, the next only after the previous resolved; partitions run concurrently.
 * A partition whose backlog reaches `maxBuffered` (or that the user paused) is paused in
 * librdkafka, which resumes fetching after the last message it handed out.
 */
export class BatchDispatcher {
  readonly flows = new FlowTable();
  private stopped = false;

  constructor(
    private readonly consumer: KafkaConsumer,
    private readonly hooks: DispatchHooks,
    private readonly maxBuffered: number,
  ) {}

  stop(): void {
    this.stopped = true;
  }

  ingest(messages: readonly RdMessage[]): void {
    const touched: Flow[] = [];
    let flow: Flow | undefined;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i];
      if (flow === undefined || flow.partition !== m.partition || flow.topic !== m.topic) {
        flow = this.flows.get(m.topic, m.partition);
      }
      if (flow === undefined || flow.closed || m.offset >= flow.stopAt) continue;
      flow.buffer.push(toKafkaMessage(m));
      if (!flow.touched) {
        flow.touched = true;
        touched.push(flow);
      }
    }
    for (const f of touched) {
      f.touched = false;
      this.deliver(f);
      this.reconcile(f);
    }
  }

  /** Starts the next batch of `flow` if it may be delivered now. */
  deliver(flow: Flow): void {
    if (flow.busy || !flow.ready || flow.userPaused || flow.closed || this.stopped || flow.buffer.length === 0) return;
    const messages = flow.buffer;
    flow.buffer = [];
    flow.busy = true;
    const batch: MessageBatch = {
      topic: flow.topic,
      partition: flow.partition,
      messages,
      highWatermark: this.highWatermark(flow),
    };
    flow.inFlight = this.hooks.onBatch(batch).then(
      () => {
        flow.busy = false;
        flow.delivered = messages[messages.length - 1].offset;
        if (flow.closed || this.stopped) return;
        this.hooks.afterBatch?.(flow);
        this.deliver(flow);
        this.reconcile(flow);
      },
      (err: unknown) => {
        flow.busy = false;
        this.hooks.onFatal(err);
      },
    );
  }

  /**
   * Pauses or resumes the partition in librdkafka to match what delivery needs. A partition that
   * is not ready yet keeps fetching into its buffer (prefetch while the handler prepares) and is
   * only paused when the buffer is full: pausing a partition before librdkafka resolved its start
   * offset is avoided, as that path of librdkafka's fetch state machine proved fragile.
   */
  reconcile(flow: Flow): void {
    if (flow.closed || this.stopped) return;
    const pause = flow.userPaused || flow.buffer.length >= this.maxBuffered;
    if (pause === flow.rdPaused) return;
    const tp = [{ topic: flow.topic, partition: flow.partition }];
    if (pause) this.consumer.pause(tp);
    else this.consumer.resume(tp);
    flow.rdPaused = pause;
  }

  /** Marks flows closed, drops their backlog and waits for their batches in flight. */
  async close(flows: readonly Flow[]): Promise<void> {
    for (const f of flows) {
      f.closed = true;
      f.buffer = [];
      this.flows.remove(f);
    }
    await Promise.all(flows.map((f) => f.inFlight.catch(() => undefined)));
  }

  private highWatermark(flow: Flow): number {
    try {
      const high = this.consumer.getWatermarkOffsets(flow.topic, flow.partition).highOffset;
      return high === OFFSET_INVALID || high < 0 ? -1 : high;
    } catch {
      // No cached watermark yet (or the handle is closing): the batch reports "unknown".
      return -1;
    }
  }
}
