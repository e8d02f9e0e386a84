import { DEFAULT_SUFFIXES } from '@goka-ts/core';

/**
 * Topic and group names of the messaging app. Everything derives from one prefix so that several
 * instances (tests, demo runs) can share a broker without seeing each other's data.
 */
export interface MessagingTopics {
  /** Messages as sent, keyed by sender. */
  readonly sent: string;
  /** Messages that passed the filter (translated), keyed by recipient. */
  readonly received: string;
  /** Block / unblock requests, keyed by the user concerned. */
  readonly blockRequests: string;
  /** Word translations, keyed by word; the value is the translation. */
  readonly translations: string;
  readonly groups: {
    readonly collector: string;
    readonly blocker: string;
    readonly translator: string;
    readonly filter: string;
    readonly detector: string;
  };
  /** The group tables (Goka's `<group>-table`). */
  readonly tables: {
    readonly feeds: string;
    readonly blocked: string;
    readonly translations: string;
  };
}

export function messagingTopics(prefix = ''): MessagingTopics {
  const groups = {
    collector: `${prefix}collector`,
    blocker: `${prefix}blocker`,
    translator: `${prefix}translator`,
    filter: `${prefix}message-filter`,
    detector: `${prefix}spam-detector`,
  };
  return {
    sent: `${prefix}message-sent`,
    received: `${prefix}message-received`,
    blockRequests: `${prefix}block-user`,
    translations: `${prefix}translate-word`,
    groups,
    tables: {
      feeds: groups.collector + DEFAULT_SUFFIXES.table,
      blocked: groups.blocker + DEFAULT_SUFFIXES.table,
      translations: groups.translator + DEFAULT_SUFFIXES.table,
    },
  };
}
