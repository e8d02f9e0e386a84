import path from 'node:path';
import type { KafkaClient, Logger, StorageBuilder } from '@goka-ts/api';
import { MemoryKafka } from '@goka-ts/memory-kafka';
import type { StorageStatsSource } from '@goka-ts/prometheus';
import { memoryStorage } from '@goka-ts/storage-memory';
import type { ClientKind, ServiceConfig } from './config';

/**
 * Loads an optional adapter package. They are optional peer dependencies, so a service that runs
 * on kafkajs never builds confluent's native librdkafka; a missing one says what to install and
 * next to which package (`nextTo`, the package whose peer it is).
 */
export async function loadOptional<T>(name: string, why: string, nextTo = '@goka-ts/service'): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((error as Error).message).includes(name)) {
      throw new Error(`${why} needs the package ${name}: install it next to ${nextTo} (npm install ${name})`, { cause: error });
    }
    throw error;
  }
}

/** What {@link createKafkaClient} needs: the adapter, where the brokers are and who is asking. */
export interface KafkaClientChoice {
  readonly client: ClientKind;
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Passed to the adapters that take one (kafkajs); omitted, they stay quiet. */
  readonly logger?: Logger;
  /** The package whose optional peer the adapter is, for the install hint. Default `@goka-ts/service`. */
  readonly nextTo?: string;
  /** librdkafka's `statistics.interval.ms` (confluent only; the JS clients keep no such statistics). */
  readonly statisticsIntervalMs?: number;
}

type ClientFactory = (options: { brokers: readonly string[]; clientId?: string; logger?: Logger; config?: Record<string, unknown> }) => KafkaClient;

/** Package and factory export of each broker adapter. */
const ADAPTERS: Record<Exclude<ClientKind, 'memory'>, { readonly name: string; readonly factory: string }> = {
  kafkajs: { name: '@goka-ts/kafkajs', factory: 'kafkajsClient' },
  confluent: { name: '@goka-ts/confluent', factory: 'confluentClient' },
  platformatic: { name: '@goka-ts/platformatic', factory: 'platformaticClient' },
};

/** A client of the chosen adapter, loading its package on demand; `memory` is the embedded in-memory Kafka. */
export async function createKafkaClient(choice: KafkaClientChoice): Promise<KafkaClient> {
  if (choice.client === 'memory') return new MemoryKafka();
  const adapter = ADAPTERS[choice.client];
  const module = await loadOptional<Record<string, ClientFactory | undefined>>(adapter.name, `--client ${choice.client}`, choice.nextTo);
  const create = module[adapter.factory];
  if (typeof create !== 'function') throw new Error(`${adapter.name} does not export ${adapter.factory}: install a version matching ${choice.nextTo ?? '@goka-ts/service'}`);
  const statistics = choice.client === 'confluent' && choice.statisticsIntervalMs ? { config: { 'statistics.interval.ms': choice.statisticsIntervalMs } } : {};
  return create({ brokers: choice.brokers, clientId: choice.clientId, ...(choice.logger ? { logger: choice.logger } : {}), ...statistics });
}

/** How often librdkafka reports the statistics that `/metrics` exports (`goka_rdkafka_*`). */
const STATISTICS_INTERVAL_MS = 5000;

/** The Kafka client the config names. */
export function createClient(config: ServiceConfig, logger: Logger): Promise<KafkaClient> {
  return createKafkaClient({
    client: config.client, brokers: config.brokers, clientId: `${config.service}-${config.instance}`,
    ...(config.logLevel === 'debug' ? { logger } : {}),
    // Statistics only feed /metrics: without the web server librdkafka need not build them.
    ...(config.webPort !== undefined ? { statisticsIntervalMs: STATISTICS_INTERVAL_MS } : {}),
  });
}

interface LevelModule {
  leveldbStorage(options: { path: string; cacheSize?: number; writeBufferSize?: number; sharedDatabase?: boolean }): StorageBuilder;
}
interface RedisModule {
  redisStorage(options: { url: string; prefix?: string }): StorageBuilder;
}
interface LruModule {
  lruStorage(inner: StorageBuilder, options: { maxEntries: number }): StorageBuilder;
  instrumentStorage(inner: StorageBuilder, sink: unknown): StorageBuilder;
  StorageStatsCollector: new () => StorageStatsSource;
}

/** Loads the storage packages the config names, once, for {@link StorageFactory.builder}. */
export async function storageFactory(config: ServiceConfig): Promise<StorageFactory> {
  const modules = {
    level: config.storage === 'leveldb' ? await loadOptional<LevelModule>('@goka-ts/storage-leveldb', '--storage leveldb') : undefined,
    redis: config.storage === 'redis' ? await loadOptional<RedisModule>('@goka-ts/storage-redis', '--storage redis') : undefined,
    lru: config.lruSize > 0 || config.storageMetrics ? await loadOptional<LruModule>('@goka-ts/storage-lru', config.lruSize > 0 ? '--lru-size' : '--storage-metrics') : undefined,
  };
  const stats = new Map<string, StorageStatsSource>();
  return {
    builder: (component) => {
      let builder = createStorage(config, component, modules);
      if (config.storageMetrics && modules.lru) {
        // One collector per component: a processor and a view of one table open the same partitions.
        let collector = stats.get(component);
        if (!collector) stats.set(component, (collector = new modules.lru.StorageStatsCollector()));
        builder = modules.lru.instrumentStorage(builder, collector);
      }
      return builder;
    },
    stats,
  };
}

/** Storage builders of one service, one per component. */
export interface StorageFactory {
  /**
   * The storage of one component (e.g. `processor-counter`): its own LevelDB directory
   * `<storagePath>/<service>-<instance>/<component>` (Redis: see {@link redisPrefix}), since a processor and a
   * view of the same table (or a processor joining another's table) open the same topic-partitions.
   */
  builder(component: string): StorageBuilder;
  /** With `storageMetrics`: the operation stats of every component's storage, by component. */
  readonly stats: ReadonlyMap<string, StorageStatsSource>;
}

function createStorage(config: ServiceConfig, component: string, modules: { level?: LevelModule; redis?: RedisModule; lru?: LruModule }): StorageBuilder {
  const own = `${config.service}-${config.instance}`;
  let builder: StorageBuilder;
  if (modules.level) builder = modules.level.leveldbStorage({ path: path.join(config.storagePath, own, component), ...config.leveldb });
  else if (modules.redis) builder = modules.redis.redisStorage({ url: config.redisUrl!, prefix: redisPrefix(config, component) });
  else builder = memoryStorage();
  if (modules.lru && config.lruSize > 0) builder = modules.lru.lruStorage(builder, { maxEntries: config.lruSize });
  return builder;
}

/**
 * The Redis prefix of a component. A processor's is shared by every instance of the service, so the
 * next owner of a partition continues from the values and offset the last one left; a view's and
 * every other component's is the instance's own, since a view that shared it would overwrite the
 * processor's newer values with older ones (storage-redis README, "Prefixes").
 */
export function redisPrefix(config: Pick<ServiceConfig, 'service' | 'instance'>, component: string): string {
  return component.startsWith('processor-') ? `goka:${config.service}:${component}` : `goka:${config.service}-${config.instance}:${component}`;
}
