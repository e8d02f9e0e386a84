import { MessageError, type KeyCodec } from '@goka-ts/api';
import { binaryKeys, utf8Keys } from '@goka-ts/core';
import { UsageError } from './usage_error';

/** Key formats of `--keys`. */
export const KEY_FORMATS = ['utf8', 'hex'] as const;
export type KeyFormatName = (typeof KEY_FORMATS)[number];

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** How the command line gives and prints keys, and the key codec of the view that reads them. */
export interface KeyFormat {
  readonly codec: KeyCodec;
  /** A key (or prefix) from the command line as the view names it; a UsageError for bad hex. */
  parse(arg: string, what: string, command: string): string;
  /** A key as printed. */
  show(key: string): string;
}

/**
 * `utf8`: keys are text, and a table key that is not UTF-8 fails the command naming its record;
 * `hex`: keys are the hex of their bytes, any bytes (the view reads with binaryKeys).
 */
export function keyFormat(name: KeyFormatName): KeyFormat {
  if (name === 'utf8') return { codec: utf8Keys, parse: (arg) => arg, show: (key) => key };
  return {
    codec: binaryKeys,
    parse(arg, what, command) {
      if (!HEX.test(arg)) throw new UsageError(`${what} must be hex digits, two per byte (--keys hex), got "${arg}"`, command);
      return binaryKeys.decode(Buffer.from(arg, 'hex'));
    },
    show: (key) => binaryKeys.encode(key).toString('hex'),
  };
}

/**
 * A table record whose key `--keys utf8` cannot read fails the view with core's MessageError naming
 * the record; this adds the flag that reads it, since the hint core gives is for code.
 */
export function withKeysHint(error: unknown, keys: KeyFormat): unknown {
  if (keys.codec !== utf8Keys || !(error instanceof MessageError) || !error.reason.startsWith('cannot decode the key')) return error;
  return new MessageError(error.where, `${error.reason} (goka-ts: pass --keys hex to read keys that are not UTF-8)`, { cause: error.cause });
}
