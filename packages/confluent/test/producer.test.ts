import { GokaError, StateError, UnknownTopicError, type Producer } from '@goka-ts/api';
import { BatchLog, client, createTopics, deleteTopics, uid } from './helpers';

describe('confluent producer', () => {
  const c = client();
  const topic = uid('prod');
  let producer: Producer;

  beforeAll(async () => {
    await createTopics(c, 3, topic);
    producer = c.producer({ lingerMs: 2 });
    await producer.connect();
  });

  afterAll(async () => {
    await producer.close();
    await deleteTopics(c, topic);
  });

  test('resolves each send with its acknowledged offset, in the named partition', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => producer.send({ topic, partition: i % 3, key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`) })),
    );
    for (let p = 0; p < 3; p++) {
      const offsets = results.filter((r) => r.partition === p).map((r) => r.offset);
      expect(offsets.length).toBeGreaterThan(60);
      // Consecutive within the partition, in send order.
      expect(offsets).toEqual(offsets.map((_, i) => offsets[0] + i));
    }
    expect(results.every((r) => r.topic === topic)).toBe(true);
  });

  test('keeps empty keys, values and headers apart from null (no accidental tombstones)', async () => {
    const empty = Buffer.alloc(0);
    const a = await producer.send({ topic, partition: 0, key: empty, value: empty, headers: { h: empty, x: Buffer.from('1') } });
    const b = await producer.send({ topic, partition: 0, key: null, value: null, timestamp: 1234 });
    const log = new BatchLog();
    const reader = c.partitionReader({ topic, partitions: [{ partition: 0, from: a.offset }], follow: false });
    await reader.run({ onBatch: (batch) => log.onBatch(batch) });
    const [ma, mb] = log.messages.filter((m) => m.offset === a.offset || m.offset === b.offset);
    expect(ma.key).toEqual(empty);
    expect(ma.value).toEqual(empty);
    expect(ma.headers.h).toEqual(empty);
    expect(ma.headers.x.toString()).toBe('1');
    expect(mb.key).toBeNull();
    expect(mb.value).toBeNull();
    expect(mb.timestamp).toBe(1234);
    expect(mb.headers).toEqual({});
  });

  test('flush waits for every record sent before it', async () => {
    const settled: number[] = [];
    const sends = Array.from({ length: 500 }, (_, i) =>
      producer.send({ topic, partition: i % 3, key: null, value: Buffer.from('x') }).then(() => settled.push(i)));
    await producer.flush();
    expect(settled.length).toBe(500);
    await Promise.all(sends);
    await producer.flush();
  });

  test('a missing topic rejects with UnknownTopicError naming it, within a bounded time', async () => {
    const missing = uid('missing');
    const started = Date.now();
    const err = await producer.send({ topic: missing, partition: 0, key: null, value: Buffer.from('x') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownTopicError);
    expect((err as UnknownTopicError).topic).toBe(missing);
    expect(Date.now() - started).toBeLessThan(15000);
    // The producer stays usable.
    await expect(producer.send({ topic, partition: 1, key: null, value: Buffer.from('y') })).resolves.toMatchObject({ partition: 1 });
  });

  test('a partition that does not exist rejects that record only', async () => {
    const bad = producer.send({ topic, partition: 7, key: null, value: Buffer.from('x') });
    const good = producer.send({ topic, partition: 2, key: null, value: Buffer.from('x') });
    await expect(bad).rejects.toThrow(/partition 7/);
    await expect(bad).rejects.toBeInstanceOf(GokaError);
    await expect(good).resolves.toMatchObject({ partition: 2 });
    await expect(producer.send({ topic, partition: -1, key: null, value: null })).rejects.toThrow(/explicit partition/);
  });

  test('send before connect and after close reject with StateError; close is idempotent', async () => {
    const p = c.producer();
    await expect(p.send({ topic, partition: 0, key: null, value: null })).rejects.toBeInstanceOf(StateError);
    await p.connect();
    const pending = p.send({ topic, partition: 0, key: null, value: Buffer.from('last') });
    await p.close();
    await expect(pending).resolves.toMatchObject({ partition: 0 });
    await expect(p.send({ topic, partition: 0, key: null, value: null })).rejects.toBeInstanceOf(StateError);
    await p.close();
    await expect(p.connect()).rejects.toBeInstanceOf(StateError);
  });

  test('applies ProducerConfig (acks, compression, batch size)', async () => {
    const p = c.producer({ acks: -1, compression: 'zstd', batchSize: 50, lingerMs: 20, clientId: 'custom' });
    await p.connect();
    try {
      const results = await Promise.all(Array.from({ length: 120 }, () => p.send({ topic, partition: 1, key: null, value: Buffer.alloc(100, 1) })));
      expect(new Set(results.map((r) => r.offset)).size).toBe(120);
    } finally {
      await p.close();
    }
  });
});
