/**
 * core's groupLag / waitForGroupCaughtUp on the real broker, where transaction markers occupy
 * offsets: an exactly-once processor reading a transactionally written input commits the offset
 * after its last record, which is the commit marker's offset, one short of the high watermark.
 */
import type { KafkaClient } from '@goka-ts/api';
import { groupLag, waitForGroupCaughtUp } from '@goka-ts/core';
import { clients, startCounter, stopStarted, TestCluster, uniqueName, waitFor } from '@goka-ts/test-support';

async function writeTransaction(client: KafkaClient, topic: string, values: string[], outcome: 'commit' | 'abort'): Promise<void> {
  const producer = client.transactionalProducer({ transactionalId: uniqueName('lag-writer') });
  await producer.connect();
  try {
    await producer.begin();
    for (const value of values) await producer.send({ topic, partition: 0, key: Buffer.from(`key-${value}`), value: Buffer.from(value) });
    await (outcome === 'commit' ? producer.commit() : producer.abort());
  } finally {
    await producer.close();
  }
}

describe.each(clients)('groupLag with transactions (%s)', (factory) => {
  let cluster: TestCluster;
  beforeAll(() => {
    cluster = new TestCluster(factory);
  });
  afterAll(async () => {
    await stopStarted();
    await cluster.close();
  });

  it('a caught-up exactly-once group has lag 0 although commit and abort markers sit below the high watermark', async () => {
    const input = await cluster.createTopic(uniqueName('lag-tx-in'), 1);
    const group = uniqueName('lag-tx');
    cluster.ownGroup(group);
    await writeTransaction(cluster.client, input, ['a', 'b', 'c'], 'commit');
    // offsets 0-2 records, 3 the commit marker
    expect((await cluster.partitionOffsets(input))[0]!.newest).toBe(4);

    startCounter({ client: cluster.client, group, input, guarantee: 'exactly-once' });
    await waitFor('the input committed', async () => (await cluster.committedTotal(group, input)) > 0, 30_000);
    // What a transactional commit (sendOffsets) leaves: the offset after the last record, the marker's.
    expect(await cluster.committed(group, input)).toEqual([{ topic: input, partition: 0, offset: 3 }]);
    const lag = await waitForGroupCaughtUp(cluster.client, group, { timeoutMs: 10_000 });
    expect(lag.partitions).toEqual([{ topic: input, partition: 0, committed: 3, oldest: 0, highWatermark: 4, lag: 0 }]);
    // The plain offset distance would say 1 for ever.
    expect((await groupLag(cluster.client, group, { exactUpTo: 0 })).total).toBe(1);

    // An aborted transaction adds records no read_committed reader sees, and its abort marker.
    await writeTransaction(cluster.client, input, ['x', 'y'], 'abort');
    const afterAbort = await groupLag(cluster.client, group, [input]);
    expect(afterAbort.partitions[0]).toMatchObject({ committed: 3, highWatermark: 7, lag: 0 });

    // A plain record is lag until the processor has read it.
    const producer = cluster.client.producer();
    await producer.connect();
    await producer.send({ topic: input, partition: 0, key: Buffer.from('key-d'), value: Buffer.from('d') });
    await producer.close();
    const behind = await groupLag(cluster.client, group);
    expect(behind.partitions[0]!.highWatermark).toBe(8);
    expect([0, 1]).toContain(behind.total); // the processor may have read it already
    const caughtUp = await waitForGroupCaughtUp(cluster.client, group, { timeoutMs: 10_000 });
    expect(caughtUp.partitions[0]).toMatchObject({ highWatermark: 8, lag: 0 });
  });
});
