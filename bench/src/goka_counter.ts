import type { KafkaClient } from '@goka-ts/api';
import { defineGroup, int64Codec, Processor, silentLogger, stringCodec } from '@goka-ts/core';
import type { ProcessingGuarantee } from '@goka-ts/core';
import type { StorageBuilder } from '@goka-ts/api';
import { memoryStorage } from '@goka-ts/storage-memory';
import { uniqueName, type BenchConfig } from './config';
import { Meter } from './meter';
import { TimedClient } from './timed_client';

export interface CounterResult {
  readonly meter: Meter;
  /** Time stop() took: the last table writes and offsets acknowledged and committed. */
  readonly stopMs: number;
  /**
   * Messages / seconds from the start of consumption until the group's committed offsets covered
   * every message (polled every 20 ms, before stop()): what is durable, not only processed. In
   * exactly-once mode that is when the last transaction committed.
   */
  readonly committedRate: number;
  readonly group: string;
}

/**
 * The counter processor over `input`: `ctx.setValue((ctx.value() ?? 0) + 1)` per message into a
 * persisted int64 table, memory storage unless `storage` is given, default commit interval and producer settings, reading
 * from the oldest offset, in the given processing guarantee. Timed from the assignment (`onAssigned`, which also recovers the empty
 * table) to the callback of the last message. Afterwards (untimed) the counts are checked against the input, and the group's committed
 * offsets after stop() must cover every message.
 */
export async function runCounter(client: KafkaClient, config: BenchConfig, input: string, guarantee: ProcessingGuarantee = 'at-least-once', storage: StorageBuilder = memoryStorage()): Promise<CounterResult> {
  const meter = new Meter(config.messages);
  const group = uniqueName('counter');
  const graph = defineGroup(group, {
    inputs: {
      [input]: {
        codec: stringCodec,
        handler: (ctx) => {
          ctx.setValue(((ctx.value() as number | undefined) ?? 0) + 1);
          meter.add(1);
        },
      },
    },
    persist: int64Codec,
  });
  const processor = new Processor(graph, {
    client: new TimedClient(client, () => meter.start()),
    storage,
    startFrom: 'oldest',
    logger: silentLogger,
    guarantee,
    consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500 },
  });
  const running = processor.run();
  let stopMs = 0;
  let committedMs = 0;
  try {
    await meter.wait(`goka-ts counter (${client.name})`, config.timeoutMs, running);
    committedMs = (await waitCommitted(client, group, input, config)) - meter.startedAt;
    await checkCounts(processor, config);
  } finally {
    const t0 = performance.now();
    await processor.stop();
    stopMs = performance.now() - t0;
  }
  await running;
  await checkCommitted(client, group, input, config.messages);
  return { meter, stopMs, group, committedRate: config.messages / (committedMs / 1000) };
}

/** Polls the group's committed offsets until they cover every message; resolves with `performance.now()` then. */
async function waitCommitted(client: KafkaClient, group: string, input: string, config: BenchConfig): Promise<number> {
  const admin = client.admin();
  await admin.connect();
  try {
    const deadline = performance.now() + config.timeoutMs;
    for (;;) {
      const committed = (await admin.committedOffsets(group, input)).reduce((sum, o) => sum + Math.max(0, o.offset), 0);
      if (committed >= config.messages) return performance.now();
      if (performance.now() > deadline) throw new Error(`goka-ts counter: group ${group} committed ${committed} of ${config.messages} offsets within ${config.timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await admin.close();
  }
}

async function checkCounts(processor: { get(key: string): Promise<unknown> }, config: BenchConfig): Promise<void> {
  let sum = 0;
  for (let k = 0; k < config.keys; k++) sum += ((await processor.get(`key-${k}`)) as number | undefined) ?? 0;
  if (sum !== config.messages) throw new Error(`goka-ts counter: the table counts ${sum} messages, the input has ${config.messages}`);
}

async function checkCommitted(client: KafkaClient, group: string, input: string, expected: number): Promise<void> {
  const admin = client.admin();
  await admin.connect();
  try {
    const committed = (await admin.committedOffsets(group, input)).reduce((sum, o) => sum + Math.max(0, o.offset), 0);
    if (committed !== expected) throw new Error(`goka-ts counter: group ${group} committed ${committed} of ${expected} offsets after stop()`);
  } finally {
    await admin.close();
  }
}
