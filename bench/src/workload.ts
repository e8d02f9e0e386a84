import { int64Codec, murmur2Hasher } from '@goka-ts/core';
import type { BenchConfig } from './config';

/** One record to produce, with its partition picked by murmur2 (goka-ts' default hasher). */
export interface BenchRecord {
  readonly partition: number;
  readonly key: Buffer;
  readonly value: Buffer;
}

/** Key buffers and their partitions, computed once per key rather than once per record. */
function keySpace(config: BenchConfig): { keys: Buffer[]; partitions: number[] } {
  const keys: Buffer[] = [];
  const partitions: number[] = [];
  for (let k = 0; k < config.keys; k++) {
    const key = Buffer.from(`key-${k}`);
    keys.push(key);
    partitions.push(murmur2Hasher.partition(key, config.partitions));
  }
  return { keys, partitions };
}

/** The counter's input: `messages` records round robin over `keys` keys, each with a value of `valueBytes` bytes. */
export function inputRecords(config: BenchConfig): BenchRecord[] {
  const { keys, partitions } = keySpace(config);
  const value = Buffer.alloc(config.valueBytes, 'v');
  const out: BenchRecord[] = new Array(config.messages);
  for (let i = 0; i < config.messages; i++) {
    const k = i % config.keys;
    out[i] = { partition: partitions[k], key: keys[k], value };
  }
  return out;
}

/**
 * A table topic as a counter writes it without coalescing: `messages` records over `keys` keys,
 * the n-th record of a key holding n (int64 codec). Recovery must apply every record.
 */
export function tableRecords(config: BenchConfig): BenchRecord[] {
  const { keys, partitions } = keySpace(config);
  const out: BenchRecord[] = new Array(config.messages);
  for (let i = 0; i < config.messages; i++) {
    const k = i % config.keys;
    out[i] = { partition: partitions[k], key: keys[k], value: int64Codec.encode(Math.floor(i / config.keys) + 1) };
  }
  return out;
}
