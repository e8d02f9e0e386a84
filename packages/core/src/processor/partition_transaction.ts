import { BatchSendError, ProducerFencedError, TransactionAbortedError } from '@goka-ts/api';
import type { BatchResult, GroupConsumer, ProduceResult, ProducerRecord, TopicPartitionOffset, TransactionalProducer } from '@goka-ts/api';
import { firstFailedRecord } from '../errors/batch_failure';
import { describeError } from '../errors/describe_error';

/** What a partition processor sends records through: a plain producer or its partition's transaction. */
export interface RecordSender {
  send(record: ProducerRecord): Promise<ProduceResult>;
  /** Sends records behind one completion, as {@link Producer.sendBatch} does (per-record outcomes in a BatchSendError). */
  sendBatch(records: readonly ProducerRecord[]): Promise<BatchResult>;
  /** Resolves when every record sent so far is acknowledged or failed. */
  flush(): Promise<void>;
}

/**
 * The exactly-once write path of one group partition: one transactional producer (id
 * `<prefix><group>-<partition>`), one transaction at a time. Table writes, emits, loopbacks and
 * dead letters of the partition go through {@link send}, which opens a transaction on first use;
 * {@link commit} adds the input offsets and commits.
 *
 * Why a producer per partition and not per instance (Kafka Streams' EOS v2): connecting the
 * producer of a partition fences every earlier owner of that partition at the broker, and
 * completes (aborts) the transaction such a zombie left open, before the new owner reads the
 * committed offsets and recovers the table. That holds on every client, including kafkajs, which
 * cannot send the group metadata that KIP-447 fencing needs; where the client can, the consumer
 * is passed along as well.
 */
export class PartitionTransaction implements RecordSender {
  private open = false;
  /** `begin()` of the open transaction, until it resolved. */
  private beginning: Promise<void> | undefined;
  /** Sends of the open transaction not yet settled. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private failure: Error | undefined;
  /** Transactions committed. */
  commits = 0;
  /** Transactions aborted. */
  aborts = 0;
  /** Time spent committing (ms), for stats. */
  commitMs = 0;

  constructor(
    readonly transactionalId: string,
    private readonly producer: TransactionalProducer,
    private readonly target: { readonly groupId: string; readonly consumer?: GroupConsumer },
  ) {}

  /** Registers the transactional id: fences older producers of the partition and ends their transactions. */
  connect(): Promise<void> {
    return this.producer.connect();
  }

  // Hot path: after the first record of a transaction, a send is the producer's send plus one set entry.
  send(record: ProducerRecord): Promise<ProduceResult> {
    return this.track(() => this.producer.send(record), () => `sending to topic "${record.topic}" partition ${record.partition} failed`);
  }

  sendBatch(records: readonly ProducerRecord[]): Promise<BatchResult> {
    return this.track(() => this.producer.sendBatch(records), (error) => `sending a batch of ${records.length} records failed${firstFailure(records, error)}`);
  }

  /** Runs `start` in the open transaction (opening one first), tracked until settled; a failure dooms the transaction. */
  private track<T>(start: () => Promise<T>, what: (error: unknown) => string): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    if (!this.open) this.begin();
    const sent = this.beginning ? this.beginning.then(start) : start();
    const inFlight = this.inFlight;
    inFlight.add(sent);
    const settled = () => void inFlight.delete(sent);
    sent.then(settled, (error: unknown) => {
      settled();
      this.failure ??= this.aborted(`${what(error)}: ${describeError(error)}`, error);
    });
    return sent;
  }

  async flush(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  /** Whether records were sent in the open transaction. */
  get hasOpenTransaction(): boolean {
    return this.open;
  }

  /**
   * Adds `offsets` (next offsets to read of the partition's inputs) to the open transaction and
   * commits it. Does nothing when there is neither a record nor an offset to commit. Rejects with a
   * {@link TransactionAbortedError} or {@link ProducerFencedError} after aborting what could be aborted.
   */
  async commit(offsets: readonly TopicPartitionOffset[]): Promise<boolean> {
    if (this.failure) throw await this.abortAfter(this.failure);
    if (!this.open && offsets.length === 0) return false;
    if (!this.open) this.begin();
    const started = performance.now();
    try {
      await this.beginning;
      // The producer's commit waits for its records too; waiting here first reports a failed send as such.
      await Promise.all([...this.inFlight]);
      if (offsets.length > 0) await this.producer.sendOffsets(offsets, this.target);
      await this.producer.commit();
    } catch (error) {
      throw await this.abortAfter(this.failure ?? this.aborted(`committing failed: ${describeError(error)}`, error));
    } finally {
      this.open = false;
      this.beginning = undefined;
    }
    this.commits++;
    this.commitMs += performance.now() - started;
    return true;
  }

  /** Aborts an open transaction (its records and offsets are never visible) and disconnects. */
  async close(): Promise<void> {
    this.open = false;
    await this.producer.close();
  }

  private begin(): void {
    this.open = true;
    const beginning = this.producer.begin().then(
      () => {
        if (this.beginning === beginning) this.beginning = undefined;
      },
      (error: unknown) => {
        this.failure ??= this.aborted(`beginning a transaction failed: ${describeError(error)}`, error);
        throw this.failure;
      },
    );
    beginning.catch(() => undefined); // reported through the sends and the commit that await it
    this.beginning = beginning;
  }

  /** Aborts after `error` (unless fenced: the broker already aborted it) and returns the error to throw. */
  private async abortAfter(error: Error): Promise<Error> {
    this.open = false;
    this.beginning = undefined;
    this.aborts++;
    if (!isFenced(error)) {
      await Promise.allSettled([...this.inFlight]);
      await this.producer.abort().catch(() => undefined);
    }
    return error;
  }

  private aborted(reason: string, cause: unknown): Error {
    if (cause instanceof ProducerFencedError) return cause;
    // A batch whose records failed because the producer was fenced is a fencing, not an abort to retry.
    const fenced = cause instanceof BatchSendError ? cause.errors.find((e) => e instanceof ProducerFencedError) : undefined;
    if (fenced) return fenced;
    return new TransactionAbortedError(this.transactionalId, reason, { cause });
  }
}

/** `; first at topic "t" partition p` for the first failed record of a BatchSendError, else nothing. */
function firstFailure(records: readonly ProducerRecord[], error: unknown): string {
  const failed = firstFailedRecord(records, error);
  return failed ? `; first at topic "${failed.record.topic}" partition ${failed.record.partition}` : '';
}

function isFenced(error: Error): boolean {
  return error instanceof ProducerFencedError;
}
