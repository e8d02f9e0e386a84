import type { KafkaClient } from '@goka-ts/api';
import { confluentClient } from '@goka-ts/confluent';
import { kafkajsClient } from '@goka-ts/kafkajs';
import { platformaticClient } from '@goka-ts/platformatic';
import type { BenchConfig } from './config';
import type { Meter } from './meter';
import { consumeConfluent } from './raw_confluent';
import { consumeKafkajs } from './raw_kafkajs';
import { consumePlatformatic } from './raw_platformatic';

/** A goka-ts client adapter and the raw client it is built on. */
export interface BenchAdapter {
  readonly name: string;
  client(): KafkaClient;
  /** Reads `expected` messages of `topic` from the beginning with the raw client (fresh group). */
  rawConsume(topic: string, groupId: string, expected: number): Promise<Meter>;
}

export function adapters(config: BenchConfig): BenchAdapter[] {
  const known: Record<string, BenchAdapter> = {
    kafkajs: {
      name: 'kafkajs',
      client: () => kafkajsClient({ brokers: config.brokers, clientId: 'goka-ts-bench' }),
      rawConsume: (topic, groupId, expected) => consumeKafkajs(config, topic, groupId, expected),
    },
    confluent: {
      name: 'confluent',
      client: () => confluentClient({ brokers: config.brokers, clientId: 'goka-ts-bench' }),
      rawConsume: (topic, groupId, expected) => consumeConfluent(config, topic, groupId, expected),
    },
    platformatic: {
      name: 'platformatic',
      client: () => platformaticClient({ brokers: config.brokers, clientId: 'goka-ts-bench' }),
      rawConsume: (topic, groupId, expected) => consumePlatformatic(config, topic, groupId, expected),
    },
  };
  return config.adapters.map((name) => {
    const adapter = known[name];
    if (!adapter) throw new Error(`BENCH_ADAPTERS: unknown adapter "${name}"; known: ${Object.keys(known).join(', ')}`);
    return adapter;
  });
}
