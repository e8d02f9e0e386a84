import { defineGroup, stringCodec } from '@goka-ts/core';
import { blockStateCodec, messageCodec, receivedCodec } from './model';
import type { MessagingTopics } from './topics';
import { translateText } from './translate';

/**
 * The filter sits between senders and feeds. For every sent message (keyed by sender) it
 * - drops it when the sender is blocked: a *join* of the blocker table, which is co-partitioned with
 *   the sent stream (same key, same partition), so the lookup is local and needs no network;
 * - translates its words through a *lookup* of the translation table (keyed by word, so any key is
 *   needed: a lookup reads a full local copy of that table);
 * - forwards it to the received stream, keyed by the recipient.
 */
export function filterGroup(topics: MessagingTopics) {
  return defineGroup(topics.groups.filter, {
    inputs: {
      [topics.sent]: {
        codec: messageCodec,
        handler: async (ctx, message) => {
          if (ctx.join(topics.tables.blocked)?.blocked) return;
          const content = await translateText(message.content, (word) => ctx.lookup(topics.tables.translations, word));
          ctx.emit(topics.received, message.to, content === message.content ? message : { ...message, content, original: message.content });
        },
      },
    },
    joins: { [topics.tables.blocked]: blockStateCodec },
    lookups: { [topics.tables.translations]: stringCodec },
    outputs: { [topics.received]: receivedCodec },
  });
}
