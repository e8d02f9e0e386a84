/**
 * `@goka-ts/confluent`: the goka-ts Kafka client layer on `@confluentinc/kafka-javascript`
 * (librdkafka). See README.md for installation, options, statistics and limits.
 */
export { confluentClient } from './client';
export type { ConfluentKafkaClient } from './client';
export type { ConfluentClientOptions } from './options';
export type { RdKafkaStatistics, StatisticsListener } from './statistics';
export { COOPERATIVE_UNSUPPORTED } from './group_consumer';
