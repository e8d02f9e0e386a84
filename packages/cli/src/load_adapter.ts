import type { KafkaClient } from '@goka-ts/api';
import { createKafkaClient, type ClientKind as LoaderClientKind } from '@goka-ts/client-loader';

/**
 * The client adapters the CLI can use; each is an optional peer dependency, loaded on demand by
 * `@goka-ts/client-loader`. The embedded in-memory Kafka is left out: a CLI run would only ever
 * see its own empty broker.
 */
export type ClientKind = Exclude<LoaderClientKind, 'memory'>;

export const CLIENT_KINDS: readonly ClientKind[] = ['kafkajs', 'confluent', 'platformatic'];

/** A client of the named adapter for `brokers`; a missing adapter package says what to install. */
export function createClient(kind: ClientKind, brokers: readonly string[]): Promise<KafkaClient> {
  return createKafkaClient({ client: kind, brokers, clientId: 'goka-ts-cli', nextTo: '@goka-ts/cli' });
}
