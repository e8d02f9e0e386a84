import { MemoryKafka } from '@goka-ts/memory-kafka';
import { groupLag, waitForGroupCaughtUp } from '../src';

async function setup(): Promise<MemoryKafka> {
  const kafka = new MemoryKafka();
  const admin = kafka.admin();
  await admin.createTopic({ topic: 'in', partitions: 2, replicationFactor: 1 });
  await admin.createTopic({ topic: 'other', partitions: 1, replicationFactor: 1 });
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < 5; i++) await producer.send({ topic: 'in', partition: 0, key: Buffer.from(`k${i}`), value: Buffer.from('v') });
  await producer.send({ topic: 'other', partition: 0, key: null, value: Buffer.from('v') });
  await producer.close();
  await admin.close();
  return kafka;
}

async function commit(kafka: MemoryKafka, group: string, offsets: { topic: string; partition: number; offset: number }[]): Promise<void> {
  const admin = kafka.admin();
  await admin.setGroupOffsets(group, offsets);
  await admin.close();
}

describe('groupLag (in-memory Kafka)', () => {
  it('compares committed offsets with high watermarks per partition of the committed topics', async () => {
    const kafka = await setup();
    expect(await groupLag(kafka, 'g')).toEqual({ groupId: 'g', partitions: [], total: 0 });
    await commit(kafka, 'g', [{ topic: 'in', partition: 0, offset: 2 }]);
    expect(await groupLag(kafka, 'g')).toEqual({
      groupId: 'g',
      partitions: [
        { topic: 'in', partition: 0, committed: 2, oldest: 0, highWatermark: 5, lag: 3 },
        { topic: 'in', partition: 1, committed: -1, oldest: 0, highWatermark: 0, lag: 0 },
      ],
      total: 3,
    });
    // Named topics include those without commits, whose whole readable range counts.
    const named = await groupLag(kafka, 'g', ['other', 'in']);
    expect(named.partitions.map((p) => [p.topic, p.partition, p.lag])).toEqual([['in', 0, 3], ['in', 1, 0], ['other', 0, 1]]);
    expect(named.total).toBe(4);
    // Without reading, the distance is reported as it is.
    expect((await groupLag(kafka, 'g', { topics: ['in'], exactUpTo: 0 })).total).toBe(3);
  });

  it('does not count transaction markers: a group that read every committed record has lag 0', async () => {
    const kafka = await setup();
    const tx = kafka.transactionalProducer({ transactionalId: 'lag-tx' });
    await tx.connect();
    await tx.begin();
    await tx.send({ topic: 'other', partition: 0, key: null, value: Buffer.from('a') });
    await tx.send({ topic: 'other', partition: 0, key: null, value: Buffer.from('b') });
    await tx.commit();
    await tx.begin();
    await tx.send({ topic: 'other', partition: 0, key: null, value: Buffer.from('aborted') });
    await tx.abort();
    await tx.close();
    // offsets: 0 plain, 1-2 committed records, 3 commit marker, 4 aborted record, 5 abort marker
    await commit(kafka, 'g', [{ topic: 'other', partition: 0, offset: 3 }]);
    expect((await groupLag(kafka, 'g')).partitions).toEqual([{ topic: 'other', partition: 0, committed: 3, oldest: 0, highWatermark: 6, lag: 0 }]);
    expect((await groupLag(kafka, 'g', { exactUpTo: 0 })).total).toBe(3);
    await commit(kafka, 'g', [{ topic: 'other', partition: 0, offset: 1 }]);
    expect((await groupLag(kafka, 'g')).total).toBe(2);
  });

  it('rejects for a named topic that does not exist', async () => {
    const kafka = await setup();
    await expect(groupLag(kafka, 'g', ['missing'])).rejects.toThrow('topic "missing" does not exist');
  });
});

describe('waitForGroupCaughtUp (in-memory Kafka)', () => {
  it('resolves once every partition is caught up', async () => {
    const kafka = await setup();
    await commit(kafka, 'g', [{ topic: 'in', partition: 0, offset: 1 }]);
    const waiting = waitForGroupCaughtUp(kafka, 'g', { timeoutMs: 5000, pollMs: 10 });
    let done = false;
    void waiting.then(() => (done = true), () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(done).toBe(false);
    await commit(kafka, 'g', [{ topic: 'in', partition: 0, offset: 5 }]);
    await expect(waiting).resolves.toMatchObject({ total: 0 });
  });

  it('rejects on timeout naming what is behind, and when aborted', async () => {
    const kafka = await setup();
    await commit(kafka, 'g', [{ topic: 'in', partition: 0, offset: 4 }]);
    await expect(waitForGroupCaughtUp(kafka, 'g', { timeoutMs: 60, pollMs: 10 })).rejects.toThrow(
      'group "g" did not catch up within 60 ms: total lag 1: in/0 1 behind (committed 4, high watermark 5)',
    );
    // A group without commits is not caught up when no topics are named.
    await expect(waitForGroupCaughtUp(kafka, 'nobody', { timeoutMs: 30, pollMs: 10 })).rejects.toThrow('it has no committed offsets');
    const controller = new AbortController();
    const waiting = waitForGroupCaughtUp(kafka, 'g', { timeoutMs: 10_000, pollMs: 1000, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop waiting')), 20);
    await expect(waiting).rejects.toThrow('stop waiting');
  });
});
