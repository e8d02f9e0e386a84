import { BatchSendError, GokaError, WriteExpiredError, type KeyCodec, type ProduceResult, type ProducerRecord, type Storage, type StorageBatchOp } from '@goka-ts/api';
import { firstFailedRecord } from '../errors/batch_failure';
import { describeError } from '../errors/describe_error';
import type { EffectHolder } from '../processor/effect_holder';
import { printableKey, utf8Keys } from '../codecs/key_codecs';
import type { RecordSender } from '../processor/partition_transaction';

interface OverlayEntry {
  /** Encoded value; `null` for a delete. Rewritten in place by later writes of the same generation. */
  value: Buffer | null;
  /** Generation that wrote it; the entry is dropped once that generation is applied and nothing newer replaced it. */
  readonly generation: number;
}

/** A generation whose records are in an open transaction, applied to local storage once it commits. */
export interface SentGeneration {
  readonly generation: Generation;
  /** Highest table offset of its records. */
  readonly maxOffset: number;
}

/** Writes collected between two flushes. */
interface Generation {
  readonly id: number;
  /** Latest value per key within the generation (repeated writes coalesce). */
  readonly writes: Map<string, Buffer | null>;
  /**
   * Holders kept until the generation is applied: per hold scope only those that were the lowest
   * ordered writer when they wrote (usually one per scope; see {@link EffectHolder.holdScope}).
   */
  readonly holders: EffectHolder[];
  /** Lowest `holdOrder` held per scope. */
  readonly lowest: Map<object, number>;
}

/**
 * The processor's write-behind for one partition of the group table, in the manner of Kafka Streams'
 * record cache:
 * - every write is visible at once to later reads of the partition ({@link get}), acknowledged or not;
 * - writes are collected in a *generation*; repeated writes of one key within it are sent once;
 * - {@link flush} sends a generation to the table topic (at the commit interval, or early when it
 *   holds too many keys); once every record of it is acknowledged, it is applied to local storage with
 *   one `writeBatch` carrying the highest table offset, and only then are the messages that wrote in
 *   it released. So an input offset never becomes committable before the (coalesced) table write
 *   covering it is durable in Kafka.
 * Generations are applied in order, so the stored table offset never runs ahead of applied writes.
 *
 * In exactly-once mode (`transactional`) messages are not held: the partition's transaction commits
 * their offsets together with the writes. {@link sendForCommit} sends a generation into the open
 * transaction and {@link applyCommitted} applies it once the transaction committed, so local storage
 * only ever holds committed data and an aborted transaction leaves nothing to roll back.
 */
export class TableWriteBuffer {
  private readonly overlay = new Map<string, OverlayEntry>();
  private current: Generation;
  private nextId = 1;
  private applyChain: Promise<void> = Promise.resolve();
  private appliedNotPruned: Generation[] = [];
  private broken = false;
  private discarded = false;
  private inFlightGenerations = 0;
  /** Table records sent (after coalescing). */
  sentRecords = 0;
  /** Table writes requested by callbacks (before coalescing). */
  writes = 0;
  /** Generations put back because their writes could not be sent before their deadline. */
  requeued = 0;
  /** Highest table offset applied to local storage by this buffer, or -1. */
  appliedOffset = -1;

  constructor(
    private readonly topic: string,
    private readonly partition: number,
    private readonly producer: RecordSender,
    private readonly storage: Storage,
    private readonly maxBuffered: number,
    /**
     * Called instead of flushing when a generation reaches `maxBuffered` keys, so the owner can send
     * it the way it sends every generation (after confirming it still owns the partition).
     */
    private readonly onFull?: () => void,
    /** Told when a generation went back into the buffer because its records missed their deadline. */
    private readonly onRequeue?: (keys: number) => void,
    private readonly transactional = false,
    /** Turns the buffered keys into the record keys (the group's key codec). */
    private readonly keyCodec: KeyCodec = utf8Keys,
  ) {
    this.current = this.newGeneration();
  }

  /** The buffered value of `key`: bytes, `null` when deleted, `undefined` when not buffered (read storage). */
  get(key: string): Buffer | null | undefined {
    const entry = this.overlay.get(key);
    return entry === undefined ? undefined : entry.value;
  }

  /** Whether `key` has a buffered write (so storage need not be read). */
  has(key: string): boolean {
    return this.overlay.has(key);
  }

  /** Distinct keys waiting in the current generation. */
  get pendingKeys(): number {
    return this.current.writes.size;
  }

  /** Whether the current generation waits to be flushed (writes, or messages of requeued writes). */
  get hasPending(): boolean {
    return this.current.writes.size > 0 || this.current.holders.length > 0;
  }

  /** Keys whose writes were buffered but are not yet applied to local storage. */
  bufferedKeys(): IterableIterator<[string, Buffer | null]> {
    return mapValues(this.overlay.entries());
  }

  /**
   * Buffers a write (`null` deletes) on behalf of `holder`, which stays held until the write is
   * applied. Sends the generation early when it reached the size limit.
   */
  put(key: string, value: Buffer | null, holder: EffectHolder): void {
    // A discarded buffer's partition is gone: its messages are never committed here, so their writes can go too.
    if (this.discarded) return;
    const gen = this.current;
    const entry = this.overlay.get(key);
    if (entry !== undefined && entry.generation === gen.id) entry.value = value;
    else this.overlay.set(key, { value, generation: gen.id });
    gen.writes.set(key, value);
    this.writes++;
    if (!this.transactional && holder.writeGeneration !== gen.id) {
      holder.writeGeneration = gen.id;
      const scope = holder.holdScope;
      const order = holder.holdOrder ?? 0;
      const lowest = scope === undefined ? undefined : gen.lowest.get(scope);
      if (lowest === undefined || order < lowest) {
        if (scope !== undefined) gen.lowest.set(scope, order);
        holder.hold();
        gen.holders.push(holder);
      }
    }
    if (gen.writes.size >= this.maxBuffered) {
      if (this.onFull) this.onFull();
      else this.flush();
    }
  }

  /**
   * Sends the current generation (if it has writes) and chains its application to storage.
   * `notAfter` (a `performance.now()` moment) is when the membership that allows this instance to
   * write the partition may have ended: records that cannot leave the process before it are not
   * sent, and the generation's writes wait in the buffer for the next flush (see {@link requeue}).
   */
  flush(notAfter?: number): void {
    // Exactly-once: generations leave only with the partition's commit (see sendForCommit).
    if (this.transactional) return;
    const gen = this.current;
    // A generation can hold messages without writes of its own: requeued ones whose keys a later
    // generation wrote again. It is applied (releasing them) in its turn all the same.
    if ((gen.writes.size === 0 && gen.holders.length === 0) || this.discarded) return;
    this.current = this.newGeneration();
    this.inFlightGenerations++;
    // One sendBatch per generation: one completion to wait for instead of a promise per record.
    const records = this.recordsOf(gen, notAfter);
    const acked: Promise<SendOutcome> =
      records.length === 0
        ? Promise.resolve({ maxOffset: -1 })
        : this.producer.sendBatch(records).then(
            ({ results }) => ({ maxOffset: highestOffset(results) }),
            (error: unknown) => classifyFailure(records, error),
          );
    this.sentRecords += records.length;
    this.applyChain = this.applyChain.then(async () => {
      const sent = await acked;
      // Discarded (partition lost): the partition's next recovery reads these records from Kafka if
      // they made it; applying them here could overwrite newer values a recovery already applied.
      if (this.broken || this.discarded) return;
      if ('expired' in sent) {
        this.inFlightGenerations--;
        this.requeue(gen);
        return;
      }
      if ('failure' in sent) {
        this.broken = true;
        const what = sent.key === undefined ? '' : ` key ${JSON.stringify(sent.key)} to`;
        gen.holders[0].effectFailed(`writing${what} the group table "${this.topic}" partition ${this.partition} failed`, sent.failure);
        return;
      }
      const maxOffset = sent.maxOffset;
      const ops: StorageBatchOp[] = [];
      for (const [key, value] of gen.writes) ops.push(value === null ? { type: 'del', key } : { type: 'put', key, value });
      if (ops.length > 0) {
        try {
          await this.storage.writeBatch(ops, maxOffset);
        } catch (error) {
          this.broken = true;
          gen.holders[0].effectFailed(`applying writes to the local storage of "${this.topic}" partition ${this.partition} failed`, error);
          return;
        }
        this.appliedOffset = maxOffset;
      }
      this.inFlightGenerations--;
      this.appliedNotPruned.push(gen);
      for (const holder of gen.holders) holder.release();
    });
  }

  /**
   * Exactly-once: sends the current generation into the partition's open transaction and resolves
   * once every record is acknowledged (`undefined` when there was nothing to send). Its values stay
   * readable from the buffer until {@link applyCommitted}.
   */
  async sendForCommit(): Promise<SentGeneration | undefined> {
    const gen = this.current;
    if (gen.writes.size === 0 || this.discarded) return undefined;
    this.current = this.newGeneration();
    const records = this.recordsOf(gen);
    this.sentRecords += records.length;
    let maxOffset: number;
    try {
      maxOffset = highestOffset((await this.producer.sendBatch(records)).results);
    } catch (error) {
      const outcome = classifyFailure(records, error);
      if (!('failure' in outcome) || outcome.key === undefined) throw error;
      // Wrapped for the key's sake; the cause keeps an abort or a fencing recognisable as transient.
      throw new GokaError(`writing key ${JSON.stringify(outcome.key)} to the group table "${this.topic}" partition ${this.partition} failed: ${describeError(outcome.failure)}`, { cause: outcome.failure });
    }
    return { generation: gen, maxOffset };
  }

  /** Exactly-once: applies a generation whose transaction committed to local storage. */
  async applyCommitted(sent: SentGeneration): Promise<void> {
    const ops: StorageBatchOp[] = [];
    for (const [key, value] of sent.generation.writes) ops.push(value === null ? { type: 'del', key } : { type: 'put', key, value });
    await this.storage.writeBatch(ops, sent.maxOffset);
    this.appliedOffset = sent.maxOffset;
    this.appliedNotPruned.push(sent.generation);
  }

  /**
   * Puts the writes of a generation that was not (wholly) sent back into the current one, keeping
   * its messages held: they go out with the next flush, after a new proof of membership. A key that
   * a later generation wrote again is left to that one: its value is newer, and sending the older
   * one after it would undo it. Records of the generation that did reach Kafka are written again;
   * the value is the same, and local storage applies the key once, with the later generation.
   */
  private requeue(gen: Generation): void {
    const target = this.current;
    for (const [key, value] of gen.writes) {
      if (this.overlay.get(key)?.generation !== gen.id) continue;
      this.overlay.set(key, { value, generation: target.id });
      target.writes.set(key, value);
    }
    for (const holder of gen.holders) {
      target.holders.push(holder);
      const scope = holder.holdScope;
      if (scope === undefined) continue;
      const order = holder.holdOrder ?? 0;
      const lowest = target.lowest.get(scope);
      if (lowest === undefined || order < lowest) target.lowest.set(scope, order);
    }
    this.requeued++;
    this.onRequeue?.(gen.writes.size);
    if (target.writes.size >= this.maxBuffered) {
      if (this.onFull) this.onFull();
      else this.flush();
    }
  }

  /**
   * Drops buffered entries whose generation is applied (storage has them now), handing each to
   * `onPruned` (e.g. to keep it in a read cache). Call only where no reader relies on values read
   * from storage before the application, i.e. between batches.
   */
  prune(onPruned?: (key: string, value: Buffer | null) => void): void {
    if (this.appliedNotPruned.length === 0) return;
    for (const gen of this.appliedNotPruned) {
      for (const key of gen.writes.keys()) {
        const entry = this.overlay.get(key);
        if (entry?.generation === gen.id) {
          this.overlay.delete(key);
          onPruned?.(key, entry.value);
        }
      }
    }
    this.appliedNotPruned = [];
  }

  /**
   * Drops the writes not sent yet and ignores later ones, for a partition this instance lost (its
   * group membership expired, so another member may own the partition and write newer values that
   * these stale ones would overwrite). Their messages stay uncommitted and are processed again by
   * the partition's owner. Generations already sent are neither awaited nor applied to local
   * storage (nor reported when they fail): a later recovery reads whatever of them Kafka has.
   */
  discard(): void {
    this.discarded = true;
    const gen = this.current;
    for (const key of gen.writes.keys()) {
      if (this.overlay.get(key)?.generation === gen.id) this.overlay.delete(key);
    }
    this.current = this.newGeneration();
  }

  /** Generations sent but not yet applied. */
  get inFlight(): number {
    return this.inFlightGenerations;
  }

  /** Resolves when every generation sent so far is applied (or failed; failures go to the holders). */
  settled(): Promise<void> {
    return this.applyChain;
  }

  private recordsOf(gen: Generation, notAfter?: number): ProducerRecord[] {
    const records: ProducerRecord[] = [];
    const keyCodec = this.keyCodec;
    for (const [key, value] of gen.writes) records.push({ topic: this.topic, partition: this.partition, key: keyCodec.encode(key), value, notAfter });
    return records;
  }

  private newGeneration(): Generation {
    return { id: this.nextId++, writes: new Map(), holders: [], lowest: new Map() };
  }
}

/** How a generation's send ended: acknowledged, missed its deadline (only), or failed. */
type SendOutcome = { readonly maxOffset: number } | { readonly expired: true } | { readonly failure: unknown; readonly key?: string };

function highestOffset(results: readonly ProduceResult[]): number {
  let max = -1;
  for (const result of results) if (result.offset > max) max = result.offset;
  return max;
}

/**
 * Records that only missed their deadline go back into the buffer; any other failure is the first
 * one (in batch order) with its key, or the whole batch's rejection when it has no per-record outcomes.
 */
function classifyFailure(records: readonly ProducerRecord[], error: unknown): SendOutcome {
  if (error instanceof WriteExpiredError) return { expired: true };
  if (!(error instanceof BatchSendError)) return { failure: error };
  const failed = firstFailedRecord(records, error, (e) => !(e instanceof WriteExpiredError));
  if (!failed) return { expired: true };
  return { failure: failed.error, key: failed.record.key === null ? undefined : printableKey(failed.record.key) };
}

function* mapValues(entries: IterableIterator<[string, OverlayEntry]>): IterableIterator<[string, Buffer | null]> {
  for (const [key, entry] of entries) yield [key, entry.value];
}
