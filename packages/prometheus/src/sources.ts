import type { ProcessorStats, StorageOperationStats, ViewStats } from '@goka-ts/api';

/** Anything with processor stats: a `Processor` of `@goka-ts/core`. */
export interface ProcessorStatsSource {
  stats(): ProcessorStats;
}

/** Anything with view stats: a `View` of `@goka-ts/core`. */
export interface ViewStatsSource {
  stats(): ViewStats;
}

/**
 * Storage measurements per topic, partition and operation: a `StorageStatsCollector` of
 * `@goka-ts/storage-lru`, filled by `instrumentStorage`.
 */
export interface StorageStatsSource {
  stats(): Readonly<Record<string, Readonly<Record<number, Readonly<Record<string, StorageOperationStats>>>>>>;
}

/** The fields of librdkafka's statistics JSON (`statistics.interval.ms`) that are exported. */
export interface RdKafkaStatisticsLike {
  /** Handle name, e.g. `"goka-ts#producer-1"`: one series per handle. */
  readonly name: string;
  readonly type: string;
  readonly [field: string]: unknown;
}

/** Subscribes a listener to librdkafka statistics and returns the unsubscribe function: `confluentClient(...).onStatistics`. */
export type RdKafkaStatisticsSubscription = (listener: (stats: RdKafkaStatisticsLike) => void) => () => void;
