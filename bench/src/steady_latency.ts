/**
 * `latency` benchmark: per adapter, a forwarder (input -> output, at-least-once, default commit
 * interval) fed at a steady 1,000 msgs/s (`BENCH_LATENCY_RATE`, `BENCH_LATENCY_MESSAGES`, default
 * 5,000); prints p50 / p99 of emit -> the processor's callback and emit -> the output's consumer.
 */
import { kafkajsClient } from '@goka-ts/kafkajs';
import { adapters } from './adapters';
import { loadConfig } from './config';
import { measureLatency } from './latency';
import { NO_TARGET } from './report';
import { BenchTopics } from './topics';

export async function run(): Promise<void> {
  const config = loadConfig();
  const load = { messages: Number(process.env.BENCH_LATENCY_MESSAGES ?? 5000), perSecond: Number(process.env.BENCH_LATENCY_RATE ?? 1000) };
  console.log(`latency: ${load.messages.toLocaleString('en-US')} messages at ${load.perSecond.toLocaleString('en-US')} msgs/s through a forwarder, at-least-once, commit interval 1000 ms`);
  const topics = new BenchTopics(kafkajsClient({ brokers: config.brokers, clientId: 'goka-ts-bench' }));
  const lines = ['| adapter | rate msgs/s | emit -> callback p50 / p99 (ms) | emit -> output consumer p50 / p99 (ms) | target | met |', '|---|---:|---:|---:|---|---|'];
  try {
    for (const adapter of adapters(config)) {
      const r = await measureLatency(adapter.client(), topics, config, 'at-least-once', 1000, load);
      const ms = (p50: number, p99: number) => `${p50.toFixed(1)} / ${p99.toFixed(1)}`;
      lines.push(`| ${adapter.name} | ${load.perSecond} | ${ms(r.callback.p50, r.callback.p99)} | ${ms(r.p50, r.p99)} | ${NO_TARGET.target} | ${NO_TARGET.met} |`);
      console.log(`${adapter.name}: callback p50 ${r.callback.p50.toFixed(1)} ms p99 ${r.callback.p99.toFixed(1)} ms; output p50 ${r.p50.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms (max ${r.max.toFixed(0)} ms)`);
    }
  } finally {
    await topics.close();
  }
  console.log(`\n${lines.join('\n')}`);
}
