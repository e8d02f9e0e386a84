import type { Registry } from 'prom-client';
import { scrapedMetric, type Emit, type Metric } from './scraped_metric';
import type { StorageStatsSource } from './sources';

/**
 * Storage metrics from `instrumentStorage` (`@goka-ts/storage-lru`): operations, failures and time
 * spent per storage, topic, partition and operation, the "metrics by wrapping" of the tips page.
 */
export class StorageMetrics {
  readonly sources = new Map<StorageStatsSource, string>();
  readonly metrics: Metric[] = [];

  constructor(registry: Registry, prefix: string) {
    const labels = ['storage', 'topic', 'partition', 'operation'];
    const metric = (kind: 'gauge' | 'counter', name: string, help: string, value: (s: { count: number; errors: number; totalMs: number }) => number) =>
      this.metrics.push(scrapedMetric(kind, registry, prefix + name, help, labels, (emit) => this.each(emit, value)));
    metric('counter', 'storage_operations_total', 'Storage operations (an iterator counts once, for the whole iteration).', (s) => s.count);
    metric('counter', 'storage_errors_total', 'Storage operations that failed.', (s) => s.errors);
    metric('counter', 'storage_operation_seconds_total', 'Time spent in storage operations.', (s) => s.totalMs / 1000);
  }

  private each(emit: Emit, value: (s: { count: number; errors: number; totalMs: number }) => number): void {
    for (const [source, storage] of this.sources) {
      for (const [topic, partitions] of Object.entries(source.stats())) {
        for (const [partition, operations] of Object.entries(partitions)) {
          for (const [operation, s] of Object.entries(operations)) {
            // Operations never used stay out: a table that is only read has no write series.
            if (s.count > 0) emit({ storage, topic, partition, operation }, value(s));
          }
        }
      }
    }
  }
}
