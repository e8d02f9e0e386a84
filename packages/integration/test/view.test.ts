import { KafkaConnectionError, UnknownTopicError, type ComponentState, type KafkaClient } from '@goka-ts/api';
import { kafkajsClient } from '@goka-ts/kafkajs';
import { Emitter, fnv1aHasher, int64Codec, stringCodec, View } from '@goka-ts/core';
import { clients, TestCluster, testLogger, uniqueName, waitFor } from '@goka-ts/test-support';

describe.each(clients)('View (%s)', (factory) => {
  let cluster: TestCluster;
  let client: KafkaClient;
  beforeAll(() => {
    cluster = new TestCluster(factory);
    client = cluster.client;
  });
  afterAll(() => cluster.close());

  it('recovers a table produced beforehand, then reflects later writes', async () => {
    const topic = await cluster.createTopic(uniqueName('view'), 4, { 'cleanup.policy': 'compact' });
    const expected = new Map<string, string>();
    const records = [];
    for (let i = 0; i < 200; i++) {
      records.push({ key: `k${i % 50}`, value: `v${i}` });
      expected.set(`k${i % 50}`, `v${i}`);
    }
    for (let i = 0; i < 50; i += 5) {
      records.push({ key: `k${i}`, value: null });
      expected.delete(`k${i}`);
    }
    await cluster.produce(topic, records);

    const view = new View(topic, stringCodec, { client, logger: testLogger, maxWaitMs: 100 });
    const states: ComponentState[] = [];
    view.onStateChange((s) => states.push(s));
    expect(view.state).toBe('idle');
    const running = view.run();
    await view.waitRunning();
    expect(view.state).toBe('running');
    expect(view.partitionCount).toBe(4);

    for (const [key, value] of expected) expect(await view.get(key)).toBe(value);
    expect(await view.get('k0')).toBeUndefined();
    expect(await view.has('k0')).toBe(false);
    expect(await view.has('k1')).toBe(true);
    const seen = new Map<string, string>();
    for await (const [key, value] of view.iterator()) seen.set(key, value);
    expect(seen).toEqual(expected);

    const stats = view.stats();
    expect(stats.state).toBe('running');
    expect(Object.keys(stats.partitions)).toHaveLength(4);
    const partitions = Object.values(stats.partitions);
    expect(partitions.reduce((n, p) => n + p.recovery.records, 0)).toBe(210);
    for (const p of partitions) {
      expect(p.status).toBe('running');
      expect(p.stalled).toBe(false);
      expect(p.recovery.offset + 1).toBe(p.recovery.highWatermark);
    }

    // Later writes (and deletes) arrive while following.
    const emitter = new Emitter(topic, stringCodec, { client, logger: testLogger });
    await emitter.emit('new-key', 'fresh');
    await emitter.emit('k1', null);
    await emitter.finish();
    await waitFor('the view to see the new key', async () => (await view.get('new-key')) === 'fresh');
    await waitFor('the view to see the delete', async () => !(await view.has('k1')));

    await view.stop();
    await running;
    expect(states).toEqual(['starting', 'recovering', 'running', 'stopped']);
    expect(view.state).toBe('stopped');
  });

  it('uses the given hasher for lookups, and runs again after a stop', async () => {
    const topic = await cluster.createTopic(uniqueName('view-fnv'), 3, { 'cleanup.policy': 'compact' });
    const emitter = new Emitter(topic, int64Codec, { client, hasher: fnv1aHasher, logger: testLogger });
    await Promise.all(Array.from({ length: 30 }, (_, i) => emitter.emit(`n${i}`, i)));
    await emitter.finish();
    const view = new View(topic, int64Codec, { client, hasher: fnv1aHasher, logger: testLogger, maxWaitMs: 100 });
    for (let round = 0; round < 2; round++) {
      const ac = new AbortController();
      const running = view.run(ac.signal);
      await view.waitRunning();
      for (let i = 0; i < 30; i++) expect(await view.get(`n${i}`)).toBe(i);
      ac.abort();
      await running;
      expect(view.state).toBe('stopped');
    }
  });

  it('an empty table is running at once; a missing table rejects run', async () => {
    const topic = await cluster.createTopic(uniqueName('view-empty'), 2, { 'cleanup.policy': 'compact' });
    const view = new View(topic, stringCodec, { client, logger: testLogger, maxWaitMs: 100 });
    const running = view.run();
    await view.waitRunning();
    expect(await view.get('x')).toBeUndefined();
    await view.stop();
    await running;

    const missing = new View(uniqueName('view-missing'), stringCodec, { client, logger: testLogger });
    await expect(missing.run()).rejects.toThrow(UnknownTopicError);
    expect(missing.state).toBe('failed');
  });
});

describe('View reconnect wiring (kafkajs, unreachable broker)', () => {
  const unreachable = () => kafkajsClient({ brokers: ['127.0.0.1:1'], connectionTimeoutMs: 200, kafkaJS: { retry: { retries: 0 } } });

  it('without autoReconnect, run rejects with a KafkaConnectionError', async () => {
    const view = new View(uniqueName('view-down'), stringCodec, { client: unreachable(), logger: testLogger });
    await expect(view.run()).rejects.toBeInstanceOf(KafkaConnectionError);
    expect(view.state).toBe('failed');
  });

  it('with autoReconnect, keeps retrying with backoff until stopped', async () => {
    const warnings: Record<string, unknown>[] = [];
    const none = () => undefined;
    const logger = { debug: none, info: none, error: none, warn: (_m: string, f?: Record<string, unknown>) => void warnings.push(f ?? {}) };
    const view = new View(uniqueName('view-down'), stringCodec, { client: unreachable(), logger, autoReconnect: { initialBackoffMs: 20, maxBackoffMs: 50 } });
    const running = view.run();
    await waitFor('three reconnect attempts', () => warnings.length >= 3, 20_000, 20);
    expect(warnings.slice(0, 3).map((w) => w.attempt)).toEqual([1, 2, 3]);
    expect(view.state).toBe('starting');
    await view.stop();
    await running;
    expect(view.state).toBe('stopped');
  });
});
