import { brokersFromEnv, uniqueName } from '@goka-ts/conformance';
import { MemoryKafka } from '@goka-ts/memory-kafka';
import { CLIENT_KINDS, createKafkaClient } from '../src';

describe('createKafkaClient', () => {
  it('creates the in-memory Kafka for --client memory, without brokers', async () => {
    const client = await createKafkaClient({ client: 'memory', brokers: [], clientId: 'loader-test' });
    expect(client).toBeInstanceOf(MemoryKafka);
    const admin = client.admin();
    await admin.connect();
    await admin.createTopic({ topic: 'loaded', partitions: 2, replicationFactor: 1 });
    expect(await admin.listTopics()).toContain('loaded');
    await admin.close();
  });

  it.each(CLIENT_KINDS.filter((kind) => kind !== 'memory'))('creates a working %s client on the broker', async (kind) => {
    const client = await createKafkaClient({ client: kind, brokers: brokersFromEnv(), clientId: uniqueName('loader'), nextTo: '@goka-ts/cli' });
    const admin = client.admin();
    await admin.connect();
    try {
      expect(Array.isArray(await admin.listTopics())).toBe(true);
    } finally {
      await admin.close();
    }
  });
});
