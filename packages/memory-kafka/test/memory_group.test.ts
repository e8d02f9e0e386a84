import { GokaError, StateError, UnknownTopicError, type MessageBatch } from '@goka-ts/api';
import { MemoryKafka } from '../src';
import { deferred, kafkaWith, produce, RecordingHandler, text } from './helpers';

describe('MemoryKafka group consumer', () => {
  it('delivers existing records from the oldest offset, or only new ones from the newest', async () => {
    const kafka = await kafkaWith({ t: 1 });
    await produce(kafka, 't', 0, [['a', '1'], ['b', '2']]);
    const oldest = new RecordingHandler();
    const newest = new RecordingHandler();
    const c1 = kafka.groupConsumer({ groupId: 'g-oldest', topics: ['t'], startFrom: 'oldest' });
    const c2 = kafka.groupConsumer({ groupId: 'g-newest', topics: ['t'] });
    const runs = [c1.run(oldest), c2.run(newest)];
    await kafka.waitIdle();
    await produce(kafka, 't', 0, [['c', '3']]);
    await kafka.waitIdle();
    expect(oldest.texts()).toEqual(['a=1', 'b=2', 'c=3']);
    expect(newest.texts()).toEqual(['c=3']);
    expect(oldest.events).toEqual(['assigned 0']);
    await Promise.all([c1.close(), c2.close()]);
    await Promise.all(runs);
    expect(oldest.events).toEqual(['assigned 0', 'revoked 0']);
  });

  it('resumes a group from its committed offsets', async () => {
    const kafka = await kafkaWith({ t: 2 });
    await produce(kafka, 't', 0, [['a', '1'], ['b', '2'], ['c', '3']]);
    await produce(kafka, 't', 1, [['d', '4']]);
    const first = kafka.groupConsumer({ groupId: 'g', topics: ['t'], startFrom: 'oldest' });
    const handler = new RecordingHandler({
      onBatch: async (batch) => {
        // Commits only the first record of partition 0, so the others must come again.
        if (batch.partition === 0) await first.commit([{ topic: 't', partition: 0, offset: batch.messages[0].offset + 1 }]);
      },
    });
    const run = first.run(handler);
    await kafka.waitIdle();
    await first.close();
    await run;
    expect(await kafka.admin().committedOffsets('g', 't')).toEqual([
      { topic: 't', partition: 0, offset: 1 },
      { topic: 't', partition: 1, offset: -1 },
    ]);
    const second = kafka.groupConsumer({ groupId: 'g', topics: ['t'], startFrom: 'oldest' });
    const again = new RecordingHandler();
    const run2 = second.run(again);
    await kafka.waitIdle();
    expect(again.texts().sort()).toEqual(['b=2', 'c=3', 'd=4']);
    await second.close();
    await run2;
  });

  it('assigns the same partition numbers of every topic and rebalances as members join and leave', async () => {
    const kafka = await kafkaWith({ a: 4, b: 4 });
    const h1 = new RecordingHandler();
    const c1 = kafka.groupConsumer({ groupId: 'g', topics: ['a', 'b'], startFrom: 'oldest' });
    const run1 = c1.run(h1);
    await kafka.waitIdle();
    expect(c1.assignment()).toEqual([0, 1, 2, 3]);

    const h2 = new RecordingHandler();
    const c2 = kafka.groupConsumer({ groupId: 'g', topics: ['a', 'b'], startFrom: 'oldest' });
    const run2 = c2.run(h2);
    await kafka.waitIdle();
    expect(c1.assignment()).toEqual([0, 1]);
    expect(c2.assignment()).toEqual([2, 3]);
    // Eager: everything is revoked before the new assignment.
    expect(h1.events).toEqual(['assigned 0,1,2,3', 'revoked 0,1,2,3', 'assigned 0,1']);
    expect(h2.events).toEqual(['assigned 2,3']);

    for (let p = 0; p < 4; p++) {
      await produce(kafka, 'a', p, [[`a${p}`, 'x']]);
      await produce(kafka, 'b', p, [[`b${p}`, 'y']]);
    }
    await kafka.waitIdle();
    expect(h1.messages.map((m) => `${m.topic}${m.partition}`).sort()).toEqual(['a0', 'a1', 'b0', 'b1']);
    expect(h2.messages.map((m) => `${m.topic}${m.partition}`).sort()).toEqual(['a2', 'a3', 'b2', 'b3']);

    await c1.close();
    await run1;
    await kafka.waitIdle();
    expect(c2.assignment()).toEqual([0, 1, 2, 3]);
    expect(h2.events).toEqual(['assigned 2,3', 'revoked 2,3', 'assigned 0,1,2,3']);
    await c2.close();
    await run2;
  });

  it('keeps partitions with their owners across a member join (sticky, as every adapter plans)', async () => {
    const kafka = await kafkaWith({ a: 6, b: 6 });
    const h1 = new RecordingHandler();
    const h2 = new RecordingHandler();
    const h3 = new RecordingHandler();
    const c1 = kafka.groupConsumer({ groupId: 'g-sticky', topics: ['a', 'b'] });
    const run1 = c1.run(h1);
    await kafka.waitIdle();
    const c2 = kafka.groupConsumer({ groupId: 'g-sticky', topics: ['a', 'b'] });
    const run2 = c2.run(h2);
    await kafka.waitIdle();
    expect(c1.assignment()).toEqual([0, 1, 2]);
    expect(c2.assignment()).toEqual([3, 4, 5]);

    const c3 = kafka.groupConsumer({ groupId: 'g-sticky', topics: ['a', 'b'] });
    const run3 = c3.run(h3);
    await kafka.waitIdle();
    // Each earlier member keeps two of its three; only the third of each moves to the newcomer (a
    // plan by join order would have moved partition 2 from c1 to c2 as well).
    expect(c1.assignment()).toEqual([0, 1]);
    expect(c2.assignment()).toEqual([3, 4]);
    expect(c3.assignment()).toEqual([2, 5]);
    expect(h1.events).toEqual(['assigned 0,1,2,3,4,5', 'revoked 0,1,2,3,4,5', 'assigned 0,1,2', 'revoked 0,1,2', 'assigned 0,1']);
    expect(h2.events).toEqual(['assigned 3,4,5', 'revoked 3,4,5', 'assigned 3,4']);
    expect(h3.events).toEqual(['assigned 2,5']);
    await Promise.all([c1.close(), c2.close(), c3.close()]);
    await Promise.all([run1, run2, run3]);
  });

  it('moves only the partitions that change owner when every member is cooperative', async () => {
    const kafka = await kafkaWith({ t: 4 });
    const h1 = new RecordingHandler();
    const h2 = new RecordingHandler();
    const c1 = kafka.groupConsumer({ groupId: 'g', topics: ['t'], cooperative: true });
    const run1 = c1.run(h1);
    await kafka.waitIdle();
    const c2 = kafka.groupConsumer({ groupId: 'g', topics: ['t'], cooperative: true });
    const run2 = c2.run(h2);
    await kafka.waitIdle();
    expect(h1.events).toEqual(['assigned 0,1,2,3', 'revoked 2,3']);
    expect(h2.events).toEqual(['assigned 2,3']);
    await Promise.all([c1.close(), c2.close()]);
    await Promise.all([run1, run2]);
  });

  it('holds batches back until onAssigned resolved and delivers the next batch only after the previous one', async () => {
    const kafka = await kafkaWith({ t: 1 }, { maxBatchSize: 2 });
    await produce(kafka, 't', 0, [['a', '1'], ['b', '2'], ['c', '3']]);
    const recovered = deferred();
    const firstBatchDone = deferred();
    const handler = new RecordingHandler({
      onAssigned: () => recovered.promise,
      onBatch: (batch) => (batch.messages[0].offset === 0 ? firstBatchDone.promise : Promise.resolve()),
    });
    const consumer = kafka.groupConsumer({ groupId: 'g', topics: ['t'], startFrom: 'oldest' });
    const run = consumer.run(handler);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(handler.messages).toHaveLength(0);
    expect(kafka.broker.busyReasons().join()).toMatch(/rebalance callback/);
    recovered.resolve();
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(handler.texts()).toEqual(['a=1', 'b=2']);
    expect(handler.batches[0].highWatermark).toBe(3);
    expect(kafka.broker.busyReasons().join()).toMatch(/a batch is being handled/);
    firstBatchDone.resolve();
    await kafka.waitIdle();
    expect(handler.texts()).toEqual(['a=1', 'b=2', 'c=3']);
    await consumer.close();
    await run;
  });

  it('pauses and resumes a partition', async () => {
    const kafka = await kafkaWith({ t: 2 });
    const handler = new RecordingHandler();
    const consumer = kafka.groupConsumer({ groupId: 'g', topics: ['t'] });
    const run = consumer.run(handler);
    await kafka.waitIdle();
    consumer.pause('t', 0);
    await produce(kafka, 't', 0, [['a', '1']]);
    await produce(kafka, 't', 1, [['b', '2']]);
    await kafka.waitIdle();
    expect(handler.texts()).toEqual(['b=2']);
    consumer.resume('t', 0);
    await kafka.waitIdle();
    expect(handler.texts()).toEqual(['b=2', 'a=1']);
    await consumer.close();
    await run;
  });

  it('rejects run() with the error of a failing handler and hands its partitions to the other members', async () => {
    const kafka = await kafkaWith({ t: 2 });
    const boom = new Error('boom');
    const failing = new RecordingHandler({
      onBatch: async () => {
        throw boom;
      },
    });
    const healthy = new RecordingHandler();
    const c1 = kafka.groupConsumer({ groupId: 'g', topics: ['t'], startFrom: 'oldest' });
    const c2 = kafka.groupConsumer({ groupId: 'g', topics: ['t'], startFrom: 'oldest' });
    const run1 = c1.run(failing);
    const run2 = c2.run(healthy);
    await kafka.waitIdle();
    expect(c1.assignment()).toEqual([0]);
    await produce(kafka, 't', 0, [['a', '1']]);
    await expect(run1).rejects.toBe(boom);
    await kafka.waitIdle();
    expect(c2.assignment()).toEqual([0, 1]);
    expect(healthy.texts()).toEqual(['a=1']);
    await c2.close();
    await run2;
  });

  it('fails the member when onAssigned or onRevoked throws', async () => {
    const kafka = await kafkaWith({ t: 1 });
    const consumer = kafka.groupConsumer({ groupId: 'g', topics: ['t'] });
    const error = new Error('cannot recover');
    await expect(consumer.run(new RecordingHandler({ onAssigned: () => Promise.reject(error) }))).rejects.toBe(error);

    const closing = kafka.groupConsumer({ groupId: 'g2', topics: ['t'] });
    const run = closing.run(new RecordingHandler({ onRevoked: () => Promise.reject(error) }));
    await kafka.waitIdle();
    await closing.close();
    await expect(run).rejects.toBe(error);
    await kafka.waitIdle();
  });

  it('rejects missing topics and topics with different partition counts', async () => {
    const kafka = await kafkaWith({ a: 2, b: 3 });
    await expect(kafka.groupConsumer({ groupId: 'g', topics: ['a', 'missing'] }).run(new RecordingHandler())).rejects.toBeInstanceOf(UnknownTopicError);
    await expect(kafka.groupConsumer({ groupId: 'g', topics: ['a', 'b'] }).run(new RecordingHandler())).rejects.toThrow(
      /co-partitioned: topic "a" has 2 partitions but "b" has 3/,
    );
    const first = kafka.groupConsumer({ groupId: 'g', topics: ['a'] });
    const run = first.run(new RecordingHandler());
    await expect(kafka.groupConsumer({ groupId: 'g', topics: ['b'] }).run(new RecordingHandler())).rejects.toBeInstanceOf(GokaError);
    await first.close();
    await run;
  });

  it('fails the members reading a deleted topic', async () => {
    const kafka = await kafkaWith({ t: 1 });
    const consumer = kafka.groupConsumer({ groupId: 'g', topics: ['t'] });
    const run = consumer.run(new RecordingHandler());
    await kafka.waitIdle();
    await kafka.admin().deleteTopic('t');
    await expect(run).rejects.toBeInstanceOf(UnknownTopicError);
  });

  it('guards its life cycle', async () => {
    const kafka = await kafkaWith({ t: 1 });
    const unused = kafka.groupConsumer({ groupId: 'g', topics: ['t'] });
    await unused.close();
    await expect(unused.run(new RecordingHandler())).rejects.toBeInstanceOf(StateError);

    const consumer = kafka.groupConsumer({ groupId: 'g', topics: ['t'] });
    const run = consumer.run(new RecordingHandler());
    await expect(consumer.run(new RecordingHandler())).rejects.toThrow(/already running/);
    await Promise.all([consumer.close(), consumer.close()]);
    await run;
    await expect(consumer.commit([{ topic: 't', partition: 0, offset: 1 }])).rejects.toBeInstanceOf(StateError);
    expect(() => new MemoryKafka().groupConsumer({ groupId: 'g', topics: [] })).toThrow(/at least one topic/);
  });

  it('splits many records into bounded batches in offset order', async () => {
    const kafka = await kafkaWith({ t: 1 }, { maxBatchSize: 100 });
    const entries: [string, string][] = Array.from({ length: 1000 }, (_, i) => [`k${i}`, String(i)]);
    await produce(kafka, 't', 0, entries);
    const sizes: number[] = [];
    const handler = new RecordingHandler({ onBatch: async (batch: MessageBatch) => void sizes.push(batch.messages.length) });
    const consumer = kafka.groupConsumer({ groupId: 'g', topics: ['t'], startFrom: 'oldest' });
    const run = consumer.run(handler);
    await kafka.waitIdle();
    expect(sizes).toEqual(Array(10).fill(100));
    expect(handler.messages.map(text)).toEqual(entries.map(([k, v]) => `${k}=${v}`));
    await consumer.close();
    await run;
  });
});
