import { compressionsAlgorithms, compressionsAlgorithmsByBitmask, MultipleErrors } from '@platformatic/kafka';
import zlib from 'node:zlib';
import { decompressionFailureIn, DecompressionFailure, installDecompression } from '../src/decompression';
import { isRetriable } from '../src/retry';
import { decodeXerial, isXerialFramed } from '../src/xerial_snappy';

const rawSnappy = (data: Buffer): Buffer => compressionsAlgorithms.snappy.compressSync(data);

/** What snappy-java's SnappyOutputStream writes: header, then a length-prefixed raw block per `blockSize` bytes of input. */
function xerial(data: Buffer, blockSize = 32 * 1024): Buffer {
  const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
  const parts: Buffer[] = [header];
  for (let at = 0; at < data.length; at += blockSize) {
    const block = rawSnappy(data.subarray(at, at + blockSize));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(block.length);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

/** 100 KB of record-like bytes that do not compress to nothing (the xerial framing then spans 4 blocks). */
const payload = Buffer.from(Array.from({ length: 2500 }, (_, i) => `record ${i} ${(i * 7919) % 10007}\n`).join('').repeat(3));

/** `zstd -c` of 300 lines "zstd record <i>", streamed: the frame does not declare its content size. */
const ZSTD_STREAM = Buffer.from(
  'KLUv/QRYVQkARlQsFcAlwwHGNYurjX/HkpQypZRY9foZAikAJAAlADMzMzNj27Ztt23btiRJkuS2bdsmIiIiIi8al5MhBoSCAEBAYUAgGCgIbdu2LUmSJLlt27aJiIiISERERESE/P///1VVVVVVREREREQTExERERGJxWKxWCwWi8X+////qqqqqioiIiIiopmZmZkZ27ZtO8P/////qqqqqioiIiIiopmZmZkZ27Ztu23btiVJkiS3bdsWgSuoIfTrb8FH1WoRvMJg+TEKFy5s2LBk4cKFi0X1///f5/98q2DBQoUJExYsWDAyjX6vnmoqJZUalQqV8pRySmlKYUpZStlKnSQpSTKSRCSRRCKJSBKRJCTpMxQMfaFYaBUKhZ5QJPQUoSBgrbWutZa07gGkVWAqAtE=',
  'base64',
);
const ZSTD_CONTENT = Array.from({ length: 300 }, (_, i) => `zstd record ${i}\n`).join('');

/** The decoder platformatic's record reader looks up by the batch's compression bits. */
const decoderFor = (bitmask: number) => (data: Buffer) => compressionsAlgorithmsByBitmask[bitmask]!.decompressSync(data);

/** The error a decoder throws, or a failure of the test if it returned. */
function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    return err;
  }
  throw new Error('expected the decoder to throw');
}

describe('xerial snappy framing', () => {
  it('decodes every block and concatenates them', () => {
    const framed = xerial(payload);
    expect(isXerialFramed(framed)).toBe(true);
    expect(framed.length).toBeLessThan(payload.length);
    let blocks = 0;
    const decoded = decodeXerial(framed, (b) => (blocks++, compressionsAlgorithms.snappy.decompressSync(b)));
    expect(blocks).toBe(Math.ceil(payload.length / (32 * 1024)));
    expect(decoded.equals(payload)).toBe(true);
  });

  it('tells raw snappy from the framing', () => {
    expect(isXerialFramed(rawSnappy(payload))).toBe(false);
    expect(isXerialFramed(Buffer.from([0x82, 0x53, 0x4e, 0x41]))).toBe(false);
  });

  it('rejects a block that runs past the end and stray bytes after the last block', () => {
    const framed = xerial(payload);
    const decode = (b: Buffer) => compressionsAlgorithms.snappy.decompressSync(b);
    expect(() => decodeXerial(framed.subarray(0, framed.length - 10), decode)).toThrow(/runs past the end/);
    expect(() => decodeXerial(Buffer.concat([framed, Buffer.from([0, 0])]), decode)).toThrow(/stray bytes/);
    expect(() => decodeXerial(rawSnappy(payload), decode)).toThrow(/header is missing/);
  });

  it('decodes a header with no blocks as nothing', () => {
    expect(decodeXerial(xerial(Buffer.alloc(0)), () => Buffer.from('unused')).length).toBe(0);
  });
});

describe("platformatic's decoders after installDecompression", () => {
  beforeAll(() => {
    installDecompression();
    installDecompression(); // idempotent: a second install must not wrap twice
  });

  it('read raw and xerial-framed snappy (bitmask 2)', () => {
    expect(decoderFor(2)(rawSnappy(payload)).equals(payload)).toBe(true);
    expect(decoderFor(2)(xerial(payload)).equals(payload)).toBe(true);
  });

  it('read gzip, lz4 and zstd (zstd also where node:zlib has none)', () => {
    expect(decoderFor(1)(zlib.gzipSync(payload)).equals(payload)).toBe(true);
    expect(decoderFor(3)(compressionsAlgorithms.lz4.compressSync(payload)).equals(payload)).toBe(true);
    expect(decoderFor(4)(ZSTD_STREAM).toString()).toBe(ZSTD_CONTENT);
    expect(decoderFor(4)(Buffer.concat([ZSTD_STREAM, ZSTD_STREAM])).toString()).toBe(ZSTD_CONTENT + ZSTD_CONTENT);
  });

  it.each([
    ['gzip', 1, Buffer.from('not gzip at all')],
    ['snappy', 2, Buffer.from([0x05, 0xff, 0xff, 0xff])],
    ['snappy', 2, xerial(payload).subarray(0, 100)],
    ['lz4', 3, Buffer.from('not an lz4 frame')],
    ['zstd', 4, Buffer.from('not a zstd frame')],
  ] as const)('fail on corrupt %s as a non-retriable DecompressionFailure naming the codec', (codec, bitmask, corrupt) => {
    const err = thrownBy(() => decoderFor(bitmask)(corrupt));
    expect(err).toBeInstanceOf(DecompressionFailure);
    expect(err).toMatchObject({ codec, canRetry: false, message: expect.stringContaining(`cannot decompress a ${codec} record batch`) });
    // platformatic's retry asks findBy('canRetry', false) of what it collected; the adapter's own retry asks isRetriable.
    const gathered = new MultipleErrors('fetch failed 1 times.', [err as Error]);
    expect(gathered.findBy('canRetry', false)).toBe(err);
    expect(isRetriable(gathered)).toBe(false);
    expect(decompressionFailureIn(gathered)).toBe(err);
  });

  it('keep reading after a failure (the WebAssembly decoder survives its trap)', () => {
    thrownBy(() => decoderFor(2)(Buffer.from([0x05, 0xff, 0xff, 0xff])));
    expect(decoderFor(2)(xerial(payload)).equals(payload)).toBe(true);
  });
});
