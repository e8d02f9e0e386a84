import type { AbortedTransaction, FetchPartitionResponse, InternalBroker, RawMessage } from './internals';

/**
 * Recognising records of aborted transactions in a read_committed fetch response, the way the Java
 * consumer does: the response lists the aborted transactions overlapping the fetched range (producer
 * id + first offset); from a transaction's first offset on, that producer's transactional records
 * are aborted until its abort marker.
 *
 * kafkajs' own filter (used by its consumer) takes the list in the broker's order and opens at most
 * one transaction per record, so records of interleaved aborted transactions (several processor
 * partitions writing to one topic partition) can slip through; hence this one.
 */

/** Control record key: version (int16), type (int16); type 0 is an abort marker, 1 a commit marker. */
function isAbortMarker(record: RawMessage): boolean {
  const key = record.key;
  return key !== null && key.length >= 4 && key.readInt16BE(2) === 0;
}

/** Calls `visit` for every record of an aborted transaction among `records` (in offset order). */
export function forEachAborted(records: readonly RawMessage[], aborted: readonly AbortedTransaction[] | null | undefined, visit: (record: RawMessage) => void): void {
  if (!aborted || aborted.length === 0) return;
  const pending = aborted.map((a) => ({ producerId: a.producerId, firstOffset: Number(a.firstOffset) })).sort((a, b) => a.firstOffset - b.firstOffset);
  const open = new Set<string>();
  let next = 0;
  for (const record of records) {
    const ctx = record.batchContext;
    if (!ctx) continue;
    const offset = Number(record.offset);
    while (next < pending.length && pending[next]!.firstOffset <= offset) open.add(pending[next++]!.producerId);
    if (record.isControlRecord) {
      if (isAbortMarker(record)) open.delete(ctx.producerId);
    } else if (ctx.inTransaction && open.has(ctx.producerId)) {
      visit(record);
    }
  }
}

/** The records of a fetched partition without those of aborted transactions (control records stay). */
export function withoutAborted(partition: FetchPartitionResponse): readonly RawMessage[] {
  if (!partition.abortedTransactions?.length) return partition.messages;
  const aborted = new Set<RawMessage>();
  forEachAborted(partition.messages, partition.abortedTransactions, (r) => aborted.add(r));
  return aborted.size === 0 ? partition.messages : partition.messages.filter((r) => !aborted.has(r));
}

const PATCHED = Symbol('goka-ts:hides-aborted-records');

/**
 * Makes a kafkajs consumer's broker hand out aborted records as control records, which kafkajs
 * drops from its batches while still moving the consumer's position past them (a batch of only
 * aborted records would otherwise be fetched again forever). kafkajs' own filter then has nothing
 * left to do: the response's aborted-transaction list is emptied.
 */
export function hideAbortedRecords(broker: InternalBroker): void {
  const patched = broker as InternalBroker & { [PATCHED]?: true };
  if (patched[PATCHED]) return;
  patched[PATCHED] = true;
  const fetch = broker.fetch.bind(broker);
  broker.fetch = async (request) => {
    const response = await fetch(request);
    for (const topic of response.responses) {
      for (const partition of topic.partitions) {
        forEachAborted(partition.messages, partition.abortedTransactions, (record) => {
          (record as { isControlRecord: boolean }).isControlRecord = true;
        });
        (partition as { abortedTransactions: FetchPartitionResponse['abortedTransactions'] }).abortedTransactions = [];
      }
    }
    return response;
  };
}
