import { BatchCollector, GokaError, UnknownTopicError, WriteExpiredError } from '@goka-ts/api';
import type { BatchResult, ProduceResult, ProducerRecord } from '@goka-ts/api';
import type { MessageToProduce } from '@platformatic/kafka';
import { partitionKey } from './cluster';

/** Where a record's outcome goes: one send's promise, or a batch's shared collector. */
interface Outcome {
  ok(index: number, result: ProduceResult): void;
  fail(index: number, err: Error): void;
}

interface Pending {
  readonly record: ProducerRecord;
  readonly outcome: Outcome;
  /** The record's position in its batch (0 for a single send). */
  readonly index: number;
}

function resolveWith(p: Pending, result: ProduceResult): void {
  p.outcome.ok(p.index, result);
}

function rejectWith(p: Pending, err: Error): void {
  p.outcome.fail(p.index, err);
}

/** What the batcher needs from its producer. */
export interface BatchSink {
  /** Partition count of a topic; `undefined` when it does not exist. */
  partitionCount(topic: string): Promise<number | undefined>;
  /**
   * One client call for the whole batch; resolves with each topic-partition's base offset
   * (`"topic:partition"`), or the error its records failed with when others were written.
   */
  send(messages: MessageToProduce[]): Promise<Map<string, number | Error>>;
  /** Maps a client error to the goka-ts error a record of the failed call rejects with. */
  error(err: unknown, topic: string, record: ProducerRecord): Error;
}

/**
 * Collects records for `lingerMs` (or until `batchSize`) and hands them to the client in one call,
 * one batch in flight at a time so records of a partition are written in send order. Records are
 * checked before they leave: a missing topic or partition, or a passed `notAfter`, rejects only
 * that record.
 */
export class RecordBatcher {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inflight: Promise<void> | null = null;

  constructor(private readonly sink: BatchSink, private readonly lingerMs: number, private readonly batchSize: number) {}

  add(record: ProducerRecord): Promise<ProduceResult> {
    return new Promise<ProduceResult>((resolve, reject) => {
      this.queue.push({ record, outcome: { ok: (_, result) => resolve(result), fail: (_, err) => reject(err) }, index: 0 });
      if (this.queue.length >= this.batchSize) this.kick();
      else if (!this.timer && !this.inflight) this.timer = setTimeout(() => this.kick(), this.lingerMs);
    });
  }

  /**
   * Queues a batch behind one {@link BatchCollector} and sends it without waiting for the linger
   * time, in one client call with what else is queued (more only when sizes or timestamps require
   * it, see {@link chunks}); see `Producer.sendBatch`.
   */
  addBatch(records: readonly ProducerRecord[]): Promise<BatchResult> {
    const collector = new BatchCollector(records.length);
    for (let i = 0; i < records.length; i++) this.queue.push({ record: records[i]!, outcome: collector, index: i });
    if (records.length > 0) this.kick();
    return collector.promise;
  }

  /** Sends now; resolves once every record added before the call has settled. */
  async flush(): Promise<void> {
    while (this.queue.length || this.inflight) {
      this.kick();
      await this.inflight;
    }
  }

  /** Pending records not yet handed to the client. */
  get size(): number {
    return this.queue.length;
  }

  private kick(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.inflight || this.queue.length === 0) return;
    const batch = this.queue.splice(0, Math.max(this.batchSize, this.queue.length));
    this.inflight = this.dispatch(batch).finally(() => {
      this.inflight = null;
      // What queued while this batch was out has waited long enough.
      if (this.queue.length) this.kick();
    });
  }

  private async dispatch(batch: Pending[]): Promise<void> {
    const counts = new Map<string, number | undefined>();
    for (const topic of new Set(batch.map((p) => p.record.topic))) {
      try {
        counts.set(topic, await this.sink.partitionCount(topic));
      } catch (err) {
        for (const p of batch) if (p.record.topic === topic) rejectWith(p, this.sink.error(err, topic, p.record));
        counts.set(topic, -1);
      }
    }
    const ready: Pending[] = [];
    for (const p of batch) {
      const { topic, partition } = p.record;
      const count = counts.get(topic);
      if (count === -1) continue;
      if (count === undefined) rejectWith(p, new UnknownTopicError(topic, { detail: 'cannot produce to it' }));
      else if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
        rejectWith(p, new GokaError(`platformatic producer: topic "${topic}" has no partition ${partition} (it has ${count})`));
      } else ready.push(p);
    }
    // The deadline check is the last step before the records go to the client.
    const now = performance.now();
    const sending: Pending[] = [];
    for (const p of ready) {
      const { notAfter } = p.record;
      if (notAfter !== undefined && now > notAfter) rejectWith(p, new WriteExpiredError(p.record.topic, p.record.partition, now - notAfter));
      else sending.push(p);
    }
    for (const chunk of chunks(sending)) await this.sendChunk(chunk);
  }

  private async sendChunk(sending: Array<Pending & { timestamp: number }>): Promise<void> {
    let offsets: Map<string, number | Error>;
    try {
      offsets = await this.sink.send(sending.map((p) => toMessage(p.record, p.timestamp)));
    } catch (err) {
      for (const p of sending) rejectWith(p, this.sink.error(err, p.record.topic, p.record));
      return;
    }
    const next = new Map<string, number>();
    for (const p of sending) {
      const key = partitionKey(p.record.topic, p.record.partition);
      const base = offsets.get(key);
      if (base === undefined) {
        rejectWith(p, new GokaError(`platformatic producer: the broker answered no offset for topic "${p.record.topic}" partition ${p.record.partition}`));
        continue;
      }
      if (base instanceof Error) {
        rejectWith(p, this.sink.error(base, p.record.topic, p.record));
        continue;
      }
      const index = next.get(key) ?? 0;
      next.set(key, index + 1);
      resolveWith(p, { topic: p.record.topic, partition: p.record.partition, offset: base + index });
    }
  }
}

/**
 * Splits records, in order, into client calls:
 * - a partition's part of one call stays under {@link MAX_BATCH_BYTES} (the broker's default
 *   `message.max.bytes` applies to a partition's whole batch), and a record larger than that goes
 *   alone, so the broker's refusal concerns it only;
 * - platformatic 1.x encodes a record's timestamp delta (to its batch's first record) wrongly from
 *   2^31 ms (about 25 days) on, so deltas per partition stay below that.
 * With ordinary records that is one call. Records without a timestamp get the current time here,
 * as platformatic would give them.
 */
function chunks(pending: readonly Pending[]): Array<Array<Pending & { timestamp: number }>> {
  const now = Date.now();
  const out: Array<Array<Pending & { timestamp: number }>> = [];
  let current: Array<Pending & { timestamp: number }> = [];
  let first = new Map<string, number>();
  let bytes = new Map<string, number>();
  const cut = () => {
    if (current.length) out.push(current);
    current = [];
    first = new Map();
    bytes = new Map();
  };
  for (const p of pending) {
    const timestamp = p.record.timestamp ?? now;
    const key = partitionKey(p.record.topic, p.record.partition);
    const size = recordBytes(p.record);
    const base = first.get(key);
    const used = bytes.get(key) ?? 0;
    if (size > MAX_BATCH_BYTES) {
      cut();
      current.push({ ...p, timestamp });
      cut();
      continue;
    }
    if ((base !== undefined && Math.abs(timestamp - base) >= MAX_TIMESTAMP_DELTA) || used + size > MAX_BATCH_BYTES) cut();
    if (!first.has(key)) first.set(key, timestamp);
    bytes.set(key, (bytes.get(key) ?? 0) + size);
    current.push({ ...p, timestamp });
  }
  cut();
  return out;
}

/** Bytes of a record in a batch: key, value, headers and a record's framing. */
export function recordBytes(record: ProducerRecord): number {
  let size = 24 + (record.key?.length ?? 0) + (record.value?.length ?? 0);
  if (record.headers) for (const name in record.headers) size += 8 + Buffer.byteLength(name) + record.headers[name]!.length;
  return size;
}

/** Bytes of a partition's batch per call; below Kafka's default `message.max.bytes` (1 048 588). */
export const MAX_BATCH_BYTES = 1_000_000;
const MAX_TIMESTAMP_DELTA = 2 ** 31 - 1;

function toMessage(record: ProducerRecord, timestamp: number): MessageToProduce {
  return {
    topic: record.topic,
    partition: record.partition,
    key: record.key ?? undefined,
    value: (record.value ?? null) as Buffer,
    headers: record.headers ? new Map(Object.entries(record.headers).map(([k, v]) => [Buffer.from(k), v])) : undefined,
    timestamp: BigInt(timestamp),
  };
}

/** Base offsets of a platformatic produce result by `"topic:partition"`. */
export function baseOffsets(result: { offsets?: ReadonlyArray<{ topic: string; partition: number; offset: bigint }> }): Map<string, number> {
  return new Map((result.offsets ?? []).map((o) => [partitionKey(o.topic, o.partition), Number(o.offset)]));
}

