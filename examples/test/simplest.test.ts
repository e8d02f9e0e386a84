import { int64Codec, Processor } from '@goka-ts/core';
import { Tester } from '@goka-ts/tester';
import { counterGroup } from '../src/simplest/counter';

it('the counter group counts messages per key, stored as Goka int64 text', async () => {
  const t = new Tester();
  await t.start(new Processor(counterGroup('counter', 'events'), t.processorOptions()));
  for (const key of ['a', 'b', 'a']) await t.feed('events', key, 'x');
  expect(await t.tableValue('counter-table', 'a', int64Codec)).toBe(2);
  expect(await t.tableValue('counter-table', 'b', int64Codec)).toBe(1);
  expect((await t.tableValue('counter-table', 'a'))?.toString()).toBe('2');
  await t.close();
});
