import { RecordTooLargeError, type Headers } from '@goka-ts/api';
import { printableKey } from './key_codecs';

/**
 * Default of `maxMessageBytes`: 1 MB, librdkafka's `message.max.bytes` and just under the broker's
 * and topics' default (1 MiB + 12 bytes). Larger records would be rejected by the client or broker
 * anyway, with an error that names neither key nor size.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_000_000;

/** Bytes of a record's key, value and header names and values: what the limits count, minus the framing. */
export function recordBytes(key: Buffer | null, value: Buffer | null, headers: Headers | undefined): number {
  let size = (key === null ? 0 : key.length) + (value === null ? 0 : value.length);
  if (headers) for (const name in headers) size += Buffer.byteLength(name) + headers[name].length;
  return size;
}

/** Checks a positive `maxMessageBytes` option; throws a TypeError naming `where`. */
export function checkMaxMessageBytes(where: string, value: number | undefined): number {
  const limit = value ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (!(limit > 0)) throw new TypeError(`${where}: maxMessageBytes must be > 0 (Infinity turns the check off), got ${value}`);
  return limit;
}

/**
 * The error for a record over `limit`, or undefined when it fits. Checked before sending because a
 * rejection by the client or broker names neither key nor size, and costs a round trip per record.
 */
export function oversized(topic: string, key: Buffer | string | null, size: number, limit: number): RecordTooLargeError | undefined {
  if (size <= limit) return undefined;
  const text = typeof key === 'string' ? key : printableKey(key);
  return new RecordTooLargeError(topic, text, size, limit, {
    detail: "raise maxMessageBytes together with the topic's max.message.bytes (and the producer's limit, e.g. librdkafka's message.max.bytes), or store large values elsewhere",
  });
}
