/**
 * The Kafka client adapters goka-ts's own tests run against, each on the broker of `KAFKA_BROKERS`.
 * Every suite runs once per adapter: `describe.each(clients)('... (%s)', (client) => ...)`.
 */
import type { KafkaClient } from '@goka-ts/api';
import { brokersFromEnv } from '@goka-ts/conformance';
import { confluentClient } from '@goka-ts/confluent';
import { kafkajsClient } from '@goka-ts/kafkajs';
import { platformaticClient } from '@goka-ts/platformatic';

/** A client adapter under test. `toString` names it in `describe.each` titles. */
export interface ClientFactory {
  readonly name: string;
  create(): KafkaClient;
  toString(): string;
}

function factory(name: string, create: () => KafkaClient): ClientFactory {
  return { name, create, toString: () => name };
}

/** The adapters every integration suite runs against: the same tests, parameterized by client. */
export const clients: readonly ClientFactory[] = [
  factory('kafkajs', () => kafkajsClient({ brokers: brokersFromEnv() })),
  factory('confluent', () => confluentClient({ brokers: brokersFromEnv() })),
  factory('platformatic', () => platformaticClient({ brokers: brokersFromEnv() })),
];

/** Consumer settings that keep rebalances short on the test broker. */
export const fastConsumer = { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000, maxWaitMs: 100 } as const;
