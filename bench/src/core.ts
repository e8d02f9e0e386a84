/**
 * `core` benchmark: goka-ts against the raw client it runs on, per adapter, in one process and on
 * the same freshly produced topics:
 * - processor: a stateful counter (input + persist, memory storage) against a raw consumer of the
 *   same input (target: goka-ts >= 0.5x raw);
 * - table recovery: a View recovering a pre-produced table topic against a raw read of the same
 *   topic (target >= 0.5x).
 * Each figure is messages / (time from the first batch reaching user code to the last message).
 * Sizes: BENCH_MESSAGES, BENCH_KEYS, BENCH_PARTITIONS, BENCH_VALUE_BYTES; BENCH_REPEATS runs each
 * measurement several times; BENCH_ADAPTERS picks adapters (see config.ts); BENCH_PROFILE=<dir>
 * writes a CPU profile of every measured phase.
 */
import { kafkajsClient } from '@goka-ts/kafkajs';
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

const TARGET = 0.5;

const fmt = (meter: Meter) => `${Math.round(meter.rate).toLocaleString('en-US')} msgs/s (${(meter.elapsedMs / 1000).toFixed(2)} s)`;

export async function run(): Promise<void> {
  const config = loadConfig();
  const list = adapters(config);
  console.log(
    `core: ${config.messages.toLocaleString('en-US')} messages, ${config.keys.toLocaleString('en-US')} keys, ${config.partitions} partitions, ` +
      `${config.valueBytes}-byte values, ${config.repeats} run(s) per measurement, adapters ${list.map((a) => a.name).join(', ')}`,
  );
  const topics = new BenchTopics(kafkajsClient({ brokers: config.brokers, clientId: 'goka-ts-bench' }));
  try {
    const input = await topics.create(uniqueName('input'), config.partitions);
    const table = await topics.create(uniqueName('table'), config.partitions, { 'cleanup.policy': 'compact' });
    for (const [topic, records] of [
      [input, inputRecords(config)],
      [table, tableRecords(config)],
    ] as const) {
      const t0 = performance.now();
      await produceConfluent(config, topic, records);
      console.log(`produced ${records.length.toLocaleString('en-US')} records to ${topic} in ${((performance.now() - t0) / 1000).toFixed(2)} s (untimed)`);
    }

    const rows: ResultRow[] = [];
    for (const adapter of list) {
      const processorRow: ResultRow = { benchmark: 'processor (counter)', adapter: adapter.name, goka: [], raw: [], target: TARGET };
      const recoveryRow: ResultRow = { benchmark: 'table recovery (view)', adapter: adapter.name, goka: [], raw: [], target: TARGET };
      rows.push(processorRow, recoveryRow);
      for (let r = 1; r <= config.repeats; r++) {
        const tag = `${adapter.name} run ${r}`;
        // Whichever runs first in the process pays the client library's JIT warm-up: the first run
        // puts goka-ts first (never helped by a baseline that warmed up the client), later runs alternate.
        const gokaFirst = r % 2 === 1;
        const counterPair = [
          async () => {
            collectGarbage();
            const counter = await profiled(`${tag} goka counter`, () => runCounter(adapter.client(), config, input));
            topics.own(`${counter.group}-table`);
            processorRow.goka.push(counter.meter.rate);
            console.log(`${tag}: goka-ts counter   ${fmt(counter.meter)}, stop (final writes + commit) ${Math.round(counter.stopMs)} ms`);
          },
          async () => {
            collectGarbage();
            const raw = await profiled(`${tag} raw consumer`, () => adapter.rawConsume(input, uniqueName('raw-input'), config.messages));
            processorRow.raw.push(raw.rate);
            console.log(`${tag}: raw consumer      ${fmt(raw)}`);
          },
        ];
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
        for (const pair of [counterPair, recoveryPair]) {
          for (const measure of gokaFirst ? pair : [...pair].reverse()) await measure();
        }
      }
    }
    console.log(`\n${formatTable(rows)}`);
  } finally {
    await topics.close();
  }
}
