import { forEachAborted, withoutAborted } from '../src/aborted_records';
import type { FetchPartitionResponse, RawMessage } from '../src/internals';

const ABORT = Buffer.from([0, 0, 0, 0]);
const COMMIT = Buffer.from([0, 0, 0, 1]);

/** One record in its own batch (offsets are what the filter looks at). */
function record(offset: number, producerId: string, kind: 'data' | 'plain' | 'abort' | 'commit'): RawMessage {
  const control = kind === 'abort' || kind === 'commit';
  return {
    offset: String(offset),
    timestamp: '0',
    key: kind === 'abort' ? ABORT : kind === 'commit' ? COMMIT : Buffer.from(`k${offset}`),
    value: control ? null : Buffer.from(`v${offset}`),
    headers: {},
    isControlRecord: control,
    batchContext: { firstOffset: String(offset), lastOffsetDelta: 0, producerId, inTransaction: kind !== 'plain' },
  };
}

const aborted = (records: RawMessage[], list: Array<[string, number]>) => {
  const found: number[] = [];
  forEachAborted(records, list.map(([producerId, firstOffset]) => ({ producerId, firstOffset: String(firstOffset) })), (r) => found.push(Number(r.offset)));
  return found;
};

describe('aborted record filter', () => {
  it('finds the records of interleaved aborted transactions whatever the order of the broker list', () => {
    // p1 aborts 0,3 (marker 5); p2 aborts 1 (marker 2); p3 commits 4 (marker 6); a plain record at 7.
    const records = [
      record(0, 'p1', 'data'), record(1, 'p2', 'data'), record(2, 'p2', 'abort'), record(3, 'p1', 'data'),
      record(4, 'p3', 'data'), record(5, 'p1', 'abort'), record(6, 'p3', 'commit'), record(7, '-1', 'plain'),
    ];
    // The broker lists aborted transactions in marker order, not by first offset.
    expect(aborted(records, [['p2', 1], ['p1', 0]])).toEqual([0, 1, 3]);
    expect(aborted(records, [['p1', 0], ['p2', 1]])).toEqual([0, 1, 3]);
  });

  it('opens every aborted transaction that started before a fetch that begins in its middle', () => {
    const records = [record(10, 'p1', 'data'), record(11, 'p2', 'data'), record(12, 'p1', 'abort'), record(13, 'p2', 'abort'), record(14, 'p1', 'data')];
    expect(aborted(records, [['p1', 5], ['p2', 7]])).toEqual([10, 11]);
  });

  it('keeps a later transaction of a producer whose earlier one was aborted', () => {
    const records = [record(0, 'p1', 'data'), record(1, 'p1', 'abort'), record(2, 'p1', 'data'), record(3, 'p1', 'commit')];
    expect(aborted(records, [['p1', 0]])).toEqual([0]);
  });

  it('drops aborted records from a fetched partition and keeps control records for the position', () => {
    const messages = [record(0, 'p1', 'data'), record(1, 'p1', 'abort'), record(2, 'p2', 'data'), record(3, 'p2', 'commit')];
    const partition: FetchPartitionResponse = { partition: 0, errorCode: 0, highWatermark: '4', lastStableOffset: '4', abortedTransactions: [{ producerId: 'p1', firstOffset: '0' }], messages };
    expect(withoutAborted(partition).map((r) => Number(r.offset))).toEqual([1, 2, 3]);
    expect(withoutAborted({ ...partition, abortedTransactions: [] })).toBe(messages);
  });
});
