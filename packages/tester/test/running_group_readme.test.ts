// What packages/core/README.md ("Running a group") promises about waiting for a group, views and
// startFrom, checked on the in-memory Kafka so that the text cannot silently stop being true.
import type { KafkaClient } from '@goka-ts/api';
import { defineGroup, Emitter, int64Codec, Processor, silentLogger, stringCodec, TopicManager, View, waitForGroupCaughtUp, type ProcessorOptions } from '@goka-ts/core';
import { MemoryKafka } from '@goka-ts/memory-kafka';

const counter = defineGroup('counter', {
  inputs: { clicks: { codec: stringCodec, handler: (ctx) => ctx.setValue((ctx.value() ?? 0) + 1) } },
  persist: int64Codec,
});

async function setUp(): Promise<KafkaClient> {
  const client = new MemoryKafka();
  const topics = await TopicManager.connect(client, { logger: silentLogger });
  await topics.ensureStream('clicks', 4);
  await topics.close();
  return client;
}

async function emit(client: KafkaClient, keys: readonly string[]): Promise<void> {
  const emitter = new Emitter('clicks', stringCodec, { client, logger: silentLogger });
  for (const key of keys) await emitter.emit(key, 'home');
  await emitter.finish();
}

async function withProcessor(client: KafkaClient, options: Partial<ProcessorOptions>, body: () => Promise<void>): Promise<void> {
  const processor = new Processor(counter, { client, logger: silentLogger, commitIntervalMs: 50, ...options });
  const processing = processor.run();
  try {
    await processor.waitRunning();
    await body();
  } finally {
    await processor.stop();
    await processing;
  }
}

/** Every entry of the group table, read by a view started now, once its waitRunning() resolved. */
async function tableNow(client: KafkaClient): Promise<Record<string, number>> {
  const view = View.of(counter, { client, logger: silentLogger });
  const viewing = view.run();
  try {
    await view.waitRunning();
    const entries: Record<string, number> = {};
    for await (const [key, value] of view.iterator()) entries[key] = value;
    return entries;
  } finally {
    await view.stop();
    await viewing;
  }
}

const KEYS = Array.from({ length: 60 }, (_, i) => `user-${i % 6}`);

test('once the group caught up, a view started then has every update its input caused', async () => {
  const client = await setUp();
  await withProcessor(client, {}, async () => {
    await emit(client, KEYS);
    const lag = await waitForGroupCaughtUp(client, 'counter', { topics: ['clicks'], timeoutMs: 10_000 });
    expect(lag.total).toBe(0);
    expect(lag.partitions).toHaveLength(4);
    expect(await tableNow(client)).toEqual(Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`user-${i}`, 10])));
  });
});

test("startFrom 'newest' (the default) skips what was written before the group's first join; 'oldest' reads it", async () => {
  const client = await setUp();
  await emit(client, ['alice', 'alice', 'alice']);
  await withProcessor(client, {}, async () => {
    await emit(client, ['alice']);
    await waitForGroupCaughtUp(client, 'counter', { topics: ['clicks'], timeoutMs: 10_000 });
  });
  expect(await tableNow(client)).toEqual({ alice: 1 });

  const fresh = await setUp();
  await emit(fresh, ['alice', 'alice', 'alice']);
  await withProcessor(fresh, { startFrom: 'oldest' }, async () => {
    await emit(fresh, ['alice']);
    await waitForGroupCaughtUp(fresh, 'counter', { topics: ['clicks'], timeoutMs: 10_000 });
  });
  expect(await tableNow(fresh)).toEqual({ alice: 4 });
});

test('waitForGroupCaughtUp without topics: a group that has committed nothing is not caught up', async () => {
  const client = await setUp();
  await expect(waitForGroupCaughtUp(client, 'counter', { timeoutMs: 200 })).rejects.toThrow(/did not catch up within 200 ms: it has no committed offsets/);
});
