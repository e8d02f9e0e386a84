/**
 * `recovery` benchmark: a View recovers a table topic of BENCH_RECOVERY_KEYS (default 1 000 000)
 * distinct keys from Kafka into LevelDB, per adapter. Prints wall time, records/s and peak RSS, and
 * the records/s of a raw read of the same topic by the adapter's client (fresh group, after the
 * view, so the RSS is the view's alone); targets: peak RSS under 300 MB (recovery streams batches
 * into storage, it never buffers the table) and records/s >= 0.9x the raw read.
 * Runs in a process of its own (`pnpm bench recovery`) so the RSS is recovery's alone.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { int64Codec, murmur2Hasher, silentLogger, View } from '@goka-ts/core';
import { kafkajsClient } from '@goka-ts/kafkajs';
import { leveldbStorage } from '@goka-ts/storage-leveldb';
import { adapters } from './adapters';
import { loadConfig, uniqueName } from './config';
import { collectGarbage } from './meter';
import { metCell } from './report';
import { produceConfluent } from './raw_confluent';
import { BenchTopics } from './topics';
import type { BenchRecord } from './workload';

const RSS_TARGET_MB = 300;
const RATE_TARGET = 0.9;
const MiB = 2 ** 20;

export async function run(): Promise<void> {
  const config = loadConfig();
  const keys = Number(process.env.BENCH_RECOVERY_KEYS ?? 1_000_000);
  if (process.env.BENCH_RECOVERY_TABLE) return measure(process.env.BENCH_RECOVERY_TABLE, keys);
  console.log(`recovery: ${keys.toLocaleString('en-US')} distinct keys, ${config.partitions} partitions, 100-byte values, into LevelDB`);
  const topics = new BenchTopics(kafkajsClient({ brokers: config.brokers, clientId: 'goka-ts-bench' }));
  try {
    const table = await topics.create(uniqueName('recovery-table'), config.partitions, { 'cleanup.policy': 'compact' });
    const t0 = performance.now();
    // Produced in chunks so the benchmark process never holds the whole table either.
    const value = Buffer.alloc(100, 'v');
    for (let start = 0; start < keys; start += 100_000) {
      const chunk: BenchRecord[] = [];
      for (let k = start; k < Math.min(keys, start + 100_000); k++) {
        const key = Buffer.from(`key-${k}`);
        chunk.push({ key, value, partition: murmur2Hasher.partition(key, config.partitions) });
      }
      await produceConfluent(config, table, chunk);
    }
    console.log(`produced ${keys.toLocaleString('en-US')} records in ${((performance.now() - t0) / 1000).toFixed(1)} s (untimed)`);

    console.log('\n| adapter      | records   | wall time | records/s | raw read/s | ratio | peak RSS | RSS before | target             | met |');
    console.log('|--------------|-----------|-----------|-----------|------------|-------|----------|------------|--------------------|-----|');
    for (const adapter of adapters(config)) {
      // A fresh process per adapter: its RSS holds neither the producer's buffers nor another run's heap.
      const child = spawnSync(process.execPath, ['--expose-gc', process.argv[1]!, 'recovery'], {
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...process.env, BENCH_RECOVERY_TABLE: table, BENCH_RECOVERY_KEYS: String(keys), BENCH_ADAPTERS: adapter.name },
      });
      if (child.status !== 0) throw new Error(`recovery with ${adapter.name} failed (exit ${child.status})`);
    }
  } finally {
    await topics.close();
  }
}

/** Recovers `table` with the one adapter in BENCH_ADAPTERS and prints its table row. */
async function measure(table: string, keys: number): Promise<void> {
  const config = loadConfig();
  for (const adapter of adapters(config)) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'goka-bench-recovery-'));
    collectGarbage();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const view = new View(table, int64Codec, { client: adapter.client(), storage: leveldbStorage({ path: dir }), logger: silentLogger });
    const start = performance.now();
    const running = view.run();
    try {
      await view.waitRunning();
      const seconds = (performance.now() - start) / 1000;
      // The kernel's high-water mark also catches a spike between two samples (this process does nothing else).
      peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
      const applied = Object.values(view.stats().partitions).reduce((n, p) => n + p.recovery.records, 0);
      if (applied !== keys) throw new Error(`${adapter.name}: recovery applied ${applied} records, expected ${keys}`);
      clearInterval(sampler);
      const rate = keys / seconds;
      // The raw read starts its clock at the group join, the view's includes its connection set-up.
      const raw = await adapter.rawConsume(table, uniqueName('raw-recovery'), keys);
      const ratio = rate / raw.rate;
      const mb = (n: number) => `${Math.round(n / MiB)} MiB`;
      const met = metCell([...(peak / MiB < RSS_TARGET_MB ? [] : ['RSS']), ...(ratio >= RATE_TARGET ? [] : ['rate'])]);
      const perSecond = (n: number) => Math.round(n).toLocaleString('en-US');
      console.log(
        `| ${adapter.name.padEnd(12)} | ${keys.toLocaleString('en-US').padStart(9)} | ${seconds.toFixed(2).padStart(7)} s | ${perSecond(rate).padStart(9)} | ${perSecond(raw.rate).padStart(10)} | ${ratio.toFixed(2).padStart(5)} | ${mb(peak).padStart(8)} | ${mb(before).padStart(10)} | < ${RSS_TARGET_MB} MiB, >= ${RATE_TARGET}x | ${met} |`,
      );
    } finally {
      clearInterval(sampler);
      await view.stop();
      await running.catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  }
}
