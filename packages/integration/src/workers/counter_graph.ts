import { defineGroup, int64Codec, stringCodec } from '@goka-ts/core';
import type { Codec } from '@goka-ts/api';
import type { GroupGraph } from '@goka-ts/core';

/**
 * The counter of the crash tests: counts the messages of `input` per key in the group table (int64)
 * and, given an `output`, emits every key to it as well. `onMessage` sees every callback, so a
 * worker can report how much it processed.
 */
export function counterGraph(group: string, input: string, onMessage: (key: string) => void, output?: string): GroupGraph {
  const outputs: Record<string, Codec<string>> = output === undefined ? {} : { [output]: stringCodec };
  return defineGroup(group, {
    inputs: {
      [input]: {
        codec: stringCodec,
        handler: (ctx) => {
          onMessage(ctx.key);
          ctx.setValue((ctx.value() ?? 0) + 1);
          if (output !== undefined) ctx.emit(output, ctx.key, ctx.key);
        },
      },
    },
    outputs,
    persist: int64Codec,
  }) as GroupGraph;
}
