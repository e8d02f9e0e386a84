/**
 * Prometheus collectors for goka-ts on prom-client: processors, views, instrumented storage and
 * librdkafka statistics. See {@link GokaMetrics}.
 */
export { GokaMetrics } from './goka_metrics';
export type { GokaMetricsOptions } from './goka_metrics';
export type { ProcessorStatsSource, ViewStatsSource, StorageStatsSource, RdKafkaStatisticsLike, RdKafkaStatisticsSubscription } from './sources';
