import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { defineGroup, Processor, stringCodec } from '@goka-ts/core';
import { leveldbStorage } from '@goka-ts/storage-leveldb';
import { clients, counterInput, decodeCounts, startCounter, stopStarted, TestCluster, testLogger, uniqueName, waitFor } from '@goka-ts/test-support';

describe.each(clients)('Processor: counting (%s)', (factory) => {
  let cluster: TestCluster;
  beforeAll(() => {
    cluster = new TestCluster(factory);
  });
  afterEach(() => stopStarted());
  afterAll(() => cluster.close());

  it('counts exactly over 12k messages, 300 keys and 4 partitions, and reports stats', async () => {
    const input = await cluster.createTopic(uniqueName('count-in'), 4);
    const group = uniqueName('count');
    cluster.ownGroup(group);
    const { records, expected } = counterInput(12_000, 300);
    await cluster.produce(input, records);

    const counter = startCounter({ client: cluster.client, group, input });
    await counter.processor.waitRunning();
    await waitFor('every input offset committed', async () => (await cluster.committedTotal(group, input)) === 12_000, 60_000);

    // The table topic holds exactly the counts (every write acknowledged before its input was committed).
    expect(decodeCounts(await cluster.tableContents(`${group}-table`))).toEqual(expected);
    for (const key of ['key-0', 'key-17', 'key-299']) expect(await counter.processor.get(key)).toBe(expected.get(key));

    const stats = counter.processor.stats();
    expect(stats.group).toBe(group);
    expect(stats.state).toBe('running');
    expect(Object.keys(stats.partitions).map(Number).sort()).toEqual([0, 1, 2, 3]);
    const perPartition = Object.values(stats.partitions);
    expect(perPartition.reduce((n, p) => n + p.input[input].count, 0)).toBe(12_000);
    expect(perPartition.reduce((n, p) => n + p.input[input].bytes, 0)).toBe(records.reduce((n, r) => n + r.key.length + 1, 0));
    for (const p of perPartition) {
      expect(p.input[input].lag).toBe(0);
      expect(p.input[input].lastOffset).toBeGreaterThan(0);
      expect(p.table?.status).toBe('running');
      expect(p.table?.writes).toBe(p.input[input].count);
    }

    await counter.stop();
    expect(await counter.outcome).toEqual({});
    expect(counter.processor.state).toBe('stopped');
  });

  it('resumes from the table after a restart without reprocessing committed input', async () => {
    const input = await cluster.createTopic(uniqueName('resume-in'), 4);
    const group = uniqueName('resume');
    cluster.ownGroup(group);
    const first = counterInput(2_000, 40);
    await cluster.produce(input, first.records);

    let seen = 0;
    const one = startCounter({ client: cluster.client, group, input, onMessage: () => seen++ });
    await waitFor('first batch committed', async () => (await cluster.committedTotal(group, input)) === 2_000, 60_000);
    await one.stop();
    expect(await one.outcome).toEqual({});
    expect(seen).toBe(2_000);

    const second = counterInput(1_000, 40);
    await cluster.produce(input, second.records);
    seen = 0;
    // A new instance with empty (memory) storage: it recovers the table from Kafka, then continues
    // from the committed offsets.
    const two = startCounter({ client: cluster.client, group, input, onMessage: () => seen++ });
    await waitFor('second batch committed', async () => (await cluster.committedTotal(group, input)) === 3_000, 60_000);
    expect(seen).toBe(1_000);
    const recovered = Object.values(two.processor.stats().partitions).reduce((n, p) => n + (p.table?.recovery.records ?? 0), 0);
    expect(recovered).toBeGreaterThan(0);
    await two.stop();

    const expected = new Map([...first.expected].map(([k, v]) => [k, v + (second.expected.get(k) ?? 0)]));
    expect(decodeCounts(await cluster.tableContents(`${group}-table`))).toEqual(expected);
  });

  it('restarts from local LevelDB storage, re-reading only what it does not have', async () => {
    const input = await cluster.createTopic(uniqueName('level-in'), 2);
    const group = uniqueName('level');
    cluster.ownGroup(group);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'goka-processor-'));
    try {
      const first = counterInput(1_000, 20);
      await cluster.produce(input, first.records);
      const one = startCounter({ client: cluster.client, group, input, storage: leveldbStorage({ path: dir }) });
      await waitFor('first batch committed', async () => (await cluster.committedTotal(group, input)) === 1_000, 60_000);
      await one.stop();

      const second = counterInput(500, 20);
      await cluster.produce(input, second.records);
      const two = startCounter({ client: cluster.client, group, input, storage: leveldbStorage({ path: dir }) });
      await two.processor.waitRunning();
      // The local table already had every write of the first run: recovery read nothing.
      for (const p of [0, 1]) expect(two.processor.stats().partitions[p].table?.recovery.records).toBe(0);
      await waitFor('second batch committed', async () => (await cluster.committedTotal(group, input)) === 1_500, 60_000);
      for (const key of ['key-0', 'key-7', 'key-19']) expect(await two.processor.get(key)).toBe(first.expected.get(key)! + second.expected.get(key)!);
      await two.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('coalesces repeated writes of a key within a commit interval', async () => {
    const input = await cluster.createTopic(uniqueName('coalesce-in'), 1);
    const group = uniqueName('coalesce');
    cluster.ownGroup(group);
    const { records } = counterInput(3_000, 2);
    await cluster.produce(input, records);
    const counter = startCounter({ client: cluster.client, group, input, commitIntervalMs: 1_000 });
    await waitFor('all committed', async () => (await cluster.committedTotal(group, input)) === 3_000, 60_000);
    await counter.stop();
    const tableRecords = await cluster.readAll(`${group}-table`);
    // Far fewer table records than messages, and the final values are exact.
    expect(tableRecords.length).toBeLessThan(300);
    expect(decodeCounts(await cluster.tableContents(`${group}-table`))).toEqual(new Map([['key-0', 1_500], ['key-1', 1_500]]));
    expect(counter.processor.stats().partitions).toEqual({}); // stopped: no partitions owned
  });

  it('rejects inputs that are not co-partitioned, naming topics and partition counts', async () => {
    const a = await cluster.createTopic(uniqueName('copart-a'), 4);
    const b = await cluster.createTopic(uniqueName('copart-b'), 3);
    const group = uniqueName('copart');
    cluster.ownGroup(group);
    const graph = defineGroup(group, {
      inputs: { [a]: { codec: stringCodec, handler: () => undefined }, [b]: { codec: stringCodec, handler: () => undefined } },
    });
    const processor = new Processor(graph, { client: cluster.client, logger: testLogger });
    await expect(processor.run()).rejects.toThrow(
      `group "${group}": inputs and joined tables must be co-partitioned (have equal partition counts), but input "${a}" has 4, input "${b}" has 3`,
    );
    expect(processor.state).toBe('failed');
  });
});
