/**
 * The error policy on the real broker (issue 10): 10 000 inputs of which 1 000 are malformed in
 * every way that matters. Every good record is processed exactly as without the bad ones, every bad
 * one lands in the dead-letter topic with its original bytes and correct headers (or is counted as
 * skipped), and nothing is lost: the committed offsets cover all 10 000.
 */
import { randomBytes } from 'node:crypto';
import type { KafkaMessage } from '@goka-ts/api';
import { DEAD_LETTER_HEADERS, defineGroup, int64Codec, jsonCodec, murmur2Hasher, Processor, readDeadLetter } from '@goka-ts/core';
import type { ErrorPolicy, GroupGraph, ProcessingGuarantee } from '@goka-ts/core';
import { memoryStorage } from '@goka-ts/storage-memory';
import { clients, decodeCounts, fastConsumer, start, stopStarted, TestCluster, testLogger, uniqueName, waitFor } from '@goka-ts/test-support';

const PARTITIONS = 4;
const TOTAL = 10_000;
const KEYS = 50;

/** How a bad record is bad, and what its failure must look like. */
type Kind = 'invalid-json' | 'wrong-type' | 'empty' | 'null' | 'garbage-1mb' | 'non-utf8-key';
/**
 * Bad records per kind: 1 000 in all. Two ~1 MB ones per partition, produced and dead-lettered
 * close together: each fits the broker's limit, two in one batch would not (a producer must split).
 */
const BAD: Record<Kind, number> = { 'invalid-json': 300, 'wrong-type': 300, empty: 150, null: 150, 'garbage-1mb': 2 * PARTITIONS, 'non-utf8-key': 100 - 2 * PARTITIONS };
/** What the json codec throws for unreadable bytes, and the callback for a wrong type. */
const ERROR_CLASS: Record<Kind, string> = { 'invalid-json': 'Error', 'wrong-type': 'TypeError', empty: 'Error', null: 'Error', 'garbage-1mb': 'Error', 'non-utf8-key': 'Error' };
/** Just under librdkafka's 1 MB limit, leaving room for the dead-letter headers. */
const GARBAGE_BYTES = 990_000;

interface Input {
  readonly key: Buffer;
  readonly value: Buffer | null;
  readonly partition: number;
  /** Undefined for a good record. */
  readonly kind: Kind | undefined;
  readonly n: number;
}

/** 9 000 good records `{"n": i}` over 50 keys, with the bad ones spread evenly between them. */
function inputs(): Input[] {
  const bad: Kind[] = [];
  for (const [kind, count] of Object.entries(BAD) as [Kind, number][]) for (let i = 0; i < count; i++) bad.push(kind);
  const every = TOTAL / bad.length;
  const out: Input[] = [];
  let garbage = 0;
  for (let i = 0; i < TOTAL; i++) {
    const kind = i % every === every - 1 ? bad[Math.floor(i / every)] : undefined;
    const text = `key-${i % KEYS}`;
    let key = Buffer.from(text);
    let value: Buffer | null = Buffer.from(JSON.stringify({ n: i }));
    if (kind === 'invalid-json') value = Buffer.from(`{"n": ${i}`);
    else if (kind === 'wrong-type') value = Buffer.from(JSON.stringify({ n: String(i) }));
    else if (kind === 'empty') value = Buffer.alloc(0);
    else if (kind === 'null') value = null;
    else if (kind === 'garbage-1mb') value = randomBytes(GARBAGE_BYTES);
    else if (kind === 'non-utf8-key') {
      key = Buffer.from([0xff, 0xfe, 0xc3, 0x28, i & 0xff, (i >> 8) & 0xff]);
      value = Buffer.from([0x80, 0x81, 0xfe]);
    }
    // Good records by murmur2 of the key (each key's sum lives in one table partition).
    const partition = kind === 'garbage-1mb' ? garbage++ % PARTITIONS : murmur2Hasher.partition(text, PARTITIONS);
    out.push({ key, value, partition, kind, n: i });
  }
  return out;
}

/** Sums `n` per key in the group table; a non-integer `n` throws. */
function summing(group: string, input: string, onError: ErrorPolicy): GroupGraph {
  return defineGroup(group, {
    inputs: {
      [input]: {
        codec: jsonCodec<{ n: number }>(),
        handler: (ctx, message) => {
          if (!Number.isInteger(message.n)) throw new TypeError(`n must be an integer, got ${typeof message.n}`);
          ctx.setValue((ctx.value() ?? 0) + message.n);
        },
        onError,
      },
    },
    persist: int64Codec,
  }) as GroupGraph;
}

const where = (topic: string, partition: number, offset: number) => `${topic}/${partition}@${offset}`;

describe.each(clients)('error policy on the real broker (%s)', (factory) => {
  let cluster: TestCluster;
  let input: string;
  /** The records as Kafka stored them (offsets and timestamps), by position. */
  let stored: Map<string, { message: KafkaMessage; record: Input }>;
  const expected = new Map<string, number>();
  const dlqs: string[] = [];

  beforeAll(async () => {
    cluster = new TestCluster(factory);
    input = await cluster.createTopic(uniqueName('pills-in'), PARTITIONS);
    const records = inputs();
    for (const r of records) if (!r.kind) expected.set(r.key.toString(), (expected.get(r.key.toString()) ?? 0) + r.n);
    const producer = cluster.client.producer({ lingerMs: 5 });
    await producer.connect();
    try {
      await Promise.all(records.map((r, i) => producer.send({ topic: input, partition: r.partition, key: r.key, value: r.value, headers: { 'test.i': Buffer.from(String(i)) } })));
    } finally {
      await producer.close();
    }
    // Read back for offsets and timestamps; `test.i` ties each record to its input.
    stored = new Map();
    for (const message of await cluster.readAll(input)) stored.set(where(message.topic, message.partition, message.offset), { message, record: records[Number(message.headers['test.i'].toString())] });
    expect(stored.size).toBe(TOTAL);
  }, 60_000);
  afterEach(() => stopStarted());
  afterAll(async () => {
    const admin = cluster.client.admin();
    await admin.connect();
    for (const topic of dlqs) await admin.deleteTopic(topic).catch(() => undefined);
    await admin.close();
    await cluster.close();
  });

  async function runToEnd(graph: GroupGraph, guarantee: ProcessingGuarantee = 'at-least-once'): Promise<{ processor: Processor; stats: { skipped: number; deadLettered: number; count: number } }> {
    cluster.ownGroup(graph.group);
    const processor = new Processor(graph, {
      client: cluster.client,
      storage: memoryStorage(),
      startFrom: 'oldest',
      consumer: fastConsumer,
      commitIntervalMs: 200,
      logger: testLogger,
      // Null values reach the codec, which cannot decode them: one more kind of bad record.
      nilHandling: 'decode',
      guarantee,
    });
    const running = start(processor);
    // Nothing lost: the committed offsets reach the end of every partition.
    await waitFor(
      'every input offset committed',
      async () => {
        if (running.ended) throw Object.assign(new Error(`processor ended: ${String(running.ended.error)}`), { fatal: true });
        return (await cluster.committedTotal(graph.group, input)) === TOTAL;
      },
      50_000,
      200,
    );
    const stats = { skipped: 0, deadLettered: 0, count: 0 };
    for (const partition of Object.values(processor.stats().partitions)) {
      const s = partition.input[input];
      stats.skipped += s.skipped;
      stats.deadLettered += s.deadLettered;
      stats.count += s.count;
    }
    await running.stop();
    expect(await running.outcome).toEqual({});
    return { processor, stats };
  }

  it.each(['at-least-once', 'exactly-once'] as const)('%s: parks every bad record in the dead-letter topic with its bytes and headers, and processes the good ones as if they were alone', async (guarantee) => {
    const group = uniqueName('pills-dlq');
    const dlq = `${group}-dlq`;
    dlqs.push(dlq);
    const { stats } = await runToEnd(summing(group, input, { deadLetter: dlq }), guarantee);
    expect(stats).toEqual({ skipped: 0, deadLettered: 1000, count: TOTAL });
    expect(decodeCounts(await cluster.tableContents(`${group}-table`))).toEqual(expected);

    // Created by the processor, with the input's partition count.
    expect(await cluster.partitionCount(dlq)).toBe(PARTITIONS);
    const letters = (await cluster.readAll(dlq)).map(readDeadLetter);
    expect(letters).toHaveLength(1000);
    const seen = new Set<string>();
    const problems: string[] = [];
    for (const letter of letters) {
      const at = where(letter.source.topic, letter.source.partition, letter.source.offset);
      const original = stored.get(at);
      if (!original || !original.record.kind) {
        problems.push(`${at}: not a bad input record`);
        continue;
      }
      seen.add(at);
      const kind: Kind = original.record.kind;
      const { message, record } = original;
      const check = (what: string, ok: boolean) => ok || problems.push(`${at} (${kind}): ${what}`);
      check('key bytes', letter.key !== null && letter.key.equals(record.key));
      check('value bytes', record.value === null ? letter.value === null : letter.value !== null && letter.value.equals(record.value));
      check('original headers', letter.headers['test.i']?.toString() === message.headers['test.i'].toString() && Object.keys(letter.headers).length === 1);
      check('group', letter.source.group === group);
      check('timestamp', letter.source.timestamp === message.timestamp);
      check('partition (input partition modulo the dead-letter partitions)', letter.record.partition === letter.source.partition % PARTITIONS);
      check(`error class ${letter.error.class}`, letter.error.class === ERROR_CLASS[kind]);
      check(
        `error message ${letter.error.message.slice(0, 80)}`,
        kind === 'wrong-type'
          ? letter.error.message === 'callback failed: n must be an integer, got string'
          : // The key codec refuses a key that is not UTF-8 before the value is decoded.
            kind === 'non-utf8-key'
            ? letter.error.message.startsWith('cannot decode the key with key codec "utf8": key is not valid UTF-8 ')
            : letter.error.message.startsWith('cannot decode the message with codec "json": '),
      );
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(seen.size).toBe(1000);
    // The raw headers, as other consumers see them.
    const raw = (await cluster.readAll(dlq))[0];
    for (const name of Object.values(DEAD_LETTER_HEADERS)) expect(raw.headers[name]).toBeInstanceOf(Buffer);
  }, 90_000);

  it.each([
    ['goka-ts checks the size before sending', undefined, /ctx.emit\(\) to topic "[^"]+": record of key "big" for topic "[^"]+" is 2097157 bytes, over the limit of 1000000 bytes/],
    ["the check is off: the adapter's rejection fails it", Number.POSITIVE_INFINITY, /ctx.emit\(\) to topic "[^"]+" failed: .*(larger than the max message size|Message size too large)/],
  ])('a 2 MB emit fails the processor with a clear error, never a hang (%s)', async (_name, maxMessageBytes, message) => {
    const group = uniqueName('pills-big');
    const out = await cluster.createTopic(uniqueName('pills-big-out'), 1);
    const one = await cluster.createTopic(uniqueName('pills-big-in'), 1);
    await cluster.produce(one, [{ key: 'k', value: '{"n":1}' }]);
    cluster.ownGroup(group);
    const graph = defineGroup(group, {
      inputs: { [one]: { codec: jsonCodec<{ n: number }>(), handler: (ctx) => ctx.emit(out, 'big', 'x'.repeat(2 * 1024 * 1024)) } },
      outputs: { [out]: jsonCodec<string>() },
    });
    const processor = new Processor(graph, { client: cluster.client, startFrom: 'oldest', consumer: fastConsumer, logger: testLogger, maxMessageBytes });
    const error = await processor.run().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(message);
    expect(error?.message).toMatch(new RegExp(`^group "${group}", topic "${one}", partition 0, offset 0: `));
  }, 60_000);

  it('skips and counts every bad record with onError: skip, with the same result for the good ones', async () => {
    const group = uniqueName('pills-skip');
    const { stats } = await runToEnd(summing(group, input, 'skip'));
    expect(stats).toEqual({ skipped: 1000, deadLettered: 0, count: TOTAL });
    expect(decodeCounts(await cluster.tableContents(`${group}-table`))).toEqual(expected);
  }, 90_000);
});
