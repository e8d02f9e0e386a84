import type { KafkaClient } from '@goka-ts/api';
import { memoryStorage } from '@goka-ts/storage-memory';
import { followTables, PartitionTable, recoverTables } from '@goka-ts/core';
import { clients, type ProducedRecord, TestCluster, testLogger, uniqueName, waitFor } from '@goka-ts/test-support';
import { persistentStorage } from './support/persistent_storage';

describe.each(clients)('PartitionTable (%s)', (factory) => {
  let cluster: TestCluster;
  let client: KafkaClient;
  beforeAll(() => {
    cluster = new TestCluster(factory);
    client = cluster.client;
  });
  afterAll(() => cluster.close());

  function tables(topic: string, partitions: number, storage = memoryStorage()): PartitionTable[] {
    return Array.from({ length: partitions }, (_, partition) => new PartitionTable({ topic, partition, client, storage, logger: testLogger, maxWaitMs: 100 }));
  }

  async function contents(all: PartitionTable[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const t of all) for await (const [k, v] of t.storage.iterator()) out.set(k, v.toString());
    return out;
  }

  it('recovery reads from the stored offset + 1: a second recovery reads only the tail', async () => {
    const topic = await cluster.createTopic(uniqueName('pt'), 2, { 'cleanup.policy': 'compact' });
    const records: ProducedRecord[] = [];
    for (let i = 0; i < 500; i++) records.push({ key: `k${i % 120}`, value: `v${i}` });
    for (let i = 0; i < 120; i += 7) records.push({ key: `k${i}`, value: null });
    await cluster.produce(topic, records);
    const storage = persistentStorage();
    try {
      const first = tables(topic, 2, storage.builder);
      await Promise.all(first.map((t) => t.open()));
      await expect(recoverTables(first)).resolves.toBe(true);
      expect(storage.applied()).toBe(records.length);
      const expected = new Map([...(await cluster.tableContents(topic))].map(([k, v]) => [k, v.toString()]));
      expect(await contents(first)).toEqual(expected);
      for (const t of first) {
        const s = t.stats();
        expect(s.status).toBe('running');
        expect(s.recovery.startOffset).toBe(0);
        expect(s.recovery.offset).toBe(s.recovery.highWatermark - 1);
        expect(await t.storage.getOffset(-1)).toBe(s.recovery.offset);
      }
      expect(first.reduce((n, t) => n + t.stats().recovery.records, 0)).toBe(records.length);
      const stored = first.map((t) => t.appliedOffset);
      await Promise.all(first.map((t) => t.close()));

      const tail: ProducedRecord[] = Array.from({ length: 37 }, (_, i) => ({ key: `tail${i}`, value: `t${i}` }));
      tail.push({ key: 'k1', value: null });
      await cluster.produce(topic, tail);
      storage.resetCount();
      const second = tables(topic, 2, storage.builder);
      await Promise.all(second.map((t) => t.open()));
      await recoverTables(second);
      expect(storage.applied()).toBe(tail.length);
      second.forEach((t, p) => expect(t.stats().recovery.startOffset).toBe(stored[p] + 1));
      expect(await contents(second)).toEqual(new Map([...(await cluster.tableContents(topic))].map(([k, v]) => [k, v.toString()])));
      await Promise.all(second.map((t) => t.close()));

      // Nothing new: nothing is read.
      storage.resetCount();
      const third = tables(topic, 2, storage.builder);
      await Promise.all(third.map((t) => t.open()));
      await recoverTables(third);
      expect(storage.applied()).toBe(0);
      await Promise.all(third.map((t) => t.close()));
    } finally {
      await storage.destroy();
    }
  });

  it('follows new records after recovery and reports caughtUp; stop ends follow', async () => {
    const topic = await cluster.createTopic(uniqueName('pt-follow'), 2, { 'cleanup.policy': 'compact' });
    await cluster.produce(topic, [{ key: 'a', value: '1' }]);
    const all = tables(topic, 2);
    await Promise.all(all.map((t) => t.open()));
    await recoverTables(all);
    const following = followTables(all);
    await Promise.all(all.map((t) => t.caughtUp));
    await cluster.produce(topic, [{ key: 'b', value: '2' }, { key: 'a', value: null }]);
    await waitFor('followed records', async () => {
      const c = await contents(all);
      return c.get('b') === '2' && !c.has('a');
    });
    await all[0].stop();
    await following;
    expect(all.map((t) => t.status)).toEqual(['stopped', 'stopped']);
    await Promise.all(all.map((t) => t.close()));
  });
});
