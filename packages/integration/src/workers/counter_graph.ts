import { defineGroup, int64Codec, stringCodec } from '@goka-ts/core';
import type { GroupGraph } from '@goka-ts/core';

/**
 * The counter of the crash tests: counts the messages of `input` per key in the group table (int64).
 * `onMessage` sees every callback, so a worker can report how much it processed.
 */
export function counterGraph(group: string, input: string, onMessage: (key: string) => void): GroupGraph {
  return defineGroup(group, {
    inputs: {
      [input]: {
        codec: stringCodec,
        handler: (ctx) => {
          onMessage(ctx.key);
          ctx.setValue((ctx.value() ?? 0) + 1);
        },
      },
    },
    persist: int64Codec,
  }) as GroupGraph;
}
