import { GokaError, StateError, UnknownTopicError } from '@goka-ts/api';
import { MemoryKafka } from '../src';
import { kafkaWith, produce } from './helpers';

describe('MemoryKafka admin', () => {
  it('creates, describes, alters and deletes topics', async () => {
    const admin = new MemoryKafka().admin();
    await admin.connect();
    expect(await admin.describeTopic('t')).toBeUndefined();
    await admin.createTopic({ topic: 't', partitions: 3, replicationFactor: -1, config: { 'cleanup.policy': 'compact' } });
    const described = await admin.describeTopic('t');
    expect(described).toMatchObject({ topic: 't', partitions: 3, replicationFactor: 1 });
    expect(described?.config['cleanup.policy']).toBe('compact');
    expect(described?.config['retention.ms']).toBeDefined();
    await expect(admin.createTopic({ topic: 't', partitions: 1, replicationFactor: 1 })).rejects.toThrow(/already exists/);
    await admin.alterTopicConfig('t', { 'retention.ms': '1000' });
    expect((await admin.describeTopic('t'))?.config).toMatchObject({ 'cleanup.policy': 'compact', 'retention.ms': '1000' });
    await admin.deleteTopic('t');
    expect(await admin.describeTopic('t')).toBeUndefined();
    await admin.close();
  });

  it('validates topic specs', async () => {
    const admin = new MemoryKafka().admin();
    await expect(admin.createTopic({ topic: 'bad name', partitions: 1, replicationFactor: 1 })).rejects.toBeInstanceOf(GokaError);
    await expect(admin.createTopic({ topic: 't', partitions: 0, replicationFactor: 1 })).rejects.toThrow(/partition count/);
    await expect(admin.createTopic({ topic: 't', partitions: 1, replicationFactor: 0 })).rejects.toThrow(/replication factor/);
  });

  it('reports partition offsets and committed offsets', async () => {
    const kafka = await kafkaWith({ t: 2 });
    await produce(kafka, 't', 1, [['a', '1'], ['b', '2']]);
    const admin = kafka.admin();
    expect(await admin.partitionOffsets('t')).toEqual([
      { partition: 0, oldest: 0, newest: 0 },
      { partition: 1, oldest: 0, newest: 2 },
    ]);
    expect(await admin.committedOffsets('never-used', 't')).toEqual([
      { topic: 't', partition: 0, offset: -1 },
      { topic: 't', partition: 1, offset: -1 },
    ]);
    kafka.broker.group('g').commit([{ topic: 't', partition: 1, offset: 2 }]);
    expect((await admin.committedOffsets('g', 't'))[1].offset).toBe(2);
  });

  it('names missing topics with UnknownTopicError and refuses calls after close', async () => {
    const admin = new MemoryKafka().admin();
    await expect(admin.partitionOffsets('nope')).rejects.toBeInstanceOf(UnknownTopicError);
    await expect(admin.committedOffsets('g', 'nope')).rejects.toBeInstanceOf(UnknownTopicError);
    await expect(admin.alterTopicConfig('nope', {})).rejects.toBeInstanceOf(UnknownTopicError);
    await expect(admin.deleteTopic('nope')).rejects.toBeInstanceOf(UnknownTopicError);
    await admin.close();
    await expect(admin.describeTopic('t')).rejects.toBeInstanceOf(StateError);
    await expect(admin.createTopic({ topic: 't', partitions: 1, replicationFactor: 1 })).rejects.toBeInstanceOf(StateError);
  });

  it('shares topics between clients of one broker', async () => {
    const a = new MemoryKafka();
    const b = new MemoryKafka({ broker: a.broker });
    await a.admin().createTopic({ topic: 'shared', partitions: 1, replicationFactor: 1 });
    expect(await b.admin().describeTopic('shared')).toBeDefined();
    expect(await new MemoryKafka().admin().describeTopic('shared')).toBeUndefined();
  });
});
