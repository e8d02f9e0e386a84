import { bigintCodec, bytesCodec, int64Codec, jsonCodec, stringCodec } from '../src';

describe('stringCodec', () => {
  it('round-trips UTF-8', () => {
    expect(stringCodec.encode('héllo ✓')).toEqual(Buffer.from('héllo ✓', 'utf8'));
    expect(stringCodec.decode(Buffer.from('héllo ✓', 'utf8'))).toBe('héllo ✓');
  });
  it('rejects non-strings', () => {
    expect(() => stringCodec.encode(42 as unknown as string)).toThrow(/expected a string/);
  });
});

describe('bytesCodec', () => {
  it('passes bytes through', () => {
    const b = Buffer.from([0, 1, 255]);
    expect(bytesCodec.encode(b)).toBe(b);
    expect(bytesCodec.decode(b)).toBe(b);
    expect(() => bytesCodec.encode('x' as unknown as Buffer)).toThrow(/expected a Buffer/);
  });
});

describe('int64Codec', () => {
  it('stores decimal ASCII like Goka', () => {
    expect(int64Codec.encode(42).toString('latin1')).toBe('42');
    expect(int64Codec.encode(-7).toString('latin1')).toBe('-7');
    expect(int64Codec.decode(Buffer.from('42'))).toBe(42);
    expect(int64Codec.decode(Buffer.from('+5'))).toBe(5);
    expect(int64Codec.decode(Buffer.from(String(Number.MAX_SAFE_INTEGER)))).toBe(Number.MAX_SAFE_INTEGER);
  });
  it('rejects non-safe-integers on encode', () => {
    for (const bad of [1.5, NaN, Infinity, Number.MAX_SAFE_INTEGER + 1]) {
      expect(() => int64Codec.encode(bad)).toThrow(/not a safe integer/);
    }
  });
  it('rejects non-integers and unsafe values on decode', () => {
    for (const bad of ['', '1.5', 'abc', ' 1', '1e3', '0x10']) {
      expect(() => int64Codec.decode(Buffer.from(bad))).toThrow(/not a decimal integer/);
    }
    expect(() => int64Codec.decode(Buffer.from('9223372036854775807'))).toThrow(/bigintCodec/);
  });
  it('decodes exactly like text + Number (short numbers take a fast path, everything else the checked one)', () => {
    const reference = (b: Buffer): number | string => {
      const text = b.toString('latin1');
      if (!/^[+-]?[0-9]+$/.test(text)) return 'invalid';
      const v = Number(text);
      return Number.isSafeInteger(v) ? v : 'unsafe';
    };
    const attempt = (b: Buffer): number | string => {
      try {
        return int64Codec.decode(b);
      } catch (error) {
        return /bigintCodec/.test((error as Error).message) ? 'unsafe' : 'invalid';
      }
    };
    const inputs = [
      '0', '-0', '+0', '7', '007', '-', '+', '+-1', '-+1', '1-', '--1', '12a', 'a12', '1 ', '١',
      '999999999999999', '-999999999999999', '+999999999999999', '1000000000000000', '-1000000000000000',
      '9007199254740991', '-9007199254740991', '9007199254740992', '00000000000000001', '+00000000000000001',
    ].map((t) => Buffer.from(t));
    inputs.push(Buffer.from([0x31, 0x80]), Buffer.from([0x2f]), Buffer.from([0x3a]));
    for (let i = 0; i < 2000; i++) inputs.push(Buffer.from(String(Math.floor((Math.random() - 0.5) * 10 ** (1 + (i % 17))))));
    for (const b of inputs) expect([b.toString('latin1'), attempt(b)]).toEqual([b.toString('latin1'), reference(b)]);
    expect(Object.is(int64Codec.decode(Buffer.from('-0')), -0)).toBe(Object.is(Number('-0'), -0));
  });
  it('encodes exactly the decimal text', () => {
    const values = [0, -0, 1, -1, 9, 10, -10, 123456789, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    for (let i = 0; i < 1000; i++) values.push(Math.floor((Math.random() - 0.5) * 10 ** (1 + (i % 16))));
    for (const v of values) expect(int64Codec.encode(v).equals(Buffer.from(String(v), 'latin1'))).toBe(true);
  });
});

describe('bigintCodec', () => {
  it('uses the same wire format over the full int64 range', () => {
    expect(bigintCodec.encode(9223372036854775807n).toString()).toBe('9223372036854775807');
    expect(bigintCodec.decode(Buffer.from('-9223372036854775808'))).toBe(-9223372036854775808n);
    expect(bigintCodec.decode(int64Codec.encode(123))).toBe(123n);
    expect(int64Codec.decode(bigintCodec.encode(123n))).toBe(123);
  });
  it('rejects values outside int64 and non-integers', () => {
    expect(() => bigintCodec.encode(2n ** 63n)).toThrow(/64-bit/);
    expect(() => bigintCodec.decode(Buffer.from('9223372036854775808'))).toThrow(/64-bit/);
    expect(() => bigintCodec.decode(Buffer.from('1.0'))).toThrow(/not a decimal integer/);
    expect(() => bigintCodec.encode(1 as unknown as bigint)).toThrow(/expected a bigint/);
  });
});

describe('jsonCodec', () => {
  const codec = jsonCodec<{ a: number; b: string[] }>();
  it('round-trips', () => {
    const v = { a: 1, b: ['x'] };
    expect(codec.decode(codec.encode(v))).toEqual(v);
    expect(codec.encode(v).toString()).toBe('{"a":1,"b":["x"]}');
  });
  it('throws on invalid JSON and unencodable values', () => {
    expect(() => codec.decode(Buffer.from('{nope'))).toThrow(/json codec: invalid JSON/);
    expect(() => jsonCodec<unknown>().encode(undefined)).toThrow(/no JSON representation/);
    expect(() => jsonCodec<unknown>().encode({ n: 1n })).toThrow(/cannot encode/);
  });
});
