import { BatchCollector, type BatchResult, type ProduceResult, type ProducerRecord } from '@goka-ts/api';
import type { Outgoing } from './record_batcher';

/**
 * One record of a batch in librdkafka's queue (and its delivery report's opaque). Its outcome goes
 * to the batch's shared collector by index: no promise, and no closure, per record.
 */
class BatchItem implements Outgoing {
  seq = 0;
  done = false;
  constructor(
    readonly record: ProducerRecord,
    private readonly collector: BatchCollector,
    private readonly index: number,
  ) {}

  resolve(result: ProduceResult): void {
    this.collector.ok(this.index, result);
  }

  reject(err: Error): void {
    this.collector.fail(this.index, err);
  }
}

/**
 * Produces every record of a batch into librdkafka's queue, in order (behind records held back by
 * a full queue), and resolves one promise once the last delivery report is in (see
 * `Producer.sendBatch`). `invalid` names a record that must not be produced (its outcome, not sent).
 */
export function sendBatch(
  push: (item: Outgoing) => void,
  records: readonly ProducerRecord[],
  invalid: (record: ProducerRecord) => Error | undefined,
): Promise<BatchResult> {
  const collector = new BatchCollector(records.length);
  for (let i = 0; i < records.length; i++) {
    const item = new BatchItem(records[i]!, collector, i);
    const error = invalid(item.record);
    if (error) item.reject(error);
    else push(item);
  }
  return collector.promise;
}
