import { IS_CONTROL, IS_TRANSACTIONAL, type RecordsBatch } from '@platformatic/kafka';
import { toMessages } from '../src/records';

const value = (v: string) => Buffer.from(v);

function batch(firstOffset: number, producerId: number, values: string[], attributes = IS_TRANSACTIONAL): RecordsBatch {
  return {
    firstOffset: BigInt(firstOffset), length: 0, partitionLeaderEpoch: 0, magic: 2, crc: 0, attributes, lastOffsetDelta: values.length - 1,
    firstTimestamp: 1000n, maxTimestamp: 1000n, producerId: BigInt(producerId), producerEpoch: 0, firstSequence: 0,
    records: values.map((v, i) => ({ length: 0, attributes: 0, timestampDelta: BigInt(i), offsetDelta: i, key: null, value: value(v), headers: [] })),
  };
}

function marker(offset: number, producerId: number, commit: boolean): RecordsBatch {
  const b = batch(offset, producerId, ['x'], IS_TRANSACTIONAL | IS_CONTROL);
  const key = Buffer.alloc(4);
  key.writeInt16BE(commit ? 1 : 0, 2);
  b.records[0]!.key = key;
  return b;
}

describe('toMessages (read_committed)', () => {
  it('drops both aborted transactions of one producer in one response, keeping its committed one between', () => {
    const batches = [batch(0, 7, ['a1', 'a2']), marker(2, 7, false), batch(3, 7, ['c1']), marker(4, 7, true), batch(5, 7, ['b1']), marker(6, 7, false), batch(7, 0, ['plain'], 0)];
    const messages = toMessages('t', 0, batches, 0n, [{ producerId: 7n, firstOffset: 0n }, { producerId: 7n, firstOffset: 5n }]);
    expect(messages.map((m) => [m.offset, m.value?.toString()])).toEqual([[3, 'c1'], [7, 'plain']]);
    expect(messages[0]).toMatchObject({ topic: 't', partition: 0, timestamp: 1000, key: null, headers: {} });
  });

  it('skips records below the fetch offset', () => {
    expect(toMessages('t', 1, [batch(10, 0, ['a', 'b', 'c'], 0)], 11n).map((m) => m.offset)).toEqual([11, 12]);
  });
});
