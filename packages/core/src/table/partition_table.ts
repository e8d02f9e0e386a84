import {
  GokaError,
  MessageError,
  StateError,
  type Admin,
  type KeyCodec,
  type KafkaClient,
  type Logger,
  type KafkaMessage,
  type MessageBatch,
  type PartitionOffsets,
  type PartitionReader,
  type PartitionStatus,
  type Storage,
  type StorageBatchOp,
  type StorageBuilder,
  type TableStats,
} from '@goka-ts/api';
import { describeError } from '../errors/describe_error';
import { utf8Keys } from '../codecs/key_codecs';
import { silentLogger } from '../logger';
import { followTables, recoverTables, type ReadableTable } from './table_reader';

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
  /**
   * Checks every record with a value before it is applied (e.g. that the codec can decode it):
   * `false` drops the record, so the key keeps its previous value; a throw fails the recovery or
   * following like a Kafka error. Without it records are stored unread (decoded only when read).
   */
  readonly accept?: RecordCheck;
  /** Turns record keys into the table's string keys. Default `utf8Keys`. */
  readonly keys?: KeyCodec;
  /**
   * Told of each record whose key the key codec refuses, which is then dropped (the key it cannot
   * name keeps nothing). Without it such a record fails the recovery or following with that
   * MessageError, naming topic, partition and offset.
   */
  readonly skipKey?: (failure: MessageError) => void;
}

/** See {@link PartitionTableOptions.accept}. `key` is the record key as the table stores it. */
export type RecordCheck = (record: KafkaMessage, key: string) => boolean;

/**
 * The local copy of one partition of a table topic: opens its storage, recovers it from Kafka
 * and optionally keeps following new records. Shared by views, processor tables and joined tables.
 * The reading itself (one reader for several partitions of a topic) is `table_reader.ts`'s.
 *
 * Every fetched batch is applied with one `storage.writeBatch(ops, lastOffset)`, so the stored
 * offset always matches the applied records and a restart reads only from stored offset + 1.
 */
export class PartitionTable implements ReadableTable {
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
  private readonly accept: RecordCheck | undefined;
  private readonly keys: KeyCodec;
  private readonly skipKey: ((failure: MessageError) => void) | undefined;

  private store: Storage | undefined;
  private currentStatus: PartitionStatus = 'stopped';
  private reader: PartitionReader | undefined;
  private stopRequested = false;
  private busy = false;

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
    this.accept = options.accept;
    this.keys = options.keys ?? utf8Keys;
    this.skipKey = options.skipKey;
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
   * {@link recoverTables} does the same for several partitions with one reader.
   */
  recover(signal?: AbortSignal): Promise<boolean> {
    return recoverTables([this], { signal });
  }

  /**
   * Keeps applying new records from the applied offset + 1 until {@link stop} or `signal` (resolves)
   * or an error (rejects). {@link caughtUp} resolves when it first reaches the high watermark.
   * {@link followTables} does the same for several partitions with one reader.
   */
  follow(signal?: AbortSignal): Promise<void> {
    return followTables([this], { signal });
  }

  /** Ends a running recovery or follow (of every table sharing its reader); they resolve once it stopped. */
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

  // The reader's side ({@link ReadableTable}): called by table_reader.ts, not by apps.

  /** @internal Prepares recovery against the partition's offsets; returns where to start reading. */
  async beginRecovery(offsets: PartitionOffsets | undefined, partitionCount: number): Promise<number> {
    const store = this.storage;
    this.currentStatus = 'connecting';
    this.startTime = this.now();
    this.durationMs = undefined;
    this.recoveredRecords = 0;
    if (!offsets) {
      throw new GokaError(`table "${this.topic}" has no partition ${this.partition} (it has ${partitionCount} partitions)`);
    }
    const stored = await store.getOffset(-1);
    this.offset = stored;
    this.highWatermark = offsets.newest;
    if (stored >= offsets.newest) {
      throw new GokaError(
        `table "${this.topic}" partition ${this.partition}: the local offset ${stored} is beyond the topic's high watermark ${offsets.newest}; ` +
          'the topic was probably deleted and recreated: delete the local storage of this table to recover it from scratch',
      );
    }
    // Records before `oldest` were deleted by retention; Goka then starts at the oldest too.
    const from = Math.max(stored + 1, offsets.oldest);
    this.startOffset = from;
    this.lastLogAt = this.startTime;
    this.logger.info('recovering table partition', { topic: this.topic, partition: this.partition, from, need: offsets.newest, remaining: offsets.newest - from });
    if (from < offsets.newest) this.currentStatus = 'recovering';
    return from;
  }

  /** @internal Marks the storage recovered after the reader reached the high watermark. */
  async finishRecovery(): Promise<void> {
    this.currentStatus = 'preparing';
    await this.storage.markRecovered();
    this.durationMs = this.now() - (this.startTime ?? this.now());
    this.currentStatus = 'running';
    this.logger.info('recovered table partition', { ...this.progressFields(), records: this.recoveredRecords, durationMs: this.durationMs });
  }

  /** @internal Prepares following; returns the offset to start at. */
  beginFollow(): number {
    if (this.caughtUpState.settled) this.caughtUpState = newDeferred();
    this.currentStatus = 'running';
    return this.offset + 1;
  }

  /** @internal The reader ended: `error` when it failed, else stopped (recovery or follow). */
  endReading(following: boolean, error?: unknown): void {
    if (error !== undefined) {
      this.currentStatus = 'failed';
      settle(this.caughtUpState, error);
      return;
    }
    if (!following && this.currentStatus !== 'running') this.logger.info('table partition recovery stopped', this.progressFields());
    if (following || this.currentStatus !== 'running') this.currentStatus = 'stopped';
    if (following) settle(this.caughtUpState, new StateError(`table "${this.topic}" partition ${this.partition} stopped before catching up`));
  }

  /** @internal */
  get stopped(): boolean {
    return this.stopRequested;
  }

  /** @internal The shared reader currently reading this partition, so {@link stop} can stop it. */
  attachReader(reader: PartitionReader | undefined): void {
    this.reader = reader;
    if (reader) this.lastRecordAt = this.now();
  }

  /** @internal The reader reached the high watermark. */
  reachedHighWatermark(highWatermark: number, following: boolean): void {
    if (highWatermark > this.highWatermark) this.highWatermark = highWatermark;
    if (following) settle(this.caughtUpState);
  }

  /** @internal */
  get clientOptions(): { client: KafkaClient; admin: Admin | undefined; maxWaitMs: number | undefined } {
    return { client: this.client, admin: this.admin, maxWaitMs: this.maxWaitMs };
  }

  /** @internal Claims the table for one recovery or follow; throws when it is already reading or not open. */
  claim(): void {
    void this.storage; // throws when not open
    if (this.busy) throw new StateError(`table "${this.topic}" partition ${this.partition} is already reading`);
    this.busy = true;
    this.stopRequested = false;
  }

  /** @internal */
  release(): void {
    this.busy = false;
  }

  // Hot path: one writeBatch per fetched batch; the only per-record allocation is its op.
  /** @internal Applies one fetched batch. */
  async apply(batch: MessageBatch, recovering: boolean): Promise<void> {
    const store = this.storage;
    const messages = batch.messages;
    const count = messages.length;
    if (count === 0) {
      if (batch.highWatermark > this.highWatermark) this.highWatermark = batch.highWatermark;
      return;
    }
    const accept = this.accept;
    const keys = this.keys;
    let ops: (StorageBatchOp | undefined)[] = new Array(count);
    let refused = false;
    for (let i = 0; i < count; i++) {
      const m = messages[i];
      // Goka reads a record without key as the empty key.
      let key = '';
      if (m.key !== null) {
        try {
          key = keys.decode(m.key);
        } catch (error) {
          this.refuseKey(m, error);
          refused = true;
          continue;
        }
      }
      ops[i] = m.value === null ? { type: 'del', key } : { type: 'put', key, value: m.value };
    }
    // Dropped records are filtered afterwards so the loop above stays as cheap without a check.
    if (accept || refused) ops = ops.filter((op, i) => op !== undefined && (op.type === 'del' || accept === undefined || accept(messages[i], op.key)));
    const last = messages[count - 1].offset;
    await store.writeBatch(ops as StorageBatchOp[], last);
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

  /** A record whose key the key codec refused: skipped when the owner said so, else the reading fails. */
  private refuseKey(record: KafkaMessage, error: unknown): void {
    const failure = new MessageError(
      { topic: record.topic, partition: record.partition, offset: record.offset },
      `cannot decode the key with key codec "${this.keys.name}": ${describeError(error)}`,
      { cause: error },
    );
    if (!this.skipKey) throw failure;
    this.skipKey(failure);
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
