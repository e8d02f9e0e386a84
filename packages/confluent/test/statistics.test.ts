import type { RdKafkaStatistics } from '../src';
import { client, createTopics, deleteTopics, produce, uid, waitFor } from './helpers';

describe('confluent statistics', () => {
  test('librdkafka statistics of producers and consumers reach the callback and listeners', async () => {
    const fromOption: RdKafkaStatistics[] = [];
    const c = client({ onStatistics: (s) => fromOption.push(s), config: { 'statistics.interval.ms': 200 } });
    const fromListener: RdKafkaStatistics[] = [];
    const unsubscribe = c.onStatistics((s) => fromListener.push(s));
    const topic = uid('stats');
    await createTopics(c, 1, topic);
    const producer = c.producer();
    await producer.connect();
    await produce(producer, topic, 0, 10);
    const reader = c.partitionReader({ topic, follow: true, partitions: [{ partition: 0, from: 'oldest' }] });
    const run = reader.run({ onBatch: async () => undefined });
    try {
      await waitFor('producer and consumer statistics', () =>
        fromOption.some((s) => s.type === 'producer') && fromOption.some((s) => s.type === 'consumer'), 10000);
      const p = fromOption.find((s) => s.type === 'producer')!;
      expect(p.client_id).toBe('confluent-test');
      expect(typeof p.time).toBe('number');
      expect(p).toHaveProperty('brokers');
      await waitFor('partition stats', () => fromOption.some((s) => s.type === 'consumer'
        && ((s.topics as Record<string, { partitions: Record<string, { hi_offset: number }> }>)?.[topic]?.partitions['0']?.hi_offset === 10)), 10000);
      expect(fromListener.length).toBeGreaterThan(0);
      unsubscribe();
      const n = fromListener.length;
      await new Promise((r) => setTimeout(r, 500));
      expect(fromListener.length).toBe(n);
    } finally {
      await reader.stop();
      await run;
      await producer.close();
      await deleteTopics(c, topic);
    }
  });

  test('onStatistics without an interval turns statistics on (5 s default)', async () => {
    const seen: RdKafkaStatistics[] = [];
    const c = client({ onStatistics: (s) => seen.push(s) });
    const producer = c.producer();
    await producer.connect();
    try {
      await waitFor('statistics', () => seen.length > 0, 8000);
    } finally {
      await producer.close();
    }
  });
});
