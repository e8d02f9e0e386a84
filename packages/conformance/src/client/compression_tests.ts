/// <reference types="jest" />
import type { KafkaMessage } from '@goka-ts/api';
import { produceWithJava, type JavaRecord } from '../java_producer';
import { produceWithLibrdkafka } from '../librdkafka_producer';
import { GroupCollector, start, uniqueName, waitFor, type DescribeClientOptions, type SuiteContext } from './harness';

/** The codecs Kafka batches are compressed with. */
type BatchCodec = NonNullable<DescribeClientOptions['unreadableCodecs']>[number];
const CODECS: readonly BatchCodec[] = ['snappy', 'lz4', 'zstd', 'gzip'];

/** Records of partition 0: about 500 KB, so a Java snappy batch spans 16 xerial blocks of 32 KB. */
const MANY = 500;
const VALUE_BYTES = 1000;

interface Writer {
  readonly name: string;
  /** How it frames snappy. */
  readonly snappy: 'xerial-framed' | 'raw';
  readonly write: (brokers: readonly string[], topic: string, records: readonly JavaRecord[], codec: BatchCodec) => Promise<number[]>;
}

const WRITERS: readonly Writer[] = [
  { name: 'the Java client', snappy: 'xerial-framed', write: produceWithJava },
  { name: 'librdkafka', snappy: 'raw', write: produceWithLibrdkafka },
];

/**
 * Partition 0 gets {@link MANY} records with keys that are not UTF-8 and values of ~1 KB that
 * compress only in part (some null keys, some tombstones); partition 1 a batch of three.
 */
function records(): JavaRecord[] {
  const out: JavaRecord[] = [];
  for (let i = 0; i < MANY; i++) {
    const key = i % 97 === 5 ? null : Buffer.from([0xff, 0xfe, i >> 8, i & 0xff]);
    const value = i % 50 === 7 ? null : Buffer.from(Array.from({ length: VALUE_BYTES }, (_, j) => (j < 40 ? `value ${i} `.charCodeAt(j % 10) : (i * 31 + j * j * 7) % 251)));
    out.push({ partition: 0, key, value });
  }
  for (let i = 0; i < 3; i++) out.push({ partition: 1, key: Buffer.from([0xc3, 0x28, i]), value: Buffer.from(`small ${i}`) });
  return out;
}

/** A record as hex, so that a difference shows which record and which bytes. */
const show = (partition: number, offset: number, key: Buffer | null, value: Buffer | null) =>
  `${partition}@${offset} key=${key === null ? 'null' : key.toString('hex')} value=${value === null ? 'null' : value.toString('hex')}`;

interface Written {
  readonly topic: string;
  readonly codec: BatchCodec;
  readonly writer: string;
  /** What each partition must read, in offset order. */
  readonly expected: Map<number, string[]>;
}

function expectedOf(topic: string, codec: BatchCodec, writer: string, input: readonly JavaRecord[], offsets: readonly number[]): Written {
  const byPartition = new Map<number, Array<{ offset: number; text: string }>>();
  input.forEach((r, i) => {
    let list = byPartition.get(r.partition);
    if (!list) byPartition.set(r.partition, (list = []));
    list.push({ offset: offsets[i]!, text: show(r.partition, offsets[i]!, r.key, r.value) });
  });
  const expected = new Map([...byPartition].map(([p, list]) => [p, list.sort((a, b) => a.offset - b.offset).map((r) => r.text)]));
  return { topic, codec, writer, expected };
}

const shown = (messages: readonly KafkaMessage[], partition: number) =>
  messages.filter((m) => m.partition === partition).map((m) => show(m.partition, m.offset, m.key, m.value));

/**
 * Batches compressed by other clients, with every codec and both snappy framings, read by the
 * adapter's partition reader and group consumer byte for byte. Codecs the adapter declares
 * unreadable ({@link DescribeClientOptions.unreadableCodecs}) must fail the reader with an error
 * naming the codec. Needs a broker and Java (the broker's jars); an in-memory client has no wire format.
 */
export function compressionTests(ctx: SuiteContext): void {
  if (ctx.options.network === false) return;
  const unreadable = new Set(ctx.options.unreadableCodecs ?? []);

  describe('compressed batches written by other clients', () => {
    const written: Written[] = [];
    const input = records();

    beforeAll(async () => {
      for (const codec of CODECS) {
        await Promise.all(WRITERS.map(async (writer) => {
          const topic = await ctx.createTopic(`compressed-${codec}`, 2);
          const offsets = await writer.write(ctx.brokers, topic, input, codec);
          written.push(expectedOf(topic, codec, writer.name, input, offsets));
        }));
      }
    }, 180_000);

    afterEach(() => ctx.cleanup());

    const find = (codec: BatchCodec, writer: string) => written.find((w) => w.codec === codec && w.writer === writer)!;

    for (const [codec, writer] of CODECS.flatMap((codec) => WRITERS.map((w) => [codec, w] as const))) {
      const what = `${codec === 'snappy' ? `${writer.snappy} snappy` : codec} by ${writer.name}`;
      if (unreadable.has(codec)) {
        it(`${what}: the partition reader fails naming the codec`, async () => {
          await expect(ctx.readAll(find(codec, writer.name).topic, 0)).rejects.toThrow(new RegExp(codec, 'i'));
        });
        continue;
      }
      it(`${what}: the partition reader reads every record`, async () => {
        const w = find(codec, writer.name);
        for (const [partition, expected] of w.expected) {
          expect(shown(await ctx.readAll(w.topic, partition), partition)).toEqual(expected);
        }
      });
    }

    it('a group consumer of all those topics reads every record', async () => {
      const readable = written.filter((w) => !unreadable.has(w.codec));
      const total = readable.reduce((n, w) => n + [...w.expected.values()].reduce((m, l) => m + l.length, 0), 0);
      const collector = new GroupCollector();
      const run = start(ctx.groupConsumer(uniqueName('compressed'), readable.map((w) => w.topic), 'oldest'), collector);
      await waitFor(`${total} records through the group consumer`, () => {
        if (run.settled()) throw run.error() ?? new Error('the group consumer stopped');
        return collector.messages.length >= total;
      }, 60_000);
      for (const w of readable) {
        const messages = collector.messagesOf(w.topic);
        for (const [partition, expected] of w.expected) expect([w.codec, w.writer, shown(messages, partition)]).toEqual([w.codec, w.writer, expected]);
      }
      expect(collector.messages.length).toBe(total);
    }, 90_000);
  });
}
