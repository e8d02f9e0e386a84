import { MessageError } from '@goka-ts/api';
import { Processor } from '@goka-ts/core';
import { Tester } from '@goka-ts/tester';
import type { Delivery, MailService } from '../src/deferred-commit/mail_service';
import { notifierGroup, orderCodec, type Order } from '../src/deferred-commit/notifier';
import { sleep, waitFor } from '../src/wait';

/**
 * A mail service the test completes by hand, in any order. (The example's FakeMailService finishes
 * on timers, which the tester's quiescence does not see.)
 */
class ManualMail implements MailService {
  readonly calls: { readonly to: string; readonly text: string; finish(): void; fail(error: Error): void }[] = [];
  readonly deliveries: Delivery[] = [];

  send(to: string, text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.calls.push({
        to,
        text,
        finish: () => {
          this.deliveries.push({ to, text });
          resolve();
        },
        fail: reject,
      });
    });
  }
}

const order = (customer: string, id: string, item = 'book') => t.feed('orders', customer, { id, item } as Order, { codec: orderCodec });
const committed = async (partition: number) => (await t.kafka.admin().committedOffsets('notifier', 'orders'))[partition].offset;

let t: Tester;
let mail: ManualMail;
beforeEach(() => {
  t = new Tester({ partitions: 1 }); // one partition: every order is in the same commit sequence
  mail = new ManualMail();
});
afterEach(() => t.close());

describe('deferred-commit notifier on the Tester', () => {
  it('mails every order to its customer without waiting for earlier mails', async () => {
    await t.start(new Processor(notifierGroup('notifier', 'orders', mail), t.processorOptions()));
    await order('ann', 'o-1', 'book');
    await order('ann', 'o-2', 'pen');
    await order('ben', 'o-3', 'ink');
    // Each feed returned with the earlier mails still in flight: the callback does not await them.
    expect(mail.calls.map(({ to, text }) => ({ to, text }))).toEqual([
      { to: 'ann', text: 'Thanks for your order o-1 (book)!' },
      { to: 'ann', text: 'Thanks for your order o-2 (pen)!' },
      { to: 'ben', text: 'Thanks for your order o-3 (ink)!' },
    ]);
    expect(mail.deliveries).toEqual([]);
    for (const call of [...mail.calls].reverse()) call.finish();
    expect(mail.deliveries.map((d) => d.text)).toEqual(['Thanks for your order o-3 (ink)!', 'Thanks for your order o-2 (pen)!', 'Thanks for your order o-1 (book)!']);
  });

  it('commits offsets only up to the first order whose mail has not been sent', async () => {
    await t.start(new Processor(notifierGroup('notifier', 'orders', mail), t.processorOptions({ commitIntervalMs: 5 })));
    for (const id of ['o-1', 'o-2', 'o-3']) await order('ann', id);
    mail.calls[1].finish();
    mail.calls[2].finish();
    await sleep(100); // twenty commit intervals: orders 2 and 3 are done, but order 1 holds them back
    expect(await committed(0)).toBeLessThanOrEqual(0);

    mail.calls[0].finish();
    await waitFor('offsets of all three orders committed', async () => (await committed(0)) === 3, { timeoutMs: 5_000, intervalMs: 5 });

    await order('ann', 'o-4');
    await sleep(50);
    expect(await committed(0)).toBe(3); // order 4's mail is still in flight
    mail.calls[3].finish();
    await waitFor('offset of order 4 committed', async () => (await committed(0)) === 4, { timeoutMs: 5_000, intervalMs: 5 });
  });

  it('stops gracefully only after the mails in flight went out, then commits them', async () => {
    const started = await t.start(new Processor(notifierGroup('notifier', 'orders', mail), t.processorOptions()));
    await order('ann', 'o-1');
    await order('ben', 'o-2');
    let stopped = false;
    const stopping = started.stop().then(() => void (stopped = true));
    await sleep(50);
    expect(stopped).toBe(false);
    expect(started.component.state).toBe('stopping');
    for (const call of mail.calls) call.finish();
    await stopping;
    expect(started.component.state).toBe('stopped');
    expect(await committed(0)).toBe(2);
  });

  it('a failed mail stops the processor with a MessageError and leaves its order uncommitted', async () => {
    const { done } = await t.start(new Processor(notifierGroup('notifier', 'orders', mail), t.processorOptions()));
    await order('ann', 'o-1');
    await order('ben', 'o-2');
    await order('cleo', 'o-3');
    mail.calls[0].finish();
    mail.calls[2].finish();
    mail.calls[1].fail(new Error('mail service: mailbox of ben is unavailable'));

    const error = await done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MessageError);
    expect((error as MessageError).where).toMatchObject({ group: 'notifier', topic: 'orders', partition: 0, offset: 1 });
    expect(String((error as Error).cause ?? '')).toMatch(/mailbox of ben is unavailable/);
    await expect(t.waitIdle()).rejects.toBe(error); // the tester reports the failure (once)

    // Ben's order (offset 1) is not committed: a restarted processor mails ben again.
    expect(await committed(0)).toBeLessThanOrEqual(1);
    expect(mail.deliveries.map((d) => d.to)).toEqual(['ann', 'cleo']);
  });
});
