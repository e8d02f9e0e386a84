import type { KeyCodec } from '@goka-ts/api';
import { utf8Keys } from '@goka-ts/core';
import { HttpError } from './http_error';

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/**
 * The key a query asks for, as the source's key codec names it: `keyHex` (the key's bytes in hex,
 * for keys that are not UTF-8 text) or `key` (text). A key the codec cannot represent is refused
 * with a 400 that says why, instead of being looked up as some other key.
 */
export function queryKey(params: URLSearchParams, codec: KeyCodec = utf8Keys): string {
  const hex = params.get('keyHex');
  const text = params.get('key');
  if (hex !== null && text !== null) throw new HttpError(400, 'give the key once: "key" (text) or "keyHex" (its bytes in hex)');
  if (hex !== null) {
    if (!HEX.test(hex)) throw new HttpError(400, 'query parameter "keyHex" must be hex digits, two per byte');
    try {
      return codec.decode(Buffer.from(hex, 'hex'));
    } catch (error) {
      throw new HttpError(400, `key ${hex} cannot be read with the table's key codec "${codec.name}": ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (text === null) throw new HttpError(400, 'missing query parameter "key" (or "keyHex": the key bytes in hex)');
  try {
    codec.encode(text);
  } catch (error) {
    throw new HttpError(400, `key ${JSON.stringify(text)} cannot be written with the table's key codec "${codec.name}": ${error instanceof Error ? error.message : String(error)}; give its bytes as "keyHex"`);
  }
  return text;
}
