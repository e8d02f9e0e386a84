import { defineGroup, int64Codec, Processor, stringCodec, View, type MessageFailure } from '@goka-ts/core';
import { Tester } from '@goka-ts/tester';
import { Registry } from 'prom-client';
import { GokaMetrics } from '../src';

/** Counts clicks per user and forwards every click to an output topic. */
const clicks = defineGroup('clicks', {
  inputs: {
    clicks: {
      codec: stringCodec,
      handler: (ctx, page) => {
        ctx.setValue((ctx.value() ?? 0) + 1);
        ctx.emit('pages', page, ctx.key);
      },
    },
  },
  persist: int64Codec,
  outputs: { pages: stringCodec },
});

/** The series of one metric after a scrape, as `labels -> value` (labels rendered `k=v,...`, sorted). */
async function scrape(registry: Registry, name: string): Promise<Map<string, number>> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  if (!metric) throw new Error(`no metric ${name}`);
  const out = new Map<string, number>();
  for (const v of metric.values) {
    const labels = Object.entries(v.labels).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, l]) => `${k}=${l}`).join(',');
    out.set(labels, v.value);
  }
  return out;
}

const sum = (series: Map<string, number>, match = '') => [...series].filter(([k]) => k.includes(match)).reduce((n, [, v]) => n + v, 0);

describe('GokaMetrics: processors and views', () => {
  let t: Tester;
  let metrics: GokaMetrics;
  const registry = new Registry();
  afterEach(async () => {
    metrics?.close();
    await t.close();
  });

  it('exports what the components count, read at scrape time, and drops partitions no longer owned', async () => {
    t = new Tester({ partitions: 4 });
    metrics = new GokaMetrics({ registry });
    const processor = new Processor(clicks, t.processorOptions());
    metrics.addProcessor(processor);
    await t.start(processor);
    const view = new View('clicks-table', int64Codec, t.viewOptions());
    metrics.addView(view);
    await t.start(view);

    const users = ['ann', 'ben', 'cleo', 'dan', 'eve'];
    for (const user of users) for (const page of ['/a', '/b']) await t.feed('clicks', user, page);

    const state = await scrape(registry, 'goka_processor_state');
    expect(state.get('group=clicks,state=running')).toBe(1);
    expect(sum(state)).toBe(1);

    const messages = await scrape(registry, 'goka_processor_input_messages_total');
    expect(sum(messages)).toBe(10);
    // One series per input partition, with the partition the hasher picked for each user.
    for (const user of users) expect(sum(messages, `partition=${t.partitionOf('clicks', user)},topic=clicks`)).toBeGreaterThanOrEqual(2);
    // Key + value bytes: every message has a 2-byte page and the user as key.
    expect(sum(await scrape(registry, 'goka_processor_input_bytes_total'))).toBe(users.reduce((n, u) => n + 2 * (u.length + 2), 0));
    expect(sum(await scrape(registry, 'goka_processor_input_lag'))).toBe(0);
    expect(sum(await scrape(registry, 'goka_processor_output_messages_total'), 'topic=pages')).toBe(10);

    const writes = await scrape(registry, 'goka_table_writes_total');
    expect(sum(writes, 'owner=clicks,')).toBe(10);
    const status = await scrape(registry, 'goka_table_status');
    // Every partition of the group table runs, in the processor and in the view.
    expect(sum(status, 'owner=clicks,partition=')).toBe(4);
    expect([...status].filter(([k, v]) => k.startsWith('owner=clicks,') && v === 1).every(([k]) => k.includes('status=running') && k.includes('table=clicks-table'))).toBe(true);
    expect([...status].filter(([k, v]) => k.startsWith('owner=,') && v === 1)).toHaveLength(4);
    expect((await scrape(registry, 'goka_view_state')).get('state=running,table=clicks-table')).toBe(1);
    // The view's offsets follow the table: 10 writes over 4 partitions, applied up to the high watermark.
    const offsets = await scrape(registry, 'goka_table_high_watermark');
    expect(sum(offsets, 'owner=,')).toBe(10);

    await processor.stop();
    const after = await scrape(registry, 'goka_processor_state');
    expect(after.get('group=clicks,state=stopped')).toBe(1);
    expect(sum(await scrape(registry, 'goka_processor_input_messages_total'))).toBe(0); // no partitions owned any more
  });

  it('counts messages the error policy skipped or parked in a dead-letter topic', async () => {
    t = new Tester({ partitions: 2 });
    metrics = new GokaMetrics({ registry });
    const strict = defineGroup('strict', {
      inputs: {
        numbers: {
          codec: int64Codec,
          handler: (ctx, n) => {
            if (n < 0) throw new RangeError('negative');
          },
        },
      },
    });
    // Decode errors are skipped, failing callbacks parked.
    const processor = new Processor(strict, t.processorOptions({ onError: (f: MessageFailure) => (f.kind === 'decode' ? 'skip' : { deadLetter: 'numbers-dlq' }), deadLetterTopics: ['numbers-dlq'] }));
    metrics.addProcessor(processor);
    await t.start(processor);
    for (const value of ['1', 'x', '-1', 'y', '-2', '2']) await t.feed('numbers', `k${value}`, value);
    expect(sum(await scrape(registry, 'goka_processor_input_skipped_total'), 'group=strict,')).toBe(2);
    expect(sum(await scrape(registry, 'goka_processor_input_dead_lettered_total'), 'group=strict,')).toBe(2);
    expect(sum(await scrape(registry, 'goka_processor_input_messages_total'), 'group=strict,')).toBe(6);
  });

  it('close() unregisters every metric, so a new instance can register again', async () => {
    t = new Tester({ partitions: 1 });
    const own = new Registry();
    const first = new GokaMetrics({ registry: own });
    expect((await own.getMetricsAsJSON()).length).toBeGreaterThan(20);
    expect(() => new GokaMetrics({ registry: own })).toThrow(/already been registered/);
    first.close();
    expect(await own.getMetricsAsJSON()).toEqual([]);
    metrics = new GokaMetrics({ registry: own });
    expect(() => first.addProcessor(new Processor(clicks, t.processorOptions()))).toThrow(/closed/);
  });
});
