import type { Codec } from '@goka-ts/api';
import { bytesCodec, int64Codec, jsonCodec, stringCodec } from '@goka-ts/core';

/** Value codecs of `--codec`. */
export const CODEC_NAMES = ['string', 'json', 'int64', 'bytes'] as const;
export type CodecName = (typeof CODEC_NAMES)[number];

/** The codec that decodes table values, and how a decoded value is written as JSON. */
export interface OutputCodec {
  readonly codec: Codec<unknown>;
  /** A JSON-safe form: bytes as base64, everything else as decoded. */
  toJson(value: unknown): unknown;
}

export function outputCodec(name: CodecName): OutputCodec {
  switch (name) {
    case 'string':
      return { codec: stringCodec as Codec<unknown>, toJson: (v) => v };
    case 'json':
      return { codec: jsonCodec<unknown>(), toJson: (v) => v };
    case 'int64':
      return { codec: int64Codec as Codec<unknown>, toJson: (v) => v };
    case 'bytes':
      return { codec: bytesCodec as Codec<unknown>, toJson: (v) => (v as Buffer).toString('base64') };
  }
}

/** One JSON line of a table entry. */
export function entryLine(key: string, value: unknown, codec: OutputCodec): string {
  return JSON.stringify({ key, value: codec.toJson(value) });
}
