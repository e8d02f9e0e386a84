// The error policy in the tester, and the example of "Bad input: the error policy" in
// packages/core/README.md (kept here so that it cannot silently stop working).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MessageError } from '@goka-ts/api';
import { defineGroup, int64Codec, jsonCodec, Processor, stringCodec } from '@goka-ts/core';
import { Tester } from '../src';

// --- README example -------------------------------------------------------------------------
interface Payment {
  readonly amount: number;
}

const balances = defineGroup('balances', {
  inputs: {
    payments: {
      codec: jsonCodec<Payment>(),
      handler: (ctx, payment) => {
        if (!Number.isInteger(payment.amount)) throw new TypeError('amount must be an integer');
        ctx.setValue((ctx.value() ?? 0) + payment.amount);
      },
      // Bad records of this input are parked, with where they came from and why they failed.
      onError: { deadLetter: 'payments-dlq' },
    },
  },
  persist: int64Codec,
});

test('README: bad payments go to the dead-letter topic, good ones are counted', async () => {
  const t = new Tester();
  await t.start(new Processor(balances, t.processorOptions({ onError: 'skip' })));
  for (const payment of ['{"amount":5}', '{oops', '{"amount":"ten"}', '{"amount":7}']) await t.feed('payments', 'alice', payment);

  expect(await t.tableValue('balances-table', 'alice', int64Codec)).toBe(12);
  const parked = await t.deadLetters('payments-dlq');
  expect(parked.map((d) => [d.source.offset, d.value?.toString(), d.error.class])).toEqual([
    [1, '{oops', 'Error'],
    [2, '{"amount":"ten"}', 'TypeError'],
  ]);
  expect(parked[1].error.message).toBe('callback failed: amount must be an integer');
  await t.close();
});

test('README: shows this very graph', () => {
  const graphOf = (text: string) => {
    const start = text.indexOf('const balances = defineGroup(');
    return text.slice(start, text.indexOf('\n});\n', start) + 4);
  };
  const readme = readFileSync(join(__dirname, '../../core/README.md'), 'utf8');
  expect(graphOf(readme)).toBe(graphOf(readFileSync(__filename, 'utf8')));
  expect(graphOf(readme)).toContain("onError: { deadLetter: 'payments-dlq' }");
});
// --- end of README example --------------------------------------------------------------------

describe('error policy in the tester', () => {
  const strict = (onError?: 'skip') =>
    defineGroup('strict', {
      inputs: {
        words: {
          codec: stringCodec,
          handler: (ctx, word) => {
            if (word === 'boom') ctx.fail(new Error('no booms'));
            ctx.emit('echo', ctx.key, word);
          },
          ...(onError ? { onError } : {}),
        },
      },
      outputs: { echo: stringCodec },
    });

  it("'fail' (the default) still surfaces the failure from feed()", async () => {
    const t = new Tester();
    const { done } = await t.start(new Processor(strict(), t.processorOptions()));
    await expect(t.feed('words', 'k', 'boom')).rejects.toThrow(MessageError);
    await expect(done).rejects.toThrow(/offset 0: ctx.fail: no booms/);
    await t.close();
  });

  it("'skip' goes on and counts the message in the stats", async () => {
    const t = new Tester({ partitions: 1 });
    const echo = t.track('echo', stringCodec);
    const processor = new Processor(strict('skip'), t.processorOptions());
    await t.start(processor);
    for (const word of ['a', 'boom', 'b']) await t.feed('words', 'k', word);
    expect(echo.all().map((m) => m.value)).toEqual(['a', 'b']);
    expect(processor.stats().partitions[0].input.words).toMatchObject({ count: 3, skipped: 1, deadLettered: 0 });
    expect(await t.deadLetters('nothing-here')).toEqual([]);
    await t.close();
  });

  it('deadLetters() keeps the original key, value and headers, and names the source', async () => {
    const t = new Tester({ partitions: 3 });
    const processor = new Processor(strict(), t.processorOptions({ onError: { deadLetter: 'words-dlq' } }));
    await t.start(processor);
    const where = await t.feed('words', 'key-1', 'boom', { headers: { trace: 'abc' }, timestamp: 1234 });
    const [letter] = await t.deadLetters('words-dlq');
    expect(letter).toMatchObject({
      key: Buffer.from('key-1'),
      value: Buffer.from('boom'),
      headers: { trace: Buffer.from('abc') },
      source: { group: 'strict', topic: 'words', partition: where.partition, offset: where.offset, timestamp: 1234 },
      error: { class: 'Error', message: 'ctx.fail: no booms' },
      record: { topic: 'words-dlq', partition: where.partition % 3 },
    });
    expect(processor.stats().partitions[where.partition].input.words.deadLettered).toBe(1);
    await t.close();
  });
});
