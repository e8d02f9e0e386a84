import { compressFrame as lz4CompressFrame, decompressFrame as lz4Decompress } from 'lz4-napi';
import { compress as snappyCompress, uncompress as snappyUncompress } from 'snappy';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { errorChain } from './errors';

/** What kafkajs calls a codec: a factory of compress / decompress over whole record-batch payloads. */
interface KafkajsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/**
 * Java producers write snappy in the xerial stream format: a 16-byte header (magic, version,
 * compatible version) and then chunks, each a 4-byte big-endian length and a raw snappy block.
 * librdkafka and Go's sarama write raw snappy. Both are read; raw snappy is written (every
 * client, Java's included, reads it).
 */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;

async function snappyDecompress(buffer: Buffer): Promise<Buffer> {
  if (buffer.length < XERIAL_HEADER_BYTES || !buffer.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) {
    return (await snappyUncompress(buffer)) as Buffer;
  }
  const chunks: Buffer[] = [];
  let at = XERIAL_HEADER_BYTES;
  while (at < buffer.length) {
    const size = buffer.readUInt32BE(at);
    at += 4;
    chunks.push((await snappyUncompress(buffer.subarray(at, at + size))) as Buffer);
    at += size;
  }
  return Buffer.concat(chunks);
}

/** Kafka's codec names by kafkajs' compression type. */
const CODEC_NAMES: Partial<Record<CompressionTypes, string>> = {
  [CompressionTypes.GZIP]: 'gzip', [CompressionTypes.Snappy]: 'snappy', [CompressionTypes.LZ4]: 'lz4', [CompressionTypes.ZSTD]: 'zstd',
};

/**
 * A record batch could not be decompressed. kafkajs would retry the fetch (it retries every error
 * not marked `retriable: false`), and the partition reader would take it for a broker failure;
 * the same bytes fail again, so the reader stops with the API's DecompressionError instead.
 */
export class DecompressionFailure extends Error {
  readonly retriable = false;
  constructor(readonly codec: string, cause: unknown) {
    super(`cannot decompress a ${codec} record batch (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
    this.name = 'DecompressionFailure';
  }
}

/**
 * The codec whose batch could not be decompressed, if that is what `err` is: a failure of a codec
 * (see {@link registerCompressionCodecs}) or kafkajs' refusal of a codec it has none for.
 */
export function decompressionFailureIn(err: unknown): { codec: string; cause: unknown } | undefined {
  for (const e of errorChain(err)) {
    if (e instanceof DecompressionFailure) return { codec: e.codec, cause: e.cause };
    const missing = e.name === 'KafkaJSNotImplemented' ? /^(\w+) compression not implemented/i.exec(e.message ?? '') : null;
    if (missing) {
      const hint = 'register one with kafkajs (CompressionCodecs[CompressionTypes.ZSTD] = ..., e.g. from @kafkajs/zstd) or use the confluent adapter';
      return { codec: missing[1]!.toLowerCase(), cause: new Error(`${e.message}: ${hint}`, { cause: e }) };
    }
  }
  return undefined;
}

/** The codec with its failures as {@link DecompressionFailure}s. */
function failingAs(codec: string, inner: KafkajsCodec): KafkajsCodec {
  return {
    compress: (encoder) => inner.compress(encoder),
    decompress: async (buffer) => {
      try {
        return await inner.decompress(buffer);
      } catch (err) {
        throw err instanceof DecompressionFailure ? err : new DecompressionFailure(codec, err);
      }
    },
  };
}

const codecs: ReadonlyArray<[CompressionTypes, KafkajsCodec]> = [
  [CompressionTypes.Snappy, { compress: (e) => snappyCompress(e.buffer), decompress: snappyDecompress }],
  // Kafka's LZ4 is the standard LZ4 frame format (since message format v1).
  [CompressionTypes.LZ4, { compress: (e) => lz4CompressFrame(e.buffer), decompress: (b) => lz4Decompress(b) }],
];

/** Marks a codec factory that {@link registerCompressionCodecs} wrapped already. */
const marked = Symbol('goka-ts.decompression-failures');

/**
 * Registers snappy and lz4 with kafkajs (which only ships gzip), unless the application registered
 * a codec of its own for a type, and marks every codec's decompression failures as
 * {@link DecompressionFailure}s. zstd is left out: its maintained Node package needs a native build
 * from sources that not every machine can download; register one yourself
 * (`CompressionCodecs[CompressionTypes.ZSTD]`) if you need it. kafkajs keeps codecs in one process-wide table, so
 * this runs once, when the first client is created.
 */
export function registerCompressionCodecs(): void {
  const table = CompressionCodecs as Record<number, (() => KafkajsCodec) & { [marked]?: true }>;
  for (const [type, codec] of codecs) {
    if (hasCodec(type)) continue;
    table[type] = () => codec;
  }
  // Every codec present (kafkajs' gzip, the ones above, the application's) reports its failures as such.
  for (const [type, name] of Object.entries(CODEC_NAMES)) {
    const factory = table[Number(type)];
    if (!factory || factory[marked] || !hasCodec(Number(type) as CompressionTypes)) continue;
    const wrapped = Object.assign(() => failingAs(name, factory()), { [marked]: true as const });
    table[Number(type)] = wrapped;
  }
}

function hasCodec(type: CompressionTypes): boolean {
  try {
    (CompressionCodecs as Record<number, () => unknown>)[type]!();
    return true;
  } catch {
    return false;
  }
}
