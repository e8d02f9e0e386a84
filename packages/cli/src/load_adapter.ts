import type { KafkaClient } from '@goka-ts/api';

/** The client adapters the CLI can use; each is an optional peer dependency. */
export type ClientKind = 'kafkajs' | 'confluent';

export const CLIENT_KINDS: readonly ClientKind[] = ['kafkajs', 'confluent'];

const PACKAGES: Record<ClientKind, string> = { kafkajs: '@goka-ts/kafkajs', confluent: '@goka-ts/confluent' };

interface ClientModule {
  kafkajsClient?(options: { brokers: readonly string[]; clientId?: string }): KafkaClient;
  confluentClient?(options: { brokers: readonly string[]; clientId?: string }): KafkaClient;
}

/**
 * Loads an optional package by name. Adapters are optional peer dependencies so that using the CLI
 * with kafkajs never builds confluent's native librdkafka; a missing one says what to install.
 */
export async function loadOptional<T>(name: string, why: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((error as Error).message).includes(name)) {
      throw new Error(`${why} needs the package ${name}: install it next to @goka-ts/cli (npm install ${name})`, { cause: error });
    }
    throw error;
  }
}

/** A client of the named adapter for `brokers`. */
export async function createClient(kind: ClientKind, brokers: readonly string[]): Promise<KafkaClient> {
  const module = await loadOptional<ClientModule>(PACKAGES[kind], `--client ${kind}`);
  const create = kind === 'kafkajs' ? module.kafkajsClient : module.confluentClient;
  if (!create) throw new Error(`${PACKAGES[kind]} does not export ${kind}Client: install a version matching @goka-ts/cli`);
  return create({ brokers, clientId: 'goka-ts-cli' });
}
