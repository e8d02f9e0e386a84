/**
 * `core` benchmark: goka-ts against the raw client it runs on, per adapter, in one process and on
 * the same freshly produced topics:
 * - processor: a stateful counter (input + persist) against a raw consumer of the same input, with
 *   memory storage and with LevelDB storage (target: goka-ts >= 0.8x raw), and over a second input
 *   with a key per message, memory storage (target >= 0.7x: nothing coalesces);
 * - table recovery: a View recovering a pre-produced table topic against a raw read of the same
 *   topic (target >= 0.9x).
 * Each figure is messages / (time from the first batch reaching user code to the last message).
 * Sizes: BENCH_MESSAGES, BENCH_KEYS, BENCH_PARTITIONS, BENCH_VALUE_BYTES; BENCH_REPEATS runs each
 * measurement several times; BENCH_ADAPTERS picks adapters (see config.ts); BENCH_PROFILE=<dir>
 * writes a CPU profile of every measured phase.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kafkajsClient } from '@goka-ts/kafkajs';
import { leveldbStorage } from '@goka-ts/storage-leveldb';
import { memoryStorage } from '@goka-ts/storage-memory';
import type { StorageBuilder } from '@goka-ts/api';
import { adapters } from './adapters';
import { runCounter } from './goka_counter';
import { runRecovery } from './goka_recovery';
import { loadConfig, uniqueName } from './config';
import { collectGarbage, type Meter } from './meter';
import { profiled } from './profiler';
import { produceConfluent } from './raw_confluent';
import { formatTable, type ResultRow } from './report';
import { BenchTopics } from './topics';
import { inputRecords, tableRecords } from './workload';

/** Issue 12's targets, goka-ts / raw. */
const TARGET = { counter: 0.8, keyPerMessage: 0.7, recovery: 0.9 } as const;

const fmt = (meter: Meter) => `${Math.round(meter.rate).toLocaleString('en-US')} msgs/s (${(meter.elapsedMs / 1000).toFixed(2)} s)`;

export async function run(): Promise<void> {
  const config = loadConfig();
  const list = adapters(config);
  console.log(
    `core: ${config.messages.toLocaleString('en-US')} messages, ${config.keys.toLocaleString('en-US')} keys, ${config.partitions} partitions, ` +
      `${config.valueBytes}-byte values, ${config.repeats} run(s) per measurement, adapters ${list.map((a) => a.name).join(', ')}`,
  );
  const topics = new BenchTopics(kafkajsClient({ brokers: config.brokers, clientId: 'goka-ts-bench' }));
  const dir = mkdtempSync(path.join(tmpdir(), 'goka-bench-core-'));
  // The key-per-message row: as many keys as messages, so every callback writes a table record.
  const distinct = { ...config, keys: config.messages };
  try {
    const input = await topics.create(uniqueName('input'), config.partitions);
    const distinctInput = await topics.create(uniqueName('input-distinct'), config.partitions);
    const table = await topics.create(uniqueName('table'), config.partitions, { 'cleanup.policy': 'compact' });
    for (const [topic, records] of [
      [input, inputRecords(config)],
      [distinctInput, inputRecords(distinct)],
      [table, tableRecords(config)],
    ] as const) {
      const t0 = performance.now();
      await produceConfluent(config, topic, records);
      console.log(`produced ${records.length.toLocaleString('en-US')} records to ${topic} in ${((performance.now() - t0) / 1000).toFixed(2)} s (untimed)`);
    }

    const rows: ResultRow[] = [];
    for (const adapter of list) {
      const row = (benchmark: string, target: number): ResultRow => ({ benchmark, adapter: adapter.name, goka: [], raw: [], target });
      const processorRow = row('processor (counter)', TARGET.counter);
      const leveldbRow = row('processor (counter, LevelDB)', TARGET.counter);
      const distinctRow = row('processor (key per message)', TARGET.keyPerMessage);
      const recoveryRow = row('table recovery (view)', TARGET.recovery);
      rows.push(processorRow, leveldbRow, distinctRow, recoveryRow);
      for (let r = 1; r <= config.repeats; r++) {
        const tag = `${adapter.name} run ${r}`;
        // Whichever runs first in the process pays the client library's JIT warm-up: the first run
        // puts goka-ts first (never helped by a baseline that warmed up the client), later runs alternate.
        const gokaFirst = r % 2 === 1;
        const counterPair = (target: ResultRow, label: string, topic: string, cfg: typeof config, storage: () => StorageBuilder) => [
          async () => {
            collectGarbage();
            const counter = await profiled(`${tag} goka ${label}`, () => runCounter(adapter.client(), cfg, topic, 'at-least-once', storage()));
            topics.own(`${counter.group}-table`);
            target.goka.push(counter.meter.rate);
            console.log(`${tag}: goka-ts ${label.padEnd(17)} ${fmt(counter.meter)}, stop (final writes + commit) ${Math.round(counter.stopMs)} ms`);
          },
          async () => {
            collectGarbage();
            const raw = await profiled(`${tag} raw ${label}`, () => adapter.rawConsume(topic, uniqueName('raw-input'), cfg.messages));
            target.raw.push(raw.rate);
            console.log(`${tag}: raw for ${label.padEnd(17)} ${fmt(raw)}`);
          },
        ];
        // A fresh LevelDB directory per run: the counter's table must start empty.
        const leveldb = () => leveldbStorage({ path: mkdtempSync(path.join(dir, 'counter-')) });
        const recoveryPair = [
          async () => {
            collectGarbage();
            const recovery = await profiled(`${tag} goka recovery`, () => runRecovery(adapter.client(), config, table));
            recoveryRow.goka.push(recovery.rate);
            console.log(`${tag}: goka-ts recovery  ${fmt(recovery)}`);
          },
          async () => {
            collectGarbage();
            const raw = await profiled(`${tag} raw table read`, () => adapter.rawConsume(table, uniqueName('raw-table'), config.messages));
            recoveryRow.raw.push(raw.rate);
            console.log(`${tag}: raw table read    ${fmt(raw)}`);
          },
        ];
        const pairs = [
          counterPair(processorRow, 'counter', input, config, () => memoryStorage()),
          counterPair(leveldbRow, 'counter leveldb', input, config, leveldb),
          counterPair(distinctRow, 'key per message', distinctInput, distinct, () => memoryStorage()),
          recoveryPair,
        ];
        for (const pair of pairs) {
          for (const measure of gokaFirst ? pair : [...pair].reverse()) await measure();
        }
      }
    }
    console.log(`\n${formatTable(rows)}`);
  } finally {
    await topics.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
