import { BatchCollector, WriteExpiredError, type BatchResult, type Headers, type KafkaMessage, type ProduceResult, type ProducerRecord } from '@goka-ts/api';
import type { Activity, ActivityRegistry } from './activity';
import type { AppendRecord } from './memory_log';
import { onNextTurn } from './scheduling';

/** Writes the records of one round for one partition; throws to reject all of them. */
export type AppendRound = (topic: string, partition: number, records: readonly AppendRecord[]) => KafkaMessage[];

/** Where the outcome of a queued record goes: one send's promise, or a batch's shared collector. */
interface Sink {
  ok(index: number, result: ProduceResult): void;
  fail(index: number, error: Error): void;
}

interface Pending {
  readonly record: ProducerRecord & AppendRecord;
  readonly notAfter: number | undefined;
  readonly append: AppendRound;
  readonly sink: Sink;
  /** The record's position in its batch (0 for a single send). */
  readonly index: number;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * The send path the in-memory producers share. Records sent in one event-loop turn form one round,
 * written on the next turn (the equivalent of a linger), per partition in send order; each record's
 * promise resolves with its offset or rejects on its own failure (missing topic or partition, a
 * passed `notAfter`, or whatever its {@link AppendRound} throws, e.g. a fenced transaction).
 */
export class ProduceRounds implements Activity {
  private queue: Pending[] = [];
  private scheduled = false;
  private flushWaiters: (() => void)[] = [];
  /** Registered with the broker's activities only while records wait, so idle producers cost nothing. */
  private unregister: (() => void) | undefined;

  constructor(
    private readonly activities: ActivityRegistry,
    private readonly now: () => number,
  ) {}

  /** Number of records waiting for the next round. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Queues `record` for the next round; `append` writes it then. The record is copied now, so the
   * caller may reuse its buffers at once.
   */
  send(record: ProducerRecord, append: AppendRound): Promise<ProduceResult> {
    return new Promise<ProduceResult>((resolve, reject) => {
      const sink: Sink = { ok: (_, result) => resolve(result), fail: (_, error) => reject(error) };
      this.queue.push({ record: copy(record, this.now), notAfter: record.notAfter, append, sink, index: 0 });
      this.schedule();
    });
  }

  /**
   * Queues a batch into the next round, in order, with one completion for all of it (see
   * `Producer.sendBatch`). Records are copied now, as {@link send} does.
   */
  sendBatch(records: readonly ProducerRecord[], append: AppendRound): Promise<BatchResult> {
    const collector = new BatchCollector(records.length);
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      this.queue.push({ record: copy(record, this.now), notAfter: record.notAfter, append, sink: collector, index: i });
    }
    if (records.length > 0) this.schedule();
    return collector.promise;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.unregister ??= this.activities.add(this);
    onNextTurn(() => this.writeRound());
  }

  /** Resolves once every record queued so far is written or failed. */
  flush(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.flushWaiters.push(resolve));
  }

  busyReason(): string | undefined {
    return this.queue.length > 0 ? `producer: ${this.queue.length} record(s) not yet written` : undefined;
  }

  private writeRound(): void {
    const round = this.queue;
    this.queue = [];
    this.scheduled = false;
    // Records of different append functions (transactions) never share a write.
    const byAppend = new Map<AppendRound, Map<string, Pending[]>>();
    const now = performance.now();
    for (const pending of round) {
      if (pending.notAfter !== undefined && pending.notAfter < now) {
        pending.sink.fail(pending.index, new WriteExpiredError(pending.record.topic, pending.record.partition, now - pending.notAfter));
        continue;
      }
      let byPartition = byAppend.get(pending.append);
      if (!byPartition) byAppend.set(pending.append, (byPartition = new Map()));
      const where = `${pending.record.partition}\u0000${pending.record.topic}`;
      const group = byPartition.get(where);
      if (group) group.push(pending);
      else byPartition.set(where, [pending]);
    }
    for (const [append, byPartition] of byAppend) {
      for (const group of byPartition.values()) {
        const { topic, partition } = group[0].record;
        try {
          const appended = append(topic, partition, group.map((pending) => pending.record));
          group.forEach((pending, i) => pending.sink.ok(pending.index, { topic, partition, offset: appended[i].offset }));
        } catch (error) {
          for (const pending of group) pending.sink.fail(pending.index, asError(error));
        }
      }
    }
    if (this.queue.length === 0) {
      this.unregister?.();
      this.unregister = undefined;
    }
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    for (const waiter of waiters) waiter();
  }
}

/** Copies what the caller could still mutate, and stamps the time the record was sent. */
function copy(record: ProducerRecord, now: () => number): ProducerRecord & AppendRecord {
  const headers: Headers = {};
  for (const [name, value] of Object.entries(record.headers ?? {})) headers[name] = Buffer.from(value);
  return {
    topic: record.topic,
    partition: record.partition,
    key: record.key === null ? null : Buffer.from(record.key),
    value: record.value === null ? null : Buffer.from(record.value),
    headers,
    timestamp: record.timestamp ?? now(),
  };
}
