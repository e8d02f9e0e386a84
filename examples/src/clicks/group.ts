import { defineGroup, jsonCodec } from '@goka-ts/core';

/** A click event, keyed by the user who clicked. */
export interface Click {
  readonly page: string;
}

/** What the table keeps per user. */
export interface UserClicks {
  readonly clicks: number;
  readonly lastPage: string;
}

export const clickCodec = jsonCodec<Click>();
export const userClicksCodec = jsonCodec<UserClicks>();

/** Counts clicks per user and remembers the last page. */
export function clicksGroup(group: string, input: string) {
  return defineGroup(group, {
    inputs: {
      [input]: {
        codec: clickCodec,
        handler: (ctx, click) => ctx.setValue({ clicks: (ctx.value()?.clicks ?? 0) + 1, lastPage: click.page }),
      },
    },
    persist: userClicksCodec,
  });
}
