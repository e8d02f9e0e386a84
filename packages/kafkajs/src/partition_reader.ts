import { DecompressionError, GokaError, StateError } from '@goka-ts/api';
import type { PartitionReader, PartitionReaderConfig, ReaderHandler } from '@goka-ts/api';
import type { Kafka } from 'kafkajs';
import { withoutAborted } from './aborted_records';
import { ClusterOps, type TopicInfo } from './cluster_ops';
import { decompressionFailureIn } from './compression';
import { isUnknownTopic } from './errors';
import { READ_COMMITTED, type FetchPartitionResponse, type RawMessage } from './internals';
import { toMessages } from './messages';
import type { ResolvedOptions } from './options';

// Bounds the memory of a recovery: a fetch response is decoded into JS objects at once and the next
// one is prefetched. At 10 MiB a 1M-key recovery into LevelDB peaked near 390 MiB RSS; at 2 MiB
// about 220 MiB, at the same records/s (`pnpm bench recovery`).
const MAX_BYTES = 2 * 1024 * 1024;
const MAX_BYTES_PER_PARTITION = 1024 * 1024;

/** Read position of one partition. */
interface PartitionState {
  readonly partition: number;
  /** Next offset to fetch. */
  next: number;
  /**
   * Last stable offset when the reader started (the high watermark unless a transaction was open):
   * everything committed below it has been read once the position reaches it, and it is reachable
   * in read_committed even while that transaction stays open.
   */
  readonly target: number;
  /** Latest high watermark the broker reported. */
  highWatermark: number;
  caughtUp: boolean;
  /** Nothing more to read (follow: false and caught up). */
  done: boolean;
  /** The last fetch returned nothing below the high watermark: fetch this partition alone once. */
  probe: boolean;
  /**
   * After a response could not be decompressed, which partition and batch it was is found by
   * fetching alone (`alone`), then the partition that failed alone one batch at a time (`batch`)
   * until a batch fails (the error) or it is caught up (the failure was not in this partition).
   */
  isolation: 'none' | 'alone' | 'batch';
}

type FetchOutcome = { readonly partitions: readonly FetchPartitionResponse[] } | { readonly error: Error };

/** The offset after the record batch a record came from (skips compacted-away and control records). */
function nextOffsetAfter(last: RawMessage): number {
  const own = Number(last.offset) + 1;
  const ctx = last.batchContext;
  if (!ctx) return own;
  return Math.max(own, Number(ctx.firstOffset) + ctx.lastOffsetDelta + 1);
}

/**
 * Reads partitions of one topic with plain Fetch requests to the partition leaders, the way
 * Sarama's partition consumer (which Goka uses for tables) does: no consumer group, no commits,
 * nothing another component could notice. See README "Partition reader" for why not a consumer.
 */
export class KafkajsPartitionReader implements PartitionReader {
  private running?: Promise<void>;
  private stopped = false;
  private failure: Error | undefined;
  private generation = 0;
  /** Successful fetches so far: a failure after some success starts a new retry budget. */
  private fetched = 0;
  private readonly wakers = new Set<() => void>();
  private readonly maxWaitMs: number;
  private readonly name: string;

  constructor(private readonly kafka: Kafka, private readonly options: ResolvedOptions, private readonly config: PartitionReaderConfig) {
    this.maxWaitMs = config.maxWaitMs ?? 500;
    this.name = `kafkajs reader of "${config.topic}"`;
    const seen = new Set<number>();
    for (const p of config.partitions) {
      if (!Number.isInteger(p.partition) || p.partition < 0) throw new GokaError(`${this.name}: invalid partition ${String(p.partition)}`);
      if (seen.has(p.partition)) throw new GokaError(`${this.name}: partition ${p.partition} listed twice`);
      seen.add(p.partition);
      if (typeof p.from === 'number' ? !Number.isInteger(p.from) || p.from < 0 : p.from !== 'oldest' && p.from !== 'newest') {
        throw new GokaError(`${this.name}: invalid start ${String(p.from)} for partition ${p.partition}`);
      }
    }
  }

  run(handler: ReaderHandler): Promise<void> {
    if (this.running) return Promise.reject(new StateError(`${this.name}: run() called twice`));
    this.running = this.execute(handler);
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeAll();
    await this.running?.catch(() => undefined);
  }

  private async execute(handler: ReaderHandler): Promise<void> {
    const ops = new ClusterOps(this.kafka, this.options.brokers, this.name);
    try {
      if (this.stopped) return;
      await ops.connect();
      let info = await ops.requireTopic(this.config.topic);
      const partitions = this.config.partitions.map((p) => p.partition);
      for (const p of partitions) {
        if (p >= info.partitions.length) throw new GokaError(`${this.name}: topic has ${info.partitions.length} partitions, no partition ${p}`);
      }
      const [oldest, newest, stable] = await Promise.all(
        (['earliest', 'latest', 'stable'] as const).map((which) => ops.listOffsets(info, partitions, which)),
      );
      const states = new Map<number, PartitionState>();
      for (const start of this.config.partitions) {
        const low = oldest.get(start.partition)!;
        const high = newest.get(start.partition)!;
        // Below the last stable offset every transaction is decided; records of an open one above it
        // are delivered once committed, so 'newest' starts there.
        const end = Math.min(stable.get(start.partition)!, high);
        // An absolute offset outside the log is clamped: below it the records were deleted, above there are none yet.
        const next = start.from === 'oldest' ? low : start.from === 'newest' ? end : Math.min(Math.max(start.from, low), high);
        states.set(start.partition, { partition: start.partition, next, target: end, highWatermark: high, caughtUp: false, done: false, probe: false, isolation: 'none' });
      }
      for (const s of states.values()) this.checkCaughtUp(s, handler);

      let failures = 0;
      while (!this.stopped && !this.failure) {
        const active = [...states.values()].filter((s) => !s.done);
        if (active.length === 0) break;
        const byLeader = new Map<number, PartitionState[]>();
        for (const s of active) {
          const leader = info.leaders[s.partition]!;
          let list = byLeader.get(leader);
          if (!list) byLeader.set(leader, (list = []));
          list.push(s);
        }
        const generation = ++this.generation;
        const fetchedBefore = this.fetched;
        const outcomes = await Promise.all([...byLeader].map(([leader, list]) => this.fetchLoop(ops, leader, list, generation, handler)));
        if (this.stopped || this.failure) break;
        const errors = outcomes.filter((o): o is Error => o instanceof Error);
        if (this.fetched > fetchedBefore) failures = 0;
        if (errors.length === 0) continue;
        // A leader moved, a broker went away or the topic was deleted: back off, then re-read metadata.
        if (++failures > this.options.retry.retries) throw ops.error(errors[0], 'fetch', this.config.topic);
        await this.sleep(Math.min(this.options.retry.initialRetryTime * this.options.retry.multiplier ** (failures - 1), this.options.retry.maxRetryTime));
        if (this.stopped) break;
        info = await this.refresh(ops, errors[0]);
      }
      if (this.failure) throw this.failure;
    } catch (err) {
      // A handler's own error reaches the caller unchanged.
      if (err === this.failure) throw err;
      throw ops.error(err, 'read', this.config.topic);
    } finally {
      await ops.disconnect().catch(() => undefined);
    }
  }

  /**
   * Fetches the partitions led by one broker until they are done, the reader stops or fails, or
   * another loop asked for new metadata. Returns the error that calls for new metadata, if any.
   * The next request goes out while the handler still works on the current batches (their offsets
   * are known once the response is in), so fetching and decoding overlap with the handler's I/O.
   */
  private async fetchLoop(ops: ClusterOps, leader: number, states: PartitionState[], generation: number, handler: ReaderHandler): Promise<Error | undefined> {
    const topic = this.config.topic;
    const byPartition = new Map(states.map((s) => [s.partition, s]));
    const active = () => !this.stopped && !this.failure && generation === this.generation;
    let prefetched: { request: PartitionState[]; outcome: Promise<FetchOutcome> } | null = null;
    while (active()) {
      let outcome: FetchOutcome;
      let request: PartitionState[];
      if (prefetched) {
        request = prefetched.request;
        outcome = await prefetched.outcome;
        prefetched = null;
      } else {
        const next = this.nextRequest(states);
        if (!next) return undefined;
        request = next;
        outcome = await this.fetch(ops, leader, request);
      }
      if (!active()) return undefined;
      if (!('error' in outcome)) this.fetched++;
      const failure = 'error' in outcome ? decompressionFailureIn(outcome.error) : undefined;
      if (failure) {
        // The same bytes fail every time: never retried as is, only fetched narrower to name the batch.
        if (request.length > 1) {
          for (const s of request) s.isolation = 'alone';
          continue;
        }
        const s = request[0]!;
        if (s.isolation !== 'batch') {
          s.isolation = 'batch';
          continue;
        }
        this.fail(new DecompressionError(topic, s.partition, s.next, failure.codec, { cause: failure.cause }));
        return undefined;
      }
      if ('error' in outcome) {
        const e = outcome.error as { name?: string; partition?: number };
        const s = e.name === 'KafkaJSOffsetOutOfRange' && typeof e.partition === 'number' ? byPartition.get(e.partition) : undefined;
        if (s) {
          await this.resetOutOfRange(ops, s);
          continue;
        }
        this.generation++; // the other loops re-read metadata too
        return outcome.error;
      }
      const deliveries: Array<Promise<void>> = [];
      for (const pr of outcome.partitions) {
        const s = byPartition.get(pr.partition);
        if (!s || s.done) continue;
        // Read alone without a failure: the failure was elsewhere. One batch at a time: until caught up.
        if (s.isolation === 'alone' || (s.isolation === 'batch' && pr.messages.length === 0)) s.isolation = 'none';
        const from = s.next;
        const highWatermark = Number(pr.highWatermark);
        s.highWatermark = highWatermark;
        // A read_committed fetch returns records below the last stable offset only.
        const stable = Number(pr.lastStableOffset) >= 0 ? Number(pr.lastStableOffset) : highWatermark;
        const raw = pr.messages;
        if (raw.length > 0) {
          // Control and aborted records count for the position: a partition ending in them is still caught up.
          s.next = Math.max(from, nextOffsetAfter(raw[raw.length - 1]!));
          s.probe = false;
          const messages = toMessages(topic, s.partition, withoutAborted(pr), from);
          if (messages.length > 0) deliveries.push(handler.onBatch({ topic, partition: s.partition, messages, highWatermark }));
        } else if (from < stable) {
          if (s.probe) {
            // Fetched alone, the broker must return the batch at `from` however large it is
            // (KIP-74). Nothing came back: only empty batches (log compaction) remain below the mark.
            s.next = stable;
            s.probe = false;
          } else {
            // Either empty batches or a batch too large for its place in a shared response.
            s.probe = true;
          }
        }
        // Done partitions leave the next request now; onCaughtUp waits for their deliveries.
        if (!this.config.follow && s.next >= s.target) s.done = true;
      }
      const next = active() ? this.nextRequest(states) : undefined;
      if (next) prefetched = { request: next, outcome: this.fetch(ops, leader, next) };
      if (deliveries.length > 0) {
        try {
          await Promise.all(deliveries);
        } catch (err) {
          this.fail(err);
          return undefined;
        }
      }
      for (const pr of outcome.partitions) {
        const s = byPartition.get(pr.partition);
        if (s) this.checkCaughtUp(s, handler);
      }
    }
    return undefined;
  }

  /** The partitions to fetch next: a partition to probe alone, or all that are not done. */
  private nextRequest(states: readonly PartitionState[]): PartitionState[] | undefined {
    const pending = states.filter((s) => !s.done);
    if (pending.length === 0) return undefined;
    const alone = pending.find((s) => s.isolation !== 'none') ?? pending.find((s) => s.probe);
    return alone ? [alone] : pending;
  }

  /** One Fetch request; never rejects (a failure is returned, so a prefetch cannot go unhandled). */
  private async fetch(ops: ClusterOps, leader: number, request: readonly PartitionState[]): Promise<FetchOutcome> {
    const topic = this.config.topic;
    try {
      const broker = await ops.cluster.findBroker({ nodeId: leader });
      const response = await broker.fetch({
        maxWaitTime: this.maxWaitMs,
        minBytes: 1,
        maxBytes: MAX_BYTES,
        isolationLevel: READ_COMMITTED,
                // One byte gets exactly the batch holding fetchOffset: the broker always returns a partition's first batch whole.
        topics: [{ topic, partitions: request.map((s) => ({ partition: s.partition, fetchOffset: String(s.next), maxBytes: s.isolation === 'batch' ? 1 : MAX_BYTES_PER_PARTITION })) }],
      });
      return { partitions: response.responses.find((r) => r.topicName === topic)?.partitions ?? [] };
    } catch (error) {
      return { error: error instanceof Error ? error : new GokaError(String(error)) };
    }
  }

  private checkCaughtUp(s: PartitionState, handler: ReaderHandler): void {
    if (s.caughtUp || s.next < s.target) return;
    s.caughtUp = true;
    if (!this.config.follow) s.done = true;
    try {
      handler.onCaughtUp?.(s.partition, Math.max(s.highWatermark, s.target));
    } catch (err) {
      this.fail(err);
    }
  }

  private async resetOutOfRange(ops: ClusterOps, s: PartitionState): Promise<void> {
    const info = await ops.requireTopic(this.config.topic);
    const [low, end] = await Promise.all([ops.listOffsets(info, [s.partition], 'earliest'), ops.listOffsets(info, [s.partition], 'stable')]);
    s.next = s.next < low.get(s.partition)! ? low.get(s.partition)! : end.get(s.partition)!;
  }

  private async refresh(ops: ClusterOps, cause: Error): Promise<TopicInfo> {
    const info = await ops.topicInfo(this.config.topic);
    if (!info) throw ops.error(isUnknownTopic(cause) ? cause : Object.assign(new Error('topic disappeared'), { type: 'UNKNOWN_TOPIC_OR_PARTITION' }), 'fetch', this.config.topic);
    return info;
  }

  private fail(err: unknown): void {
    if (!this.failure) this.failure = err instanceof Error ? err : new GokaError(String(err));
    this.wakeAll();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  private wakeAll(): void {
    for (const wake of [...this.wakers]) wake();
  }
}
