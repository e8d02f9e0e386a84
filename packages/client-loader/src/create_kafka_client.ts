import type { KafkaClient, Logger } from '@goka-ts/api';
import { loadOptional } from './load_optional';

/** A Kafka client adapter, by the name its flag (`--client`) uses; `memory` is the in-memory Kafka. */
export type ClientKind = 'kafkajs' | 'confluent' | 'platformatic' | 'memory';

/** Every {@link ClientKind}. */
export const CLIENT_KINDS: readonly ClientKind[] = ['kafkajs', 'confluent', 'platformatic', 'memory'];

/** What {@link createKafkaClient} needs: the adapter, where the brokers are and who is asking. */
export interface KafkaClientChoice {
  readonly client: ClientKind;
  /** Ignored by `memory`. */
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Passed to the adapters that take one (kafkajs); omitted, they stay quiet. */
  readonly logger?: Logger;
  /** The package whose optional peer the adapter is, for the install hint (e.g. `@goka-ts/cli`). */
  readonly nextTo?: string;
  /** librdkafka's `statistics.interval.ms` (confluent only; the JS clients keep no such statistics). */
  readonly statisticsIntervalMs?: number;
}

type ClientFactory = (options: { brokers: readonly string[]; clientId?: string; logger?: Logger; config?: Record<string, unknown> }) => KafkaClient;
type MemoryKafkaClass = new () => KafkaClient;

/** Package and export of each adapter: a factory function, or the in-memory Kafka's class. */
const ADAPTERS: Record<ClientKind, { readonly name: string; readonly create: string }> = {
  kafkajs: { name: '@goka-ts/kafkajs', create: 'kafkajsClient' },
  confluent: { name: '@goka-ts/confluent', create: 'confluentClient' },
  platformatic: { name: '@goka-ts/platformatic', create: 'platformaticClient' },
  memory: { name: '@goka-ts/memory-kafka', create: 'MemoryKafka' },
};

/**
 * A client of the chosen adapter. Only that adapter's package is loaded, when this is called; a
 * missing one fails with what to install.
 */
export async function createKafkaClient(choice: KafkaClientChoice): Promise<KafkaClient> {
  const adapter = ADAPTERS[choice.client];
  const module = await loadOptional<Record<string, unknown>>(adapter.name, `--client ${choice.client}`, choice.nextTo);
  const create = module[adapter.create];
  if (typeof create !== 'function') {
    throw new Error(`${adapter.name} does not export ${adapter.create}: install a version matching ${choice.nextTo ?? '@goka-ts/client-loader'}`);
  }
  if (choice.client === 'memory') return new (create as MemoryKafkaClass)();
  const statistics = choice.client === 'confluent' && choice.statisticsIntervalMs ? { config: { 'statistics.interval.ms': choice.statisticsIntervalMs } } : {};
  return (create as ClientFactory)({ brokers: choice.brokers, clientId: choice.clientId, ...(choice.logger ? { logger: choice.logger } : {}), ...statistics });
}
