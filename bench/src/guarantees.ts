/**
 * `guarantees` benchmark: what exactly-once costs, per adapter, in one process on the same input:
 * - throughput: the `core` counter in exactly-once mode against the same counter in at-least-once
 *   mode (target: exactly-once >= 0.85x), until the last message was processed ("processed") and
 *   until the group's committed offsets covered every message ("committed", what is durable);
 * - latency: a forwarder (input -> output) fed at a steady low rate, measured from the emit to a
 *   read_committed consumer of the output receiving it, in both modes. Exactly-once output becomes
 *   visible only when its transaction commits, so it adds about half a commit interval plus the
 *   commit's own time; `BENCH_COMMIT_INTERVAL_MS` sets the interval (default 1000, the processor's default).
 */
import { kafkajsClient } from '@goka-ts/kafkajs';
import type { ProcessingGuarantee } from '@goka-ts/core';
import { adapters } from './adapters';
import { loadConfig, uniqueName } from './config';
import { runCounter } from './goka_counter';
import { measureLatency, formatLatency, type LatencyResult } from './latency';
import { collectGarbage, type Meter } from './meter';
import { produceConfluent } from './raw_confluent';
import { formatTable, NO_TARGET, type ResultRow } from './report';
import { BenchTopics } from './topics';
import { inputRecords } from './workload';

const TARGET = 0.85;
const MODES: readonly ProcessingGuarantee[] = ['exactly-once', 'at-least-once'];

const fmt = (meter: Meter) => `${Math.round(meter.rate).toLocaleString('en-US')} msgs/s (${(meter.elapsedMs / 1000).toFixed(2)} s)`;

export async function run(): Promise<void> {
  const config = loadConfig();
  const commitIntervalMs = Number(process.env.BENCH_COMMIT_INTERVAL_MS ?? 1000);
  const list = adapters(config);
  console.log(
    `guarantees: counter over ${config.messages.toLocaleString('en-US')} messages, ${config.keys.toLocaleString('en-US')} keys, ${config.partitions} partitions, ` +
      `${config.repeats} run(s) per mode; latency at a steady rate, commit interval ${commitIntervalMs} ms`,
  );
  const topics = new BenchTopics(kafkajsClient({ brokers: config.brokers, clientId: 'goka-ts-bench' }));
  try {
    const input = await topics.create(uniqueName('input'), config.partitions);
    await produceConfluent(config, input, inputRecords(config));

    const rows: ResultRow[] = [];
    const latencies: Array<{ adapter: string; mode: ProcessingGuarantee; result: LatencyResult }> = [];
    for (const adapter of list) {
      const row: ResultRow = { benchmark: 'counter, processed', adapter: adapter.name, goka: [], raw: [], target: TARGET };
      const durable: ResultRow = { benchmark: 'counter, committed', adapter: adapter.name, goka: [], raw: [], target: TARGET };
      rows.push(row, durable);
      for (let r = 1; r <= config.repeats; r++) {
        // Alternate which mode runs first, so neither always pays the client's JIT warm-up.
        for (const mode of r % 2 === 1 ? MODES : [...MODES].reverse()) {
          collectGarbage();
          const counter = await runCounter(adapter.client(), config, input, mode);
          topics.own(`${counter.group}-table`);
          (mode === 'exactly-once' ? row.goka : row.raw).push(counter.meter.rate);
          (mode === 'exactly-once' ? durable.goka : durable.raw).push(counter.committedRate);
          console.log(
            `${adapter.name} run ${r}: ${mode.padEnd(13)} counter ${fmt(counter.meter)}, all committed at ${Math.round(counter.committedRate).toLocaleString('en-US')} msgs/s, stop ${Math.round(counter.stopMs)} ms`,
          );
        }
      }
      for (const mode of MODES) {
        collectGarbage();
        const result = await measureLatency(adapter.client(), topics, config, mode, commitIntervalMs);
        latencies.push({ adapter: adapter.name, mode, result });
        console.log(`${adapter.name}: ${mode.padEnd(13)} latency ${formatLatency(result)}`);
      }
    }
    console.log(`\n${formatTable(rows, { goka: 'exactly-once msgs/s', raw: 'at-least-once msgs/s' })}`);
    console.log('\n| adapter | guarantee | messages | p50 ms | p99 ms | max ms | added p50 ms | target | met |');
    console.log('|---|---|---:|---:|---:|---:|---:|---|---|');
    for (const { adapter, mode, result } of latencies) {
      const base = latencies.find((l) => l.adapter === adapter && l.mode === 'at-least-once')!.result;
      const added = mode === 'exactly-once' ? (result.p50 - base.p50).toFixed(0) : '';
      console.log(`| ${adapter} | ${mode} | ${result.count} | ${result.p50.toFixed(0)} | ${result.p99.toFixed(0)} | ${result.max.toFixed(0)} | ${added} | ${NO_TARGET.target} | ${NO_TARGET.met} |`);
    }
  } finally {
    await topics.close();
  }
}
