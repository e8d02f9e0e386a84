import type { Hasher } from '@goka-ts/api';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/**
 * Kafka's murmur2 (the Java client's `Utils.murmur2`, also used by kafkajs 2.x and confluent's KafkaJS
 * API) over `data`, as a signed 32-bit integer.
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The tail bytes, as the Java switch with fall-through does them.
  const tail = length & 3;
  if (tail > 0) {
    if (tail === 3) h ^= data[whole + 2] << 16;
    if (tail >= 2) h ^= data[whole + 1] << 8;
    h ^= data[whole];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * The default hasher: `(murmur2(key) & 0x7fffffff) % n`, the partitioning of the Java client, kafkajs
 * and confluent. Pick it when Java or other Kafka clients produce to or read the same topics.
 */
export const murmur2Hasher: Hasher = Object.freeze({
  name: 'murmur2',
  partition(key: string | Buffer, partitionCount: number): number {
    checkCount(partitionCount);
    const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
    return (murmur2(bytes) & 0x7fffffff) % partitionCount;
  },
});

/** @internal */
export function checkCount(partitionCount: number): void {
  if (!Number.isInteger(partitionCount) || partitionCount < 1) {
    throw new RangeError(`hasher: partition count must be a positive integer, got ${partitionCount}`);
  }
}
