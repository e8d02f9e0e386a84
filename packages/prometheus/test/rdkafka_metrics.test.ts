import { brokersFromEnv } from '@goka-ts/conformance';
import { confluentClient } from '@goka-ts/confluent';
import { Registry } from 'prom-client';
import { GokaMetrics, type RdKafkaStatisticsLike } from '../src';

type Series = Array<{ labels: Record<string, string | number>; value: number }>;
async function series(registry: Registry, name: string): Promise<Series> {
  return ((await registry.getMetricsAsJSON()).find((m) => m.name === name)?.values ?? []) as Series;
}

describe('GokaMetrics: librdkafka statistics', () => {
  it('turns the statistics of a real librdkafka producer into metrics', async () => {
    const brokers = brokersFromEnv();
    const registry = new Registry();
    const metrics = new GokaMetrics({ registry });
    const client = confluentClient({ brokers, config: { 'statistics.interval.ms': 100 } });
    let latest: RdKafkaStatisticsLike | undefined;
    metrics.addRdkafka((listener) =>
      client.onStatistics((stats) => {
        listener(stats);
        if (stats.type === 'producer') latest = stats;
      }),
    );
    const topic = `prometheus-rdkafka-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const admin = client.admin();
    const producer = client.producer();
    try {
      await admin.connect();
      await admin.createTopic({ topic, partitions: 2, replicationFactor: 1 });
      await producer.connect();
      await Promise.all(Array.from({ length: 20 }, (_, i) => producer.send({ topic, partition: i % 2, key: null, value: Buffer.from(`m${i}`) })));
      // Statistics come every 100 ms: wait for one that counts all 20 messages.
      const deadline = Date.now() + 15_000;
      while (!(Number(latest?.txmsgs) >= 20)) {
        if (Date.now() > deadline) throw new Error(`no statistics counting 20 sent messages (last: txmsgs=${String(latest?.txmsgs)})`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const name = latest!.name;
      const mine = (s: Series) => s.filter((v) => v.labels.client === name);
      expect(mine(await series(registry, 'goka_rdkafka_messages_sent_total')).map((v) => v.value)).toEqual([Number(latest!.txmsgs)]);
      expect(mine(await series(registry, 'goka_rdkafka_messages_sent_total'))[0]!.labels.type).toBe('producer');
      const up = mine(await series(registry, 'goka_rdkafka_broker_up'));
      expect(up.length).toBeGreaterThan(0);
      expect(up.some((v) => v.value === 1)).toBe(true);
      const rtt = mine(await series(registry, 'goka_rdkafka_broker_rtt_seconds'));
      expect(rtt.map((v) => v.labels.stat).sort()).toEqual(expect.arrayContaining(['avg', 'p99']));
      expect(rtt.every((v) => v.value >= 0 && v.value < 10)).toBe(true);
    } finally {
      await producer.close();
      await admin.deleteTopic(topic).catch(() => undefined);
      await admin.close();
      metrics.close();
    }
  });

  it('drops a handle that stopped reporting, and reads consumer lag and rebalances of a consumer report', async () => {
    const registry = new Registry();
    const metrics = new GokaMetrics({ registry, rdkafkaStaleAfterMs: 50 });
    let push!: (stats: RdKafkaStatisticsLike) => void;
    const unsubscribe = jest.fn();
    const remove = metrics.addRdkafka((listener) => {
      push = listener;
      return unsubscribe;
    });
    // The parts of a consumer report that are exported (librdkafka's STATISTICS.md layout).
    push({
      name: 'goka-ts#consumer-1',
      type: 'consumer',
      brokers: { 'GroupCoordinator': { source: 'logical', state: 'UP', rtt: { avg: 1500, p99: 4000 } }, ':0/internal': { source: 'internal', state: 'INIT' } },
      topics: { clicks: { partitions: { '0': { consumer_lag: 7 }, '1': { consumer_lag: -1 }, '-1': { consumer_lag: 3 } } } },
      cgrp: { rebalance_cnt: 2 },
    });
    expect((await series(registry, 'goka_rdkafka_consumer_lag')).map((v) => [v.labels.topic, v.labels.partition, v.value])).toEqual([['clicks', '0', 7]]);
    expect((await series(registry, 'goka_rdkafka_rebalances_total')).map((v) => v.value)).toEqual([2]);
    expect((await series(registry, 'goka_rdkafka_broker_rtt_seconds')).map((v) => [v.labels.stat, v.value])).toEqual([['avg', 0.0015], ['p99', 0.004]]);
    expect((await series(registry, 'goka_rdkafka_broker_up')).map((v) => v.labels.broker)).toEqual(['GroupCoordinator']);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await series(registry, 'goka_rdkafka_consumer_lag')).toEqual([]);
    remove();
    expect(unsubscribe).toHaveBeenCalledTimes(1);
    metrics.close();
    expect(unsubscribe).toHaveBeenCalledTimes(1);
  });
});
