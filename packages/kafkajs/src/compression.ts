import { compressFrame as lz4CompressFrame, decompressFrame as lz4Decompress } from 'lz4-napi';
import { compress as snappyCompress, uncompress as snappyUncompress } from 'snappy';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';

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

const codecs: ReadonlyArray<[CompressionTypes, KafkajsCodec]> = [
  [CompressionTypes.Snappy, { compress: (e) => snappyCompress(e.buffer), decompress: snappyDecompress }],
  // Kafka's LZ4 is the standard LZ4 frame format (since message format v1).
  [CompressionTypes.LZ4, { compress: (e) => lz4CompressFrame(e.buffer), decompress: (b) => lz4Decompress(b) }],
];

/**
 * Registers snappy and lz4 with kafkajs (which only ships gzip), unless the application registered
 * a codec of its own for a type. zstd is left out: its maintained Node package needs a native build
 * from sources that not every machine can download; register one yourself
 * (`CompressionCodecs[CompressionTypes.ZSTD]`) if you need it. kafkajs keeps codecs in one process-wide table, so
 * this runs once, when the first client is created.
 */
export function registerCompressionCodecs(): void {
  for (const [type, codec] of codecs) {
    if (hasCodec(type)) continue;
    (CompressionCodecs as Record<number, () => KafkajsCodec>)[type] = () => codec;
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
