import type { Registry } from 'prom-client';
import { scrapedMetric, type Emit, type Labels, type Metric } from './scraped_metric';
import type { RdKafkaStatisticsLike } from './sources';

interface Latest {
  readonly stats: RdKafkaStatisticsLike;
  readonly at: number;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v !== null && typeof v === 'object' ? (v as Obj) : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * librdkafka's statistics (the JSON it emits every `statistics.interval.ms`, exposed by
 * `@goka-ts/confluent`'s `onStatistics`) as metrics: the last report of every librdkafka handle
 * (producer, consumer, admin), labelled by handle name and type. A handle that stopped reporting
 * (closed) drops out after `staleAfterMs`.
 */
export class RdKafkaMetrics {
  private readonly latest = new Map<string, Latest>();
  readonly metrics: Metric[] = [];

  constructor(registry: Registry, prefix: string, private readonly staleAfterMs: number) {
    const client = ['client', 'type'];
    const metric = (kind: 'gauge' | 'counter', name: string, help: string, labels: readonly string[], fill: (emit: Emit, s: RdKafkaStatisticsLike, base: Labels) => void) =>
      this.metrics.push(scrapedMetric(kind, registry, `${prefix}rdkafka_${name}`, help, labels, (emit) => this.each(emit, fill)));
    const top = (kind: 'gauge' | 'counter', name: string, help: string, field: string) =>
      metric(kind, name, help, client, (emit, s, base) => {
        const v = num(s[field]);
        if (v !== undefined) emit(base, v);
      });

    top('gauge', 'messages_queued', 'Messages waiting in the producer queues (msg_cnt).', 'msg_cnt');
    top('gauge', 'messages_queued_bytes', 'Bytes of the messages waiting in the producer queues (msg_size).', 'msg_size');
    top('counter', 'requests_sent_total', 'Requests sent to brokers (tx).', 'tx');
    top('counter', 'request_bytes_sent_total', 'Bytes sent to brokers (tx_bytes).', 'tx_bytes');
    top('counter', 'responses_received_total', 'Responses received from brokers (rx).', 'rx');
    top('counter', 'response_bytes_received_total', 'Bytes received from brokers (rx_bytes).', 'rx_bytes');
    top('counter', 'messages_sent_total', 'Messages produced (txmsgs).', 'txmsgs');
    top('counter', 'messages_received_total', 'Messages consumed (rxmsgs).', 'rxmsgs');

    const broker = [...client, 'broker'];
    const eachBroker = (s: RdKafkaStatisticsLike, base: Labels, fn: (b: Obj, labels: Labels) => void) => {
      for (const [name, b] of Object.entries(obj(s.brokers) ?? {})) {
        const stats = obj(b);
        // librdkafka's internal pseudo-broker has no network; leave it out.
        if (stats && stats.source !== 'internal') fn(stats, { ...base, broker: name });
      }
    };
    metric('gauge', 'broker_up', '1 while the connection to the broker is up.', broker, (emit, s, base) =>
      eachBroker(s, base, (b, labels) => emit(labels, b.state === 'UP' ? 1 : 0)),
    );
    metric('gauge', 'broker_rtt_seconds', 'Broker round-trip time over the last interval (avg and p99).', [...broker, 'stat'], (emit, s, base) =>
      eachBroker(s, base, (b, labels) => {
        const rtt = obj(b.rtt);
        for (const stat of ['avg', 'p99']) {
          const v = num(rtt?.[stat]);
          if (v !== undefined) emit({ ...labels, stat }, v / 1e6);
        }
      }),
    );
    metric('counter', 'broker_request_timeouts_total', 'Requests to the broker that timed out.', broker, (emit, s, base) =>
      eachBroker(s, base, (b, labels) => {
        const v = num(b.req_timeouts);
        if (v !== undefined) emit(labels, v);
      }),
    );
    metric('counter', 'broker_errors_total', 'Transmission and receive errors with the broker.', [...broker, 'direction'], (emit, s, base) =>
      eachBroker(s, base, (b, labels) => {
        const tx = num(b.txerrs);
        const rx = num(b.rxerrs);
        if (tx !== undefined) emit({ ...labels, direction: 'tx' }, tx);
        if (rx !== undefined) emit({ ...labels, direction: 'rx' }, rx);
      }),
    );
    metric('gauge', 'consumer_lag', 'Consumer lag of a partition as librdkafka sees it (consumer_lag).', [...client, 'topic', 'partition'], (emit, s, base) => {
      for (const [topic, t] of Object.entries(obj(s.topics) ?? {})) {
        for (const [partition, p] of Object.entries(obj(obj(t)?.partitions) ?? {})) {
          const lag = num(obj(p)?.consumer_lag);
          // -1: unknown; partition -1 is librdkafka's unassigned-messages queue.
          if (partition !== '-1' && lag !== undefined && lag >= 0) emit({ ...base, topic, partition }, lag);
        }
      }
    });
    metric('counter', 'rebalances_total', 'Rebalances the consumer took part in (cgrp.rebalance_cnt).', client, (emit, s, base) => {
      const v = num(obj(s.cgrp)?.rebalance_cnt);
      if (v !== undefined) emit(base, v);
    });
  }

  /** Keeps the report as the handle's latest. */
  observe(stats: RdKafkaStatisticsLike): void {
    if (typeof stats?.name !== 'string') return;
    this.latest.set(stats.name, { stats, at: Date.now() });
  }

  private each(emit: Emit, fill: (emit: Emit, s: RdKafkaStatisticsLike, base: Labels) => void): void {
    const now = Date.now();
    for (const [name, { stats, at }] of this.latest) {
      if (now - at > this.staleAfterMs) {
        this.latest.delete(name);
        continue;
      }
      fill(emit, stats, { client: name, type: String(stats.type) });
    }
  }
}
