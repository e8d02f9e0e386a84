import { Kafka, logLevel, type Message } from 'kafkajs';
import type { BenchConfig } from './config';
import { Meter } from './meter';
import type { BenchRecord } from './workload';

/** Records per produce request when preparing topics. */
const PRODUCE_CHUNK = 20_000;

function kafka(config: BenchConfig): Kafka {
  return new Kafka({ clientId: 'goka-ts-bench', brokers: config.brokers, logLevel: logLevel.NOTHING });
}

/** Writes the records with a plain kafkajs producer in large batches (not timed). */
export async function produceKafkajs(config: BenchConfig, topic: string, records: readonly BenchRecord[]): Promise<void> {
  const producer = kafka(config).producer({ allowAutoTopicCreation: false, createPartitioner: () => ({ message }) => message.partition! });
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += PRODUCE_CHUNK) {
      const messages: Message[] = records.slice(i, i + PRODUCE_CHUNK).map((r) => ({ partition: r.partition, key: r.key, value: r.value }));
      await producer.sendBatch({ topicMessages: [{ topic, messages }], acks: 1 });
    }
  } finally {
    await producer.disconnect();
  }
}

/**
 * The raw kafkajs baseline: a consumer of a fresh group reading `topic` from the beginning with
 * `eachBatch`, every partition concurrently, offsets auto-committed at the processor's commit
 * interval (kafkajs' default would commit after every batch, which is slower). The handler touches
 * every message's key and value, nothing more. Timed from the group join (partitions assigned).
 * Resolves with the meter once `expected` messages were seen.
 */
export async function consumeKafkajs(config: BenchConfig, topic: string, groupId: string, expected: number): Promise<Meter> {
  const meter = new Meter(expected);
  const consumer = kafka(config).consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 500, allowAutoTopicCreation: false });
  consumer.on(consumer.events.CRASH, (event) => meter.fail(event.payload.error));
  consumer.on(consumer.events.GROUP_JOIN, () => meter.start());
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let bytes = 0;
    await consumer.run({
      autoCommitInterval: 1000,
      partitionsConsumedConcurrently: config.partitions,
      eachBatch: async ({ batch }) => {
        const messages = batch.messages;
        for (let i = 0; i < messages.length; i++) {
          const m = messages[i];
          bytes += (m.key?.length ?? 0) + (m.value?.length ?? 0);
        }
        meter.add(messages.length);
      },
    });
    await meter.wait(`raw kafkajs consumer of ${topic}`, config.timeoutMs);
    if (bytes < 0) throw new Error('unreachable'); // keeps the reads from being optimised away
    return meter;
  } finally {
    await consumer.disconnect();
  }
}
