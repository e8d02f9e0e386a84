/// <reference types="jest" />
import { StorageError } from '@goka-ts/api';
import type { Storage, StorageBuilder, StorageIteratorOptions } from '@goka-ts/api';

/**
 * How the suite reaches a backend. `build` is called with a topic name no other test uses, so the
 * storage it returns must start empty; building the same (topic, partition) again after `close()`
 * must reach the same data when the backend is persistent.
 */
export interface StorageFactory {
  readonly build: StorageBuilder;
  /** Runs once before the tests (start services, create directories). */
  readonly setup?: () => Promise<void>;
  /** Runs once after the tests (close shared clients, remove directories). */
  readonly teardown?: () => Promise<void>;
}

/** What backend-specific tests registered through {@link DescribeStorageOptions.extraTests} get. */
export interface StorageSuiteContext {
  /** A topic name no other test has used. */
  newTopic(): string;
  /** Builds (unopened); closed by the suite after the test if still open. */
  build(topic: string, partition?: number): Promise<Storage>;
  /** Builds and opens; closed by the suite after the test. */
  open(topic: string, partition?: number): Promise<Storage>;
  /** Reads every entry of an iteration. */
  collect(storage: Storage, options?: StorageIteratorOptions): Promise<Array<[string, Buffer]>>;
}

export interface DescribeStorageOptions {
  /** Data and offset survive close and a rebuild of the same (topic, partition). */
  readonly persistent: boolean;
  /**
   * Iterators see the storage as it was when `iterator()` was called, unaffected by later writes.
   * Default true; backends without snapshots still must return every untouched key once, in order.
   */
  readonly snapshotIterators?: boolean;
  /** Size of the large-value test (default 5 MiB). */
  readonly largeValueBytes?: number;
  /** Number of keys of the many-keys test (default 20 000). */
  readonly manyKeys?: number;
  /** Per-test timeout (default 30 s). */
  readonly timeoutMs?: number;
  /** Registers backend-specific tests (bad cases) inside the suite's `describe`. */
  readonly extraTests?: (context: StorageSuiteContext) => void;
}

const utf8Order = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
const buf = (s: string): Buffer => Buffer.from(s, 'utf8');

async function collect(storage: Storage, options?: StorageIteratorOptions): Promise<Array<[string, Buffer]>> {
  const out: Array<[string, Buffer]> = [];
  for await (const entry of storage.iterator(options)) out.push(entry);
  return out;
}

const keysOf = (entries: ReadonlyArray<[string, Buffer]>): string[] => entries.map(([k]) => k);

/**
 * Registers the storage conformance tests for one backend: every backend passes the same suite, so
 * core can rely on the {@link Storage} contract whatever the user plugs in.
 */
export function describeStorage(name: string, factory: StorageFactory, options: DescribeStorageOptions): void {
  const snapshots = options.snapshotIterators ?? true;
  const largeBytes = options.largeValueBytes ?? 5 * 1024 * 1024;
  const manyKeys = options.manyKeys ?? 20_000;
  const timeout = options.timeoutMs ?? 30_000;
  const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  let topics = 0;
  let live: Storage[] = [];

  const ctx: StorageSuiteContext = {
    newTopic: () => `conf-${run}-${++topics}`,
    async build(topic, partition = 0) {
      const storage = await factory.build(topic, partition);
      live.push(storage);
      return storage;
    },
    async open(topic, partition = 0) {
      const storage = await ctx.build(topic, partition);
      await storage.open();
      return storage;
    },
    collect,
  };
  const fresh = (partition = 0): Promise<Storage> => ctx.open(ctx.newTopic(), partition);

  describe(`storage conformance: ${name}`, () => {
    if (factory.setup) beforeAll(factory.setup, timeout);
    afterEach(async () => {
      const open = live;
      live = [];
      // Closing is idempotent by contract, so tests may have closed some already.
      await Promise.all(open.map((s) => s.close()));
    }, timeout);
    if (factory.teardown) afterAll(factory.teardown, timeout);

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

    describe('life cycle', () => {
      it('works after markRecovered', async () => {
        const s = await fresh();
        await s.writeBatch([{ type: 'put', key: 'r1', value: buf('1') }, { type: 'put', key: 'r2', value: buf('2') }], 1);
        await s.markRecovered();
        expect(await s.get('r1')).toEqual(buf('1'));
        await s.set('r3', buf('3'));
        await s.delete('r1');
        expect(keysOf(await collect(s))).toEqual(['r2', 'r3']);
        expect(await s.getOffset(-1)).toBe(1);
      }, timeout);

      it('rejects every operation after close with a StorageError, and close is idempotent', async () => {
        const s = await fresh();
        await s.set('k', buf('v'));
        await s.close();
        await s.close();
        const attempts: Array<[string, () => Promise<unknown>]> = [
          ['has', () => s.has('k')],
          ['get', () => s.get('k')],
          ['set', () => s.set('k', buf('v'))],
          ['delete', () => s.delete('k')],
          ['getOffset', () => s.getOffset(0)],
          ['setOffset', () => s.setOffset(1)],
          ['writeBatch', () => s.writeBatch([{ type: 'put', key: 'k', value: buf('v') }], 1)],
          ['markRecovered', () => s.markRecovered()],
          ['iterator', () => collect(s)],
        ];
        for (const [op, attempt] of attempts) {
          const err = await attempt().then(() => undefined, (e: unknown) => e);
          if (!(err instanceof StorageError)) throw new Error(`${op} after close: expected a StorageError, got ${String(err)}`);
          expect(err.message).toMatch(/closed/i);
        }
      }, timeout);

      it('builds a usable storage again after close', async () => {
        const topic = ctx.newTopic();
        const a = await ctx.open(topic, 0);
        await a.set('k', buf('v'));
        await a.close();
        const b = await ctx.open(topic, 0);
        await b.set('k2', buf('v2'));
        expect(await b.get('k2')).toEqual(buf('v2'));
        expect(keysOf(await collect(b))).toEqual(options.persistent ? ['k', 'k2'] : ['k2']);
      }, timeout);
    });

    if (options.extraTests) {
      describe('backend specific', () => options.extraTests!(ctx));
    }
  });
}
