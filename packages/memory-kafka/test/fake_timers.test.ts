import { kafkaWith, produce, RecordingHandler } from './helpers';

// Tests that fake time (jest.useFakeTimers replaces setImmediate, setTimeout, queueMicrotask and
// process.nextTick) must still see records delivered: the in-memory Kafka kept the real event loop.
describe('MemoryKafka under jest fake timers', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('delivers records and reaches quiescence', async () => {
    const kafka = await kafkaWith({ t: 2 });
    const handler = new RecordingHandler();
    const consumer = kafka.groupConsumer({ groupId: 'g', topics: ['t'] });
    const run = consumer.run(handler);
    await kafka.waitIdle();
    await produce(kafka, 't', 1, [['a', '1']]);
    await kafka.waitIdle();
    expect(handler.texts()).toEqual(['a=1']);
    await consumer.close();
    await run;
  });
});
