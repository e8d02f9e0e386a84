import { defineGroup } from '@goka-ts/core';
import { blockRequestCodec, blockStateCodec } from './model';
import type { MessagingTopics } from './topics';

/**
 * The blocker turns block requests (keyed by the user concerned) into a table of blocked users.
 * Unblocking deletes the entry, so the compacted table holds only blocked users.
 */
export function blockerGroup(topics: MessagingTopics) {
  return defineGroup(topics.groups.blocker, {
    inputs: {
      [topics.blockRequests]: {
        codec: blockRequestCodec,
        handler: (ctx, request) => {
          if (request.unblock) {
            if (ctx.value() !== undefined) ctx.delete();
          } else {
            ctx.setValue(request.reason === undefined ? { blocked: true } : { blocked: true, reason: request.reason });
          }
        },
      },
    },
    persist: blockStateCodec,
  });
}
