import { defineGroup, stringCodec } from '@goka-ts/core';
import type { MessagingTopics } from './topics';

/**
 * The translator maintains the translation table from a stream of word translations
 * (key: the word in lower case, value: its translation). An empty translation removes the word.
 */
export function translatorGroup(topics: MessagingTopics) {
  return defineGroup(topics.groups.translator, {
    inputs: {
      [topics.translations]: {
        codec: stringCodec,
        handler: (ctx, translation) => {
          if (translation === '') ctx.delete();
          else ctx.setValue(translation);
        },
      },
    },
    persist: stringCodec,
  });
}
