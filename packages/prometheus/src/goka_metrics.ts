import { register as globalRegistry, type Registry } from 'prom-client';
import { ComponentMetrics } from './component_metrics';
import { RdKafkaMetrics } from './rdkafka_metrics';
import type { Metric } from './scraped_metric';
import type { ProcessorStatsSource, RdKafkaStatisticsSubscription, StorageStatsSource, ViewStatsSource } from './sources';
import { StorageMetrics } from './storage_metrics';

/** Options of {@link GokaMetrics}. */
export interface GokaMetricsOptions {
  /** Where the metrics are registered. Default: prom-client's global registry (`register`). */
  readonly registry?: Registry;
  /** Prefix of every metric name. Default `"goka_"`. */
  readonly prefix?: string;
  /**
   * A librdkafka handle that sent no statistics for this long (it was closed) is no longer
   * exported. Default 60 000 ms; keep it above `statistics.interval.ms`.
   */
  readonly rdkafkaStaleAfterMs?: number;
}

/**
 * Prometheus metrics of goka-ts components, on prom-client. Components are added once and read at
 * every scrape (their `stats()`), so nothing is counted twice and the hot path is untouched:
 *
 * ```ts
 * const metrics = new GokaMetrics();
 * metrics.addProcessor(processor);
 * metrics.addView(view);
 * metrics.addStorage('leveldb', storageStats); // a StorageStatsCollector behind instrumentStorage
 * metrics.addRdkafka((l) => client.onStatistics(l)); // @goka-ts/confluent
 * // serve `await register.metrics()` on /metrics
 * ```
 *
 * Metric names: `goka_processor_*` (state, input messages / bytes / lag / delay / last offset /
 * skipped / dead-lettered, output messages / bytes), `goka_view_state`, `goka_table_*` (status, stalled, offset, high
 * watermark, recovered records, recovery time, writes; for group tables, joined tables, lookup
 * views and views), `goka_storage_*` and `goka_rdkafka_*`. One instance per registry: a second
 * one would register the same names.
 */
export class GokaMetrics {
  private readonly registry: Registry;
  private readonly components: ComponentMetrics;
  private readonly storage: StorageMetrics;
  private readonly rdkafka: RdKafkaMetrics;
  private readonly subscriptions = new Set<() => void>();
  private closed = false;

  constructor(options: GokaMetricsOptions = {}) {
    this.registry = options.registry ?? globalRegistry;
    const prefix = options.prefix ?? 'goka_';
    this.components = new ComponentMetrics(this.registry, prefix);
    this.storage = new StorageMetrics(this.registry, prefix);
    this.rdkafka = new RdKafkaMetrics(this.registry, prefix, options.rdkafkaStaleAfterMs ?? 60_000);
  }

  /** Exports a processor's stats (a `Processor` of `@goka-ts/core`). Returns a function that removes it. */
  addProcessor(processor: ProcessorStatsSource): () => void {
    this.checkOpen();
    this.components.processors.add(processor);
    return () => void this.components.processors.delete(processor);
  }

  /** Exports a view's stats (a `View` of `@goka-ts/core`). Returns a function that removes it. */
  addView(view: ViewStatsSource): () => void {
    this.checkOpen();
    this.components.views.add(view);
    return () => void this.components.views.delete(view);
  }

  /**
   * Exports storage measurements under the label `storage="<name>"`: a `StorageStatsCollector` of
   * `@goka-ts/storage-lru` that an `instrumentStorage(builder, collector)` fills.
   */
  addStorage(name: string, stats: StorageStatsSource): () => void {
    this.checkOpen();
    this.storage.sources.set(stats, name);
    return () => void this.storage.sources.delete(stats);
  }

  /**
   * Subscribes to librdkafka statistics, e.g. `metrics.addRdkafka((l) => client.onStatistics(l))`
   * with a `@goka-ts/confluent` client (which then sets `statistics.interval.ms` if needed).
   * Returns the unsubscribe function.
   */
  addRdkafka(subscribe: RdKafkaStatisticsSubscription): () => void {
    this.checkOpen();
    const unsubscribe = subscribe((stats) => this.rdkafka.observe(stats));
    const remove = () => {
      if (this.subscriptions.delete(remove)) unsubscribe();
    };
    this.subscriptions.add(remove);
    return remove;
  }

  /** Unsubscribes from every statistics source and removes this instance's metrics from the registry. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const remove of [...this.subscriptions]) remove();
    const all: Metric[] = [...this.components.metrics, ...this.storage.metrics, ...this.rdkafka.metrics];
    for (const metric of all) this.registry.removeSingleMetric(metricName(metric));
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('GokaMetrics is closed');
  }
}

/** prom-client keeps a metric's name in a field its typings do not declare. */
function metricName(metric: Metric): string {
  return (metric as unknown as { name: string }).name;
}
