import { BatchCollector, WriteExpiredError, type BatchResult, type Producer, type ProduceResult, type ProducerRecord } from '@goka-ts/api';

interface Pending {
  readonly record: ProducerRecord;
  resolve(result: ProduceResult): void;
  reject(error: unknown): void;
}

/**
 * A producer whose acknowledgements the test hands out: records wait in `pending` until `ack` or
 * `fail`; with `autoAck` they are acknowledged at once. Offsets count per topic-partition.
 */
export class ManualProducer implements Producer {
  readonly pending: Pending[] = [];
  readonly acked: { record: ProducerRecord; offset: number }[] = [];
  autoAck = false;
  /** Sizes of the `sendBatch` calls, in order. */
  readonly batches: number[] = [];
  private readonly next = new Map<string, number>();

  async connect(): Promise<void> {}

  send(record: ProducerRecord): Promise<ProduceResult> {
    return new Promise((resolve, reject) => {
      const entry = { record, resolve, reject };
      if (this.autoAck) this.settle(entry);
      else this.pending.push(entry);
    });
  }

  /** Queues each record as a pending one (acked or failed one by one) behind one completion. */
  sendBatch(records: readonly ProducerRecord[]): Promise<BatchResult> {
    this.batches.push(records.length);
    const collector = new BatchCollector(records.length);
    records.forEach((record, i) => {
      const entry: Pending = { record, resolve: (result) => collector.ok(i, result), reject: (error) => collector.fail(i, error as Error) };
      if (this.autoAck) this.settle(entry);
      else this.pending.push(entry);
    });
    return collector.promise;
  }

  /** Acknowledges the first `n` pending records (default all), in order. */
  ack(n = this.pending.length): void {
    for (const entry of this.pending.splice(0, n)) this.settle(entry);
  }

  /** Acknowledges pending records matching `match`, leaving the others pending. */
  ackWhere(match: (record: ProducerRecord) => boolean): void {
    const keep: Pending[] = [];
    for (const entry of this.pending.splice(0)) {
      if (match(entry.record)) this.settle(entry);
      else keep.push(entry);
    }
    this.pending.push(...keep);
  }

  /**
   * What an adapter does when the pending records leave the process now: those past their
   * `notAfter` are rejected with a WriteExpiredError, the others stay pending (to be acked).
   */
  leave(now = performance.now()): void {
    const keep: Pending[] = [];
    for (const entry of this.pending.splice(0)) {
      const notAfter = entry.record.notAfter;
      if (notAfter !== undefined && notAfter < now) entry.reject(new WriteExpiredError(entry.record.topic, entry.record.partition, now - notAfter));
      else keep.push(entry);
    }
    this.pending.push(...keep);
  }

  /** Fails the first pending record. */
  fail(error: unknown): void {
    const entry = this.pending.shift();
    if (!entry) throw new Error('no pending record to fail');
    entry.reject(error);
  }

  records(topic: string): ProducerRecord[] {
    return [...this.acked.map((a) => a.record), ...this.pending.map((p) => p.record)].filter((r) => r.topic === topic);
  }

  async flush(): Promise<void> {}
  async close(): Promise<void> {}

  private settle(entry: Pending): void {
    const tp = `${entry.record.topic}/${entry.record.partition}`;
    const offset = this.next.get(tp) ?? 0;
    this.next.set(tp, offset + 1);
    this.acked.push({ record: entry.record, offset });
    entry.resolve({ topic: entry.record.topic, partition: entry.record.partition, offset });
  }
}

/** Lets every queued promise callback run. */
export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}
