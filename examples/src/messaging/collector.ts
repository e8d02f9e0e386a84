import { defineGroup } from '@goka-ts/core';
import { feedCodec, receivedCodec } from './model';
import type { MessagingTopics } from './topics';

/** How many messages a feed keeps by default (the newest ones). */
export const DEFAULT_FEED_LENGTH = 20;

/**
 * The collector keeps every user's feed: it consumes the received stream (keyed by recipient) and
 * appends each message to the recipient's entry of its group table, keeping the newest `feedLength`.
 */
export function collectorGroup(topics: MessagingTopics, feedLength = DEFAULT_FEED_LENGTH) {
  return defineGroup(topics.groups.collector, {
    inputs: {
      [topics.received]: {
        codec: receivedCodec,
        handler: (ctx, message) => {
          const feed = ctx.value() ?? [];
          ctx.setValue([...feed, message].slice(-feedLength));
        },
      },
    },
    persist: feedCodec,
  });
}
