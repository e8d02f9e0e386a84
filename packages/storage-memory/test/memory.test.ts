import { StorageError } from '@goka-ts/api';
import { MemoryStorage, compareUtf8, memoryStorage } from '../src';
import { SortedKeyIndex } from '../src/sorted_key_index';

const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
const buf = (s: string): Buffer => Buffer.from(s);

function randomKey(rand: () => number): string {
  const ranges = [[0x20, 0x7e], [0xa0, 0x7ff], [0x800, 0xd7ff], [0xe000, 0xffff], [0x10000, 0x10ffff]];
  let s = '';
  const len = Math.floor(rand() * 5);
  for (let i = 0; i < len; i++) {
    const [lo, hi] = ranges[Math.floor(rand() * ranges.length)];
    s += String.fromCodePoint(lo + Math.floor(rand() * (hi - lo)));
  }
  return s;
}

function prng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
}

async function keys(s: MemoryStorage): Promise<string[]> {
  const out: string[] = [];
  for await (const [k] of s.iterator()) out.push(k);
  return out;
}

describe('compareUtf8', () => {
  it('orders like the UTF-8 bytes, across all planes', () => {
    const rand = prng(7);
    const list = Array.from({ length: 3000 }, () => randomKey(rand));
    expect([...list].sort(compareUtf8)).toEqual([...list].sort(byBytes));
    expect(compareUtf8('\uFFFF', '\u{10000}')).toBeLessThan(0);
    expect(compareUtf8('a', 'ab')).toBeLessThan(0);
    expect(compareUtf8('', '')).toBe(0);
  });
});

describe('SortedKeyIndex', () => {
  it('tracks a map through inserts, deletes and re-inserts, incrementally and after going stale', () => {
    const rand = prng(3);
    const map = new Map<string, number>();
    const index = new SortedKeyIndex();
    const write = (key: string, del: boolean): void => {
      if (del) {
        if (map.delete(key)) index.keyRemoved();
      } else {
        const n = map.size;
        map.set(key, 1);
        if (map.size !== n) index.keyAdded(key);
      }
    };
    // Rounds of few changes take the merge path; the big rounds overflow the pending list (stale path).
    for (const changes of [10, 50, 20000, 5, 300, 9000, 1]) {
      for (let i = 0; i < changes; i++) write(`k${Math.floor(rand() * 5000)}`, rand() < 0.3);
      const sorted = index.keys(map);
      expect(sorted).toEqual([...map.keys()].sort(compareUtf8));
      expect(index.keys(map)).toBe(sorted);
    }
  });
});

describe('MemoryStorage', () => {
  it('is built fresh per partition and rejects use before open', async () => {
    const build = memoryStorage();
    const a = await build('t', 0);
    const b = await build('t', 0);
    expect(a).not.toBe(b);
    await expect(a.get('k')).rejects.toThrow(/not open/);
    await a.open();
    await a.set('k', buf('v'));
    await b.open();
    expect(await b.has('k')).toBe(false);
    await a.close();
    await expect(a.open()).rejects.toBeInstanceOf(StorageError);
    await b.close();
  });

  it('keeps several iterators on their own snapshots while keys churn', async () => {
    const s = new MemoryStorage('t', 0);
    await s.open();
    const rand = prng(11);
    const expectState = new Map<string, string>();
    for (let i = 0; i < 500; i++) {
      const k = `k${i}`;
      expectState.set(k, `v0-${i}`);
      await s.set(k, buf(`v0-${i}`));
    }
    const snapshots: Array<{ it: AsyncIterableIterator<[string, Buffer]>; want: Array<[string, string]>; got: Array<[string, string]> }> = [];
    for (let round = 0; round < 5; round++) {
      const want = [...expectState.entries()].sort(([a], [b]) => compareUtf8(a, b));
      snapshots.push({ it: s.iterator(), want, got: [] });
      for (let i = 0; i < 200; i++) {
        const k = `k${Math.floor(rand() * 700)}`;
        if (rand() < 0.4) {
          expectState.delete(k);
          await s.delete(k);
        } else {
          expectState.set(k, `v${round + 1}-${i}`);
          await s.set(k, buf(`v${round + 1}-${i}`));
        }
        // Advance the snapshots a little between writes.
        for (const snap of snapshots) {
          const r = await snap.it.next();
          if (!r.done) snap.got.push([r.value[0], r.value[1].toString()]);
        }
      }
    }
    for (const snap of snapshots) {
      for (let r = await snap.it.next(); !r.done; r = await snap.it.next()) snap.got.push([r.value[0], r.value[1].toString()]);
      expect(snap.got).toEqual(snap.want);
    }
    expect(await keys(s)).toEqual([...expectState.keys()].sort(compareUtf8));
    expect(s.size).toBe(expectState.size);
    await s.close();
  });
});
