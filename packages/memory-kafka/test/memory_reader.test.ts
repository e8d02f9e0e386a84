import { StateError, UnknownTopicError } from '@goka-ts/api';
import { deferred, kafkaWith, produce, RecordingReader, text } from './helpers';

describe('MemoryKafka partition reader', () => {
  it('reads up to the high watermark seen at the start and then resolves', async () => {
    const kafka = await kafkaWith({ t: 3 });
    await produce(kafka, 't', 0, [['a', '1'], ['b', null]]);
    await produce(kafka, 't', 1, [['c', '3']]);
    const reader = kafka.partitionReader({
      topic: 't',
      follow: false,
      partitions: [
        { partition: 0, from: 'oldest' },
        { partition: 1, from: 'oldest' },
        { partition: 2, from: 'oldest' },
      ],
    });
    const handler = new RecordingReader();
    const run = reader.run(handler);
    // Records written after the start are not part of this read.
    await produce(kafka, 't', 1, [['late', 'x']]);
    await run;
    expect(handler.messages.map(text).sort()).toEqual(['a=1', 'b=null', 'c=3']);
    expect(handler.caughtUp.sort()).toEqual([
      [0, 2],
      [1, 1],
      [2, 0],
    ]);
  });

  it('starts at an absolute offset or the newest one', async () => {
    const kafka = await kafkaWith({ t: 2 });
    await produce(kafka, 't', 0, [['a', '1'], ['b', '2'], ['c', '3']]);
    await produce(kafka, 't', 1, [['d', '4']]);
    const handler = new RecordingReader();
    await kafka
      .partitionReader({ topic: 't', follow: false, partitions: [{ partition: 0, from: 1 }, { partition: 1, from: 'newest' }] })
      .run(handler);
    expect(handler.messages.map(text)).toEqual(['b=2', 'c=3']);
  });

  it('follows new records until stopped and reports catching up once per partition', async () => {
    const kafka = await kafkaWith({ t: 1 });
    await produce(kafka, 't', 0, [['a', '1']]);
    const handler = new RecordingReader();
    const reader = kafka.partitionReader({ topic: 't', follow: true, partitions: [{ partition: 0, from: 'oldest' }] });
    const run = reader.run(handler);
    await kafka.waitIdle();
    expect(handler.caughtUp).toEqual([[0, 1]]);
    await produce(kafka, 't', 0, [['b', '2']]);
    await kafka.waitIdle();
    expect(handler.messages.map(text)).toEqual(['a=1', 'b=2']);
    expect(handler.caughtUp).toEqual([[0, 1]]);
    await reader.stop();
    await run;
    await expect(reader.run(handler)).rejects.toBeInstanceOf(StateError);
    const early = kafka.partitionReader({ topic: 't', follow: true, partitions: [{ partition: 0, from: 'oldest' }] });
    await early.stop();
    await expect(early.run(handler)).resolves.toBeUndefined();
  });

  it('finishes the batch in flight before stop() resolves', async () => {
    const kafka = await kafkaWith({ t: 1 });
    await produce(kafka, 't', 0, [['a', '1']]);
    const release = deferred();
    let finished = false;
    const reader = kafka.partitionReader({ topic: 't', follow: true, partitions: [{ partition: 0, from: 'oldest' }] });
    const run = reader.run({
      onBatch: async () => {
        await release.promise;
        finished = true;
      },
    });
    while (kafka.broker.busyReasons().every((reason) => !reason.includes('being handled'))) await new Promise((r) => setImmediate(r));
    const stopped = reader.stop();
    release.resolve();
    await stopped;
    expect(finished).toBe(true);
    await run;
  });

  it('rejects for a missing topic or partition, a failing handler, and a second run', async () => {
    const kafka = await kafkaWith({ t: 1 });
    await expect(kafka.partitionReader({ topic: 'nope', follow: false, partitions: [{ partition: 0, from: 'oldest' }] }).run(new RecordingReader())).rejects.toBeInstanceOf(
      UnknownTopicError,
    );
    await expect(kafka.partitionReader({ topic: 't', follow: false, partitions: [{ partition: 1, from: 'oldest' }] }).run(new RecordingReader())).rejects.toThrow(
      /no partition 1/,
    );
    await produce(kafka, 't', 0, [['a', '1']]);
    const error = new Error('bad record');
    await expect(
      kafka.partitionReader({ topic: 't', follow: true, partitions: [{ partition: 0, from: 'oldest' }] }).run({ onBatch: () => Promise.reject(error) }),
    ).rejects.toBe(error);
    const reader = kafka.partitionReader({ topic: 't', follow: true, partitions: [{ partition: 0, from: 'oldest' }] });
    const run = reader.run(new RecordingReader());
    await expect(reader.run(new RecordingReader())).rejects.toBeInstanceOf(StateError);
    await reader.stop();
    await run;
  });

  it('starts at the oldest remaining offset after records were deleted', async () => {
    const kafka = await kafkaWith({ t: 1 });
    await produce(kafka, 't', 0, [['a', '1'], ['b', '2'], ['c', '3']]);
    kafka.broker.topic('t')!.log(0)!.deleteBefore(2);
    expect(await kafka.admin().partitionOffsets('t')).toEqual([{ partition: 0, oldest: 2, newest: 3 }]);
    const handler = new RecordingReader();
    await kafka.partitionReader({ topic: 't', follow: false, partitions: [{ partition: 0, from: 0 }] }).run(handler);
    expect(handler.messages.map(text)).toEqual(['c=3']);
  });
});
