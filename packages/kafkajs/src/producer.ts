import { GokaError, StateError, UnknownTopicError, WriteExpiredError } from '@goka-ts/api';
import type { Producer, ProducerConfig, ProducerRecord, ProduceResult } from '@goka-ts/api';
import { CompressionCodecs, CompressionTypes, type Kafka, type Message, type Producer as KafkaJsProducer } from 'kafkajs';
import { ClusterOps } from './cluster_ops';
import { isUnknownTopic, toGokaError } from './errors';
import type { ResolvedOptions } from './options';

/** Defaults of {@link ProducerConfig} for this adapter. */
export const PRODUCER_DEFAULTS = { lingerMs: 5, batchSize: 1000, acks: 1 as const, compression: 'none' as const };

type Resolve = (result: ProduceResult) => void;
type Reject = (err: Error) => void;

/** Records of one topic-partition waiting to be sent, in send order (parallel arrays: no per-record wrapper). */
class PartitionQueue {
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

/** The records of one partition inside one in-flight request (parallel arrays). */
interface Slice {
  readonly queue: PartitionQueue;
  messages: Message[];
  resolves: Resolve[];
  rejects: Reject[];
  /** `notAfter` per record when the queue ever had one; such a request is sent by {@link KafkajsProducer.sendStrict}. */
  deadlines: number[] | undefined;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The kafkajs request body of some slices: their messages grouped by topic, in slice order. */
function requestOf(slices: readonly Slice[]): Array<{ topic: string; messages: Message[] }> {
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

/** Whether kafkajs gave up on an error it would have retried with retries left (a one-try producer reports those so). */
function retriedOut(err: unknown): boolean {
  const e = err as { name?: string; retriable?: boolean } | null;
  return e?.name === 'KafkaJSNumberOfRetriesExceeded' || (e?.retriable === true && e?.name !== 'KafkaJSNonRetriableError');
}

/** Sends to a topic whose metadata is being fetched wait here, in order. */
interface TopicCheck {
  readonly records: Array<{ record: ProducerRecord; resolve: Resolve; reject: Reject }>;
  readonly done: Promise<void>;
}

function compressionType(name: NonNullable<ProducerConfig['compression']>): CompressionTypes {
  const type = {
    none: CompressionTypes.None,
    gzip: CompressionTypes.GZIP,
    snappy: CompressionTypes.Snappy,
    lz4: CompressionTypes.LZ4,
    zstd: CompressionTypes.ZSTD,
  }[name];
  if (type === undefined) throw new GokaError(`kafkajs producer: unknown compression "${name}"`);
  if (type !== CompressionTypes.None) {
    // kafkajs ships gzip only; other codecs throw "not implemented" until the user registers one.
    try {
      (CompressionCodecs[type] as () => unknown)();
    } catch {
      throw new GokaError(
        `kafkajs producer: compression "${name}" needs a codec registered with kafkajs first, e.g. CompressionCodecs[CompressionTypes.${name === 'lz4' ? 'LZ4' : name === 'zstd' ? 'ZSTD' : 'Snappy'}] = <codec> (packages such as kafkajs-snappy, kafkajs-lz4, @kafkajs/zstd); kafkajs itself only has gzip`,
      );
    }
  }
  return type;
}

/**
 * Producer on kafkajs with the batching kafkajs lacks: records wait up to `lingerMs` (or until a
 * partition has `batchSize` records) and go out in one `sendBatch`. One request is in flight at a
 * time, so records of a partition are written in send order even when kafkajs retries; records
 * sent meanwhile form the next request. Each record resolves with its exact offset
 * (the partition's base offset in the response + its index in the partition's batch).
 */
export class KafkajsProducer implements Producer {
  private producer: KafkaJsProducer;
  /** A kafkajs producer that tries each request once, for requests with deadlines (created on first use). */
  private strict: { producer: KafkaJsProducer; connected: Promise<void> } | undefined;
  private readonly ops: ClusterOps;
  private readonly lingerMs: number;
  private readonly batchSize: number;
  private readonly acks: -1 | 1;
  private readonly compression: CompressionTypes;
  private state: 'idle' | 'connecting' | 'connected' | 'closing' | 'closed' = 'idle';
  private connecting?: Promise<void>;
  private closing?: Promise<void>;
  private readonly partitionCounts = new Map<string, number>();
  private readonly checks = new Map<string, TopicCheck>();
  private readonly queues = new Map<string, Map<number, PartitionQueue>>();
  private queued = 0;
  private inFlight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly flushWaiters: Array<{ targets: Array<[PartitionQueue, number]>; resolve: () => void }> = [];

  constructor(private readonly kafka: Kafka, private readonly options: ResolvedOptions, config: ProducerConfig = {}) {
    this.lingerMs = config.lingerMs ?? PRODUCER_DEFAULTS.lingerMs;
    this.batchSize = Math.max(1, config.batchSize ?? PRODUCER_DEFAULTS.batchSize);
    this.acks = config.acks ?? PRODUCER_DEFAULTS.acks;
    if (this.acks !== -1 && this.acks !== 1) throw new GokaError(`kafkajs producer: acks must be -1 or 1, not ${String(this.acks)}`);
    this.compression = compressionType(config.compression ?? PRODUCER_DEFAULTS.compression);
    this.producer = this.createKafkajsProducer();
    this.ops = new ClusterOps(kafka, options.brokers, 'kafkajs producer');
  }

  private createKafkajsProducer(retries = this.options.retry.retries): KafkaJsProducer {
    return this.kafka.producer({
      // goka-ts always picks the partition itself.
      createPartitioner: () => ({ message }) => message.partition!,
      allowAutoTopicCreation: false,
      idempotent: false,
      retry: { ...this.options.retry, retries },
    });
  }

  connect(): Promise<void> {
    if (this.state === 'connected') return Promise.resolve();
    if (this.state === 'closing' || this.state === 'closed') return Promise.reject(new StateError('kafkajs producer: connect() after close()'));
    if (!this.connecting) {
      this.state = 'connecting';
      this.connecting = (async () => {
        try {
          await Promise.all([this.producer.connect(), this.ops.connect()]);
          if (this.state === 'connecting') this.state = 'connected';
        } catch (err) {
          this.connecting = undefined;
          if (this.state === 'connecting') this.state = 'idle';
          await Promise.allSettled([this.producer.disconnect(), this.ops.disconnect()]);
          throw toGokaError(err, { operation: 'kafkajs producer: connect', brokers: this.options.brokers });
        }
      })();
    }
    return this.connecting;
  }

  send(record: ProducerRecord): Promise<ProduceResult> {
    if (this.state !== 'connected') {
      return Promise.reject(new StateError(this.state === 'closing' || this.state === 'closed' ? 'kafkajs producer: send() after close()' : 'kafkajs producer: send() before connect() completed'));
    }
    if (!Number.isInteger(record.partition) || record.partition < 0) {
      return Promise.reject(new GokaError(`kafkajs producer: invalid partition ${String(record.partition)} for topic "${record.topic}"`));
    }
    return new Promise<ProduceResult>((resolve, reject) => {
      const check = this.checks.get(record.topic);
      if (check) {
        check.records.push({ record, resolve, reject });
        return;
      }
      const count = this.partitionCounts.get(record.topic);
      if (count !== undefined && record.partition < count) {
        this.enqueue(record, resolve, reject);
        return;
      }
      // Unknown topic, or a partition beyond the known count (partitions may have been added).
      this.checkTopic(record.topic).records.push({ record, resolve, reject });
    });
  }

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

  close(): Promise<void> {
    if (!this.closing) {
      const wasConnected = this.state === 'connected' || this.state === 'connecting';
      this.closing = (async () => {
        if (this.state === 'connecting') await this.connecting?.catch(() => undefined);
        this.state = 'closing';
        try {
          if (wasConnected) await this.flush();
        } finally {
          if (this.timer) clearTimeout(this.timer);
          this.timer = null;
          await Promise.allSettled([this.producer.disconnect(), this.ops.disconnect(), this.strict?.producer.disconnect()]);
          this.state = 'closed';
        }
      })();
    }
    return this.closing;
  }

  private checkTopic(topic: string): TopicCheck {
    const records: TopicCheck['records'] = [];
    const done = (async () => {
      let error: Error | undefined;
      let count: number | undefined;
      try {
        const info = await this.ops.topicInfo(topic);
        if (info) count = info.partitions.length;
        else error = new UnknownTopicError(topic);
      } catch (err) {
        error = toGokaError(err, { operation: 'kafkajs producer: metadata', brokers: this.options.brokers, topic });
      }
      this.checks.delete(topic);
      if (count !== undefined) this.partitionCounts.set(topic, count);
      else this.partitionCounts.delete(topic);
      for (const { record, resolve, reject } of records) {
        if (error) reject(error);
        else if (record.partition >= count!) reject(new GokaError(`kafkajs producer: topic "${topic}" has ${count} partitions, no partition ${record.partition}`));
        else if (this.state !== 'connected' && this.state !== 'closing') reject(new StateError('kafkajs producer: closed while sending'));
        else this.enqueue(record, resolve, reject);
      }
    })();
    const check = { records, done };
    this.checks.set(topic, check);
    return check;
  }

  private enqueue(record: ProducerRecord, resolve: Resolve, reject: Reject): void {
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
    if (this.inFlight) return; // goes out with the next request
    if (q.messages.length >= this.batchSize || this.lingerMs <= 0) this.sendNow();
    else if (!this.timer) this.timer = setTimeout(() => this.sendNow(), this.lingerMs);
  }

  private sendNow(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.inFlight || this.queued === 0) return;
    const slices: Slice[] = [];
    for (const byPartition of this.queues.values()) {
      for (const q of byPartition.values()) {
        const n = Math.min(q.messages.length, this.batchSize);
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
    this.dropExpired(slices);
    if (slices.length === 0) {
      this.notifyFlushWaiters(); // every record taken had expired
      return;
    }
    this.inFlight = this.execute(slices).finally(() => {
      this.inFlight = null;
      if (this.queued > 0) this.sendNow();
    });
  }

  /**
   * Rejects the records whose `notAfter` passed (they were to leave the process by then) and removes
   * them, and slices left empty, in place. Checked as a request is built: kafkajs writes it to the
   * socket without waiting for a timer, so a paused process cannot slip a late record through after this.
   */
  private dropExpired(slices: Slice[]): void {
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
          s.rejects[i]!(new WriteExpiredError(s.queue.topic, s.queue.partition, now - deadlines[i]!));
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

  /**
   * Sends a request that holds records with deadlines. kafkajs retries a failed or timed-out request
   * on its own, and would send it again long after the deadline (a request that timed out because
   * the process was paused goes out again when it wakes up). Here kafkajs tries once, and between
   * tries the records whose deadline passed are dropped ({@link dropExpired}); the adapter's retry
   * policy (backoff, number of tries) is the same.
   */
  private async sendStrict(slices: Slice[]): Promise<Awaited<ReturnType<KafkaJsProducer['sendBatch']>>> {
    const { retries, initialRetryTime, maxRetryTime, multiplier } = this.options.retry;
    let wait = initialRetryTime;
    for (let attempt = 0; ; attempt++) {
      try {
        const strict = this.strictProducer();
        await strict.connected;
        return await strict.producer.sendBatch({ topicMessages: requestOf(slices), acks: this.acks, compression: this.compression });
      } catch (err) {
        if (!retriedOut(err) || attempt >= retries) throw err;
      }
      await delay(wait);
      wait = Math.min(wait * multiplier, maxRetryTime);
      this.dropExpired(slices);
      if (slices.length === 0) return [];
    }
  }

  private strictProducer(): { producer: KafkaJsProducer; connected: Promise<void> } {
    if (!this.strict) {
      const producer = this.createKafkajsProducer(0);
      const strict = { producer, connected: producer.connect() };
      // A failed connect is retried with the next try.
      strict.connected.catch(() => {
        if (this.strict === strict) this.strict = undefined;
        void producer.disconnect().catch(() => undefined);
      });
      this.strict = strict;
    }
    return this.strict;
  }

  private async execute(slices: Slice[]): Promise<void> {
    const strict = slices.some((s) => s.deadlines !== undefined);
    const send = () => (strict ? this.sendStrict(slices) : this.producer.sendBatch({ topicMessages: requestOf(slices), acks: this.acks, compression: this.compression }));
    let failure: unknown;
    let metadata: Awaited<ReturnType<KafkaJsProducer['sendBatch']>> = [];
    try {
      metadata = await send();
    } catch (err) {
      failure = err;
    }
    let missing = new Set<string>();
    if (failure !== undefined && isUnknownTopic(failure)) {
      // kafkajs does not say which topic is missing: ask. If none is, the failure came from kafkajs'
      // stale topic list (a topic it wrote to earlier was deleted) before anything was written, so
      // the request is sent again once on a fresh kafkajs producer.
      await this.renewProducer();
      missing = await this.missingTopics([...new Set(slices.map((sl) => sl.queue.topic))]);
      if (missing.size === 0) {
        try {
          metadata = await send();
          failure = undefined;
        } catch (err) {
          failure = err;
        }
      }
    }
    if (failure !== undefined) {
      this.rejectSlices(slices, failure, missing);
    } else {
      const base = new Map<string, number>();
      for (const m of metadata) base.set(`${m.partition}\u0000${m.topicName}`, Number(m.baseOffset));
      for (const s of slices) {
        const { topic, partition } = s.queue;
        const first = base.get(`${partition}\u0000${topic}`);
        if (first === undefined || Number.isNaN(first)) {
          const err = new GokaError(`kafkajs producer: no acknowledgement for topic "${topic}" partition ${partition}`);
          for (const reject of s.rejects) reject(err);
        } else {
          for (let i = 0; i < s.messages.length; i++) s.resolves[i]!({ topic, partition, offset: first + i });
        }
        s.queue.settled += s.messages.length;
      }
    }
    this.notifyFlushWaiters();
  }

  private async missingTopics(topics: readonly string[]): Promise<Set<string>> {
    const missing = new Set<string>();
    await Promise.all(
      topics.map(async (topic) => {
        const exists = await this.ops.topicInfo(topic).then((i) => i !== undefined, () => true);
        if (!exists) {
          missing.add(topic);
          this.partitionCounts.delete(topic);
        }
      }),
    );
    return missing;
  }

  private rejectSlices(slices: Slice[], failure: unknown, missing: ReadonlySet<string>): void {
    const general = toGokaError(failure, { operation: 'kafkajs producer: send', brokers: this.options.brokers });
    const unknown = new Map<string, Error>();
    for (const s of slices) {
      const topic = s.queue.topic;
      let err = general;
      if (missing.has(topic)) {
        err = unknown.get(topic) ?? new UnknownTopicError(topic, { cause: failure });
        unknown.set(topic, err);
      }
      for (const reject of s.rejects) reject(err);
      s.queue.settled += s.messages.length;
    }
  }

  /**
   * kafkajs' producer refreshes metadata for every topic it ever wrote to and fails all sends once
   * one of them was deleted. A fresh kafkajs producer forgets them. Runs in the single in-flight
   * slot, so no request uses the old one meanwhile.
   */
  private async renewProducer(): Promise<void> {
    const fresh = this.createKafkajsProducer();
    try {
      await fresh.connect();
    } catch {
      await fresh.disconnect().catch(() => undefined);
      return; // keep the old one; the broker is probably gone and the next send says so
    }
    const old = this.producer;
    this.producer = fresh;
    // The one-try producer has the same stale topic list: the next request with deadlines makes a new one.
    const strict = this.strict;
    this.strict = undefined;
    await Promise.allSettled([old.disconnect(), strict?.producer.disconnect()]);
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
