import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { compress } from 'snappy';
import { kafkajsClient } from '../src';

/** The codec kafkajs would use for `type` once a client registered ours. */
function codec(type: CompressionTypes): { compress(e: { buffer: Buffer }): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> } {
  kafkajsClient({ brokers: ['127.0.0.1:1'] });
  return (CompressionCodecs as Record<number, () => ReturnType<typeof codec>>)[type]!();
}

describe('compression codecs registered by the adapter', () => {
  const payload = Buffer.from('goka '.repeat(1000));

  it.each([CompressionTypes.Snappy, CompressionTypes.LZ4])('round-trips codec %s', async (type) => {
    const c = codec(type);
    const packed = await c.compress({ buffer: payload });
    expect(packed.length).toBeLessThan(payload.length);
    expect(await c.decompress(packed)).toEqual(payload);
  });

  it('reads the xerial snappy stream format Java producers write', async () => {
    const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
    const parts = [payload.subarray(0, 2000), payload.subarray(2000)];
    const chunks = await Promise.all(parts.map(async (p) => {
      const block = (await compress(p)) as Buffer;
      const size = Buffer.alloc(4);
      size.writeUInt32BE(block.length);
      return Buffer.concat([size, block]);
    }));
    expect(await codec(CompressionTypes.Snappy).decompress(Buffer.concat([header, ...chunks]))).toEqual(payload);
  });
});
