// The example of README.md, kept here so that it cannot silently stop working.
import { MessageError } from '@goka-ts/api';
import { defineGroup, int64Codec, jsonCodec, Processor, stringCodec } from '@goka-ts/core';
import { Tester } from '../src';

interface Click {
  readonly page: string;
}

const graph = defineGroup('clicks', {
  inputs: {
    'user-clicks': {
      codec: jsonCodec<Click>(),
      handler: (ctx, click) => {
        if (click.page === '') ctx.fail(new Error('a click needs a page'));
        const count = (ctx.value() ?? 0) + 1;
        ctx.setValue(count);
        if (count === 3) ctx.emit('milestones', ctx.key, `third click on ${click.page}`);
      },
    },
  },
  persist: int64Codec,
  outputs: { milestones: stringCodec },
});

test('counts clicks per user and announces the third', async () => {
  const t = new Tester();
  const milestones = t.track('milestones', stringCodec);
  await t.start(new Processor(graph, t.processorOptions()));

  for (let i = 0; i < 3; i++) await t.feed('user-clicks', 'alice', { page: 'home' }, { codec: jsonCodec<Click>() });

  expect(await t.tableValue('clicks-table', 'alice', int64Codec)).toBe(3);
  expect(milestones.next()).toMatchObject({ key: 'alice', value: 'third click on home' });
  milestones.expectEmpty();
  await t.close();
});

test('surfaces failures', async () => {
  const t = new Tester();
  const { done } = await t.start(new Processor(graph, t.processorOptions()));
  await expect(t.feed('user-clicks', 'bob', { page: '' }, { codec: jsonCodec<Click>() })).rejects.toThrow(MessageError);
  await expect(done).rejects.toThrow(/offset 0/);
  await t.close();
});
