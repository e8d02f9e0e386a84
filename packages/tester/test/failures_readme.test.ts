// The idempotent-handler example of packages/core/README.md ("Failures and recovery"), kept here so
// that it cannot silently stop working: a deposit delivered twice (as after a crash in at-least-once
// mode) is applied once.
import { defineGroup, jsonCodec, Processor } from '@goka-ts/core';
import { Tester } from '../src';

type Balance = { amount: number; applied: string[] }; // ids of the last deposits applied
const ledger = defineGroup('ledger', {
  inputs: {
    deposits: {
      codec: jsonCodec<{ id: string; amount: number }>(),
      handler: (ctx, deposit) => {
        const balance = ctx.value() ?? { amount: 0, applied: [] };
        if (balance.applied.includes(deposit.id)) return; // a replay after a crash
        ctx.setValue({ amount: balance.amount + deposit.amount, applied: [...balance.applied, deposit.id].slice(-100) });
      },
    },
  },
  persist: jsonCodec<Balance>(),
});

test('a replayed deposit is applied once', async () => {
  const t = new Tester();
  await t.start(new Processor(ledger, t.processorOptions()));
  const codec = jsonCodec<{ id: string; amount: number }>();
  await t.feed('deposits', 'alice', { id: 'd1', amount: 10 }, { codec });
  await t.feed('deposits', 'alice', { id: 'd2', amount: 5 }, { codec });
  await t.feed('deposits', 'alice', { id: 'd1', amount: 10 }, { codec }); // the replay
  expect(await t.tableValue('ledger-table', 'alice', jsonCodec<Balance>())).toEqual({ amount: 15, applied: ['d1', 'd2'] });
  await t.close();
});
