/// <reference types="jest" />
import { StorageError } from '@goka-ts/api';
import type { Storage } from '@goka-ts/api';
import { buf, collect, keysOf, utf8Order, describeStorageSuite, type DescribeStorageOptions, type StorageFactory, type StorageSuite } from './suite';

/**
 * Registers the storage conformance tests of iteration: empty storage, key order, gte/lt/limit, paging, writes during iteration, leaving early,
 * alone (`describeStorage` registers every concern).
 */
export function describeStorageIterators(name: string, factory: StorageFactory, options: DescribeStorageOptions): void {
  describeStorageSuite(name, factory, options, storageIteratorsTests);
}

/** The tests of {@link describeStorageIterators} inside a suite that already has its hooks. */
export function storageIteratorsTests(suite: StorageSuite): void {
  const { fresh, timeout, snapshots } = suite;
  describe('iterators', () => {
    const letters = ['d', 'b', 'f', 'a', 'e', 'c', 'g'];
    const filled = async (): Promise<Storage> => {
      const s = await fresh();
      for (const k of letters) await s.set(k, buf(k.toUpperCase()));
      return s;
    };

    it('yields nothing on empty storage', async () => {
      const s = await fresh();
      expect(await collect(s)).toEqual([]);
      expect(await collect(s, { gte: 'a', lt: 'z' })).toEqual([]);
    }, timeout);

    it('yields all entries in key order', async () => {
      const s = await filled();
      const entries = await collect(s);
      expect(keysOf(entries)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
      for (const [k, v] of entries) expect(v).toEqual(buf(k.toUpperCase()));
    }, timeout);

    it('honours gte, lt and limit', async () => {
      const s = await filled();
      expect(keysOf(await collect(s, { gte: 'c' }))).toEqual(['c', 'd', 'e', 'f', 'g']);
      expect(keysOf(await collect(s, { gte: 'cc' }))).toEqual(['d', 'e', 'f', 'g']);
      expect(keysOf(await collect(s, { lt: 'c' }))).toEqual(['a', 'b']);
      expect(keysOf(await collect(s, { lt: 'bb' }))).toEqual(['a', 'b']);
      expect(keysOf(await collect(s, { gte: 'b', lt: 'e' }))).toEqual(['b', 'c', 'd']);
      expect(keysOf(await collect(s, { limit: 3 }))).toEqual(['a', 'b', 'c']);
      expect(keysOf(await collect(s, { gte: 'e', limit: 10 }))).toEqual(['e', 'f', 'g']);
      expect(keysOf(await collect(s, { gte: 'b', lt: 'f', limit: 2 }))).toEqual(['b', 'c']);
      expect(await collect(s, { limit: 0 })).toEqual([]);
      expect(await collect(s, { gte: 'h' })).toEqual([]);
      expect(await collect(s, { lt: 'a' })).toEqual([]);
      expect(await collect(s, { lt: '' })).toEqual([]);
      expect(await collect(s, { gte: 'd', lt: 'c' })).toEqual([]);
      expect(await collect(s, { gte: 'c', lt: 'c' })).toEqual([]);
      expect(keysOf(await collect(s, { gte: '' }))).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    }, timeout);

    it('pages through more entries than fit one read', async () => {
      const s = await fresh();
      const keys = Array.from({ length: 2500 }, (_, i) => `p${String(i).padStart(5, '0')}`);
      await s.writeBatch(keys.map((key) => ({ type: 'put', key, value: buf(key) })));
      expect(keysOf(await collect(s))).toEqual(keys);
      expect(keysOf(await collect(s, { gte: keys[10], lt: keys[2100] }))).toEqual(keys.slice(10, 2100));
      expect(keysOf(await collect(s, { gte: keys[5], limit: 1234 }))).toEqual(keys.slice(5, 1239));
    }, timeout);

    it('stays consistent while the storage is written', async () => {
      const s = await fresh();
      const keys = Array.from({ length: 300 }, (_, i) => `k${String(i).padStart(3, '0')}`);
      await s.writeBatch(keys.map((key) => ({ type: 'put', key, value: buf(`old-${key}`) })));
      const it = s.iterator();
      // Writes between creation and the first read: a snapshot is taken at iterator(), not at next().
      await s.set('k000', buf('changed-before-read'));
      await s.set('a-new-first', buf('x'));
      const seen: Array<[string, Buffer]> = [];
      const touched = new Set<string>(['k000']);
      for (let r = await it.next(); !r.done; r = await it.next()) {
        seen.push(r.value);
        if (seen.length === 10) {
          await s.delete('k200');
          await s.set('k201', buf('changed'));
          await s.set('k150x', buf('inserted'));
          await s.set('zzz', buf('inserted at the end'));
          await s.writeBatch([{ type: 'del', key: 'k250' }, { type: 'put', key: 'k260', value: buf('batched') }], 1);
          for (const k of ['k200', 'k201', 'k250', 'k260']) touched.add(k);
        }
      }
      const seenKeys = keysOf(seen);
      expect([...seenKeys].sort(utf8Order)).toEqual(seenKeys);
      expect(new Set(seenKeys).size).toBe(seenKeys.length);
      if (snapshots) {
        expect(seenKeys).toEqual(keys);
        for (const [k, v] of seen) expect(v).toEqual(buf(`old-${k}`));
      } else {
        const untouched = keys.filter((k) => !touched.has(k));
        expect(seenKeys.filter((k) => untouched.includes(k))).toEqual(untouched);
        for (const [k, v] of seen) if (!touched.has(k) && keys.includes(k)) expect(v).toEqual(buf(`old-${k}`));
      }
      expect(await s.get('k201')).toEqual(buf('changed'));
      expect(await s.has('k200')).toBe(false);
      expect(keysOf(await collect(s)).length).toBe(keys.length + 3 - 2);
    }, timeout);

    it('can be left early, and open iterators do not block close', async () => {
      const s = await filled();
      for await (const [k] of s.iterator()) {
        if (k === 'b') break;
      }
      expect(keysOf(await collect(s))).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
      const dangling = s.iterator();
      expect((await dangling.next()).value?.[0]).toBe('a');
      await s.close();
      await expect(dangling.next()).rejects.toBeInstanceOf(StorageError);
    }, timeout);
  });
}
