import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeStorage } from '@goka-ts/conformance';
import { leveldbStorage } from '@goka-ts/storage-leveldb';
import { StorageStatsCollector, instrumentStorage, lruStorage } from '../src';
import { memoryStorage } from '@goka-ts/storage-memory';

describeStorage('lru over memory', { build: lruStorage(memoryStorage(), { maxEntries: 1000 }) }, { persistent: false });

// A cache far smaller than the data: every path through eviction gets exercised by the suite.
describeStorage('lru (tiny) over memory', { build: lruStorage(memoryStorage(), { maxEntries: 3, maxBytes: 400 }) }, { persistent: false });

const dir = mkdtempSync(path.join(tmpdir(), 'goka-lru-conformance-'));
describeStorage('lru over leveldb', {
  build: lruStorage(leveldbStorage({ path: dir }), { maxEntries: 500, maxBytes: 1 << 20 }),
  teardown: async () => rmSync(dir, { recursive: true, force: true }),
}, { persistent: true });

const collector = new StorageStatsCollector();
describeStorage('instrumented memory', {
  build: instrumentStorage(memoryStorage(), collector),
  teardown: async () => {
    // The suite ran every operation through the wrapper, failures included (use after close).
    const totals = collector.totals();
    for (const op of ['open', 'close', 'has', 'get', 'set', 'delete', 'getOffset', 'setOffset', 'writeBatch', 'markRecovered', 'iterator'] as const) {
      if (totals[op].count === 0) throw new Error(`instrumentation recorded no ${op}`);
    }
    if (totals.get.errors === 0 || totals.iterator.errors === 0) throw new Error('instrumentation recorded no failures');
  },
}, { persistent: false });
