import { GokaError, StateError, UnknownTopicError, type Admin } from '@goka-ts/api';
import { client, produce, uid } from './helpers';

describe('confluent admin', () => {
  const c = client();
  let admin: Admin;
  const created: string[] = [];

  beforeAll(async () => {
    admin = c.admin();
    await admin.connect();
  });

  afterAll(async () => {
    for (const t of created) await admin.deleteTopic(t).catch(() => undefined);
    await admin.close();
  });

  async function create(partitions: number, config?: Record<string, string>): Promise<string> {
    const topic = uid('adm');
    await admin.createTopic({ topic, partitions, replicationFactor: 1, config });
    created.push(topic);
    return topic;
  }

  test('creates a topic and describes it with its effective configs', async () => {
    const topic = await create(3, { 'cleanup.policy': 'compact', 'retention.ms': '3600000' });
    const d = await admin.describeTopic(topic);
    expect(d).toMatchObject({ topic, partitions: 3, replicationFactor: 1 });
    expect(d!.config['cleanup.policy']).toBe('compact');
    expect(d!.config['retention.ms']).toBe('3600000');
    // Broker defaults are included.
    expect(d!.config['segment.bytes']).toMatch(/^\d+$/);
    expect(d!.config['min.insync.replicas']).toBe('1');
  });

  test('describeTopic of a missing topic is undefined; creating an existing one rejects', async () => {
    await expect(admin.describeTopic(uid('nope'))).resolves.toBeUndefined();
    const topic = await create(1);
    await expect(admin.createTopic({ topic, partitions: 1, replicationFactor: 1 })).rejects.toThrow(/already exists/);
  });

  test('a created topic is usable at once', async () => {
    const topic = await create(4);
    const producer = c.producer();
    await producer.connect();
    try {
      expect(await produce(producer, topic, 3, 2)).toEqual([0, 1]);
    } finally {
      await producer.close();
    }
  });

  test('alters configs incrementally, keeping the others', async () => {
    const topic = await create(1, { 'cleanup.policy': 'compact' });
    await admin.alterTopicConfig(topic, { 'retention.ms': '7200000', 'min.compaction.lag.ms': '10' });
    const d = await admin.describeTopic(topic);
    expect(d!.config['retention.ms']).toBe('7200000');
    expect(d!.config['min.compaction.lag.ms']).toBe('10');
    expect(d!.config['cleanup.policy']).toBe('compact');
    await expect(admin.alterTopicConfig(uid('nope'), { 'retention.ms': '1' })).rejects.toBeInstanceOf(UnknownTopicError);
    await expect(admin.alterTopicConfig(topic, { 'cleanup.policy': 'no-such-policy' })).rejects.toBeInstanceOf(GokaError);
  });

  test('lists partition offsets (oldest and high watermark)', async () => {
    const topic = await create(2);
    const producer = c.producer();
    await producer.connect();
    await produce(producer, topic, 1, 5);
    await producer.close();
    await expect(admin.partitionOffsets(topic)).resolves.toEqual([
      { partition: 0, oldest: 0, newest: 0 },
      { partition: 1, oldest: 0, newest: 5 },
    ]);
    const missing = uid('nope');
    const err = await admin.partitionOffsets(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownTopicError);
    expect((err as UnknownTopicError).topic).toBe(missing);
  });

  test('reads committed offsets of a group (-1 without commit)', async () => {
    const topic = await create(2);
    const group = uid('grp');
    await expect(admin.committedOffsets(group, topic)).resolves.toEqual([
      { topic, partition: 0, offset: -1 },
      { topic, partition: 1, offset: -1 },
    ]);
    const producer = c.producer();
    await producer.connect();
    await produce(producer, topic, 1, 3);
    await producer.close();
    const consumer = c.groupConsumer({ groupId: group, topics: [topic], startFrom: 'oldest', sessionTimeoutMs: 6000, heartbeatIntervalMs: 500 });
    let seen = 0;
    const run = consumer.run({
      onAssigned: async () => undefined,
      onRevoked: async () => undefined,
      onBatch: async (b) => {
        seen += b.messages.length;
        await consumer.commit([{ topic, partition: b.partition, offset: b.messages[b.messages.length - 1].offset + 1 }]);
      },
    });
    while (seen < 3) await new Promise((r) => setTimeout(r, 50));
    await consumer.close();
    await run;
    await expect(admin.committedOffsets(group, topic)).resolves.toEqual([
      { topic, partition: 0, offset: -1 },
      { topic, partition: 1, offset: 3 },
    ]);
  });

  test('deletes topics; deleting a missing topic rejects with UnknownTopicError', async () => {
    const topic = await create(1);
    await admin.deleteTopic(topic);
    await expect(admin.deleteTopic(uid('nope'))).rejects.toBeInstanceOf(UnknownTopicError);
    for (let i = 0; i < 50 && (await admin.describeTopic(topic)); i++) await new Promise((r) => setTimeout(r, 100));
    await expect(admin.describeTopic(topic)).resolves.toBeUndefined();
  });

  test('calls before connect or after close reject with StateError', async () => {
    const a = c.admin();
    await expect(a.describeTopic('x')).rejects.toBeInstanceOf(StateError);
    await a.connect();
    await a.close();
    await expect(a.partitionOffsets('x')).rejects.toBeInstanceOf(StateError);
    await expect(a.connect()).rejects.toBeInstanceOf(StateError);
  });
});
