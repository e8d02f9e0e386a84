import { StateError, WriteExpiredError, type Headers, type Producer, type ProduceResult, type ProducerConfig, type ProducerRecord } from '@goka-ts/api';
import type { Activity } from './activity';
import type { MemoryBroker } from './memory_broker';
import type { AppendRecord } from './memory_log';
import { onNextTurn } from './scheduling';

interface Pending {
  readonly record: ProducerRecord & AppendRecord;
  readonly notAfter: number | undefined;
  resolve(result: ProduceResult): void;
  reject(error: unknown): void;
}

/**
 * A producer of the in-memory broker. Records sent in one event-loop turn form one round, written
 * on the next turn (the equivalent of a linger), per partition in send order; each record's promise
 * resolves with its offset or rejects on its own failure (missing topic or partition).
 */
export class MemoryProducer implements Producer, Activity {
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;
  private flushWaiters: (() => void)[] = [];
  /** Registered with the broker's activities only while records wait, so idle producers cost nothing. */
  private unregister: (() => void) | undefined;

  constructor(
    private readonly broker: MemoryBroker,
    readonly config: ProducerConfig = {},
  ) {}

  async connect(): Promise<void> {
    if (this.closed) throw new StateError('producer is closed; create a new one');
  }

  send(record: ProducerRecord): Promise<ProduceResult> {
    if (this.closed) return Promise.reject(new StateError(`cannot send to topic "${record.topic}": the producer is closed`));
    return new Promise<ProduceResult>((resolve, reject) => {
      this.queue.push({ record: copy(record, this.broker.now), notAfter: record.notAfter, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        this.unregister ??= this.broker.activities.add(this);
        onNextTurn(() => this.writeRound());
      }
    });
  }

  flush(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.flushWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  busyReason(): string | undefined {
    return this.queue.length > 0 ? `producer: ${this.queue.length} record(s) not yet written` : undefined;
  }

  private writeRound(): void {
    const round = this.queue;
    this.queue = [];
    this.scheduled = false;
    const byPartition = new Map<string, Pending[]>();
    const now = performance.now();
    for (const pending of round) {
      if (pending.notAfter !== undefined && pending.notAfter < now) {
        pending.reject(new WriteExpiredError(pending.record.topic, pending.record.partition, now - pending.notAfter));
        continue;
      }
      const where = `${pending.record.partition}\u0000${pending.record.topic}`;
      const group = byPartition.get(where);
      if (group) group.push(pending);
      else byPartition.set(where, [pending]);
    }
    for (const group of byPartition.values()) {
      const { topic, partition } = group[0].record;
      try {
        const appended = this.broker.append(topic, partition, group.map((pending) => pending.record));
        group.forEach((pending, i) => pending.resolve({ topic, partition, offset: appended[i].offset }));
      } catch (error) {
        for (const pending of group) pending.reject(error);
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
