import { defineGroup, jsonCodec } from '@goka-ts/core';
import type { MailService } from './mail_service';

/** An order, keyed by the customer who placed it. */
export interface Order {
  readonly id: string;
  readonly item: string;
}

export const orderCodec = jsonCodec<Order>();

/**
 * Sends a confirmation mail for every order. The mail service is slow, and awaiting it in the callback
 * would process one order at a time per partition. Instead the callback starts the call and returns;
 * `ctx.deferCommit()` keeps the order's offset uncommitted until the call finished, so an order whose
 * mail was not sent is read again after a crash (at-least-once), while later orders already proceed.
 * Offsets are committed only up to the first unfinished order of each partition.
 *
 * The context must not be used after the callback returned: only the function from `deferCommit` is
 * called later. Passing it an error stops the processor with that error (the offset stays uncommitted).
 */
export function notifierGroup(group: string, orders: string, mail: MailService) {
  return defineGroup(group, {
    inputs: {
      [orders]: {
        codec: orderCodec,
        handler: (ctx, order) => {
          const done = ctx.deferCommit();
          mail.send(ctx.key, `Thanks for your order ${order.id} (${order.item})!`).then(() => done(), done);
        },
      },
    },
  });
}
