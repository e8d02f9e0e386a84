import { compressionsAlgorithms, GenericError } from '@platformatic/kafka';
import { decompress as fzstdDecompress } from 'fzstd';
import zlib from 'node:zlib';
import { errorTree } from './errors';
import { decodeXerial, isXerialFramed } from './xerial_snappy';

/** The codecs a record batch can be compressed with, as Kafka names them. */
export type BatchCodec = 'gzip' | 'snappy' | 'lz4' | 'zstd';
const CODECS: readonly BatchCodec[] = ['gzip', 'snappy', 'lz4', 'zstd'];

type Decompress = (data: Buffer) => Buffer;
type Algorithm = { decompressSync: (data: Buffer) => Buffer };

/**
 * A batch could not be decompressed, as platformatic sees it: `canRetry: false`, so platformatic's
 * own retry gives up at once (its WebAssembly decoders fail with a bare `RuntimeError: unreachable`,
 * which it would retry as if the network had failed). The fetch loop turns it into the API's
 * `DecompressionError` once it knows the partition and offset.
 */
export class DecompressionFailure extends GenericError {
  declare readonly codec: BatchCodec;
  constructor(codec: BatchCodec, cause: unknown) {
    const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super('PLT_KFK_UNSUPPORTED_COMPRESSION', `cannot decompress a ${codec} record batch (${reason})`, {
      cause: cause instanceof Error ? cause : undefined,
      canRetry: false,
      codec,
    });
  }
}

/** The {@link DecompressionFailure} anywhere in a (platformatic-wrapped) error, if any. */
export function decompressionFailureIn(err: unknown): DecompressionFailure | undefined {
  return errorTree(err).find((e): e is DecompressionFailure => e instanceof DecompressionFailure);
}

/**
 * A snappy decoder that reads both framings: xerial (Java client, sarama: Go Goka's default)
 * through platformatic's raw decoder block by block, raw snappy (librdkafka, platformatic) as is.
 */
export function snappyReader(raw: Decompress): Decompress {
  return (data) => (isXerialFramed(data) ? decodeXerial(data, raw) : raw(data));
}

/**
 * A zstd decoder for Node.js versions whose node:zlib has none (before 22.15 / 23.8), where
 * platformatic's zstd can neither write nor read: fzstd, a pure JavaScript decoder.
 */
export function zstdReader(native: Decompress): Decompress {
  if (typeof (zlib as { zstdDecompressSync?: unknown }).zstdDecompressSync === 'function') return native;
  return (data) => {
    const out = fzstdDecompress(data);
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  };
}

/** Wraps a decoder so that any failure is a {@link DecompressionFailure} naming the codec. */
export function failingAs(codec: BatchCodec, decode: Decompress): Decompress {
  return (data) => {
    try {
      return decode(data);
    } catch (err) {
      throw err instanceof DecompressionFailure ? err : new DecompressionFailure(codec, err);
    }
  };
}

/** platformatic hands its decoders a Buffer or a DynamicBuffer (whose `buffer` is the joined bytes). */
function asBuffer(data: Buffer | { buffer: Buffer }): Buffer {
  return Buffer.isBuffer(data) ? data : data.buffer;
}

const installed = Symbol('goka-ts.decompression');

/**
 * Replaces the decoders of platformatic's compression registry (one table per process, shared by
 * every client; the registry by bitmask that its record reader uses holds the same objects): snappy
 * also reads the xerial framing, zstd works on Node.js 20, and every failure is a
 * {@link DecompressionFailure}. Compressing is left alone. Idempotent.
 */
export function installDecompression(): void {
  const registry = compressionsAlgorithms as unknown as Record<BatchCodec, Algorithm & { [installed]?: true }>;
  for (const codec of CODECS) {
    const algorithm = registry[codec];
    if (algorithm[installed]) continue;
    const original = algorithm.decompressSync.bind(algorithm);
    const own: Decompress = (data) => original(asBuffer(data));
    const decode = codec === 'snappy' ? snappyReader(own) : codec === 'zstd' ? zstdReader(own) : own;
    algorithm.decompressSync = failingAs(codec, (data) => decode(asBuffer(data)));
    algorithm[installed] = true;
  }
}
