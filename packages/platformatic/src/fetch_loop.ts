import { DecompressionError, GokaError, UnknownTopicError } from '@goka-ts/api';
import type { KafkaMessage } from '@goka-ts/api';
import { asError } from '@goka-ts/adapter-kit';
import { FetchIsolationLevels, type ClusterMetadata, type Consumer } from '@platformatic/kafka';
import { partitionKey } from './cluster';
import { decompressionFailureIn } from './decompression';
import { hasProtocolError, isStaleMetadata, isUnknownTopic, toGokaError } from './errors';
import { nextOffsetAfter, toMessages } from './records';
import { sleep } from './retry';

type FetchOptions = Parameters<Consumer['fetch']>[0];
type FetchRequestTopic = FetchOptions['topics'][number];
type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>;

/** One topic-partition the loop fetches. */
export interface Slot {
  readonly topic: string;
  readonly partition: number;
  /** Offset of the next record to fetch. */
  next: bigint;
  /** A batch of it is being delivered: it is left out of fetches until that settles (backpressure). */
  busy: boolean;
  paused: boolean;
  removed: boolean;
  /** The delivery in progress, to wait for before the partition is handed back. */
  delivering: Promise<void> | null;
  /** High watermark the last fetch answered; -1 before the first. */
  highWatermark: number;
  /**
   * After a response could not be decompressed, which partition and batch it was is found by
   * fetching alone (`alone`), then the partition that failed alone one batch at a time (`batch`)
   * until a batch fails (the error) or it is caught up (the failure was not in this partition).
   */
  isolation: 'none' | 'alone' | 'batch';
}

export interface FetchLoopHooks {
  /** A batch of one partition; the partition's next batch waits for the returned promise. */
  deliver(slot: Slot, messages: KafkaMessage[]): Promise<void>;
  /** The slot has no delivery outstanding after a fetch answered for it (caught-up checks). */
  idle?(slot: Slot): void;
  /** Where to go on when the broker says the slot's offset is out of range (retention deleted it). */
  resetOffset(slot: Slot): Promise<bigint>;
  /** The loop stopped on an error it cannot recover from. */
  fail(err: Error): void;
}

export interface FetchLoopConfig {
  readonly name: string;
  readonly brokers: readonly string[];
  readonly maxWaitMs: number;
  readonly maxBytes: number;
  readonly maxBytesPerPartition: number;
}

/** Stale-metadata answers in a row (leader moving, broker restarting) before the loop gives up. */
const STALE_RETRIES = 50;

/**
 * Fetches a changing set of topic-partitions with platformatic's low-level `fetch`, in
 * read_committed: one request per partition leader carrying every partition that is not busy,
 * paused or removed. Records go to `deliver` per partition; the loop fetches on for the others
 * meanwhile. It owns no connections: `fetcher` is a consumer used only for fetching, so its
 * long-polling requests never hold up the group's heartbeats and commits.
 */
export class FetchLoop {
  private readonly slots = new Map<string, Slot>();
  private running = false;
  private done: Promise<void> = Promise.resolve();
  private wakeUp: (() => void) | null = null;
  private stale = 0;

  constructor(private readonly fetcher: Consumer, private readonly config: FetchLoopConfig, private readonly hooks: FetchLoopHooks) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.done = this.loop().catch((err: unknown) => {
      this.running = false;
      this.hooks.fail(asError(err));
    });
  }

  /** Stops fetching; resolves once the request in flight has answered (deliveries may still run). */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.done;
  }

  add(topic: string, partition: number, offset: bigint): Slot {
    const slot: Slot = { topic, partition, next: offset, busy: false, paused: false, removed: false, delivering: null, highWatermark: -1, isolation: 'none' };
    const old = this.slots.get(partitionKey(topic, partition));
    if (old) old.removed = true;
    this.slots.set(partitionKey(topic, partition), slot);
    this.wake();
    return slot;
  }

  /** Stops fetching the partition; resolves when its delivery in progress has settled. */
  async remove(topic: string, partition: number): Promise<void> {
    const slot = this.slots.get(partitionKey(topic, partition));
    if (!slot) return;
    slot.removed = true;
    this.slots.delete(partitionKey(topic, partition));
    await slot.delivering?.catch(() => undefined);
  }

  get(topic: string, partition: number): Slot | undefined {
    return this.slots.get(partitionKey(topic, partition));
  }

  all(): Slot[] {
    return [...this.slots.values()];
  }

  setPaused(topic: string, partition: number, paused: boolean): void {
    const slot = this.slots.get(partitionKey(topic, partition));
    if (!slot) return;
    slot.paused = paused;
    if (!paused) this.wake();
  }

  private wake(): void {
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const ready = [...this.slots.values()].filter((s) => !s.busy && !s.paused && !s.removed);
      if (ready.length === 0) {
        await new Promise<void>((resolve) => (this.wakeUp = resolve));
        continue;
      }
      let metadata: ClusterMetadata;
      try {
        metadata = await this.fetcher.metadata({ topics: [...new Set(ready.map((s) => s.topic))] });
      } catch (err) {
        await this.recover(err, ready);
        continue;
      }
      const byLeader = new Map<number, Slot[]>();
      for (const slot of ready) {
        const leader = metadata.topics.get(slot.topic)?.partitions[slot.partition]?.leader ?? -1;
        if (leader < 0) continue;
        let list = byLeader.get(leader);
        if (!list) byLeader.set(leader, (list = []));
        list.push(slot);
      }
      if (byLeader.size === 0) {
        // No leader known (elections in progress): ask again shortly.
        this.fetcher.clearMetadata();
        await this.recover(new GokaError('no partition leader known'), ready, true);
        continue;
      }
      const fetches: Promise<void>[] = [];
      for (const [leader, slots] of byLeader) {
        const shared = slots.filter((s) => s.isolation === 'none');
        if (shared.length) fetches.push(this.fetchFrom(leader, shared, metadata));
        for (const slot of slots) if (slot.isolation !== 'none') fetches.push(this.fetchFrom(leader, [slot], metadata));
      }
      await Promise.all(fetches);
    }
  }

  private async fetchFrom(leader: number, slots: Slot[], metadata: ClusterMetadata): Promise<void> {
    const topics = new Map<string, FetchRequestTopic>();
    const ids = new Map<string, string>();
    const requested = new Map<string, bigint>();
    for (const slot of slots) {
      const id = metadata.topics.get(slot.topic)!.id;
      ids.set(id, slot.topic);
      let t = topics.get(slot.topic);
      if (!t) topics.set(slot.topic, (t = { topicId: id, partitions: [] }));
      // One byte gets exactly the batch holding fetchOffset: the broker always returns a partition's first batch whole.
      const partitionMaxBytes = slot.isolation === 'batch' ? 1 : this.config.maxBytesPerPartition;
      t.partitions.push({ partition: slot.partition, fetchOffset: slot.next, partitionMaxBytes, currentLeaderEpoch: -1, lastFetchedEpoch: -1 });
      requested.set(partitionKey(slot.topic, slot.partition), slot.next);
    }
    let response: FetchResponse;
    try {
      response = await this.fetcher.fetch({
        node: leader,
        topics: [...topics.values()],
        maxWaitTime: this.config.maxWaitMs,
        minBytes: 1,
        maxBytes: this.config.maxBytes,
        isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      });
    } catch (err) {
      await this.recover(err, slots);
      return;
    }
    this.stale = 0;
    for (const t of response.responses) {
      const topic = ids.get(t.topicId);
      if (topic === undefined) continue;
      for (const p of t.partitions) {
        const slot = this.slots.get(partitionKey(topic, p.partitionIndex));
        const from = requested.get(partitionKey(topic, p.partitionIndex));
        // Removed or re-added while the request was out: the answer is for someone else.
        if (!slot || slot.removed || from === undefined || slot.next !== from || !slots.includes(slot)) continue;
        // Paused while the request was out: nothing of it is delivered; it is fetched again on resume.
        if (slot.paused) continue;
        // Read alone without a failure: the failure was elsewhere. One batch at a time: until caught up.
        if (slot.isolation === 'alone' || (slot.isolation === 'batch' && !p.records?.length)) slot.isolation = 'none';
        slot.highWatermark = Number(p.highWatermark);
        const next = nextOffsetAfter(p.records);
        if (next !== undefined && next > slot.next) slot.next = next;
        const messages = p.records ? toMessages(topic, p.partitionIndex, p.records, from, p.abortedTransactions) : [];
        if (messages.length === 0) {
          this.hooks.idle?.(slot);
          continue;
        }
        slot.busy = true;
        slot.delivering = this.hooks.deliver(slot, messages).then(
          () => {
            slot.busy = false;
            slot.delivering = null;
            if (!slot.removed) this.hooks.idle?.(slot);
            this.wake();
          },
          (err: unknown) => {
            slot.delivering = null;
            this.running = false;
            this.wake();
            this.hooks.fail(asError(err));
          },
        );
      }
    }
  }

  /**
   * After a failed request: narrow down a batch that cannot be decompressed, reset out-of-range
   * offsets, refresh stale metadata, or give up.
   */
  private async recover(err: unknown, slots: Slot[], stale = false): Promise<void> {
    if (!this.running) return;
    const failure = decompressionFailureIn(err);
    if (failure) {
      // The same bytes fail every time: never retried as is, only fetched narrower to name the batch.
      if (slots.length > 1) {
        for (const slot of slots) slot.isolation = 'alone';
        return;
      }
      const slot = slots[0]!;
      if (slot.isolation !== 'batch') {
        slot.isolation = 'batch';
        return;
      }
      throw new DecompressionError(slot.topic, slot.partition, Number(slot.next), failure.codec, { cause: failure.cause ?? failure });
    }
    if (hasProtocolError(err, 'OFFSET_OUT_OF_RANGE')) {
      const response = (err as { response?: FetchResponse }).response;
      const bad = new Set<string>();
      for (const t of response?.responses ?? []) for (const p of t.partitions) if (p.errorCode === 1) bad.add(`${t.topicId}:${p.partitionIndex}`);
      const metadata = await this.fetcher.metadata({ topics: [...new Set(slots.map((s) => s.topic))] }).catch(() => undefined);
      for (const slot of slots) {
        const id = metadata?.topics.get(slot.topic)?.id;
        if (bad.size && id !== undefined && !bad.has(`${id}:${slot.partition}`)) continue;
        slot.next = await this.hooks.resetOffset(slot);
      }
      return;
    }
    if (isUnknownTopic(err)) {
      const topic = slots.length === 1 || new Set(slots.map((s) => s.topic)).size === 1 ? slots[0]!.topic : undefined;
      throw topic ? new UnknownTopicError(topic, { cause: err, detail: `${this.config.name} cannot fetch it` }) : toGokaError(err, { operation: this.config.name, brokers: this.config.brokers });
    }
    if ((stale || isStaleMetadata(err)) && this.stale++ < STALE_RETRIES) {
      this.fetcher.clearMetadata();
      await sleep(Math.min(1000, 50 * this.stale));
      return;
    }
    throw toGokaError(err, { operation: `${this.config.name}: fetch`, brokers: this.config.brokers });
  }
}
