/**
 * The redis-storage example: the counting processor of the simplest example, with its table kept in
 * Redis (`REDIS_URL`) instead of process memory. A second processor instance started after the first
 * stopped finds the table in Redis and reads nothing back from Kafka to recover it.
 */
import { randomBytes } from 'node:crypto';
import { Emitter, Processor, stringCodec } from '@goka-ts/core';
import { redisStorage } from '@goka-ts/storage-redis';
import { createClient } from 'redis';
import { createExampleClient, type ExampleClient } from '../client';
import { mainSettings, runMain, topicPrefix, type MainOptions } from '../cli';
import { Components } from '../components';
import { countRecords, waitProcessed } from '../progress';
import { counterGroup } from '../simplest/counter';

const PAGES = ['/home', '/products', '/cart'];

export interface RedisStorageResult {
  /** Counts after each of the two runs. */
  readonly runs: readonly ReadonlyMap<string, number>[];
  /** Table records the second run read from Kafka to recover its table (0: all of it was in Redis). */
  readonly recoveredRecords: number;
  /** Records in the table topic at the end. */
  readonly tableRecords: number;
  /** Redis keys the table occupied. */
  readonly redisKeys: number;
}

export async function runRedisStorage(kafka: ExampleClient, prefix: string, redisUrl: string, out: (line: string) => void): Promise<RedisStorageResult> {
  const topic = `${prefix}page-views`;
  const graph = counterGroup(`${prefix}page-counter`, topic);
  // A key prefix of its own per run: Redis outlives the embedded Kafka, and a table offset stored by an
  // earlier run would not match a fresh topic.
  const redisPrefix = `goka-examples:${randomBytes(4).toString('hex')}`;
  const storage = redisStorage({ url: redisUrl, prefix: redisPrefix });
  await kafka.ensureStreams([topic], 2);
  const emitter = new Emitter(topic, stringCodec, { client: kafka.client, logger: kafka.logger });

  const runs: Map<string, number>[] = [];
  let recoveredRecords = 0;
  const run = async (views: number, label: string) => {
    const components = new Components();
    const processor = new Processor(graph, kafka.processorOptions({ storage }));
    try {
      components.start(label, processor);
      await components.waitRunning();
      recoveredRecords = Object.values(processor.stats().partitions).reduce((sum, p) => sum + (p.table?.recovery.records ?? 0), 0);
      for (let i = 0; i < views; i++) await emitter.emit(PAGES[i % PAGES.length], `visitor-${i}`);
      await Promise.race([waitProcessed(kafka.client, processor, topic), components.failure]);
      // processor.get reads the processor's table: here, Redis.
      const counts = new Map<string, number>();
      for (const page of PAGES) counts.set(page, (await processor.get(page)) ?? 0);
      runs.push(counts);
      out(`${label}: ${[...counts].map(([page, count]) => `${page} ${count}`).join(', ')}`);
    } finally {
      await components.stop();
    }
  };

  const redis = createClient({ url: redisUrl });
  await redis.connect();
  try {
    await run(6, 'first run, 6 page views');
    await run(3, 'second run, 3 more');
    const tableRecords = await countRecords(kafka.client, graph.tableTopic!);
    out(`to recover its table the second run read ${recoveredRecords} of the ${tableRecords} records of ${graph.tableTopic}: the table was already in Redis`);
    const keys: string[] = [];
    for await (const batch of redis.scanIterator({ MATCH: `${redisPrefix}:*`, COUNT: 100 })) keys.push(...batch);
    out(`Redis holds the table in ${keys.length} keys under "${redisPrefix}:" (deleted now)`);
    if (keys.length > 0) await redis.del(keys);
    return { runs, recoveredRecords, tableRecords, redisKeys: keys.length };
  } finally {
    await emitter.finish();
    redis.destroy();
  }
}

export async function main(options: MainOptions = {}): Promise<void> {
  const { env, out } = mainSettings(options);
  const redisUrl = env.REDIS_URL;
  if (!redisUrl) throw new Error('REDIS_URL is not set; point it at a Redis server, e.g. REDIS_URL=redis://127.0.0.1:6379 (scripts/redis.sh start runs one)');
  const kafka = createExampleClient({ env });
  try {
    out(`Running the redis-storage example on ${kafka.description} with Redis at ${redisUrl}`);
    await runRedisStorage(kafka, topicPrefix(kafka, env, 'redis'), redisUrl, out);
  } finally {
    await kafka.close();
  }
}

if (require.main === module) runMain(main);
