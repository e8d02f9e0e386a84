/**
 * Creates the Kafka client a `--client` flag names, loading only that adapter's package (every
 * adapter, the in-memory Kafka included, is an optional peer dependency). Shared by
 * `@goka-ts/service` and `@goka-ts/cli`, so the CLI needs nothing of the service.
 */
export { createKafkaClient, CLIENT_KINDS } from './create_kafka_client';
export type { ClientKind, KafkaClientChoice } from './create_kafka_client';
export { loadOptional } from './load_optional';
