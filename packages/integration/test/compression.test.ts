/**
 * Compressed input across clients: batches compressed by librdkafka (the confluent adapter; Go
 * Goka, sarama and most producers compress alike) are read by every adapter's partition reader,
 * and batches the kafkajs adapter compresses are read by librdkafka. kafkajs has no zstd codec by
 * default: reading zstd fails with an error that says what to do.
 */
import type { KafkaClient, ProducerConfig } from '@goka-ts/api';
import { confluentClient } from '@goka-ts/confluent';
import { kafkajsClient } from '@goka-ts/kafkajs';
import { brokersFromEnv, TestCluster, uniqueName } from '@goka-ts/test-support';

type Codec = NonNullable<ProducerConfig['compression']>;
const RECORDS = 500;

async function produce(client: KafkaClient, topic: string, compression: Codec): Promise<void> {
  const producer = client.producer({ compression, lingerMs: 20 });
  await producer.connect();
  try {
    // Repetitive values compress well, so the batches really are compressed.
    await Promise.all(Array.from({ length: RECORDS }, (_, i) => producer.send({ topic, partition: 0, key: Buffer.from(`k${i}`), value: Buffer.from(`value ${i} `.repeat(20)) })));
  } finally {
    await producer.close();
  }
}

async function readValues(client: KafkaClient, topic: string): Promise<string[]> {
  const values: string[] = [];
  const reader = client.partitionReader({ topic, partitions: [{ partition: 0, from: 'oldest' }], follow: false, maxWaitMs: 100 });
  await reader.run({ onBatch: async (batch) => void values.push(...batch.messages.map((m) => m.value!.toString())) });
  return values;
}

const expected = Array.from({ length: RECORDS }, (_, i) => `value ${i} `.repeat(20));

describe('compressed batches across adapters', () => {
  let cluster: TestCluster;
  const kafkajs = kafkajsClient({ brokers: brokersFromEnv() });
  const confluent = confluentClient({ brokers: brokersFromEnv() });
  beforeAll(() => {
    cluster = new TestCluster(kafkajs);
  });
  afterAll(() => cluster.close());

  it.each(['gzip', 'snappy', 'lz4', 'zstd'] as const)('librdkafka writes %s: both adapters read every record', async (compression) => {
    const topic = await cluster.createTopic(uniqueName(`compressed-${compression}`), 1);
    await produce(confluent, topic, compression);
    expect(await readValues(confluent, topic)).toEqual(expected);
    if (compression === 'zstd') {
      await expect(readValues(kafkajs, topic)).rejects.toThrow(/register one with kafkajs/);
    } else {
      expect(await readValues(kafkajs, topic)).toEqual(expected);
    }
  });

  it.each(['gzip', 'snappy', 'lz4'] as const)('kafkajs writes %s: librdkafka reads every record', async (compression) => {
    const topic = await cluster.createTopic(uniqueName(`kjs-compressed-${compression}`), 1);
    await produce(kafkajs, topic, compression);
    expect(await readValues(confluent, topic)).toEqual(expected);
    expect(await readValues(kafkajs, topic)).toEqual(expected);
  });
});
