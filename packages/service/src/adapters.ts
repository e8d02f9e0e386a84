import path from 'node:path';
import type { KafkaClient, Logger, StorageBuilder } from '@goka-ts/api';
import { MemoryKafka } from '@goka-ts/memory-kafka';
import { memoryStorage } from '@goka-ts/storage-memory';
import type { ServiceConfig } from './config';

/**
 * Loads an optional adapter package. They are optional peer dependencies, so a service that runs
 * on kafkajs never builds confluent's native librdkafka; a missing one says what to install.
 */
async function load<T>(name: string, why: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((error as Error).message).includes(name)) {
      throw new Error(`${why} needs the package ${name}: install it next to @goka-ts/service (npm install ${name})`, { cause: error });
    }
    throw error;
  }
}

interface ClientModule {
  kafkajsClient?(options: { brokers: readonly string[]; clientId?: string; logger?: Logger }): KafkaClient;
  confluentClient?(options: { brokers: readonly string[]; clientId?: string }): KafkaClient;
}

/** The Kafka client the config names. */
export async function createClient(config: ServiceConfig, logger: Logger): Promise<KafkaClient> {
  const clientId = `${config.service}-${config.instance}`;
  switch (config.client) {
    case 'memory':
      return new MemoryKafka();
    case 'kafkajs': {
      const { kafkajsClient } = await load<ClientModule>('@goka-ts/kafkajs', '--client kafkajs');
      return kafkajsClient!({ brokers: config.brokers, clientId, logger: config.logLevel === 'debug' ? logger : undefined });
    }
    case 'confluent': {
      const { confluentClient } = await load<ClientModule>('@goka-ts/confluent', '--client confluent');
      return confluentClient!({ brokers: config.brokers, clientId });
    }
  }
}

interface LevelModule {
  leveldbStorage(options: { path: string; cacheSize?: number; writeBufferSize?: number; sharedDatabase?: boolean }): StorageBuilder;
}
interface RedisModule {
  redisStorage(options: { url: string; prefix?: string }): StorageBuilder;
}
interface LruModule {
  lruStorage(inner: StorageBuilder, options: { maxEntries: number }): StorageBuilder;
}

/** Loads the storage packages the config names, once, for {@link StorageFactory.builder}. */
export async function storageFactory(config: ServiceConfig): Promise<StorageFactory> {
  const modules = {
    level: config.storage === 'leveldb' ? await load<LevelModule>('@goka-ts/storage-leveldb', '--storage leveldb') : undefined,
    redis: config.storage === 'redis' ? await load<RedisModule>('@goka-ts/storage-redis', '--storage redis') : undefined,
    lru: config.lruSize > 0 ? await load<LruModule>('@goka-ts/storage-lru', '--lru-size') : undefined,
  };
  return { builder: (component) => createStorage(config, component, modules) };
}

/** Storage builders of one service, one per component. */
export interface StorageFactory {
  /**
   * The storage of one component (e.g. `processor-counter`): its own LevelDB directory
   * `<storagePath>/<service>-<instance>/<component>` (or Redis key prefix), since a processor and a
   * view of the same table (or a processor joining another's table) open the same topic-partitions.
   */
  builder(component: string): StorageBuilder;
}

function createStorage(config: ServiceConfig, component: string, modules: { level?: LevelModule; redis?: RedisModule; lru?: LruModule }): StorageBuilder {
  const own = `${config.service}-${config.instance}`;
  let builder: StorageBuilder;
  if (modules.level) builder = modules.level.leveldbStorage({ path: path.join(config.storagePath, own, component), ...config.leveldb });
  else if (modules.redis) builder = modules.redis.redisStorage({ url: config.redisUrl!, prefix: `goka:${own}:${component}` });
  else builder = memoryStorage();
  if (modules.lru) builder = modules.lru.lruStorage(builder, { maxEntries: config.lruSize });
  return builder;
}
