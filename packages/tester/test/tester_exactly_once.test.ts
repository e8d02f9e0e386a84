import { defineGroup, int64Codec, Processor, stringCodec, View } from '@goka-ts/core';
import { Tester } from '../src';

// Processors in exactly-once mode on the Tester: their table writes, emits and input offsets land
// in the in-memory Kafka's transactions, and the Tester's waits cover the open transactions.

const counter = defineGroup('eos-counter', {
  inputs: {
    clicks: {
      codec: stringCodec,
      handler: (ctx, page) => {
        const count = (ctx.value() ?? 0) + 1;
        ctx.setValue(count);
        if (count % 2 === 0) ctx.emit('milestones', ctx.key, `${count} on ${page}`);
      },
    },
  },
  persist: int64Codec,
  outputs: { milestones: stringCodec },
});

const exactlyOnce = { guarantee: 'exactly-once' as const, commitIntervalMs: 20 };

describe('Tester with exactly-once processors', () => {
  let t: Tester;
  afterEach(async () => {
    await t.close();
  });

  it('commits table writes, emits and input offsets together', async () => {
    t = new Tester({ partitions: 3 });
    const milestones = t.track('milestones', stringCodec);
    await t.start(new Processor(counter, t.processorOptions(exactlyOnce)));
    for (let i = 0; i < 4; i++) await t.feed('clicks', 'a', `p${i}`);
    await t.feed('clicks', 'b', 'x');

    expect(await t.tableValue('eos-counter-table', 'a', int64Codec)).toBe(4);
    expect(await t.tableValue('eos-counter-table', 'b', int64Codec)).toBe(1);
    expect(milestones.drain().map((m) => m.value)).toEqual(['2 on p1', '4 on p3']);
    const committed = await t.kafka.admin().committedOffsets('eos-counter', 'clicks');
    const fed = await t.kafka.admin().partitionOffsets('clicks');
    expect(committed.map((o) => o.offset)).toEqual(fed.map((o) => (o.newest > 0 ? o.newest : -1)));
    // Every transaction left a marker in the table topic: more offsets than records.
    const table = t.kafka.broker.topic('eos-counter-table')!;
    const partition = table.log(t.partitionOf('eos-counter-table', 'a'))!;
    expect(partition.highWatermark).toBeGreaterThan(partition.all().length);
  });

  it('keeps counts exact when a second instance takes over partitions (fencing the first)', async () => {
    t = new Tester({ partitions: 4 });
    const keys = Array.from({ length: 12 }, (_, i) => `k${i}`);
    await t.start(new Processor(counter, t.processorOptions(exactlyOnce)));
    for (const key of keys) await t.feed('clicks', key, 'one');
    await t.start(new Processor(counter, t.processorOptions(exactlyOnce)));
    for (const key of keys) await t.feed('clicks', key, 'two');

    for (const key of keys) expect(await t.tableValue('eos-counter-table', key, int64Codec)).toBe(2);
  });

  it('serves a view of the table only what was committed', async () => {
    t = new Tester({ partitions: 2 });
    await t.start(new Processor(counter, t.processorOptions(exactlyOnce)));
    const view = new View('eos-counter-table', int64Codec, t.viewOptions());
    await t.start(view);
    await t.feed('clicks', 'a', 'x');
    await t.feed('clicks', 'a', 'y');
    expect(await view.get('a')).toBe(2);
  });
});
