import type { Headers, KafkaMessage } from '@goka-ts/api';
import type { RdMessage } from './rdkafka';

/** Shared headers object of messages without headers (one less allocation per message). */
export const NO_HEADERS: Headers = Object.freeze({}) as Headers;

/**
 * A zero-length buffer whose data pointer is not NULL. The native producer passes a zero-length
 * Buffer's NULL pointer on to librdkafka, which then writes a *null* key/value: an empty value
 * would silently become a tombstone. A view into a non-empty allocation keeps it empty but present.
 */
const EMPTY = Buffer.alloc(1).subarray(0, 0);

/** Key, value or header bytes as the native producer must receive them to keep `empty` apart from `null`. */
export function wireBytes(buf: Buffer): Buffer {
  return buf.length === 0 ? EMPTY : buf;
}

export type RdHeaders = { [key: string]: Buffer }[];

export function toRdHeaders(headers: Headers | undefined): RdHeaders | undefined {
  if (headers === undefined) return undefined;
  let out: RdHeaders | undefined;
  for (const name in headers) {
    (out ??= []).push({ [name]: wireBytes(headers[name]) });
  }
  return out;
}

function fromRdHeaders(list: readonly Record<string, string | Buffer>[]): Headers {
  if (list.length === 0) return NO_HEADERS;
  const out: Headers = {};
  for (const header of list) {
    for (const name in header) {
      const value = header[name];
      // A repeated header keeps its last value (see Headers).
      out[name] = typeof value === 'string' ? Buffer.from(value) : value;
    }
  }
  return out;
}

/** Converts one consumed librdkafka message; the only allocation is the message object itself. */
export function toKafkaMessage(m: RdMessage): KafkaMessage {
  const key = m.key;
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    key: key == null ? null : typeof key === 'string' ? Buffer.from(key) : key,
    value: m.value,
    headers: m.headers === undefined ? NO_HEADERS : fromRdHeaders(m.headers as Record<string, string | Buffer>[]),
    timestamp: m.timestamp ?? -1,
  };
}
