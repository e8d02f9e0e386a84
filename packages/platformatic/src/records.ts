import type { Headers, KafkaMessage } from '@goka-ts/api';
import { IS_CONTROL, IS_TRANSACTIONAL, type RecordsBatch } from '@platformatic/kafka';

/** An aborted transaction a fetch response lists for a partition. */
export interface AbortedTransaction {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
}

const EMPTY = Buffer.alloc(0);

/** The next offset after the last batch of a fetch response, control batches included; `undefined` when it had none. */
export function nextOffsetAfter(batches: readonly RecordsBatch[] | undefined): bigint | undefined {
  if (!batches || batches.length === 0) return undefined;
  const last = batches[batches.length - 1]!;
  return last.firstOffset + BigInt(last.lastOffsetDelta) + 1n;
}

/**
 * Converts record batches of one topic-partition into goka-ts messages. Records below `from` (a
 * fetch can start inside a compressed batch), control batches (transaction markers) and batches of
 * aborted transactions are dropped. platformatic's own read_committed filter keeps one aborted
 * range per producer, so a response with two aborted transactions of one producer (a processor
 * partition that aborted twice) would let the first through: the filter here follows Kafka's
 * consumer: a listed transaction is aborted from its first offset up to its producer's abort marker.
 */
export function toMessages(topic: string, partition: number, batches: readonly RecordsBatch[], from: bigint, aborted: readonly AbortedTransaction[] = []): KafkaMessage[] {
  const out: KafkaMessage[] = [];
  const pending = [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  const open = new Set<bigint>();
  for (const batch of batches) {
    const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    while (pending.length && pending[0]!.firstOffset <= last) open.add(pending.shift()!.producerId);
    if (batch.attributes & IS_CONTROL) {
      // Control record key: version (int16), type (int16; 0 = abort, 1 = commit).
      const key = batch.records[0]?.key;
      if (key && key.length >= 4 && key.readInt16BE(2) === 0) open.delete(batch.producerId);
      continue;
    }
    if (batch.attributes & IS_TRANSACTIONAL && open.has(batch.producerId)) continue;
    const first = batch.firstOffset;
    const firstTimestamp = batch.firstTimestamp;
    for (const r of batch.records) {
      const offset = first + BigInt(r.offsetDelta);
      if (offset < from) continue;
      let headers: Headers = {};
      if (r.headers.length) {
        headers = {};
        // A repeated header keeps its last value, as on the other adapters.
        for (const [k, v] of r.headers) if (k) headers[k.toString()] = v ?? EMPTY;
      }
      out.push({
        topic,
        partition,
        offset: Number(offset),
        key: r.key ?? null,
        value: r.value ?? null,
        headers,
        timestamp: Number(firstTimestamp + r.timestampDelta),
      });
    }
  }
  return out;
}
