import type { Storage, StorageBatchOp, StorageBuilder } from '@goka-ts/api';
import { memoryStorage } from '@goka-ts/storage-memory';
import { PartitionTable } from '../src/table/partition_table';
import { followTables, recoverTables } from '../src/table/table_reader';
import { FaultyKafka } from './support/faulty_kafka';
import { recordingLogger } from './support/recording_logger';
import { until } from './support/scripted_group';

/** Memory storage that records every writeBatch, shared across rebuilds (like a persistent store). */
function persistentStorage(): { builder: StorageBuilder; batches: { ops: readonly StorageBatchOp[]; offset?: number }[]; store: () => Storage | undefined } {
  const base = memoryStorage();
  let store: Storage | undefined;
  const batches: { ops: readonly StorageBatchOp[]; offset?: number }[] = [];
  const builder: StorageBuilder = async (topic, partition) => {
    if (!store) {
      const inner = await base(topic, partition);
      const originalWriteBatch = inner.writeBatch.bind(inner);
      inner.writeBatch = (ops, offset) => {
        batches.push({ ops, offset });
        return originalWriteBatch(ops, offset);
      };
      let opened = false;
      const open = inner.open.bind(inner);
      inner.open = async () => {
        if (!opened) await open();
        opened = true;
      };
      inner.close = async () => undefined;
      store = inner;
    }
    return store;
  };
  return { builder, batches, store: () => store };
}

async function entries(storage: Storage): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const [k, v] of storage.iterator()) out[k] = v.toString();
  return out;
}

describe('PartitionTable', () => {
  it('recovers with one writeBatch per fetched batch, tombstones delete, offset stored', async () => {
    const kafka = new FaultyKafka();
    kafka.batchSize = 4;
    kafka.createTopic('t', 2);
    for (let i = 0; i < 10; i++) kafka.append('t', 1, `k${i % 5}`, `v${i}`);
    kafka.append('t', 1, 'k0', null);
    kafka.append('t', 0, 'other', 'x');
    const { builder, batches } = persistentStorage();
    const logger = recordingLogger();
    const table = new PartitionTable({ topic: 't', partition: 1, client: kafka, storage: builder, logger });
    await table.open();
    expect(table.status).toBe('initializing');
    await expect(table.recover()).resolves.toBe(true);
    expect(table.status).toBe('running');
    expect(batches.map((b) => [b.ops.length, b.offset])).toEqual([[4, 3], [4, 7], [3, 10]]);
    expect(await entries(table.storage)).toEqual({ k1: 'v6', k2: 'v7', k3: 'v8', k4: 'v9' });
    expect(await table.storage.getOffset(-1)).toBe(10);
    const stats = table.stats();
    expect(stats.recovery).toMatchObject({ startOffset: 0, offset: 10, highWatermark: 11, records: 11 });
    expect(stats.recovery.durationMs).toBeGreaterThanOrEqual(0);
    expect(stats.stalled).toBe(false);
    const done = logger.lines.find((l) => l.message === 'recovered table partition');
    expect(done?.fields).toMatchObject({ topic: 't', partition: 1, have: 11, need: 11, remaining: 0, records: 11 });
    expect(kafka.openResources.size).toBe(0);
    await table.close();
    expect(table.status).toBe('stopped');
  });

  it('a second recovery reads only from the stored offset + 1', async () => {
    const kafka = new FaultyKafka();
    kafka.batchSize = 100;
    kafka.createTopic('t', 1);
    for (let i = 0; i < 20; i++) kafka.append('t', 0, `k${i}`, `v${i}`);
    const storage = persistentStorage();
    const first = new PartitionTable({ topic: 't', partition: 0, client: kafka, storage: storage.builder });
    await first.open();
    await first.recover();
    await first.close();
    for (let i = 20; i < 25; i++) kafka.append('t', 0, `k${i}`, `v${i}`);
    const second = new PartitionTable({ topic: 't', partition: 0, client: kafka, storage: storage.builder });
    await second.open();
    expect(second.appliedOffset).toBe(19);
    await second.recover();
    expect(kafka.readerStarts.at(-1)?.partitions).toEqual([{ partition: 0, from: 20 }]);
    expect(second.stats().recovery).toMatchObject({ startOffset: 20, records: 5, offset: 24 });
    // Nothing new: no reader at all.
    const runs = kafka.readerRuns;
    const third = new PartitionTable({ topic: 't', partition: 0, client: kafka, storage: storage.builder });
    await third.open();
    await expect(third.recover()).resolves.toBe(true);
    expect(kafka.readerRuns).toBe(runs);
  });

  it('rejects a local offset beyond the high watermark (recreated topic)', async () => {
    const kafka = new FaultyKafka();
    kafka.createTopic('t', 1);
    kafka.append('t', 0, 'a', '1');
    const storage = persistentStorage();
    const table = new PartitionTable({ topic: 't', partition: 0, client: kafka, storage: storage.builder });
    await table.open();
    await table.storage.setOffset(5);
    await expect(table.recover()).rejects.toThrow(/local offset 5 is beyond the topic's high watermark 1/);
    expect(table.status).toBe('failed');
  });

  it('logs progress at most once per interval with have/need/remaining', async () => {
    const kafka = new FaultyKafka();
    kafka.batchSize = 1;
    kafka.createTopic('t', 1);
    for (let i = 0; i < 6; i++) kafka.append('t', 0, `k${i}`, 'v');
    let clock = 0;
    const logger = recordingLogger();
    const storage = memoryStorage();
    const table = new PartitionTable({
      topic: 't', partition: 0, client: kafka, logger, progressIntervalMs: 100,
      // Each batch advances the clock by 40 ms: progress lines after batches 3 and 6.
      storage: async (topic, partition) => {
        const s = await storage(topic, partition);
        const wb = s.writeBatch.bind(s);
        s.writeBatch = async (ops, offset) => {
          clock += 40;
          return wb(ops, offset);
        };
        return s;
      },
      now: () => clock,
    });
    await table.open();
    await table.recover();
    const progress = logger.lines.filter((l) => l.message === 'recovering table partition').map((l) => l.fields);
    expect(progress).toEqual([
      { topic: 't', partition: 0, from: 0, need: 6, remaining: 6 },
      { topic: 't', partition: 0, have: 3, need: 6, remaining: 3 },
      { topic: 't', partition: 0, have: 6, need: 6, remaining: 0 },
    ]);
    await table.close();
  });

  it('stop during recovery resolves false and keeps what was applied', async () => {
    const kafka = new FaultyKafka();
    kafka.batchSize = 2;
    kafka.createTopic('t', 1);
    for (let i = 0; i < 10; i++) kafka.append('t', 0, `k${i}`, 'v');
    const storage = persistentStorage();
    let stopped = false;
    const base = storage.builder;
    const table: PartitionTable = new PartitionTable({
      topic: 't', partition: 0, client: kafka,
      storage: async (topic, partition) => {
        const s = await base(topic, partition);
        const wb = s.writeBatch;
        s.writeBatch = async (ops, offset) => {
          await wb(ops, offset);
          if (!stopped) {
            stopped = true;
            void table.stop();
          }
        };
        return s;
      },
    });
    await table.open();
    await expect(table.recover()).resolves.toBe(false);
    expect(table.status).toBe('stopped');
    expect(await table.storage.getOffset(-1)).toBe(1);
  });

  it('follows new records, resolves caughtUp, and resolves follow on stop', async () => {
    const kafka = new FaultyKafka();
    kafka.createTopic('t', 1);
    kafka.append('t', 0, 'a', '1');
    const table = new PartitionTable({ topic: 't', partition: 0, client: kafka, storage: memoryStorage() });
    await table.open();
    await table.recover();
    const following = table.follow();
    await table.caughtUp;
    kafka.append('t', 0, 'b', '2');
    kafka.append('t', 0, 'a', null);
    await until("'b' stored and 'a' removed", async () => (await table.storage.has('b')) && !(await table.storage.has('a')));
    expect(table.stats().recovery.offset).toBe(2);
    expect(table.stats().recovery.records).toBe(1);
    await table.stop();
    await following;
    expect(table.status).toBe('stopped');
    await table.close();
    expect(kafka.openResources.size).toBe(0);
  });

  it('follow with an aborted signal resolves; a failing reader rejects follow and caughtUp', async () => {
    const kafka = new FaultyKafka();
    kafka.createTopic('t', 1);
    const table = new PartitionTable({ topic: 't', partition: 0, client: kafka, storage: memoryStorage() });
    await table.open();
    const ac = new AbortController();
    const following = table.follow(ac.signal);
    await table.caughtUp;
    ac.abort();
    await following;
    kafka.failReaderRuns = 1;
    kafka.append('t', 0, 'x', '1');
    const failing = table.follow();
    await expect(failing).rejects.toThrow(/connection lost/);
    await expect(table.caughtUp).rejects.toThrow(/connection lost/);
    expect(table.status).toBe('failed');
    await table.close();
  });

  it('flags a stall: behind with no record for stalledAfterMs', async () => {
    const kafka = new FaultyKafka();
    kafka.createTopic('t', 1);
    let clock = 1_000;
    const table = new PartitionTable({ topic: 't', partition: 0, client: kafka, storage: memoryStorage(), stalledAfterMs: 120_000, now: () => clock });
    await table.open();
    await table.recover();
    // A reader that learns of a higher watermark (an empty fetch) but never gets a record.
    let release!: () => void;
    kafka.partitionReader = () => ({
      run: async (handler) => {
        await handler.onBatch({ topic: 't', partition: 0, messages: [], highWatermark: 50 });
        await new Promise<void>((r) => (release = r));
      },
      stop: async () => release(),
    });
    const never = table.follow();
    await new Promise((r) => setImmediate(r));
    expect(table.stats().stalled).toBe(false);
    clock += 120_000;
    expect(table.stats().stalled).toBe(true);
    await table.stop();
    await never;
    expect(table.stats().stalled).toBe(false);
  });

  it('recovers and follows several partitions with one reader', async () => {
    const kafka = new FaultyKafka();
    kafka.createTopic('t', 3);
    for (let i = 0; i < 9; i++) kafka.append('t', i % 3, `k${i}`, `v${i}`);
    const tables = [0, 1, 2].map((partition) => new PartitionTable({ topic: 't', partition, client: kafka, storage: memoryStorage() }));
    await Promise.all(tables.map((t) => t.open()));
    await expect(recoverTables(tables)).resolves.toBe(true);
    expect(kafka.readerRuns).toBe(1);
    expect(kafka.readerStarts[0].partitions).toEqual([0, 1, 2].map((partition) => ({ partition, from: 0 })));
    expect(tables.map((t) => t.stats().recovery.records)).toEqual([3, 3, 3]);
    const single = tables[0].follow();
    await expect(followTables(tables)).rejects.toThrow(/already reading/);
    await tables[0].stop();
    await single;
    const following = followTables(tables);
    await Promise.all(tables.map((t) => t.caughtUp));
    kafka.append('t', 2, 'new', 'x');
    await until("'new' in partition 2", () => tables[2].storage.has('new'));
    await tables[1].stop();
    await following;
    expect(tables.map((t) => t.status)).toEqual(['stopped', 'stopped', 'stopped']);
    await Promise.all(tables.map((t) => t.close()));
    expect(kafka.openResources.size).toBe(0);
  });

  it('storage access before open is a clear error', () => {
    const table = new PartitionTable({ topic: 't', partition: 3, client: new FaultyKafka(), storage: memoryStorage() });
    expect(() => table.storage).toThrow(/table "t" partition 3 is not open/);
  });
});
