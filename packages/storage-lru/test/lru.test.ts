import { StorageError } from '@goka-ts/api';
import type { Storage } from '@goka-ts/api';
import { LruStorage, StorageStatsCollector, instrumentStorage, lruStorage } from '../src';
import { MemoryStorage, memoryStorage } from '@goka-ts/storage-memory';

const buf = (s: string): Buffer => Buffer.from(s);

/** An LRU over memory whose underlying calls are counted. */
async function counted(options: { maxEntries: number; maxBytes?: number }): Promise<{ lru: LruStorage; calls: (op: 'get' | 'has') => number }> {
  const collector = new StorageStatsCollector();
  const lru = (await lruStorage(instrumentStorage(memoryStorage(), collector), options)('t', 0)) as LruStorage;
  await lru.open();
  return { lru, calls: (op) => collector.totals()[op].count };
}

async function entries(s: Storage): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for await (const [k, v] of s.iterator()) out.push([k, v.toString()]);
  return out;
}

describe('LruStorage', () => {
  it('serves repeated gets and has from the cache, absent keys included', async () => {
    const { lru, calls } = await counted({ maxEntries: 10 });
    await lru.set('k', buf('v'));
    expect(await lru.get('k')).toEqual(buf('v'));
    expect(await lru.get('k')).toEqual(buf('v'));
    expect(await lru.has('k')).toBe(true);
    expect(calls('get')).toBe(1);
    expect(calls('has')).toBe(0);

    expect(await lru.get('missing')).toBeUndefined();
    expect(await lru.get('missing')).toBeUndefined();
    expect(await lru.has('missing')).toBe(false);
    expect(calls('get')).toBe(2);

    expect(await lru.has('other')).toBe(false);
    expect(await lru.has('other')).toBe(false);
    expect(calls('has')).toBe(1);
    expect(lru.cacheStats()).toMatchObject({ hits: 5, misses: 3, entries: 3 });
    await lru.close();
  });

  it('learns presence from has, and still reads the value once', async () => {
    const { lru, calls } = await counted({ maxEntries: 10 });
    await lru.set('k', buf('v'));
    expect(await lru.has('k')).toBe(true);
    expect(await lru.has('k')).toBe(true);
    expect(calls('has')).toBe(1);
    expect(await lru.get('k')).toEqual(buf('v'));
    expect(await lru.get('k')).toEqual(buf('v'));
    expect(calls('get')).toBe(1);
    await lru.close();
  });

  it('invalidates on set, delete and writeBatch, also for keys known absent', async () => {
    const { lru } = await counted({ maxEntries: 10 });
    await lru.set('a', buf('1'));
    await lru.set('b', buf('2'));
    expect(await lru.get('a')).toEqual(buf('1'));
    expect(await lru.get('b')).toEqual(buf('2'));
    expect(await lru.get('c')).toBeUndefined();
    expect(await lru.has('d')).toBe(false);

    await lru.set('a', buf('1b'));
    expect(await lru.get('a')).toEqual(buf('1b'));
    await lru.delete('b');
    expect(await lru.get('b')).toBeUndefined();
    expect(await lru.has('b')).toBe(false);
    await lru.writeBatch([{ type: 'put', key: 'c', value: buf('3') }, { type: 'del', key: 'a' }, { type: 'put', key: 'd', value: buf('4') }], 7);
    expect(await lru.get('c')).toEqual(buf('3'));
    expect(await lru.has('d')).toBe(true);
    expect(await lru.get('a')).toBeUndefined();
    expect(await lru.getOffset(-1)).toBe(7);
    await lru.close();
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const { lru, calls } = await counted({ maxEntries: 3 });
    for (const k of ['a', 'b', 'c', 'd']) await lru.set(k, buf(k));
    for (const k of ['a', 'b', 'c']) await lru.get(k);
    await lru.get('a'); // a is now the most recent; b the least
    await lru.get('d'); // evicts b
    expect(lru.cacheStats().entries).toBe(3);
    const before = calls('get');
    await lru.get('a');
    await lru.get('c');
    await lru.get('d');
    expect(calls('get')).toBe(before);
    await lru.get('b');
    expect(calls('get')).toBe(before + 1);
    await lru.close();
  });

  it('bounds the cached bytes, and skips values larger than the bound', async () => {
    const { lru, calls } = await counted({ maxEntries: 100, maxBytes: 2500 });
    const kb = Buffer.alloc(1000, 1);
    for (const k of ['a', 'b', 'c']) await lru.set(k, kb);
    for (const k of ['a', 'b', 'c']) await lru.get(k);
    const { entries: cachedEntries, bytes } = lru.cacheStats();
    expect(cachedEntries).toBe(2);
    expect(bytes).toBeLessThanOrEqual(2500);
    await lru.set('huge', Buffer.alloc(5000));
    await lru.get('huge');
    await lru.get('huge');
    expect(calls('get')).toBe(5);
    expect(lru.cacheStats().bytes).toBeLessThanOrEqual(2500);
    await lru.close();
  });

  it('never caches a read that raced a write', async () => {
    const inner = new MemoryStorage('t', 0);
    let release: (() => void) | undefined;
    const slowGet = inner.get.bind(inner);
    // The first read returns the value from before the write, but only after the write is done.
    inner.get = async (key: string) => {
      const value = await slowGet(key);
      await new Promise<void>((resolve) => (release = resolve));
      return value;
    };
    const lru = new LruStorage(inner, { maxEntries: 10 });
    await lru.open();
    await lru.set('k', buf('old'));
    const read = lru.get('k');
    await new Promise((r) => setImmediate(r));
    await lru.set('k', buf('new'));
    release!();
    expect(await read).toEqual(buf('old'));
    inner.get = slowGet;
    expect(await lru.get('k')).toEqual(buf('new'));
    await lru.close();
  });

  it('iterates the underlying storage', async () => {
    const { lru, calls } = await counted({ maxEntries: 10 });
    await lru.set('a', buf('1'));
    await lru.get('a');
    await lru.set('a', buf('2'));
    await lru.writeBatch([{ type: 'put', key: 'b', value: buf('3') }]);
    expect(await entries(lru)).toEqual([['a', '2'], ['b', '3']]);
    expect(calls('get')).toBe(1);
    await lru.close();
  });

  it('rejects use after close and a cache without room', async () => {
    const { lru } = await counted({ maxEntries: 10 });
    await lru.set('a', buf('1'));
    await lru.get('a');
    await lru.close();
    await expect(lru.get('a')).rejects.toBeInstanceOf(StorageError);
    await expect(lru.has('a')).rejects.toBeInstanceOf(StorageError);
    expect(() => lruStorage(memoryStorage(), { maxEntries: 0 })).toThrow(StorageError);
  });
});
