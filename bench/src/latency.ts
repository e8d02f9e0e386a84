import type { KafkaClient } from '@goka-ts/api';
import { defineGroup, Processor, silentLogger, stringCodec } from '@goka-ts/core';
import type { ProcessingGuarantee } from '@goka-ts/core';
import { uniqueName, type BenchConfig } from './config';
import type { BenchTopics } from './topics';

export interface LatencyResult {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Output latency (emit to the output's consumer) and, as `callback`, emit to the processor's callback. */
export interface ForwarderLatency extends LatencyResult {
  readonly callback: LatencyResult;
}

/** How hard the forwarder is fed: `messages` sends at a steady `perSecond`. */
export interface LatencyLoad {
  readonly messages: number;
  readonly perSecond: number;
}

/** The guarantees benchmark's load: ~200 msgs/s, far from saturation. */
const DEFAULT_LOAD: LatencyLoad = { messages: 1000, perSecond: 200 };

/**
 * End-to-end latency through a forwarding processor: each message carries the `performance.now()`
 * of its send; the processor's callback and a read_committed group consumer of the output (the same
 * adapter) take the difference on receipt. Sends are paced against a schedule (send i is due at
 * i / perSecond s), so a late timer is caught up rather than lowering the rate. Started only once
 * the processor and the consumer run, so joins and recoveries are not measured.
 */
export async function measureLatency(
  client: KafkaClient,
  topics: BenchTopics,
  config: BenchConfig,
  guarantee: ProcessingGuarantee,
  commitIntervalMs: number,
  load: LatencyLoad = DEFAULT_LOAD,
): Promise<ForwarderLatency> {
  const MESSAGES = load.messages;
  const callbacks: number[] = [];
  const input = await topics.create(uniqueName('latency-in'), 4);
  const output = await topics.create(uniqueName('latency-out'), 4);
  const group = uniqueName('forwarder');
  const graph = defineGroup(group, {
    inputs: {
      [input]: {
        codec: stringCodec,
        handler: (ctx, value: string) => {
          callbacks.push(performance.now() - Number(value));
          ctx.emit(output, ctx.key, value);
        },
      },
    },
    outputs: { [output]: stringCodec },
  });
  const processor = new Processor(graph, { client, guarantee, commitIntervalMs, startFrom: 'oldest', logger: silentLogger, consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, maxWaitMs: 50 } });
  const running = processor.run();
  const latencies: number[] = [];
  let assigned!: () => void;
  const ready = new Promise<void>((resolve) => (assigned = resolve));
  let received!: () => void;
  const all = new Promise<void>((resolve) => (received = resolve));
  const consumer = client.groupConsumer({ groupId: uniqueName('latency-reader'), topics: [output], startFrom: 'oldest', maxWaitMs: 50, sessionTimeoutMs: 6000, heartbeatIntervalMs: 500 });
  const consuming = consumer.run({
    onAssigned: async () => assigned(),
    onRevoked: async () => undefined,
    onBatch: async (batch) => {
      const now = performance.now();
      for (const m of batch.messages) latencies.push(now - Number(m.value!.toString()));
      if (latencies.length >= MESSAGES) received();
    },
  });
  const producer = client.producer({ lingerMs: 0 });
  await producer.connect();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([Promise.all([processor.waitRunning(), ready]), running.then(() => Promise.reject(new Error('the forwarder stopped early')))]);
    const sends: Promise<unknown>[] = [];
    const startedAt = performance.now();
    const intervalMs = 1000 / load.perSecond;
    for (let i = 0; i < MESSAGES; i++) {
      const due = startedAt + i * intervalMs;
      const wait = due - performance.now();
      if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
      sends.push(producer.send({ topic: input, partition: i % 4, key: Buffer.from(`k${i}`), value: Buffer.from(String(performance.now())) }));
    }
    await Promise.all(sends);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`latency (${client.name}, ${guarantee}): ${latencies.length} of ${MESSAGES} messages arrived`)), config.timeoutMs);
    });
    await Promise.race([all, timeout]);
  } finally {
    clearTimeout(timer);
    await producer.close();
    await consumer.close();
    await consuming.catch(() => undefined);
    await processor.stop();
    await running.catch(() => undefined);
  }
  return { ...percentiles(latencies), callback: percentiles(callbacks) };
}

function percentiles(latencies: number[]): LatencyResult {
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] };
}

export function formatLatency(r: LatencyResult): string {
  return `p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms, max ${r.max.toFixed(0)} ms over ${r.count} messages`;
}
