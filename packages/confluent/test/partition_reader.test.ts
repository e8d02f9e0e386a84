import { GokaError, StateError, UnknownTopicError, type Producer } from '@goka-ts/api';
import { BatchLog, client, createTopics, deleteTopics, produce, sleep, uid, waitFor } from './helpers';

describe('confluent partition reader', () => {
  const c = client({ consumeBatchSize: 50 });
  const topic = uid('reader');
  let producer: Producer;

  beforeAll(async () => {
    await createTopics(c, 3, topic);
    producer = c.producer();
    await producer.connect();
    await produce(producer, topic, 0, 300);
    await produce(producer, topic, 1, 5);
    // partition 2 stays empty
  });

  afterAll(async () => {
    await producer.close();
    await deleteTopics(c, topic);
  });

  test('follow:false reads each partition up to its start high watermark, then resolves', async () => {
    const log = new BatchLog();
    const caughtUp: [number, number][] = [];
    const reader = c.partitionReader({
      topic, follow: false,
      partitions: [{ partition: 0, from: 'oldest' }, { partition: 1, from: 2 }, { partition: 2, from: 'oldest' }],
    });
    await reader.run({
      onBatch: (b) => log.onBatch(b, 2),
      onCaughtUp: (p, hw) => caughtUp.push([p, hw]),
    });
    expect(log.values(topic, 0)).toEqual(Array.from({ length: 300 }, (_, i) => `v${i}`));
    expect(log.values(topic, 1)).toEqual(['v2', 'v3', 'v4']);
    expect(log.values(topic, 2)).toEqual([]);
    expect(caughtUp.sort((a, b) => a[0] - b[0])).toEqual([[0, 300], [1, 5], [2, 0]]);
    expect(log.overlap).toBe(false);
    // Batches, not single messages, with the watermark.
    expect(log.batches.filter((b) => b.partition === 0).length).toBeLessThan(300);
    expect(log.batches.every((b) => b.highWatermark === (b.partition === 0 ? 300 : 5))).toBe(true);
    expect(log.messages.every((m) => m.offset >= 0 && m.timestamp > 0)).toBe(true);
  });

  test('follow:false does not deliver records written after the start', async () => {
    const t = uid('reader-late');
    await createTopics(c, 1, t);
    try {
      await produce(producer, t, 0, 10);
      const log = new BatchLog();
      let caughtUp = -1;
      const reader = c.partitionReader({ topic: t, follow: false, partitions: [{ partition: 0, from: 'oldest' }] });
      let first = true;
      await reader.run({
        onBatch: async (b) => {
          if (first) {
            first = false;
            await produce(producer, t, 0, 5, 'late');
          }
          await log.onBatch(b);
        },
        onCaughtUp: (_p, hw) => { caughtUp = hw; },
      });
      expect(caughtUp).toBe(10);
      expect(log.values()).toEqual(Array.from({ length: 10 }, (_, i) => `v${i}`));
    } finally {
      await deleteTopics(c, t);
    }
  });

  test('onCaughtUp fires only after the last batch up to the watermark finished', async () => {
    const events: string[] = [];
    const reader = c.partitionReader({ topic, follow: false, partitions: [{ partition: 1, from: 'oldest' }] });
    await reader.run({
      onBatch: async (b) => {
        await sleep(50);
        events.push(`batch-${b.messages[b.messages.length - 1].offset}`);
      },
      onCaughtUp: () => events.push('caught-up'),
    });
    expect(events[events.length - 1]).toBe('caught-up');
    expect(events[events.length - 2]).toBe('batch-4');
  });

  test('newest and an offset at the watermark are caught up at once', async () => {
    const caughtUp: number[] = [];
    const reader = c.partitionReader({ topic, follow: false, partitions: [{ partition: 0, from: 'newest' }, { partition: 1, from: 5 }] });
    await reader.run({ onBatch: async () => { throw new Error('no batch expected'); }, onCaughtUp: (p) => caughtUp.push(p) });
    expect(caughtUp.sort()).toEqual([0, 1]);
  });

  test('follow:true reports the watermark and keeps delivering new records until stopped', async () => {
    const log = new BatchLog();
    const caughtUp: number[] = [];
    const reader = c.partitionReader({ topic, follow: true, maxWaitMs: 100, partitions: [{ partition: 1, from: 'oldest' }, { partition: 2, from: 'newest' }] });
    const run = reader.run({ onBatch: (b) => log.onBatch(b), onCaughtUp: (p) => caughtUp.push(p) });
    await waitFor('catch-up', () => caughtUp.length === 2);
    await produce(producer, topic, 2, 3, 'new');
    await produce(producer, topic, 1, 2, 'new');
    await waitFor('new records', () => log.messages.length === 10);
    expect(log.values(topic, 1)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'newv0', 'newv1']);
    expect(log.values(topic, 2)).toEqual(['newv0', 'newv1', 'newv2']);
    await reader.stop();
    await run;
    expect(caughtUp.sort()).toEqual([1, 2]);
    await expect(reader.run({ onBatch: async () => undefined })).rejects.toBeInstanceOf(StateError);
  });

  test('stop waits for the batch in flight', async () => {
    let inFlight = false;
    let finished = 0;
    const reader = c.partitionReader({ topic, follow: true, partitions: [{ partition: 0, from: 'oldest' }] });
    const run = reader.run({
      onBatch: async () => {
        inFlight = true;
        await sleep(200);
        finished++;
        inFlight = false;
      },
    });
    await waitFor('a batch', () => inFlight);
    await reader.stop();
    expect(inFlight).toBe(false);
    expect(finished).toBeGreaterThan(0);
    await run;
  });

  test('a throwing handler rejects run with its error', async () => {
    const reader = c.partitionReader({ topic, follow: true, partitions: [{ partition: 0, from: 'oldest' }] });
    const boom = new Error('boom');
    await expect(reader.run({ onBatch: async () => { throw boom; } })).rejects.toBe(boom);
  });

  test('a missing topic rejects with UnknownTopicError; a missing partition with a clear error', async () => {
    const missing = uid('nope');
    const err = await c.partitionReader({ topic: missing, follow: false, partitions: [{ partition: 0, from: 'oldest' }] })
      .run({ onBatch: async () => undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownTopicError);
    expect((err as UnknownTopicError).topic).toBe(missing);
    const err2 = await c.partitionReader({ topic, follow: false, partitions: [{ partition: 9, from: 'oldest' }] })
      .run({ onBatch: async () => undefined }).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(GokaError);
    expect((err2 as Error).message).toMatch(/no partition 9/);
  });

  test('many partitions are delivered concurrently', async () => {
    const active = new Set<number>();
    let maxActive = 0;
    const reader = c.partitionReader({ topic, follow: false, partitions: [{ partition: 0, from: 'oldest' }, { partition: 1, from: 'oldest' }] });
    await reader.run({
      onBatch: async (b) => {
        active.add(b.partition);
        maxActive = Math.max(maxActive, active.size);
        await sleep(30);
        active.delete(b.partition);
      },
    });
    expect(maxActive).toBe(2);
  });
});
