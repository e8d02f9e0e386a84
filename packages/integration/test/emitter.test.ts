import { StateError, UnknownTopicError, type KafkaClient } from '@goka-ts/api';
import { Emitter, fnv1aHasher, jsonCodec, murmur2Hasher, stringCodec } from '@goka-ts/core';
import { clients, TestCluster, testLogger, uniqueName } from '@goka-ts/test-support';

describe.each(clients)('Emitter (%s)', (factory) => {
  let cluster: TestCluster;
  let client: KafkaClient;
  beforeAll(() => {
    cluster = new TestCluster(factory);
    client = cluster.client;
  });
  afterAll(() => cluster.close());

  it.each([murmur2Hasher, fnv1aHasher])('acks carry offsets; partitions are the $name hasher\'s choice', async (hasher) => {
    const topic = await cluster.createTopic(uniqueName('emit'), 6);
    const emitter = new Emitter(topic, jsonCodec<{ i: number }>(), { client, hasher, logger: testLogger, defaultHeaders: { src: Buffer.from('test') } });
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => emitter.emit(`key-${i}`, { i })));
    const last = await emitter.emitSync('key-last', null, { headers: { extra: Buffer.from('1') } });
    await emitter.finish();

    results.forEach((r, i) => {
      expect(r.topic).toBe(topic);
      expect(r.partition).toBe(hasher.partition(`key-${i}`, 6));
    });
    expect(last.partition).toBe(hasher.partition('key-last', 6));
    // Offsets are unique and dense per partition: 0..n-1.
    const perPartition = new Map<number, number[]>();
    for (const r of [...results, last]) perPartition.set(r.partition, [...(perPartition.get(r.partition) ?? []), r.offset]);
    for (const offsets of perPartition.values()) expect([...offsets].sort((a, b) => a - b)).toEqual(offsets.map((_, i) => i));

    const records = await cluster.readAll(topic);
    expect(records).toHaveLength(61);
    const at = new Map(records.map((m) => [`${m.partition}/${m.offset}`, m]));
    results.forEach((r, i) => {
      const m = at.get(`${r.partition}/${r.offset}`);
      expect(m?.key?.toString()).toBe(`key-${i}`);
      expect(JSON.parse(m!.value!.toString())).toEqual({ i });
      expect(m?.headers.src?.toString()).toBe('test');
    });
    const tomb = at.get(`${last.partition}/${last.offset}`);
    expect(tomb?.value).toBeNull();
    expect(tomb?.headers.extra?.toString()).toBe('1');
    expect(emitter.stats()).toMatchObject({ state: 'stopped', emitted: 61, failed: 0 });
  });

  it('emit after finish rejects with StateError', async () => {
    const topic = await cluster.createTopic(uniqueName('emit-fin'), 1);
    const emitter = new Emitter(topic, stringCodec, { client, logger: testLogger });
    await emitter.emit('k', 'v');
    await emitter.finish();
    await expect(emitter.emit('k', 'v')).rejects.toThrow(StateError);
    await expect(emitter.emit('k', 'v')).rejects.toThrow(`emitter for topic "${topic}" is finished`);
  });

  it('a missing topic rejects clearly and is not created', async () => {
    const topic = uniqueName('emit-missing');
    const emitter = new Emitter(topic, stringCodec, { client, logger: testLogger });
    const err = await emitter.emit('k', 'v').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownTopicError);
    expect((err as Error).message).toMatch(new RegExp(`topic "${topic}" does not exist: an emitter never creates topics`));
    await emitter.finish();
    await expect(cluster.partitionCount(topic)).rejects.toThrow(/does not exist/);
  });
});
