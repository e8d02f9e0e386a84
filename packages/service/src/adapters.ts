import path from 'node:path';
import type { KafkaClient, Logger, StorageBuilder } from '@goka-ts/api';
import { createKafkaClient, loadOptional } from '@goka-ts/client-loader';
import type { StorageStatsSource } from '@goka-ts/prometheus';
import { memoryStorage } from '@goka-ts/storage-memory';
import type { ServiceConfig } from './config';

// Client creation from flags lives in @goka-ts/client-loader, which the CLI shares without the
// service; the service's public API keeps exporting it from here.
export { createKafkaClient, loadOptional };
export type { KafkaClientChoice } from '@goka-ts/client-loader';

/** The package whose optional peers the adapters and storages are, for the install hints. */
const SERVICE_PACKAGE = '@goka-ts/service';

/** How often librdkafka reports the statistics that `/metrics` exports (`goka_rdkafka_*`). */
const STATISTICS_INTERVAL_MS = 5000;

/** The Kafka client the config names. */
export function createClient(config: ServiceConfig, logger: Logger): Promise<KafkaClient> {
  return createKafkaClient({
    client: config.client, brokers: config.brokers, clientId: `${config.service}-${config.instance}`, nextTo: SERVICE_PACKAGE,
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
    level: config.storage === 'leveldb' ? await loadOptional<LevelModule>('@goka-ts/storage-leveldb', '--storage leveldb', SERVICE_PACKAGE) : undefined,
    redis: config.storage === 'redis' ? await loadOptional<RedisModule>('@goka-ts/storage-redis', '--storage redis', SERVICE_PACKAGE) : undefined,
    lru: config.lruSize > 0 || config.storageMetrics ? await loadOptional<LruModule>('@goka-ts/storage-lru', config.lruSize > 0 ? '--lru-size' : '--storage-metrics', SERVICE_PACKAGE) : undefined,
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
