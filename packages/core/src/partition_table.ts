import {
  GokaError,
  StateError,
  type Admin,
  type KafkaClient,
  type Logger,
  type MessageBatch,
  type PartitionReader,
  type PartitionStatus,
  type Storage,
  type StorageBatchOp,
  type StorageBuilder,
  type TableStats,
} from '@goka-ts/api';
import { silentLogger } from './logger';

/** Goka's stall threshold: behind the high watermark with no record for 2 minutes. */
export const DEFAULT_STALLED_AFTER_MS = 120_000;
/** Least time between two recovery progress lines of one partition. */
export const DEFAULT_PROGRESS_INTERVAL_MS = 5_000;

export interface PartitionTableOptions {
  readonly topic: string;
  readonly partition: number;
  readonly client: KafkaClient;
  readonly storage: StorageBuilder;
  readonly logger?: Logger;
  /** Behind with no record for this long counts as stalled. Default 2 minutes. */
  readonly stalledAfterMs?: number;
  /** Least time between recovery progress log lines. Default 5 s. */
  readonly progressIntervalMs?: number;
  /**
   * A connected admin to read the partition's offsets with before recovery. Sharing one saves a
   * connection per partition; without it `recover` opens and closes its own.
   */
  readonly admin?: Admin;
  /** Longest time a fetch of the reader waits for data (ms). */
  readonly maxWaitMs?: number;
  /** Clock (ms); tests inject one. */
  readonly now?: () => number;
}

/**
 * The local copy of one partition of a table topic: opens its storage, recovers it from Kafka
 * and optionally keeps following new records. Shared by views, processor tables and joined tables.
 *
 * Every fetched batch is applied with one `storage.writeBatch(ops, lastOffset)`, so the stored
 * offset always matches the applied records and a restart reads only from stored offset + 1.
 */
export class PartitionTable {
  readonly topic: string;
  readonly partition: number;

  private readonly client: KafkaClient;
  private readonly builder: StorageBuilder;
  private readonly logger: Logger;
  private readonly stalledAfterMs: number;
  private readonly progressIntervalMs: number;
  private readonly admin: Admin | undefined;
  private readonly maxWaitMs: number | undefined;
  private readonly now: () => number;

  private store: Storage | undefined;
  private currentStatus: PartitionStatus = 'stopped';
  private reader: PartitionReader | undefined;
  private stopRequested = false;

  // Stats. `offset` is the last applied table offset (-1: none), `highWatermark` the last seen (-1: unknown).
  private startTime: number | undefined;
  private durationMs: number | undefined;
  private startOffset = -1;
  private offset = -1;
  private highWatermark = -1;
  private recoveredRecords = 0;
  private writes = 0;
  /** When recovery progress was last logged. */
  private lastLogAt = 0;
  /** When the reader started or last applied a record (stall detection). */
  private lastRecordAt = 0;

  private caughtUpState: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void; settled: boolean };

  constructor(options: PartitionTableOptions) {
    this.topic = options.topic;
    this.partition = options.partition;
    this.client = options.client;
    this.builder = options.storage;
    this.logger = options.logger ?? silentLogger;
    this.stalledAfterMs = options.stalledAfterMs ?? DEFAULT_STALLED_AFTER_MS;
    this.progressIntervalMs = options.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS;
    this.admin = options.admin;
    this.maxWaitMs = options.maxWaitMs;
    this.now = options.now ?? Date.now;
    this.caughtUpState = newDeferred();
  }

  /** The opened storage, for get / has / iterator and the processor's writes. */
  get storage(): Storage {
    if (!this.store) throw new StateError(`table "${this.topic}" partition ${this.partition} is not open`);
    return this.store;
  }

  get status(): PartitionStatus {
    return this.currentStatus;
  }

  /** Last table offset applied locally (-1: none yet). */
  get appliedOffset(): number {
    return this.offset;
  }

  /**
   * Resolves the first time {@link follow} reaches the high watermark; rejects when following fails
   * or stops before that. A new promise is made by each {@link follow} call after a settled one.
   */
  get caughtUp(): Promise<void> {
    return this.caughtUpState.promise;
  }

  /** Builds and opens the storage. */
  async open(): Promise<void> {
    if (this.store) return;
    this.currentStatus = 'initializing';
    try {
      const store = await this.builder(this.topic, this.partition);
      await store.open();
      this.store = store;
      this.offset = await store.getOffset(-1);
    } catch (err) {
      this.currentStatus = 'failed';
      throw err;
    }
  }

  /**
   * Reads the table topic from the stored offset + 1 (or the oldest offset) up to the high watermark,
   * applying every batch in one `writeBatch` (a null value deletes), then marks the storage recovered.
   * Resolves `true` when recovered, `false` when {@link stop} or `signal` ended it early (the storage
   * keeps what was applied; a later recovery continues from there). Rejects on Kafka or storage errors.
   */
  async recover(signal?: AbortSignal): Promise<boolean> {
    const store = this.storage;
    if (this.reader) throw new StateError(`table "${this.topic}" partition ${this.partition} is already reading`);
    this.stopRequested = false;
    this.currentStatus = 'connecting';
    const started = this.now();
    this.startTime = started;
    this.durationMs = undefined;
    this.recoveredRecords = 0;
    try {
      const stored = await store.getOffset(-1);
      this.offset = stored;
      const { oldest, newest } = await this.partitionOffsets();
      this.highWatermark = newest;
      if (stored >= newest) {
        throw new GokaError(
          `table "${this.topic}" partition ${this.partition}: the local offset ${stored} is beyond the topic's high watermark ${newest}; ` +
            'the topic was probably deleted and recreated: delete the local storage of this table to recover it from scratch',
        );
      }
      // Records before `oldest` were deleted by retention; Goka then starts at the oldest too.
      const from = Math.max(stored + 1, oldest);
      this.startOffset = from;
      this.lastLogAt = started;
      this.logger.info('recovering table partition', { topic: this.topic, partition: this.partition, from, need: newest, remaining: newest - from });

      if (from < newest && !signal?.aborted && !this.stopRequested) {
        this.currentStatus = 'recovering';
        const completed = await this.read(from, false, signal, true);
        if (!completed) {
          this.currentStatus = 'stopped';
          this.logger.info('table partition recovery stopped', this.progressFields());
          return false;
        }
      } else if (signal?.aborted || this.stopRequested) {
        this.currentStatus = 'stopped';
        return false;
      }

      this.currentStatus = 'preparing';
      await store.markRecovered();
      this.durationMs = this.now() - started;
      this.currentStatus = 'running';
      this.logger.info('recovered table partition', { ...this.progressFields(), records: this.recoveredRecords, durationMs: this.durationMs });
      return true;
    } catch (err) {
      this.currentStatus = 'failed';
      throw err;
    }
  }

  /**
   * Keeps applying new records from the applied offset + 1 until {@link stop} or `signal` (resolves)
   * or an error (rejects). {@link caughtUp} resolves when it first reaches the high watermark.
   */
  async follow(signal?: AbortSignal): Promise<void> {
    void this.storage; // throws when not open
    if (this.reader) throw new StateError(`table "${this.topic}" partition ${this.partition} is already reading`);
    if (this.caughtUpState.settled) this.caughtUpState = newDeferred();
    this.stopRequested = false;
    const caughtUp = this.caughtUpState;
    try {
      if (!signal?.aborted) {
        this.currentStatus = 'running';
        await this.read(this.offset + 1, true, signal, false);
      }
      this.currentStatus = 'stopped';
      settle(caughtUp, new StateError(`table "${this.topic}" partition ${this.partition} stopped before catching up`));
    } catch (err) {
      this.currentStatus = 'failed';
      settle(caughtUp, err);
      throw err;
    }
  }

  /** Ends a running {@link recover} or {@link follow}; they resolve once the reader stopped. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    const reader = this.reader;
    if (reader) await reader.stop();
  }

  /** Stops reading and closes the storage. */
  async close(): Promise<void> {
    await this.stop();
    const store = this.store;
    this.store = undefined;
    if (this.currentStatus !== 'failed') this.currentStatus = 'stopped';
    if (store) await store.close();
  }

  /** Counts table writes made by the processor (`setValue` / `delete`), for stats. */
  recordWrites(count: number): void {
    this.writes += count;
  }

  stats(): TableStats {
    const behind = this.highWatermark >= 0 && this.offset + 1 < this.highWatermark;
    const reading = this.currentStatus === 'recovering' || (this.currentStatus === 'running' && this.reader !== undefined);
    return {
      status: this.currentStatus,
      stalled: reading && behind && this.now() - this.lastRecordAt >= this.stalledAfterMs,
      recovery: {
        startTime: this.startTime,
        durationMs: this.durationMs,
        startOffset: this.startOffset,
        offset: this.offset,
        highWatermark: this.highWatermark,
        records: this.recoveredRecords,
      },
      writes: this.writes,
    };
  }

  private async partitionOffsets(): Promise<{ oldest: number; newest: number }> {
    const admin = this.admin ?? this.client.admin();
    const own = !this.admin;
    try {
      if (own) await admin.connect();
      const offsets = await admin.partitionOffsets(this.topic);
      const mine = offsets.find((o) => o.partition === this.partition);
      if (!mine) {
        throw new GokaError(`table "${this.topic}" has no partition ${this.partition} (it has ${offsets.length} partitions)`);
      }
      return mine;
    } finally {
      if (own) await admin.close();
    }
  }

  /** Runs one reader; resolves `true` when it ended on its own, `false` when stopped. */
  private async read(from: number, follow: boolean, signal: AbortSignal | undefined, recovering: boolean): Promise<boolean> {
    const store = this.storage;
    const reader = this.client.partitionReader({
      topic: this.topic,
      partitions: [{ partition: this.partition, from }],
      follow,
      maxWaitMs: this.maxWaitMs,
    });
    this.reader = reader;
    this.lastRecordAt = this.now();
    const onAbort = () => void reader.stop();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (this.stopRequested || signal?.aborted) return false;
      await reader.run({
        onBatch: async (batch) => {
          await this.apply(store, batch, recovering);
        },
        onCaughtUp: (_partition, highWatermark) => {
          if (highWatermark > this.highWatermark) this.highWatermark = highWatermark;
          if (!recovering) settle(this.caughtUpState);
        },
      });
      return !this.stopRequested && !signal?.aborted;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.reader = undefined;
    }
  }

  // Hot path: one writeBatch per fetched batch; the only per-record allocation is its op.
  private async apply(store: Storage, batch: MessageBatch, recovering: boolean): Promise<void> {
    const messages = batch.messages;
    const count = messages.length;
    if (count === 0) {
      if (batch.highWatermark > this.highWatermark) this.highWatermark = batch.highWatermark;
      return;
    }
    const ops: StorageBatchOp[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const m = messages[i];
      // Goka reads a record without key as the empty key.
      const key = m.key === null ? '' : m.key.toString('utf8');
      ops[i] = m.value === null ? { type: 'del', key } : { type: 'put', key, value: m.value };
    }
    const last = messages[count - 1].offset;
    await store.writeBatch(ops, last);
    this.offset = last;
    if (batch.highWatermark > this.highWatermark) this.highWatermark = batch.highWatermark;
    const now = this.now();
    this.lastRecordAt = now;
    if (recovering) {
      this.recoveredRecords += count;
      if (now - this.lastLogAt >= this.progressIntervalMs) {
        this.lastLogAt = now;
        this.logger.info('recovering table partition', this.progressFields());
      }
    }
  }

  private progressFields(): Record<string, unknown> {
    const have = this.offset + 1;
    return {
      topic: this.topic,
      partition: this.partition,
      have,
      need: this.highWatermark,
      remaining: Math.max(0, this.highWatermark - have),
    };
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
  settled: boolean;
}

function newDeferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A caller may never await it; a rejection must not become an unhandled one.
  promise.catch(() => undefined);
  return { promise, resolve, reject, settled: false };
}

function settle(deferred: Deferred, error?: unknown): void {
  if (deferred.settled) return;
  deferred.settled = true;
  if (error === undefined) deferred.resolve();
  else deferred.reject(error);
}
