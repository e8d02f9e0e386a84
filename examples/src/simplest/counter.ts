import { defineGroup, int64Codec, stringCodec } from '@goka-ts/core';

/**
 * A group that counts the messages of each key: one input (strings) and a persisted table of counts.
 * The counts are stored as decimal text (Goka's int64 codec), so Goka itself could read the table.
 */
export function counterGroup(group: string, input: string) {
  return defineGroup(group, {
    inputs: {
      [input]: {
        codec: stringCodec,
        handler: (ctx) => ctx.setValue((ctx.value() ?? 0) + 1),
      },
    },
    persist: int64Codec,
  });
}
