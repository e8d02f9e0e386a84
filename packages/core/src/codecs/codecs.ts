/**
 * Codecs shipped with goka-ts.
 *
 * ## Writing your own codec
 *
 * A codec is any object implementing {@link Codec}: a short `name` (shown in errors and the web UI),
 * `encode(value) -> Buffer` and `decode(bytes) -> value`. Rules that keep tables and streams readable:
 *
 * - `decode` must throw on bytes it cannot read (never return a placeholder): the processor or view
 *   wraps the error in a `MessageError` with topic, partition and offset, so the bad record can be found.
 * - `encode` should throw on values it cannot represent faithfully rather than store something lossy.
 * - `decode(encode(v))` must give back an equal value: tables are recovered by decoding what was encoded.
 * - Keep both functions synchronous, pure and cheap: they run once per record on hot paths.
 * - Changing a table's codec changes how existing records are read; version the format (a prefix byte,
 *   a field) if it may evolve.
 *
 * ```ts
 * import type { Codec } from '@goka-ts/api';
 * const dateCodec: Codec<Date> = {
 *   name: 'date',
 *   encode: (d) => Buffer.from(d.toISOString()),
 *   decode: (b) => {
 *     const d = new Date(b.toString('utf8'));
 *     if (Number.isNaN(d.getTime())) throw new Error(`not an ISO date: ${JSON.stringify(b.toString('utf8'))}`);
 *     return d;
 *   },
 * };
 * ```
 * @module
 */
import type { Codec } from '@goka-ts/api';

/** UTF-8 text. */
export const stringCodec: Codec<string> = Object.freeze({
  name: 'string',
  encode(value: string): Buffer {
    if (typeof value !== 'string') throw new TypeError(`string codec: expected a string, got ${describe(value)}`);
    return Buffer.from(value, 'utf8');
  },
  decode(data: Buffer): string {
    return data.toString('utf8');
  },
});

/** Raw bytes, passed through unchanged (Goka's `codec.Bytes`). */
export const bytesCodec: Codec<Buffer> = Object.freeze({
  name: 'bytes',
  encode(value: Buffer): Buffer {
    if (!Buffer.isBuffer(value)) throw new TypeError(`bytes codec: expected a Buffer, got ${describe(value)}`);
    return value;
  },
  decode(data: Buffer): Buffer {
    return data;
  },
});

// Go's strconv.ParseInt(s, 10, 64) accepts an optional sign and decimal digits only.
const DECIMAL = /^[+-]?[0-9]+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A 64-bit integer stored as decimal ASCII text, like Goka's `codec.Int64` (`42` -> `"42"`).
 * Values are JavaScript numbers: encoding rejects anything that is not a safe integer, decoding
 * rejects text that is not an integer or lies outside the safe range (use {@link bigintCodec} then).
 */
export const int64Codec: Codec<number> = Object.freeze({
  name: 'int64',
  encode(value: number): Buffer {
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`int64 codec: ${describe(value)} is not a safe integer (use bigintCodec for larger values)`);
    }
    // Counters encode once per table write: copying the digits by hand is about twice as fast as
    // Buffer.from(text, 'latin1'), which goes through native code for a few bytes.
    const text = String(value);
    const out = Buffer.allocUnsafe(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  },
  decode(data: Buffer): number {
    const fast = decodeShortDecimal(data);
    if (fast !== undefined) return fast;
    const text = data.toString('latin1');
    if (!DECIMAL.test(text)) throw new Error(`int64 codec: ${JSON.stringify(truncate(text))} is not a decimal integer`);
    const value = Number(text);
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`int64 codec: ${text} is outside the safe integer range (use bigintCodec to read it)`);
    }
    return value;
  },
});

const PLUS = 0x2b;
const MINUS = 0x2d;
const ZERO = 0x30;

/**
 * Reads an optionally signed decimal of at most 15 digits (always a safe integer) straight from the
 * bytes, about ten times faster than text + regex + Number; `undefined` for anything else, which
 * then takes the checked path (longer numbers, errors).
 */
function decodeShortDecimal(data: Buffer): number | undefined {
  const n = data.length;
  if (n === 0 || n > 16) return undefined;
  const first = data[0];
  let i = first === PLUS || first === MINUS ? 1 : 0;
  if (i === n || n - i > 15) return undefined;
  let value = 0;
  for (; i < n; i++) {
    const digit = data[i] - ZERO;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  return first === MINUS ? -value : value;
}

/** Like {@link int64Codec} (same decimal text), for the full signed 64-bit range as `bigint`. */
export const bigintCodec: Codec<bigint> = Object.freeze({
  name: 'bigint',
  encode(value: bigint): Buffer {
    if (typeof value !== 'bigint') throw new TypeError(`bigint codec: expected a bigint, got ${describe(value)}`);
    if (value < INT64_MIN || value > INT64_MAX) throw new RangeError(`bigint codec: ${value} does not fit in a signed 64-bit integer`);
    return Buffer.from(value.toString(), 'latin1');
  },
  decode(data: Buffer): bigint {
    const text = data.toString('latin1');
    if (!DECIMAL.test(text)) throw new Error(`bigint codec: ${JSON.stringify(truncate(text))} is not a decimal integer`);
    const value = BigInt(text);
    if (value < INT64_MIN || value > INT64_MAX) throw new RangeError(`bigint codec: ${text} does not fit in a signed 64-bit integer`);
    return value;
  },
});

/**
 * JSON text (UTF-8). `T` is trusted, not validated: wrap `decode` to check the shape when the topic
 * may carry foreign data. Values JSON cannot represent (`undefined`, functions, bigint) are rejected.
 */
export function jsonCodec<T>(): Codec<T> {
  return {
    name: 'json',
    encode(value: T): Buffer {
      let text: string | undefined;
      try {
        text = JSON.stringify(value);
      } catch (err) {
        throw new TypeError(`json codec: cannot encode ${describe(value)}: ${(err as Error).message}`);
      }
      if (text === undefined) throw new TypeError(`json codec: ${describe(value)} has no JSON representation`);
      return Buffer.from(text, 'utf8');
    },
    decode(data: Buffer): T {
      try {
        return JSON.parse(data.toString('utf8')) as T;
      } catch (err) {
        throw new Error(`json codec: invalid JSON ${JSON.stringify(truncate(data.toString('utf8')))}: ${(err as Error).message}`);
      }
    },
  };
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(truncate(value));
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}

function truncate(text: string): string {
  return text.length > 64 ? text.slice(0, 64) + '...' : text;
}
