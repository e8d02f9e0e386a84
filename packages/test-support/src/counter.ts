/**
 * The counter: the reference processor of the integration tests, crash test and benchmark. It counts
 * messages per key in its table (int64).
 */
import type { KafkaClient } from '@goka-ts/api';
import { defineGroup, int64Codec, Processor, stringCodec } from '@goka-ts/core';
import type { GroupGraph, ProcessorOptions } from '@goka-ts/core';
import { memoryStorage } from '@goka-ts/storage-memory';
import { fastConsumer } from './clients';
import { start, type RunningProcessor } from './running';
import type { ProducedRecord } from './test_cluster';
import { testLogger } from './test_logger';

/** A group that counts messages per key in its table (int64), reading string messages from `input`. */
export function counterGraph(group: string, input: string, onMessage?: (key: string) => void): GroupGraph {
  return defineGroup(group, {
    inputs: {
      [input]: {
        codec: stringCodec,
        handler: (ctx) => {
          onMessage?.(ctx.key);
          ctx.setValue((ctx.value() ?? 0) + 1);
        },
      },
    },
    persist: int64Codec,
  }) as GroupGraph;
}

/** What {@link startCounter} runs: the counter of `group` over `input`, plus any processor option. */
export interface CounterOptions extends Partial<Omit<ProcessorOptions, 'client'>> {
  readonly client: KafkaClient;
  readonly group: string;
  readonly input: string;
  /** Called with the key of every processed message (to detect reprocessing). */
  readonly onMessage?: (key: string) => void;
}

/** Starts a counter processor (memory storage, oldest start, fast consumer unless overridden). */
export function startCounter(options: CounterOptions): RunningProcessor {
  const { client, group, input, onMessage, ...rest } = options;
  const processor = new Processor(counterGraph(group, input, onMessage), {
    storage: memoryStorage(),
    startFrom: 'oldest',
    consumer: fastConsumer,
    commitIntervalMs: 200,
    logger: testLogger,
    ...rest,
    client,
  } as ProcessorOptions);
  return start(processor);
}

/**
 * Messages over `keys` keys (`key-0` ...), `count` in total, round robin; returns the expected count per key.
 */
export function counterInput(count: number, keys: number, prefix = 'key'): { records: ProducedRecord[]; expected: Map<string, number> } {
  const records: ProducedRecord[] = [];
  const expected = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const key = `${prefix}-${i % keys}`;
    records.push({ key, value: 'x' });
    expected.set(key, (expected.get(key) ?? 0) + 1);
  }
  return { records, expected };
}

/** Decodes an int64 table into a plain map. */
export function decodeCounts(table: Map<string, Buffer>): Map<string, number> {
  return new Map([...table].map(([k, v]) => [k, int64Codec.decode(v)]));
}
