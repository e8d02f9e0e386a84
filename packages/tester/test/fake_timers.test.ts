import { int64Codec, Processor, defineGroup, stringCodec } from '@goka-ts/core';
import { Tester } from '../src';

// Tests that fake time (jest.useFakeTimers replaces setImmediate, setTimeout, queueMicrotask and
// process.nextTick) must still see records delivered: the in-memory Kafka kept the real event loop.
describe('Tester under jest fake timers', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('drives a processor through the tester', async () => {
    const t = new Tester();
    const graph = defineGroup('fake-time', {
      inputs: { in: { codec: stringCodec, handler: (ctx) => ctx.setValue((ctx.value() ?? 0) + 1) } },
      persist: int64Codec,
    });
    await t.start(new Processor(graph, t.processorOptions()));
    await t.feed('in', 'k', 'x');
    expect(await t.tableValue('fake-time-table', 'k', int64Codec)).toBe(1);
    await t.close();
  });
});
