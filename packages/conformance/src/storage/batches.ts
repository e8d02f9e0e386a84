/// <reference types="jest" />
import { buf, collect, keysOf, describeStorageSuite, type DescribeStorageOptions, type StorageFactory, type StorageSuite } from './suite';

/**
 * Registers the storage conformance tests of writeBatch: puts and deletes in order with the offset, and batches without an offset or without ops,
 * alone (`describeStorage` registers every concern).
 */
export function describeStorageBatches(name: string, factory: StorageFactory, options: DescribeStorageOptions): void {
  describeStorageSuite(name, factory, options, storageBatchesTests);
}

/** The tests of {@link describeStorageBatches} inside a suite that already has its hooks. */
export function storageBatchesTests(suite: StorageSuite): void {
  const { fresh, timeout } = suite;
  describe('batches', () => {
    it('applies puts and deletes in order, with the offset', async () => {
      const s = await fresh();
      await s.set('pre', buf('existing'));
      await s.writeBatch([
        { type: 'put', key: 'a', value: buf('1') },
        { type: 'put', key: 'b', value: buf('2') },
        { type: 'del', key: 'a' },
        { type: 'put', key: 'c', value: buf('3') },
        { type: 'put', key: 'b', value: buf('4') },
        { type: 'del', key: 'pre' },
        { type: 'del', key: 'missing' },
        { type: 'put', key: 'd', value: buf('5') },
        { type: 'del', key: 'd' },
        { type: 'put', key: 'd', value: buf('6') },
      ], 10);
      const entries = await collect(s);
      expect(keysOf(entries)).toEqual(['b', 'c', 'd']);
      expect(entries.map(([, v]) => v.toString())).toEqual(['4', '3', '6']);
      expect(await s.has('a')).toBe(false);
      expect(await s.has('pre')).toBe(false);
      expect(await s.getOffset(-1)).toBe(10);
    }, timeout);

    it('leaves the offset alone without one, and stores it with an empty batch', async () => {
      const s = await fresh();
      await s.setOffset(3);
      await s.writeBatch([{ type: 'put', key: 'x', value: buf('x') }]);
      expect(await s.getOffset(-1)).toBe(3);
      await s.writeBatch([]);
      expect(await s.getOffset(-1)).toBe(3);
      await s.writeBatch([], 4);
      expect(await s.getOffset(-1)).toBe(4);
      await s.writeBatch([], 0);
      expect(await s.getOffset(-1)).toBe(0);
      expect(keysOf(await collect(s))).toEqual(['x']);
    }, timeout);
  });
}
