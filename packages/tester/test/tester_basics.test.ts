import { MessageError, StateError, type GroupHandler, type KafkaClient, type MessageBatch } from '@goka-ts/api';
import { fnv1aHasher, int64Codec, jsonCodec, murmur2Hasher, stringCodec } from '@goka-ts/core';
import { Tester } from '../src';

/**
 * A minimal stand-in for a processor (until core's is used): forwards every record of `input` to
 * `output` with the value upper-cased, and fails with a MessageError on the value "fail".
 */
class Upper {
  private consumer: ReturnType<KafkaClient['groupConsumer']> | undefined;
  private running: () => void = () => undefined;
  private readonly isRunning = new Promise<void>((resolve) => (this.running = resolve));

  constructor(
    private readonly client: KafkaClient,
    private readonly input: string,
    private readonly output: string,
  ) {}

  async run(): Promise<void> {
    const producer = this.client.producer();
    this.consumer = this.client.groupConsumer({ groupId: 'upper', topics: [this.input], startFrom: 'oldest' });
    const handler: GroupHandler = {
      onAssigned: async () => this.running(),
      onRevoked: async () => undefined,
      onBatch: async (batch: MessageBatch) => {
        for (const m of batch.messages) {
          if (m.value?.toString() === 'fail') throw new MessageError(m, 'asked to fail');
          await producer.send({ topic: this.output, partition: m.partition, key: m.key, value: Buffer.from(m.value!.toString().toUpperCase()), headers: m.headers });
        }
      },
    };
    try {
      await this.consumer.run(handler);
    } finally {
      await producer.close();
    }
  }

  waitRunning(): Promise<void> {
    return this.isRunning;
  }

  async stop(): Promise<void> {
    await this.consumer?.close();
  }
}

describe('Tester basics', () => {
  it('feeds records into the partition the hasher picks and tracks them in order', async () => {
    const t = new Tester({ partitions: 8 });
    const tracker = t.track('words', stringCodec);
    await t.feed('words', 'a', 'one');
    await t.feed('words', 'b', 'two', { codec: stringCodec, headers: { trace: 'x' }, timestamp: 42 });
    await t.feed('words', 'c', null);
    expect(t.partitionOf('words', 'b')).toBe(murmur2Hasher.partition('b', 8));
    const first = tracker.expectNext();
    expect(first).toMatchObject({ key: 'a', value: 'one', partition: murmur2Hasher.partition('a', 8), offset: 0 });
    const second = tracker.next()!;
    expect(second).toMatchObject({ key: 'b', value: 'two', timestamp: 42 });
    expect(second.headers.trace.toString()).toBe('x');
    expect(tracker.size).toBe(1);
    expect(() => tracker.expectEmpty()).toThrow(/"c" -> null/);
    expect(tracker.next()).toMatchObject({ key: 'c', value: null });
    tracker.expectEmpty();
    expect(tracker.next()).toBeUndefined();
    expect(() => tracker.expectNext()).toThrow(/expected another record/);
    expect(tracker.all().map((m) => m.key)).toEqual(['a', 'b', 'c']);
    expect(t.track('words', stringCodec, { from: 'oldest' }).drain().map((m) => m.value)).toEqual(['one', 'two', null]);
    await t.close();
  });

  it('drives a component: start waits until it runs, feed until it caught up', async () => {
    const t = new Tester();
    await t.createTopic('in');
    await t.createTopic('out');
    const out = t.track('out', stringCodec);
    const started = await t.start(new Upper(t.client, 'in', 'out'));
    for (const word of ['x', 'y', 'z']) await t.feed('in', word, word);
    expect(out.drain().map((m) => `${m.key}:${m.value}`)).toEqual(['x:X', 'y:Y', 'z:Z']);
    await started.stop();
    await expect(started.done).resolves.toBeUndefined();
    await t.close();
  });

  it('surfaces a component failure from the next feed, once', async () => {
    const t = new Tester();
    await t.createTopic('in');
    await t.createTopic('out');
    const started = await t.start(new Upper(t.client, 'in', 'out'));
    const error = await t.feed('in', 'k', 'fail').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MessageError);
    await expect(started.done).rejects.toBe(error);
    await t.feed('in', 'k', 'fine'); // reported already; nobody consumes any more
    await t.close();
  });

  it('rejects close() with a failure nobody saw', async () => {
    const t = new Tester();
    await t.createTopic('in');
    await t.createTopic('out');
    await t.start(new Upper(t.client, 'in', 'out'));
    const producer = t.kafka.producer();
    await producer.send({ topic: 'in', partition: 0, key: null, value: Buffer.from('fail') });
    await producer.close();
    await t.kafka.waitIdle();
    await expect(t.close()).rejects.toBeInstanceOf(MessageError);
  });

  it('reads and writes table values with the configured hasher', async () => {
    const t = new Tester({ hasher: fnv1aHasher, partitions: 10 });
    await t.setTableValue('scores', 'key1', 7, int64Codec);
    await t.setTableValue('scores', 'key2', 8, int64Codec);
    expect(t.partitionOf('scores', 'key1')).toBe(3); // Goka's vector for n=10
    expect(t.kafka.broker.topic('scores')!.log(3)!.all()).toHaveLength(1);
    expect((await t.kafka.admin().describeTopic('scores'))?.config['cleanup.policy']).toBe('compact');
    expect(await t.tableValue('scores', 'key1', int64Codec)).toBe(7);
    await t.setTableValue('scores', 'key1', null, int64Codec);
    expect(await t.tableValue('scores', 'key1', int64Codec)).toBeUndefined();
    expect(await t.tableValue('scores', 'key2', int64Codec)).toBe(8);
    expect(await t.tableValue('missing', 'key2')).toBeUndefined();
    await t.setTableValue('docs', 'd', { a: 1 }, jsonCodec<{ a: number }>());
    expect(await t.tableValue('docs', 'd', jsonCodec<{ a: number }>())).toEqual({ a: 1 });
    await t.close();
  });

  it('refuses to set the table of a running processor group', async () => {
    const t = new Tester();
    await t.createTopic('in');
    const consumer = t.client.groupConsumer({ groupId: 'counter', topics: ['in'] });
    const run = consumer.run({ onAssigned: async () => undefined, onRevoked: async () => undefined, onBatch: async () => undefined });
    await t.waitIdle();
    await expect(t.setTableValue('counter-table', 'k', 'v')).rejects.toBeInstanceOf(StateError);
    await consumer.close();
    await run;
    await t.setTableValue('counter-table', 'k', 'v');
    await t.close();
  });

  it('lists the storages components built and opened', async () => {
    const t = new Tester();
    const storage = await t.storage('table', 2);
    expect(t.storages('table')).toHaveLength(0);
    await storage.open();
    expect(t.storages('table', 2)).toEqual([storage]);
    expect(t.storages('table', 1)).toEqual([]);
    await storage.close();
    expect(t.storages('table')).toHaveLength(0);
    await t.close();
    await expect(t.feed('x', 'k', 'v')).rejects.toBeInstanceOf(StateError);
  });

  it('refuses values it cannot encode without a codec', async () => {
    const t = new Tester();
    await expect(t.feed('x', 'k', 42 as unknown as string)).rejects.toThrow(/pass \{ codec \}/);
    await t.close();
  });
});
