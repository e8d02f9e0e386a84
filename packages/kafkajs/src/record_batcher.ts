import { BatchCollector, GokaError, RecordTooLargeError, UnknownTopicError, WriteExpiredError } from '@goka-ts/api';
import type { BatchResult, ProducerRecord, ProduceResult } from '@goka-ts/api';
import type { Message, RecordMetadata } from 'kafkajs';
import type { ClusterOps } from './cluster_ops';
import { isMessageTooLarge, toGokaError } from './errors';

type Resolve = (result: ProduceResult) => void;
type Reject = (err: Error) => void;

/** Records of one topic-partition waiting to be sent, in send order (parallel arrays: no per-record wrapper). */
export class PartitionQueue {
  messages: Message[] = [];
  resolves: Resolve[] = [];
  rejects: Reject[] = [];
  /** `notAfter` per record (Infinity: none); only looked at once a record of the queue had one. */
  deadlines: number[] = [];
  hasDeadlines = false;
  /** Records ever queued / ever settled; flush() waits on these. */
  enqueued = 0;
  settled = 0;
  constructor(readonly topic: string, readonly partition: number) {}
}

/** The records of one partition inside one request (parallel arrays). */
export interface Slice {
  readonly queue: PartitionQueue;
  messages: Message[];
  resolves: Resolve[];
  rejects: Reject[];
  /** `notAfter` per record when the queue ever had one. */
  deadlines: number[] | undefined;
}

/** What sending one request came to: the broker's acknowledgements, or an error per topic. */
export type SendOutcome = { readonly metadata: readonly RecordMetadata[] } | { readonly error: (topic: string) => Error };

export interface RecordBatcherConfig {
  /** Names the producer in errors, e.g. `kafkajs producer`. */
  readonly name: string;
  readonly brokers: readonly string[];
  readonly lingerMs: number;
  readonly batchSize: number;
  /** Topic metadata (partition counts) for the checks before a topic's first record. */
  readonly ops: ClusterOps;
  /** Sends one request; the batcher settles its records with the outcome. Must not reject. */
  readonly send: (slices: Slice[]) => Promise<SendOutcome>;
  /** Why records may no longer be queued (checked when a topic check completes), if they may not. */
  readonly refuse: () => Error | undefined;
}

/** The kafkajs request body of some slices: their messages grouped by topic, in slice order. */
export function requestOf(slices: readonly Slice[]): Array<{ topic: string; messages: Message[] }> {
  const byTopic = new Map<string, { messages: Message[]; own: boolean }>();
  for (const s of slices) {
    const entry = byTopic.get(s.queue.topic);
    // A topic's first slice is used as it is; a second one needs an array of the request's own.
    if (!entry) byTopic.set(s.queue.topic, { messages: s.messages, own: false });
    else {
      if (!entry.own) {
        entry.messages = entry.messages.slice();
        entry.own = true;
      }
      for (let i = 0; i < s.messages.length; i++) entry.messages.push(s.messages[i]!);
    }
  }
  return [...byTopic].map(([topic, { messages }]) => ({ topic, messages }));
}

/**
 * Rejects the records whose `notAfter` passed (they were to leave the process by then) and removes
 * them, and slices left empty, in place. Called as a request is built: kafkajs writes it to the
 * socket without waiting for a timer, so a paused process cannot slip a late record through after
 * this. `settle` rejects one dropped record.
 */
export function dropExpired(slices: Slice[], settle: (reject: Reject, err: Error) => void = (reject, err) => reject(err)): void {
  const now = performance.now();
  for (let j = slices.length - 1; j >= 0; j--) {
    const s = slices[j]!;
    const deadlines = s.deadlines;
    if (!deadlines) continue;
    let expired = 0;
    for (const d of deadlines) if (d < now) expired++;
    if (expired === 0) continue;
    const kept: Slice = { queue: s.queue, messages: [], resolves: [], rejects: [], deadlines: [] };
    for (let i = 0; i < s.messages.length; i++) {
      if (deadlines[i]! < now) {
        settle(s.rejects[i]!, new WriteExpiredError(s.queue.topic, s.queue.partition, now - deadlines[i]!));
        continue;
      }
      kept.messages.push(s.messages[i]!);
      kept.resolves.push(s.resolves[i]!);
      kept.rejects.push(s.rejects[i]!);
      kept.deadlines!.push(deadlines[i]!);
    }
    s.queue.settled += expired;
    if (kept.messages.length === 0) slices.splice(j, 1);
    else slices[j] = kept;
  }
}

/** Sends to a topic whose metadata is being fetched wait here, in order. */
interface TopicCheck {
  readonly records: Array<{ record: ProducerRecord; resolve: Resolve; reject: Reject; now: boolean }>;
  readonly done: Promise<void>;
}

/**
 * The batching kafkajs lacks, shared by the plain and the transactional producer: records wait up
 * to `lingerMs` (or until a partition has `batchSize` records) and go out in one request. One
 * request is in flight at a time, so records of a partition are written in send order even when
 * kafkajs retries; records sent meanwhile form the next request. Each record resolves with its
 * exact offset (the partition's base offset in the response + its index in the partition's batch).
 *
 * The first record to a topic fetches the topic's metadata once, so a missing topic or partition
 * fails at once instead of after kafkajs' retries.
 */
export class RecordBatcher {
  private readonly partitionCounts = new Map<string, number>();
  private readonly checks = new Map<string, TopicCheck>();
  private readonly queues = new Map<string, Map<number, PartitionQueue>>();
  private queued = 0;
  private inFlight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly flushWaiters: Array<{ targets: Array<[PartitionQueue, number]>; resolve: () => void }> = [];
  /** The first error a record failed with since {@link takeFailure}. */
  private failure: Error | undefined;

  constructor(private readonly config: RecordBatcherConfig) {}

  /** Queues a record; the caller has checked that the producer may send. */
  send(record: ProducerRecord): Promise<ProduceResult> {
    if (!Number.isInteger(record.partition) || record.partition < 0) return Promise.reject(this.invalidPartition(record));
    return new Promise<ProduceResult>((resolve, reject) => this.route(record, resolve, reject, false));
  }

  /**
   * Queues a batch, in order, behind one {@link BatchCollector} (see `Producer.sendBatch`), and
   * sends it without waiting for the linger time: the batch is already as large as it gets. Partitions
   * with more than `batchSize` records (or bytes beyond a request's limit) take several requests.
   */
  sendBatch(records: readonly ProducerRecord[]): Promise<BatchResult> {
    const collector = new BatchCollector(records.length);
    let queued = false;
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const reject: Reject = (err) => collector.fail(i, err);
      if (!Number.isInteger(record.partition) || record.partition < 0) {
        reject(this.invalidPartition(record));
        continue;
      }
      queued = this.route(record, (result) => collector.ok(i, result), reject, true) || queued;
    }
    if (queued) this.sendNow();
    return collector.promise;
  }

  private invalidPartition(record: ProducerRecord): GokaError {
    return new GokaError(`${this.config.name}: invalid partition ${String(record.partition)} for topic "${record.topic}"`);
  }

  /**
   * Queues a record, or parks it behind its topic's metadata check. `now`: the caller sends at once
   * (a batch), so no linger timer is started. Returns whether the record was queued.
   */
  private route(record: ProducerRecord, resolve: Resolve, reject: Reject, now: boolean): boolean {
    const check = this.checks.get(record.topic);
    if (check) {
      check.records.push({ record, resolve, reject, now });
      return false;
    }
    const count = this.partitionCounts.get(record.topic);
    if (count !== undefined && record.partition < count) {
      this.enqueue(record, resolve, reject, now);
      return true;
    }
    // Unknown topic, or a partition beyond the known count (partitions may have been added).
    this.checkTopic(record.topic).records.push({ record, resolve, reject, now });
    return false;
  }

  /** Resolves when every record queued before it is acknowledged or rejected. */
  async flush(): Promise<void> {
    while (this.checks.size > 0) await Promise.all([...this.checks.values()].map((c) => c.done));
    const targets: Array<[PartitionQueue, number]> = [];
    for (const byPartition of this.queues.values()) {
      for (const q of byPartition.values()) if (q.settled < q.enqueued) targets.push([q, q.enqueued]);
    }
    if (targets.length === 0) return;
    const done = new Promise<void>((resolve) => this.flushWaiters.push({ targets, resolve }));
    this.sendNow();
    await done;
  }

  /**
   * Rejects every record not yet handed to kafkajs (queued, or waiting for its topic check) with
   * `error`, and resolves once the request in flight, if any, has settled.
   */
  async discard(error: Error): Promise<void> {
    this.stop();
    for (const check of this.checks.values()) for (const { reject } of check.records.splice(0)) this.reject(reject, error);
    for (const byPartition of this.queues.values()) {
      for (const q of byPartition.values()) {
        for (const reject of q.rejects) this.reject(reject, error);
        q.settled += q.messages.length;
        this.queued -= q.messages.length;
        q.messages = [];
        q.resolves = [];
        q.rejects = [];
        q.deadlines = [];
      }
    }
    this.notifyFlushWaiters();
    while (this.inFlight) await this.inFlight;
  }

  /** The first error a record failed with since the last call, and forgets it. */
  takeFailure(): Error | undefined {
    const failure = this.failure;
    this.failure = undefined;
    return failure;
  }

  /** Forgets the partition count of a topic (it was deleted); its next record checks it again. */
  forgetTopic(topic: string): void {
    this.partitionCounts.delete(topic);
  }

  /** Cancels the linger timer. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private reject(reject: Reject, error: Error): void {
    this.failure ??= error;
    reject(error);
  }

  private checkTopic(topic: string): TopicCheck {
    const records: TopicCheck['records'] = [];
    const done = (async () => {
      let error: Error | undefined;
      let count: number | undefined;
      try {
        const info = await this.config.ops.topicInfo(topic);
        if (info) count = info.partitions.length;
        else error = new UnknownTopicError(topic);
      } catch (err) {
        error = toGokaError(err, { operation: `${this.config.name}: metadata`, brokers: this.config.brokers, topic });
      }
      this.checks.delete(topic);
      if (count !== undefined) this.partitionCounts.set(topic, count);
      else this.partitionCounts.delete(topic);
      const refused = this.config.refuse();
      let sendNow = false;
      for (const { record, resolve, reject, now } of records) {
        if (error) this.reject(reject, error);
        else if (record.partition >= count!) this.reject(reject, new GokaError(`${this.config.name}: topic "${topic}" has ${count} partitions, no partition ${record.partition}`));
        else if (refused) this.reject(reject, refused);
        else {
          this.enqueue(record, resolve, reject, now);
          sendNow ||= now;
        }
      }
      if (sendNow) this.sendNow();
    })();
    const check = { records, done };
    this.checks.set(topic, check);
    return check;
  }

  private enqueue(record: ProducerRecord, resolve: Resolve, reject: Reject, now: boolean): void {
    let byPartition = this.queues.get(record.topic);
    if (!byPartition) this.queues.set(record.topic, (byPartition = new Map()));
    let q = byPartition.get(record.partition);
    if (!q) byPartition.set(record.partition, (q = new PartitionQueue(record.topic, record.partition)));
    q.messages.push({
      key: record.key,
      value: record.value,
      partition: record.partition,
      headers: record.headers,
      timestamp: record.timestamp === undefined ? undefined : String(record.timestamp),
    });
    q.resolves.push(resolve);
    q.rejects.push(reject);
    q.deadlines.push(record.notAfter ?? Infinity);
    if (record.notAfter !== undefined) q.hasDeadlines = true;
    q.enqueued++;
    this.queued++;
    if (this.inFlight || now) return; // goes out with the next request, or the caller sends now
    if (q.messages.length >= this.config.batchSize || this.config.lingerMs <= 0) this.sendNow();
    else if (!this.timer) this.timer = setTimeout(() => this.sendNow(), this.config.lingerMs);
  }

  private sendNow(): void {
    this.stop();
    if (this.inFlight || this.queued === 0) return;
    const slices: Slice[] = [];
    for (const byPartition of this.queues.values()) {
      for (const q of byPartition.values()) {
        const n = batchCount(q.messages, this.config.batchSize);
        if (n === 0) continue;
        const all = n === q.messages.length;
        const deadlines = all ? q.deadlines : q.deadlines.splice(0, n);
        slices.push({
          queue: q,
          messages: all ? q.messages : q.messages.splice(0, n),
          resolves: all ? q.resolves : q.resolves.splice(0, n),
          rejects: all ? q.rejects : q.rejects.splice(0, n),
          deadlines: q.hasDeadlines ? deadlines : undefined,
        });
        if (all) {
          q.messages = [];
          q.resolves = [];
          q.rejects = [];
          q.deadlines = [];
        }
        this.queued -= n;
      }
    }
    dropExpired(slices, (reject, err) => this.reject(reject, err));
    if (slices.length === 0) {
      this.notifyFlushWaiters(); // every record taken had expired
      return;
    }
    this.inFlight = this.execute(slices).finally(() => {
      this.inFlight = null;
      if (this.queued > 0) this.sendNow();
    });
  }

  private async execute(slices: Slice[]): Promise<void> {
    const outcome = await this.config.send(slices);
    if ('error' in outcome) {
      const tooLarge = largestIfTooLarge(slices, outcome.error);
      for (const s of slices) {
        const err = outcome.error(s.queue.topic);
        for (let i = 0; i < s.rejects.length; i++) this.reject(s.rejects[i]!, tooLarge?.message === s.messages[i] ? tooLarge.error : err);
        s.queue.settled += s.messages.length;
      }
    } else {
      const base = new Map<string, number>();
      for (const m of outcome.metadata) base.set(`${m.partition}\u0000${m.topicName}`, Number(m.baseOffset));
      for (const s of slices) {
        const { topic, partition } = s.queue;
        const first = base.get(`${partition}\u0000${topic}`);
        if (first === undefined || Number.isNaN(first)) {
          const err = new GokaError(`${this.config.name}: no acknowledgement for topic "${topic}" partition ${partition}`);
          for (const reject of s.rejects) this.reject(reject, err);
        } else {
          for (let i = 0; i < s.messages.length; i++) s.resolves[i]!({ topic, partition, offset: first + i });
        }
        s.queue.settled += s.messages.length;
      }
    }
    this.notifyFlushWaiters();
  }

  private notifyFlushWaiters(): void {
    for (let i = this.flushWaiters.length - 1; i >= 0; i--) {
      const w = this.flushWaiters[i]!;
      if (w.targets.every(([q, n]) => q.settled >= n)) {
        this.flushWaiters.splice(i, 1);
        w.resolve();
      }
    }
  }
}


/**
 * Bytes a partition batch may hold: the broker's and topics' default limit (`message.max.bytes`,
 * 1 MiB + 12) applies to a whole uncompressed record batch, not to each record, so a batch of
 * records that each fit may still be rejected as a whole.
 */
const MAX_BATCH_BYTES = 1_000_000;
/** Framing per record (length, attributes, deltas, varints), generously. */
const RECORD_OVERHEAD = 64;

/** How many of `messages` (at most `max`) fit one batch; at least one, so a large record goes alone. */
function batchCount(messages: readonly Message[], max: number): number {
  const end = Math.min(messages.length, max);
  let bytes = 0;
  for (let i = 0; i < end; i++) {
    const m = messages[i]!;
    bytes += RECORD_OVERHEAD + size(m.key) + size(m.value);
    if (m.headers) for (const name in m.headers) bytes += name.length + size(m.headers[name] as Buffer | string | null | undefined);
    if (bytes > MAX_BATCH_BYTES && i > 0) return i;
  }
  return end;
}

/**
 * When the broker refused a request as too large: its largest record, with a RecordTooLargeError
 * for it. kafkajs does not say which partition's batch the broker refused; the batches stay under
 * the default limit unless a record alone exceeds it, so the largest record is the one to blame
 * (and a caller that resends it smaller, as dead letters do, can tell it from the others).
 */
function largestIfTooLarge(slices: readonly Slice[], error: (topic: string) => Error): { message: Message; error: RecordTooLargeError } | undefined {
  let largest: { message: Message; topic: string; bytes: number } | undefined;
  for (const s of slices) {
    for (const message of s.messages) {
      const bytes = messageBytes(message);
      if (!largest || bytes > largest.bytes) largest = { message, topic: s.queue.topic, bytes };
    }
  }
  if (!largest) return undefined;
  const cause = error(largest.topic);
  if (!isMessageTooLarge(cause)) return undefined;
  const key = largest.message.key;
  return {
    message: largest.message,
    error: new RecordTooLargeError(largest.topic, key === null || key === undefined ? '' : key.toString(), largest.bytes, KAFKA_DEFAULT_MAX_MESSAGE_BYTES, {
      cause,
      detail: "the broker refused it as larger than the max message size it accepts (Kafka's default limit is shown; see the broker's message.max.bytes and the topic's max.message.bytes)",
    }),
  };
}

/** Kafka's default `max.message.bytes`; the broker's or the topic's own setting may differ. */
const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/** Bytes of a record's key, value and header names and values. */
function messageBytes(m: Message): number {
  let bytes = size(m.key) + size(m.value);
  if (m.headers) for (const name in m.headers) bytes += Buffer.byteLength(name) + size(m.headers[name] as Buffer | string | null | undefined);
  return bytes;
}

function size(data: Buffer | string | null | undefined): number {
  return data === null || data === undefined ? 0 : typeof data === 'string' ? Buffer.byteLength(data) : data.length;
}
