/// <reference types="jest" />
import { buf, collect, keysOf, describeStorageSuite, type DescribeStorageOptions, type StorageFactory, type StorageSuite } from './suite';

/**
 * Registers the storage conformance tests of the stored offset: its default, stored values, kept out of the key space and across close and reopen,
 * alone (`describeStorage` registers every concern).
 */
export function describeStorageOffsets(name: string, factory: StorageFactory, options: DescribeStorageOptions): void {
  describeStorageSuite(name, factory, options, storageOffsetsTests);
}

/** The tests of {@link describeStorageOffsets} inside a suite that already has its hooks. */
export function storageOffsetsTests(suite: StorageSuite): void {
  const { fresh, ctx, timeout, options } = suite;
  describe('offsets', () => {
    it('returns the default when no offset was stored', async () => {
      const s = await fresh();
      expect(await s.getOffset(-2)).toBe(-2);
      expect(await s.getOffset(17)).toBe(17);
    }, timeout);

    it('stores offsets, including 0 and large ones', async () => {
      const s = await fresh();
      await s.setOffset(42);
      expect(await s.getOffset(-1)).toBe(42);
      await s.setOffset(0);
      expect(await s.getOffset(-1)).toBe(0);
      await s.setOffset(2 ** 40 + 3);
      expect(await s.getOffset(-1)).toBe(2 ** 40 + 3);
    }, timeout);

    it('keeps the offset out of the key space', async () => {
      const s = await fresh();
      await s.setOffset(7);
      await s.set('a', buf('1'));
      expect(keysOf(await collect(s))).toEqual(['a']);
      expect(await s.has('__offset')).toBe(false);
      await s.set('__offset', buf('user value'));
      expect(await s.getOffset(-1)).toBe(7);
      expect(await s.get('__offset')).toEqual(buf('user value'));
      await s.setOffset(8);
      expect(await s.get('__offset')).toEqual(buf('user value'));
      await s.delete('__offset');
      expect(await s.getOffset(-1)).toBe(8);
      await s.set('__offset', buf('again'));
      expect(keysOf(await collect(s))).toEqual(['__offset', 'a']);
    }, timeout);

    if (options.persistent) {
      it('keeps data and offset across close and reopen', async () => {
        const topic = ctx.newTopic();
        const a = await ctx.open(topic, 3);
        await a.set('k1', buf('v1'));
        await a.set('gone', buf('x'));
        await a.writeBatch([{ type: 'put', key: 'k2', value: buf('v2') }, { type: 'del', key: 'gone' }], 99);
        await a.set('', Buffer.alloc(0));
        await a.close();
        const b = await ctx.open(topic, 3);
        expect(await b.getOffset(-1)).toBe(99);
        expect(await b.get('k1')).toEqual(buf('v1'));
        expect(await b.has('gone')).toBe(false);
        const entries = await collect(b);
        expect(keysOf(entries)).toEqual(['', 'k1', 'k2']);
        expect(entries[0][1].length).toBe(0);
        await b.setOffset(100);
        await b.close();
        const c = await ctx.open(topic, 3);
        expect(await c.getOffset(-1)).toBe(100);
      }, timeout);
    }
  });
}
