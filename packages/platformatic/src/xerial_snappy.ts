/**
 * The xerial snappy stream format, which the Java Kafka client (snappy-java's SnappyOutputStream)
 * and Go's sarama write: an 8-byte magic, two big-endian int32s (version and compatible version, 1
 * and 1), then blocks, each a big-endian int32 length and that many bytes of raw snappy.
 * librdkafka and platformatic write raw snappy without any framing.
 */
const MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const HEADER_BYTES = MAGIC.length + 8;
const LENGTH_BYTES = 4;

/**
 * Whether `data` is xerial-framed (starts with the magic). Raw snappy never does: after the
 * length varint `82 53`, its first element would be `4e`, a copy tag, and a stream cannot start
 * with a copy (there is nothing to copy from yet).
 */
export function isXerialFramed(data: Uint8Array): boolean {
  if (data.length < HEADER_BYTES) return false;
  for (let i = 0; i < MAGIC.length; i++) if (data[i] !== MAGIC[i]) return false;
  return true;
}

/**
 * Decodes a xerial-framed payload: `decodeBlock` (a raw snappy decoder) decodes each block, and the
 * results are concatenated. Throws on a truncated block or a block length past the end, rather than
 * returning part of the records.
 */
export function decodeXerial(data: Buffer, decodeBlock: (block: Buffer) => Buffer): Buffer {
  if (!isXerialFramed(data)) throw new Error('not xerial-framed snappy: the stream header is missing');
  const blocks: Buffer[] = [];
  let at = HEADER_BYTES;
  while (at < data.length) {
    if (at + LENGTH_BYTES > data.length) throw new Error(`xerial snappy: ${data.length - at} stray bytes at position ${at}, too few for a block length`);
    const size = data.readUInt32BE(at);
    at += LENGTH_BYTES;
    if (at + size > data.length) throw new Error(`xerial snappy: block of ${size} bytes at position ${at} runs past the end (${data.length} bytes)`);
    blocks.push(decodeBlock(data.subarray(at, at + size)));
    at += size;
  }
  return blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks);
}
