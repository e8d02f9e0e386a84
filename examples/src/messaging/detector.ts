import { defineGroup } from '@goka-ts/core';
import { blockRequestCodec, messageCodec, spamCounterCodec, type SpamCounter } from './model';
import type { MessagingTopics } from './topics';

/** When a sender counts as a spammer. */
export interface SpamRule {
  /** Messages a user must have sent before the rate is judged. */
  readonly minSent: number;
  /** Share of sent among all (sent + received) messages at or above which a user is a spammer. */
  readonly maxSentRate: number;
}

export const DEFAULT_SPAM_RULE: SpamRule = { minSent: 5, maxSentRate: 0.8 };

export function isSpammer(counter: SpamCounter, rule: SpamRule): boolean {
  return counter.sent >= rule.minSent && counter.sent / (counter.sent + counter.received) >= rule.maxSentRate;
}

const EMPTY: SpamCounter = { sent: 0, received: 0, reported: false };

/**
 * The detector counts, per user, the messages sent and received, and asks the blocker to block users
 * who mostly send. Sent messages arrive keyed by sender; to count them for the *recipient* as well,
 * the detector sends each one through its *loop* topic re-keyed by recipient, which brings the
 * message back to the partition (and table entry) that owns the recipient.
 */
export function detectorGroup(topics: MessagingTopics, rule: SpamRule = DEFAULT_SPAM_RULE) {
  return defineGroup(topics.groups.detector, {
    inputs: {
      [topics.sent]: {
        codec: messageCodec,
        handler: (ctx, message) => {
          const before = ctx.value() ?? EMPTY;
          let counter: SpamCounter = { ...before, sent: before.sent + 1 };
          if (!counter.reported && isSpammer(counter, rule)) {
            ctx.emit(topics.blockRequests, ctx.key, { reason: `spam detector: sent ${counter.sent}, received ${counter.received}` });
            counter = { ...counter, reported: true };
          }
          ctx.setValue(counter);
          ctx.loopback(message.to, message);
        },
      },
    },
    loop: {
      codec: messageCodec,
      handler: (ctx) => {
        const before = ctx.value() ?? EMPTY;
        ctx.setValue({ ...before, received: before.received + 1 });
      },
    },
    persist: spamCounterCodec,
    outputs: { [topics.blockRequests]: blockRequestCodec },
  });
}
