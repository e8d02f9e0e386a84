import { brokersFromEnv, uniqueName, waitFor } from '@goka-ts/conformance';
import type { ConfluentKafkaClient } from '@goka-ts/confluent';
import { KafkajsClient } from '@goka-ts/kafkajs';
import { MemoryKafka } from '@goka-ts/memory-kafka';
import { PlatformaticClient } from '@goka-ts/platformatic';
import { createKafkaClient } from '../src';

// A working client of every real adapter on the broker: the CLI's load_adapter test, through this.
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

  it('creates the adapter the kind names', async () => {
    const choice = { brokers: ['127.0.0.1:1'], clientId: 'loader-test' };
    expect(await createKafkaClient({ ...choice, client: 'kafkajs' })).toBeInstanceOf(KafkajsClient);
    expect(await createKafkaClient({ ...choice, client: 'platformatic' })).toBeInstanceOf(PlatformaticClient);
  });

  it("passes statisticsIntervalMs to librdkafka (confluent), whose statistics then arrive", async () => {
    const client = (await createKafkaClient({ client: 'confluent', brokers: brokersFromEnv(), clientId: uniqueName('loader'), statisticsIntervalMs: 100 })) as ConfluentKafkaClient;
    const types: string[] = [];
    const unsubscribe = client.onStatistics((stats) => types.push(String(stats.type)));
    const producer = client.producer();
    await producer.connect();
    try {
      await waitFor('librdkafka statistics of the producer', () => types.includes('producer'), 15_000);
    } finally {
      unsubscribe();
      await producer.close();
    }
  });
});
