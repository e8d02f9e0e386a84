import * as path from 'path';
import { fnv1a32, fnv1aHasher, murmur2, murmur2Hasher } from '../src';

// kafkajs is a dependency of the kafkajs adapter, not of core: load its own murmur2 from there.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsMurmur2: (key: string | Buffer) => number = require(
  path.join(__dirname, '../../kafkajs/node_modules/kafkajs/src/producer/partitioners/default/murmur2'),
);

describe('murmur2Hasher', () => {
  it('matches the Java client vectors (signed int32)', () => {
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
    expect(murmur2(Buffer.from('abc'))).toBe(479470107);
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536);
  });

  it('agrees with kafkajs default partitioning for many keys', () => {
    const keys: (string | Buffer)[] = ['', 'a', 'ab', 'abc', 'abcd', 'ünïcødé-✓', '🙂🙂'];
    for (let i = 0; i < 2000; i++) keys.push(`key-${i}-${(i * 2654435761) % 1000003}`);
    for (let i = 0; i < 200; i++) keys.push(Buffer.from(Array.from({ length: i % 37 }, (_, j) => (i * 31 + j * 17) & 0xff)));
    for (const key of keys) {
      const expected = kafkajsMurmur2(key);
      expect(murmur2(typeof key === 'string' ? Buffer.from(key) : key)).toBe(expected);
      for (const n of [1, 3, 10, 64]) {
        expect(murmur2Hasher.partition(key, n)).toBe((expected & 0x7fffffff) % n);
      }
    }
  });

  it('rejects bad partition counts', () => {
    expect(() => murmur2Hasher.partition('a', 0)).toThrow(/positive integer/);
    expect(() => fnv1aHasher.partition('a', 1.5)).toThrow(/positive integer/);
  });
});

describe('fnv1aHasher', () => {
  it('matches Goka partitions for n=10', () => {
    const vectors: [string, number][] = [['', 5], ['key1', 3], ['key2', 2], ['0', 3], ['02', 3]];
    for (const [key, partition] of vectors) {
      expect(fnv1aHasher.partition(key, 10)).toBe(partition);
      expect(fnv1aHasher.partition(Buffer.from(key), 10)).toBe(partition);
    }
  });
  it('computes standard FNV-1a 32', () => {
    expect(fnv1a32(Buffer.from(''))).toBe(0x811c9dc5);
    expect(fnv1a32(Buffer.from('a'))).toBe(0xe40c292c);
    expect(fnv1a32(Buffer.from('foobar'))).toBe(0xbf9cf968);
  });
});
