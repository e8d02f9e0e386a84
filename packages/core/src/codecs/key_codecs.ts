/**
 * Key codecs: how Kafka key bytes become the string keys of callbacks, tables and views (see
 * {@link KeyCodec}). Two distinct keys must never become one string: a key codec throws instead.
 * @module
 */
import { isUtf8 } from 'node:buffer';
import type { KeyCodec } from '@goka-ts/api';

/** Bytes shown of a key in error messages; keys can be large. */
const SHOWN_KEY_BYTES = 32;
/** A char a latin1 byte cannot hold. */
const NOT_A_BYTE = /[\u0100-\uffff]/;

/**
 * Keys as UTF-8 text, the default of every group, view and emitter. Strict both ways, so no two keys
 * merge: decoding bytes that are not valid UTF-8 throws (a processor sends such a message through its
 * error policy; give the group {@link binaryKeys} to process it), and encoding a string that is not
 * well-formed (a lone surrogate, which UTF-8 cannot hold) throws.
 */
export const utf8Keys: KeyCodec = Object.freeze({
  name: 'utf8',
  encode(key: string): Buffer {
    if (typeof key !== 'string') throw new TypeError(`utf8 keys: a key must be a string, got ${typeof key}`);
    if (!(key as string & WellFormedString).isWellFormed()) {
      throw new TypeError(`utf8 keys: the key ${JSON.stringify(key)} has a lone surrogate, which UTF-8 cannot represent; it would be written as U+FFFD and merge with other keys`);
    }
    return Buffer.from(key, 'utf8');
  },
  decode(data: Buffer): string {
    const key = data.toString('utf8');
    // Node's decoder replaces every invalid sequence with U+FFFD: a key without one was valid, which
    // is cheaper to see in the decoded string than to validate the bytes of every key first.
    if (key.includes('\uFFFD') && !isUtf8(data)) {
      throw new Error(`key is not valid UTF-8 (bytes ${keyHex(data)}); decoding it would merge it with other keys: give the group binaryKeys (defineGroup(group, { keys: binaryKeys, ... })) to keep keys byte for byte`);
    }
    return key;
  },
});

/**
 * Keys as bytes, for topics whose keys need not be UTF-8 (Go Goka and the Java client keep keys
 * byte for byte): each byte becomes one char `\u0000`-`\u00ff` (latin1), so any bytes round-trip
 * exactly and string order is byte order. ASCII keys read the same as with {@link utf8Keys};
 * `Buffer.from(key, 'latin1')` gives a key's bytes, `buffer.toString('latin1')` a key for bytes.
 * Encoding a string with a char above `\u00ff` throws.
 */
export const binaryKeys: KeyCodec = Object.freeze({
  name: 'binary',
  encode(key: string): Buffer {
    if (typeof key !== 'string') throw new TypeError(`binary keys: a key must be a string, got ${typeof key}`);
    if (NOT_A_BYTE.test(key)) {
      throw new TypeError(`binary keys: the key ${JSON.stringify(key)} has a char above \\u00ff; a binary key holds one byte per char (Buffer.toString('latin1') makes one from bytes)`);
    }
    return Buffer.from(key, 'latin1');
  },
  decode(data: Buffer): string {
    return data.toString('latin1');
  },
});

/**
 * A key for messages and logs: its text when the bytes are valid UTF-8, else `0x` and
 * its hex (the first 32 bytes), so two keys that differ only in invalid bytes read differently.
 */
export function printableKey(key: Buffer | null): string {
  if (key === null) return '';
  if (isUtf8(key)) return key.toString('utf8');
  return `0x${keyHex(key)}`;
}

function keyHex(data: Buffer): string {
  return data.length > SHOWN_KEY_BYTES ? `${data.subarray(0, SHOWN_KEY_BYTES).toString('hex')}... (${data.length} bytes)` : data.toString('hex');
}

/** `String.prototype.isWellFormed` (ES2024, Node 20), which the ES2022 lib does not declare. */
interface WellFormedString {
  isWellFormed(): boolean;
}
