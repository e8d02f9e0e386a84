/// <reference types="jest" />
import { buf, collect, keysOf, utf8Order, describeStorageSuite, type DescribeStorageOptions, type StorageFactory, type StorageSuite } from './suite';

/**
 * Registers the storage conformance tests of values: byte-exact storage (empty, binary, large, unicode, binary and empty keys), absent keys, overwrites, deletes, many keys, concurrent use and partitions kept apart,
 * alone (`describeStorage` registers every concern).
 */
export function describeStorageValues(name: string, factory: StorageFactory, options: DescribeStorageOptions): void {
  describeStorageSuite(name, factory, options, storageValuesTests);
}

/** The tests of {@link describeStorageValues} inside a suite that already has its hooks. */
export function storageValuesTests(suite: StorageSuite): void {
  const { fresh, ctx, timeout, largeBytes, manyKeys, options } = suite;
  describe('values', () => {
    it('stores and returns values, byte for byte', async () => {
      const s = await fresh();
      const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      await s.set('a', buf('one'));
      await s.set('bin', binary);
      expect(await s.get('a')).toEqual(buf('one'));
      expect(Buffer.isBuffer(await s.get('bin'))).toBe(true);
      expect((await s.get('bin'))!.equals(binary)).toBe(true);
      expect(await s.has('a')).toBe(true);
    }, timeout);

    it('reports missing keys as absent', async () => {
      const s = await fresh();
      expect(await s.has('missing')).toBe(false);
      expect(await s.get('missing')).toBeUndefined();
      await s.set('present', buf('x'));
      expect(await s.has('missing')).toBe(false);
      expect(await s.get('missing')).toBeUndefined();
    }, timeout);

    it('overwrites values', async () => {
      const s = await fresh();
      await s.set('k', buf('first'));
      await s.set('k', buf('second, longer'));
      expect(await s.get('k')).toEqual(buf('second, longer'));
      await s.set('k', buf('3'));
      expect(await s.get('k')).toEqual(buf('3'));
      expect(keysOf(await collect(s))).toEqual(['k']);
    }, timeout);

    it('deletes keys, and deleting a missing key is fine', async () => {
      const s = await fresh();
      await s.set('k', buf('v'));
      await s.set('other', buf('w'));
      await s.delete('k');
      expect(await s.has('k')).toBe(false);
      expect(await s.get('k')).toBeUndefined();
      await s.delete('k');
      await s.delete('never-there');
      expect(await s.get('other')).toEqual(buf('w'));
      expect(keysOf(await collect(s))).toEqual(['other']);
      await s.set('k', buf('again'));
      expect(await s.get('k')).toEqual(buf('again'));
    }, timeout);

    it('keeps empty values apart from absent ones', async () => {
      const s = await fresh();
      await s.set('empty', Buffer.alloc(0));
      expect(await s.has('empty')).toBe(true);
      const v = await s.get('empty');
      expect(v).toBeDefined();
      expect(v!.length).toBe(0);
      const entries = await collect(s);
      expect(keysOf(entries)).toEqual(['empty']);
      expect(entries[0][1].length).toBe(0);
    }, timeout);

    it('supports the empty string as a key', async () => {
      const s = await fresh();
      await s.set('a', buf('A'));
      await s.set('', buf('root'));
      expect(await s.has('')).toBe(true);
      expect(await s.get('')).toEqual(buf('root'));
      expect(keysOf(await collect(s))).toEqual(['', 'a']);
      await s.delete('');
      expect(await s.has('')).toBe(false);
      expect(keysOf(await collect(s))).toEqual(['a']);
    }, timeout);

    it('supports unicode keys and orders them by UTF-8 bytes', async () => {
      const s = await fresh();
      // U+FFFF sorts before U+10000 in UTF-8 but after it in UTF-16 code units.
      const keys = ['z', 'Z', 'ä', 'a\u0000b', 'a', '日本', '😀', '\uFFFF', '\u{10FFFF}', 'é', 'e\u0301', 'ﬀ', '𝄞x'];
      for (const k of keys) await s.set(k, buf(`v:${k}`));
      for (const k of keys) expect(await s.get(k)).toEqual(buf(`v:${k}`));
      const sorted = [...keys].sort(utf8Order);
      const entries = await collect(s);
      expect(keysOf(entries)).toEqual(sorted);
      for (const [k, v] of entries) expect(v).toEqual(buf(`v:${k}`));
      expect(keysOf(await collect(s, { gte: '\uFFFF' }))).toEqual(['\uFFFF', '𝄞x', '😀', '\u{10FFFF}']);
      const inRange = sorted.filter((k) => utf8Order(k, 'ä') >= 0 && utf8Order(k, '😀') < 0);
      expect(inRange).toEqual(['ä', 'é', 'ﬀ', '日本', '\uFFFF', '𝄞x'].sort(utf8Order));
      expect(keysOf(await collect(s, { gte: 'ä', lt: '😀' }))).toEqual(inRange);
    }, timeout);

    it('keeps binary keys (one char per byte, as core binaryKeys) apart and in byte order, also after a reopen', async () => {
      // Keys that are not UTF-8 are held as latin1 strings; a backend that stores strings as UTF-8
      // must give them back unchanged, and UTF-8 keeps code point order, so the order is byte order.
      const latin1 = (bytes: number[]): string => Buffer.from(bytes).toString('latin1');
      const raw = [[0xff, 0xfe], [0xff, 0xfd], [0xff], [0x00], [0x00, 0x00], [0x7f], [0x80], [0xc3, 0xa4], [0xc3], [0xef, 0xbf, 0xbd], [0x61, 0xff, 0x62]];
      for (let b = 0; b < 256; b += 17) raw.push([0x42, b]);
      const keys = raw.map(latin1);
      const topic = ctx.newTopic();
      const s = await ctx.open(topic);
      await s.writeBatch(keys.map((key, i) => ({ type: 'put', key, value: Buffer.from([i]) })), 7);
      const byteOrder = [...raw].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))).map(latin1);
      const check = async (storage: typeof s): Promise<void> => {
        for (const [i, key] of keys.entries()) expect(await storage.get(key)).toEqual(Buffer.from([i]));
        expect(await storage.has(latin1([0xff, 0xfc]))).toBe(false);
        expect(await storage.has('\uFFFD\uFFFD')).toBe(false);
        const entries = await collect(storage);
        expect(keysOf(entries)).toEqual(byteOrder);
        for (const [key] of entries) expect([...Buffer.from(key, 'latin1')]).toEqual(raw[keys.indexOf(key)]);
        expect(keysOf(await collect(storage, { gte: latin1([0x80]), lt: latin1([0xff, 0xfe]) }))).toEqual(byteOrder.filter((k) => k >= latin1([0x80]) && k < latin1([0xff, 0xfe])));
      };
      await check(s);
      if (options.persistent) {
        await s.close();
        await check(await ctx.open(topic));
      }
    }, timeout);

    it('handles large values', async () => {
      const s = await fresh();
      const big = Buffer.alloc(largeBytes);
      for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE(i, i);
      await s.set('big', big);
      expect((await s.get('big'))!.equals(big)).toBe(true);
      await s.writeBatch([{ type: 'put', key: 'big2', value: big }, { type: 'put', key: 'small', value: buf('s') }], 3);
      const entries = await collect(s);
      expect(keysOf(entries)).toEqual(['big', 'big2', 'small']);
      expect(entries[1][1].equals(big)).toBe(true);
      const other = Buffer.alloc(largeBytes, 7);
      await s.set('big', other);
      expect((await s.get('big'))!.equals(other)).toBe(true);
    }, timeout);

    it('handles many keys', async () => {
      const s = await fresh();
      const keys = Array.from({ length: manyKeys }, (_, i) => `key-${(i * 7919) % manyKeys}`);
      for (let i = 0; i < keys.length; i += 1000) {
        await s.writeBatch(keys.slice(i, i + 1000).map((key) => ({ type: 'put', key, value: buf(`value-${key}`) })), i);
      }
      const entries = await collect(s);
      expect(entries.length).toBe(manyKeys);
      const expected = [...keys].sort(utf8Order);
      expect(keysOf(entries)).toEqual(expected);
      expect(entries.every(([k, v]) => v.toString() === `value-${k}`)).toBe(true);
      for (const i of [0, 1, manyKeys - 1, Math.floor(manyKeys / 2)]) {
        expect(await s.get(`key-${i}`)).toEqual(buf(`value-key-${i}`));
      }
      expect(keysOf(await collect(s, { gte: expected[100], limit: 50 }))).toEqual(expected.slice(100, 150));
    }, timeout);

    it('stays consistent under concurrent async use', async () => {
      const s = await fresh();
      const n = 500;
      await Promise.all(Array.from({ length: n }, (_, i) => s.set(`c${i}`, buf(`${i}`))));
      const ops: Promise<unknown>[] = [];
      for (let i = 0; i < n; i++) {
        if (i % 3 === 0) ops.push(s.delete(`c${i}`));
        else if (i % 3 === 1) ops.push(s.set(`c${i}`, buf(`new${i}`)));
        else ops.push(s.get(`c${i}`).then((v) => expect(v).toEqual(buf(`${i}`))));
      }
      ops.push(collect(s).then((entries) => expect(entries.length).toBeGreaterThan(0)));
      await Promise.all(ops);
      const entries = new Map(await collect(s));
      for (let i = 0; i < n; i++) {
        const want = i % 3 === 0 ? undefined : i % 3 === 1 ? `new${i}` : `${i}`;
        expect(entries.get(`c${i}`)?.toString()).toBe(want);
      }
    }, timeout);

    it('keeps partitions and topics apart', async () => {
      const topic = ctx.newTopic();
      const p0 = await ctx.open(topic, 0);
      const p1 = await ctx.open(topic, 1);
      const p10 = await ctx.open(topic, 10);
      const other = await ctx.open(ctx.newTopic(), 0);
      await p0.set('k', buf('p0'));
      await p1.set('k', buf('p1'));
      await p1.set('only1', buf('x'));
      await p0.setOffset(5);
      await p10.setOffset(50);
      expect(await p0.get('k')).toEqual(buf('p0'));
      expect(await p1.get('k')).toEqual(buf('p1'));
      expect(await p10.has('k')).toBe(false);
      expect(await other.has('k')).toBe(false);
      expect(keysOf(await collect(p0))).toEqual(['k']);
      expect(keysOf(await collect(p1))).toEqual(['k', 'only1']);
      expect(await collect(p10)).toEqual([]);
      expect(await p0.getOffset(-1)).toBe(5);
      expect(await p1.getOffset(-1)).toBe(-1);
      expect(await p10.getOffset(-1)).toBe(50);
      expect(await other.getOffset(-1)).toBe(-1);
      await p1.writeBatch([{ type: 'del', key: 'k' }], 9);
      expect(await p0.get('k')).toEqual(buf('p0'));
      expect(await p0.getOffset(-1)).toBe(5);
    }, timeout);
  });
}
