import type { JavaCompression, JavaRecord } from './java_producer';

/**
 * Writes records with librdkafka (`@confluentinc/kafka-javascript`, its own API, no goka-ts adapter),
 * whose snappy is raw, unframed, as sarama's and platformatic's: the other framing than the Java
 * client's (see `produceWithJava`, which takes the same records). All records are handed over before
 * the first batch leaves (`linger.ms` 500), so each partition's records travel as one compressed
 * batch up to 1 MB. Returns each record's offset, in input order.
 */
export async function produceWithLibrdkafka(
  brokers: readonly string[], topic: string, records: readonly JavaRecord[], compression: JavaCompression = 'none',
): Promise<number[]> {
  // Loaded on use: the native library is only needed by the suites that write with it.
  const { HighLevelProducer } = await import('@confluentinc/kafka-javascript');
  const producer = new HighLevelProducer({
    'bootstrap.servers': brokers.join(','),
    'client.id': 'goka-ts-conformance-librdkafka',
    'compression.codec': compression,
    'linger.ms': 500,
    'batch.size': 1_000_000,
    'batch.num.messages': 100_000,
    'enable.idempotence': true,
  });
  await new Promise<void>((resolve, reject) => producer.connect({ timeout: 10_000 }, (err) => (err ? reject(new Error(`librdkafka producer cannot connect: ${err.message}`)) : resolve())));
  try {
    return await Promise.all(records.map((r) => new Promise<number>((resolve, reject) => {
      producer.produce(topic, r.partition, r.value, r.key, null, (err: unknown, offset?: number | null) => {
        if (err) reject(new Error(`librdkafka producer: record for ${topic}/${r.partition} not written: ${(err as Error).message ?? String(err)}`));
        else if (typeof offset !== 'number') reject(new Error(`librdkafka producer: no offset for a record of ${topic}/${r.partition}`));
        else resolve(offset);
      });
    })));
  } finally {
    await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  }
}
