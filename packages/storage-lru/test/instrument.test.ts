import type { Storage } from '@goka-ts/api';
import { STORAGE_OPERATIONS, StorageStatsCollector, instrumentStorage } from '../src';
import { MemoryStorage, memoryStorage } from '@goka-ts/storage-memory';

const buf = (s: string): Buffer => Buffer.from(s);

describe('instrumentStorage', () => {
  it('counts every operation per topic and partition, with failures', async () => {
    const collector = new StorageStatsCollector();
    const build = instrumentStorage(memoryStorage(), collector);
    const s = await build('t', 0);
    const other = await build('u', 3);
    await s.open();
    await other.open();
    await s.set('a', buf('1'));
    await s.set('b', buf('2'));
    await s.get('a');
    await s.has('a');
    await s.delete('b');
    await s.setOffset(3);
    await s.getOffset(0);
    await s.writeBatch([{ type: 'put', key: 'c', value: buf('3') }], 4);
    await s.markRecovered();
    for await (const entry of s.iterator()) void entry;
    for await (const [k] of s.iterator()) if (k === 'a') break;
    await other.get('x');
    await s.close();
    await expect(s.get('a')).rejects.toThrow(/closed/);

    const stats = collector.stats();
    expect(Object.keys(stats).sort()).toEqual(['t', 'u']);
    const t0 = stats.t[0];
    expect(t0.set).toMatchObject({ count: 2, errors: 0 });
    expect(t0.get).toMatchObject({ count: 2, errors: 1 });
    for (const op of ['open', 'close', 'has', 'delete', 'getOffset', 'setOffset', 'writeBatch', 'markRecovered'] as const) {
      expect(t0[op]).toMatchObject({ count: 1, errors: 0 });
    }
    expect(t0.iterator).toMatchObject({ count: 2, errors: 0 });
    expect(stats.u[3].get.count).toBe(1);
    expect(collector.totals().get.count).toBe(3);
    expect(collector.totals().open.count).toBe(2);
    await other.close();

    collector.reset();
    for (const op of STORAGE_OPERATIONS) expect(collector.totals()[op].count).toBe(0);
  });

  it('times operations, including work the storage does synchronously', async () => {
    const collector = new StorageStatsCollector();
    const busy = (ms: number): void => {
      const end = Date.now() + ms;
      while (Date.now() < end);
    };
    const build = instrumentStorage((topic, partition) => {
      const inner = new MemoryStorage(topic, partition);
      const get = inner.get.bind(inner);
      inner.get = (key: string) => {
        busy(20);
        return get(key);
      };
      const set = inner.set.bind(inner);
      inner.set = async (key: string, value: Buffer) => {
        await new Promise((r) => setTimeout(r, 30));
        return set(key, value);
      };
      return inner;
    }, collector);
    const s: Storage = await build('t', 0);
    await s.open();
    await s.set('a', buf('1'));
    await s.get('a');
    const stats = collector.stats().t[0];
    expect(stats.get.totalMs).toBeGreaterThanOrEqual(19);
    expect(stats.set.totalMs).toBeGreaterThanOrEqual(25);
    await s.close();
  });

  it('records a failed iteration as an error', async () => {
    const collector = new StorageStatsCollector();
    const s = await instrumentStorage(memoryStorage(), collector)('t', 0);
    await s.open();
    await s.set('a', buf('1'));
    const it = s.iterator();
    await it.next();
    await s.close();
    await expect(it.next()).rejects.toThrow(/closed/);
    expect(collector.stats().t[0].iterator).toMatchObject({ count: 1, errors: 1 });
  });
});
