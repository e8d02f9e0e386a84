import { copartitionedAssignment, NotIdleError } from '../src';
import { kafkaWith, produce, RecordingHandler } from './helpers';

describe('MemoryKafka quiescence', () => {
  it('waits until records produced by handlers are consumed downstream', async () => {
    const kafka = await kafkaWith({ in: 2, out: 2 });
    const producer = kafka.producer();
    // A pipeline: every record of "in" is forwarded to "out" asynchronously.
    const forward = new RecordingHandler({
      onBatch: async (batch) => {
        await Promise.all(batch.messages.map((m) => producer.send({ topic: 'out', partition: m.partition, key: m.key, value: m.value })));
      },
    });
    const sink = new RecordingHandler();
    const c1 = kafka.groupConsumer({ groupId: 'forward', topics: ['in'] });
    const c2 = kafka.groupConsumer({ groupId: 'sink', topics: ['out'] });
    const runs = [c1.run(forward), c2.run(sink)];
    await kafka.waitIdle();
    await produce(kafka, 'in', 0, Array.from({ length: 50 }, (_, i): [string, string] => [`k${i}`, `${i}`]));
    await produce(kafka, 'in', 1, [['x', 'y']]);
    await kafka.waitIdle();
    expect(sink.messages).toHaveLength(51);
    expect(kafka.isIdle()).toBe(true);
    await Promise.all([c1.close(), c2.close(), producer.close()]);
    await Promise.all(runs);
  });

  it('gives up with NotIdleError naming what is busy', async () => {
    const kafka = await kafkaWith({ t: 1 });
    await produce(kafka, 't', 0, [['a', '1']]);
    const stuck = new RecordingHandler({ onBatch: () => new Promise<void>(() => undefined) });
    const consumer = kafka.groupConsumer({ groupId: 'g', topics: ['t'], startFrom: 'oldest' });
    void consumer.run(stuck);
    const error = await kafka.waitIdle({ maxRounds: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotIdleError);
    expect((error as NotIdleError).message).toMatch(/group "g" member .*topic "t" partition 0: a batch is being handled/);
  });

  it('splits partitions into contiguous ranges', () => {
    expect([...copartitionedAssignment(['a', 'b', 'c'], 8)]).toEqual([
      ['a', [0, 1, 2]],
      ['b', [3, 4, 5]],
      ['c', [6, 7]],
    ]);
    expect([...copartitionedAssignment(['a', 'b', 'c'], 2)]).toEqual([
      ['a', [0]],
      ['b', [1]],
      ['c', []],
    ]);
  });
});
