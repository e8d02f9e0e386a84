import { jsonCodec } from '@goka-ts/core';

/** A message as a user sends it (key of the sent stream: the sender). */
export interface Message {
  readonly from: string;
  readonly to: string;
  readonly content: string;
}

/** A message as it arrives in a feed (key of the received stream: the recipient). */
export interface ReceivedMessage extends Message {
  /** The text before translation, present only when some word was translated. */
  readonly original?: string;
}

/** A request to block (or unblock) the user it is keyed by. */
export interface BlockRequest {
  readonly unblock?: boolean;
  /** Who asked: a user, or the spam detector. */
  readonly reason?: string;
}

/** The blocker table's value; absent for users that are not blocked. */
export interface BlockState {
  readonly blocked: true;
  readonly reason?: string;
}

/** The detector's per-user counters. */
export interface SpamCounter {
  readonly sent: number;
  readonly received: number;
  /** Set once a block request was emitted, so a spammer is reported once, not once per message. */
  readonly reported: boolean;
}

export const messageCodec = jsonCodec<Message>();
export const receivedCodec = jsonCodec<ReceivedMessage>();
export const feedCodec = jsonCodec<ReceivedMessage[]>();
export const blockRequestCodec = jsonCodec<BlockRequest>();
export const blockStateCodec = jsonCodec<BlockState>();
export const spamCounterCodec = jsonCodec<SpamCounter>();
