import type { KafkaClient } from '@goka-ts/api';
import { createKafkaClient, type ClientKind as ServiceClientKind } from '@goka-ts/service';

/**
 * The client adapters the CLI can use; each is an optional peer dependency, loaded the way
 * `@goka-ts/service` loads it. The embedded in-memory Kafka is left out: a CLI run would only ever
 * see its own empty broker.
 */
export type ClientKind = Exclude<ServiceClientKind, 'memory'>;

export const CLIENT_KINDS: readonly ClientKind[] = ['kafkajs', 'confluent', 'platformatic'];

/** A client of the named adapter for `brokers`; a missing adapter package says what to install. */
export function createClient(kind: ClientKind, brokers: readonly string[]): Promise<KafkaClient> {
  return createKafkaClient({ client: kind, brokers, clientId: 'goka-ts-cli', nextTo: '@goka-ts/cli' });
}
