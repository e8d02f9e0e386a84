import { DecompressionError, type KafkaMessage } from '@goka-ts/api';
import { brokersFromEnv, uniqueName } from '@goka-ts/conformance';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { kafkajsClient } from '../src';

// A broker refuses a corrupt compressed batch when it is written, so a corrupt one cannot be put on
// a topic. Instead, kafkajs' gzip codec fails, as zlib does on a corrupt stream, for every batch
// that holds the marker below. The adapter wraps the codecs present when its first client is
// created, so the replacement here is wrapped too and its errors take the adapter's path.
const MARKER = Buffer.from('CORRUPT-ON-THE-WIRE');
let poisonedDecodes = 0;
type Codec = { compress(encoder: { buffer: Buffer }): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> };
const codecs = CompressionCodecs as Record<number, () => Codec>;
const gzip = codecs[CompressionTypes.GZIP]!();
codecs[CompressionTypes.GZIP] = () => ({
  compress: (encoder) => gzip.compress(encoder),
  decompress: async (buffer) => {
    const out = await gzip.decompress(buffer);
    if (out.includes(MARKER)) {
      poisonedDecodes++;
      throw Object.assign(new Error('invalid stored block lengths'), { code: 'Z_DATA_ERROR' });
    }
    return out;
  },
});

const client = kafkajsClient({ brokers: brokersFromEnv() });

describe('kafkajs: a record batch that cannot be decompressed', () => {
  const admin = client.admin();
  const producer = client.producer({ lingerMs: 20, compression: 'gzip' });
  let topic: string;
  /** Offset of the corrupt batch on partition 1; 0-19 before it are fine, as are partitions 0 and 2. */
  let corruptAt: number;

  beforeAll(async () => {
    await admin.connect();
    await producer.connect();
    topic = uniqueName('corrupt-batch');
    await admin.createTopic({ topic, partitions: 3, replicationFactor: 1 });
    const send = (partition: number, values: Buffer[]) => producer.sendBatch(values.map((value) => ({ topic, partition, key: Buffer.from('k'), value })));
    const values = (n: number, label: string) => Array.from({ length: n }, (_, i) => Buffer.from(`${label} ${i}`));
    await send(0, values(50, 'p0'));
    await send(2, values(30, 'p2'));
    await send(1, values(20, 'before'));
    corruptAt = (await send(1, [Buffer.from('a'), MARKER, Buffer.from('b')])).results[0]!.offset;
    await send(1, values(10, 'after'));
  });

  afterAll(async () => {
    await admin.deleteTopic(topic).catch(() => undefined);
    await producer.close();
    await admin.close();
  });

  it("a partition reader fails with DecompressionError naming it at once, after delivering the partition's records before it", async () => {
    const seen: KafkaMessage[] = [];
    const reader = client.partitionReader({ topic, partitions: [0, 1, 2].map((partition) => ({ partition, from: 'oldest' as const })), follow: true, maxWaitMs: 100 });
    const started = Date.now();
    const err = await reader.run({ onBatch: async (b) => void seen.push(...b.messages) }).then(() => new Error('run() resolved'), (e: unknown) => e);
    await reader.stop();
    expect(err).toBeInstanceOf(DecompressionError);
    expect(err).toMatchObject({ topic, partition: 1, offset: corruptAt, codec: 'gzip' });
    expect((err as Error).message).toBe(`cannot decompress the gzip record batch of topic "${topic}", partition 1 at offset ${corruptAt}: invalid stored block lengths`);
    // Found by narrowing (the shared fetch, partition 1 alone, its batch alone), not retried with back-off.
    expect(poisonedDecodes).toBeLessThanOrEqual(3);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(seen.filter((m) => m.partition === 1).map((m) => m.offset)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  }, 30_000);
});
