/**
 * A rebalance that arrives while a processor recovers a large table: the recovery stops instead of
 * holding up the whole group (Goka finishes it first), and what it read stays in local storage.
 */
import type { Storage, StorageBuilder } from '@goka-ts/api';
import { murmur2Hasher } from '@goka-ts/core';
import { memoryStorage } from '@goka-ts/storage-memory';
import { assertAlive, clients, fastConsumer, startCounter, stopStarted, TestCluster, uniqueName, waitFor } from '@goka-ts/test-support';

/** Memory storage whose batch writes take a while per record, so that recovery lasts seconds. */
function slowStorage(msPerRecord: number): { builder: StorageBuilder; applied: () => number } {
  const inner = memoryStorage();
  let applied = 0;
  const builder: StorageBuilder = async (topic, partition) => {
    const store: Storage = await inner(topic, partition);
    return {
      open: () => store.open(),
      close: () => store.close(),
      has: (key) => store.has(key),
      get: (key) => store.get(key),
      set: (key, value) => store.set(key, value),
      delete: (key) => store.delete(key),
      getOffset: (defaultValue) => store.getOffset(defaultValue),
      setOffset: (offset) => store.setOffset(offset),
      markRecovered: () => store.markRecovered(),
      iterator: (options) => store.iterator(options),
      writeBatch: async (ops, offset) => {
        await new Promise((resolve) => setTimeout(resolve, ops.length * msPerRecord));
        await store.writeBatch(ops, offset);
        applied += ops.length;
      },
    };
  };
  return { builder, applied: () => applied };
}

describe.each(clients)('Processor: revoked during recovery (%s)', (factory) => {
  let cluster: TestCluster;
  beforeAll(() => {
    cluster = new TestCluster(factory);
  });
  afterEach(() => stopStarted());
  afterAll(() => cluster.close());

  it('stops recovering revoked partitions so the rebalance does not wait for the table', async () => {
    const input = await cluster.createTopic(uniqueName('revrec-in'), 2);
    const group = uniqueName('revrec');
    cluster.ownGroup(group);
    const table = await cluster.createTopic(`${group}-table`, 2, { 'cleanup.policy': 'compact' });
    // Counts of 1 as 1 kB of decimal text (zero-padded), ~10 MB per partition: readers fetch at most
    // 1 MB of a partition at a time, so recovery applies many batches and can stop between them (one
    // fetch of tiny records holds a whole partition, and a batch being applied is never interrupted).
    const records = 20_000;
    const one = '1'.padStart(1024, '0');
    await cluster.produce(table, Array.from({ length: records }, (_, i) => ({ key: `key-${i}`, value: one })));

    // About 10 s to recover each partition at 1 ms a record (both recover at the same time).
    const slow = slowStorage(1);
    const a = startCounter({ client: cluster.client, group, input, storage: slow.builder, consumer: fastConsumer });
    await waitFor('A recovering', () => assertAlive(a) && slow.applied() > 0, 30_000, 20);

    const b = startCounter({ client: cluster.client, group, input, consumer: fastConsumer });
    await b.processor.waitRunning();
    // B could only start once A let go of its partitions: A had not read the whole table by then.
    const appliedWhenBRan = slow.applied();
    expect(appliedWhenBRan).toBeLessThan(records);

    await a.processor.waitRunning();
    const aOwns = Object.keys(a.processor.stats().partitions).map(Number);
    const bOwns = Object.keys(b.processor.stats().partitions).map(Number);
    expect([...aOwns, ...bOwns].sort()).toEqual([0, 1]);
    // A's partition resumed from what the stopped recovery had stored, not from the beginning.
    const resumed = a.processor.stats().partitions[aOwns[0]!].table!.recovery.startOffset;
    expect(resumed).toBeGreaterThan(0);

    // Both serve the full table of their partition.
    await cluster.produce(input, [{ key: 'key-1', value: 'x' }, { key: 'key-2', value: 'x' }]);
    await waitFor('inputs committed', async () => (await cluster.committedTotal(group, input)) === 2, 30_000);
    const owner = (key: string) => ([a, b].find((r) => r.processor.stats().partitions[partitionOf(key)] !== undefined))!;
    for (const key of ['key-1', 'key-2']) expect(await owner(key).processor.get(key)).toBe(2);
  });
});

function partitionOf(key: string): number {
  // The counter uses the default hasher over the input's 2 partitions.
  return murmur2Hasher.partition(key, 2);
}
