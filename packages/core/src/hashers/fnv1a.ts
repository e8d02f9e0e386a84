import type { Hasher } from '@goka-ts/api';
import { checkCount } from './murmur2';

const OFFSET_BASIS = 0x811c9dc5;
const PRIME = 0x01000193;

/** 32-bit FNV-1a (Go's `hash/fnv.New32a`) over `data`, as an unsigned 32-bit integer. */
export function fnv1a32(data: Uint8Array): number {
  let h = OFFSET_BASIS;
  for (let i = 0; i < data.length; i++) {
    h = Math.imul(h ^ data[i], PRIME);
  }
  return h >>> 0;
}

/**
 * Goka's default hasher: `abs(int32(fnv1a32(key))) % n`. Pick it to share topics with Go services
 * running Goka. (For the single hash -2^31, where Go's `abs` overflows and Goka fails, this uses 2^31.)
 */
export const fnv1aHasher: Hasher = Object.freeze({
  name: 'fnv1a',
  partition(key: string | Buffer, partitionCount: number): number {
    checkCount(partitionCount);
    const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
    return Math.abs(fnv1a32(bytes) | 0) % partitionCount;
  },
});
