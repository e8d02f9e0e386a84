/**
 * Dead letters over the dead-letter topic's limit on the real broker (issue 22, item 5): a 1 MB and
 * a 5 MB undecodable record (the input topic takes 6 MB records, the dead-letter topic keeps
 * Kafka's default of about 1 MB) are parked cut to fit, with headers that say so and keep where
 * they came from and how large they were; the processor keeps running, processes the good records
 * around them and after them, and loses nothing. In both guarantees and on every adapter; with
 * `maxMessageBytes: Infinity` the topic's own limit is the one that counts, which librdkafka's
 * producer (1 000 000 bytes) refuses: the confluent run then takes the path of a dead letter the
 * client rejects (sent again smaller, or in exactly-once mode after the restart).
 */
import { randomBytes } from 'node:crypto';
import { RecordTooLargeError, type KafkaMessage } from '@goka-ts/api';
import { defineGroup, int64Codec, jsonCodec, Processor, readDeadLetter } from '@goka-ts/core';
import type { GroupGraph, ProcessingGuarantee } from '@goka-ts/core';
import { kafkajsClient } from '@goka-ts/kafkajs';
import { memoryStorage } from '@goka-ts/storage-memory';
import { brokersFromEnv, clients, decodeCounts, fastConsumer, start, stopStarted, TestCluster, testLogger, uniqueName, waitFor } from '@goka-ts/test-support';

const PARTITIONS = 2;
/** Kafka's default max.message.bytes, which the created dead-letter topic keeps. */
const DEFAULT_TOPIC_LIMIT = 1_048_588;
const BAD_SIZES = [1_000_000, 5_000_000];
const GOOD_PER_PARTITION = 10;

interface Input {
  readonly key: string;
  readonly value: Buffer;
  readonly partition: number;
  /** Undefined for a good record `{"n": n}`. */
  readonly bad: boolean;
  readonly n: number;
}

/** Per partition: good records, one undecodable record (1 MB in partition 0, 5 MB in 1), good records. */
function inputs(round: number): Input[] {
  const out: Input[] = [];
  for (let partition = 0; partition < PARTITIONS; partition++) {
    for (let i = 0; i < GOOD_PER_PARTITION; i++) {
      if (i === GOOD_PER_PARTITION / 2 && round === 0) {
        // Random bytes: not JSON, and no compression can shrink them.
        out.push({ key: `bad-${partition}`, value: randomBytes(BAD_SIZES[partition]!), partition, bad: true, n: 0 });
      }
      const n = round * 1000 + partition * 100 + i;
      out.push({ key: `key-${partition}-${i % 3}`, value: Buffer.from(JSON.stringify({ n })), partition, bad: false, n });
    }
  }
  return out;
}

/** Sums `n` per key in the group table. */
function summing(group: string, input: string, dlq: string): GroupGraph {
  return defineGroup(group, {
    inputs: { [input]: { codec: jsonCodec<{ n: number }>(), handler: (ctx, m) => ctx.setValue((ctx.value() ?? 0) + m.n), onError: { deadLetter: dlq } } },
    persist: int64Codec,
  }) as GroupGraph;
}

const where = (topic: string, partition: number, offset: number) => `${topic}/${partition}@${offset}`;

describe.each(clients)('dead letters over the topic limit (%s)', (factory) => {
  let cluster: TestCluster;
  let input: string;
  /** The records as Kafka stored them, by position; `test.i` ties each one to its input. */
  const stored = new Map<string, { message: KafkaMessage; record: Input }>();
  const records: Input[] = [];

  /** Produced with kafkajs whatever the adapter under test: librdkafka's producer refuses records over 1 MB. */
  async function produce(batch: readonly Input[]): Promise<void> {
    const client = kafkajsClient({ brokers: brokersFromEnv() });
    const producer = client.producer({ lingerMs: 5 });
    await producer.connect();
    try {
      const first = records.length;
      records.push(...batch);
      await Promise.all(batch.map((r, i) => producer.send({ topic: input, partition: r.partition, key: Buffer.from(r.key), value: r.value, headers: { 'test.i': Buffer.from(String(first + i)) } })));
    } finally {
      await producer.close();
    }
  }

  beforeAll(async () => {
    cluster = new TestCluster(factory);
    input = await cluster.createTopic(uniqueName('dlq-big-in'), PARTITIONS, { 'max.message.bytes': '6000000' });
    await produce(inputs(0));
    for (const message of await cluster.readAll(input)) stored.set(where(message.topic, message.partition, message.offset), { message, record: records[Number(message.headers['test.i']!.toString())]! });
    expect(stored.size).toBe(records.length);
  }, 60_000);
  const dlqs: string[] = [];
  afterEach(() => stopStarted());
  afterAll(async () => {
    const admin = cluster.client.admin();
    await admin.connect();
    for (const topic of dlqs) await admin.deleteTopic(topic).catch(() => undefined);
    await admin.close();
    await cluster.close();
  });

  it('reports a record over the topic limit as a RecordTooLargeError, and not the others of the batch', async () => {
    const topic = await cluster.createTopic(uniqueName('dlq-big-plain'), 2);
    const producer = cluster.client.producer({ lingerMs: 5 });
    await producer.connect();
    try {
      const error = await producer
        .sendBatch([
          { topic, partition: 0, key: Buffer.from('small'), value: Buffer.from('fits') },
          { topic, partition: 1, key: Buffer.from('big'), value: Buffer.alloc(1_100_000, 1) },
        ])
        .then(
          () => undefined,
          (e: unknown) => e as { outcomes?: unknown[] },
        );
      // kafkajs fails a whole request when the broker refuses one partition's batch: the small
      // record may fail with it, but is never the one blamed as too large.
      const small = error?.outcomes?.[0];
      if (factory.name === 'kafkajs' && small instanceof Error) expect(small).not.toBeInstanceOf(RecordTooLargeError);
      else expect(small).toMatchObject({ topic, partition: 0 });
      expect(error?.outcomes?.[1]).toBeInstanceOf(RecordTooLargeError);
      expect(error?.outcomes?.[1]).toMatchObject({ topic, key: 'big' });
    } finally {
      await producer.close();
    }
  }, 60_000);

  it.each([
    ['at-least-once', undefined],
    ['exactly-once', undefined],
    ['at-least-once', Number.POSITIVE_INFINITY],
    ['exactly-once', Number.POSITIVE_INFINITY],
  ] as [ProcessingGuarantee, number | undefined][])(
    '%s, maxMessageBytes %s: parks the 1 MB and 5 MB records, cut where they do not fit, keeps running and loses nothing',
    async (guarantee, maxMessageBytes) => {
      const group = uniqueName('dlq-big');
      const dlq = `${group}-dlq`;
      dlqs.push(dlq);
      cluster.ownGroup(group);
      const processor = new Processor(summing(group, input, dlq), {
        client: cluster.client,
        storage: memoryStorage(),
        startFrom: 'oldest',
        consumer: fastConsumer,
        commitIntervalMs: 200,
        logger: testLogger,
        guarantee,
        maxMessageBytes,
        // Quick restarts: in exactly-once mode a dead letter the client rejects costs one.
        restart: guarantee === 'exactly-once' ? { initialBackoffMs: 100, maxBackoffMs: 500 } : false,
      });
      const running = start(processor);
      const committed = (total: number) =>
        waitFor(
          `${total} input offsets committed`,
          async () => {
            if (running.ended) throw Object.assign(new Error(`processor ended: ${String(running.ended.error)}`), { fatal: true });
            return (await cluster.committedTotal(group, input)) >= total;
          },
          60_000,
          200,
        );
      await committed(stored.size);

      // Kept running: the next good records are processed too (the first run also produces them).
      if (records.length === stored.size) await produce(inputs(1));
      await committed(records.length);
      expect(running.ended).toBeUndefined();
      const stats = Object.values(processor.stats().partitions).reduce((sum, p) => sum + p.input[input]!.deadLettered, 0);
      await running.stop();
      expect(await running.outcome).toEqual({});
      if (guarantee === 'at-least-once') expect(stats).toBe(2); // an exactly-once restart counts anew

      const expected = new Map<string, number>();
      for (const r of records) if (!r.bad) expected.set(r.key, (expected.get(r.key) ?? 0) + r.n);
      expect(decodeCounts(await cluster.tableContents(`${group}-table`))).toEqual(expected);

      // The processor created the dead-letter topic with Kafka's default limit.
      const admin = cluster.client.admin();
      await admin.connect();
      const description = await admin.describeTopic(dlq);
      await admin.close();
      expect(description?.config['max.message.bytes']).toBe(String(DEFAULT_TOPIC_LIMIT));

      const raw = await cluster.readAll(dlq);
      const letters = raw.map(readDeadLetter);
      expect(letters).toHaveLength(2); // exactly-once: an aborted attempt is not visible
      for (const [i, letter] of letters.entries()) {
        const at = where(letter.source.topic, letter.source.partition, letter.source.offset);
        const original = stored.get(at);
        expect(original?.record.bad).toBe(true);
        const { message, record } = original!;
        expect(letter.source).toEqual({ group, topic: input, partition: record.partition, offset: message.offset, timestamp: message.timestamp });
        expect(letter.key?.toString()).toBe(record.key);
        expect(letter.headers['test.i']).toEqual(message.headers['test.i']);
        expect(letter.error.class).toBe('Error');
        expect(letter.error.message).toMatch(/^cannot decode the message with codec "json": /);
        // The 1 MB record fits the topic's own limit whole; librdkafka refuses it (its producer
        // limit is 1 000 000), and maxMessageBytes does by default.
        const whole = record.value.length === 1_000_000 && maxMessageBytes !== undefined && factory.name !== 'confluent';
        if (whole) {
          expect(letter.truncated).toBeUndefined();
          expect(letter.value).toEqual(record.value);
          continue;
        }
        // Cut: the value's first bytes, and headers that say so and how large the record was.
        expect(letter.truncated?.parts).toEqual(['value']);
        expect(letter.value!.length).toBeGreaterThan(700_000);
        expect(letter.value!.length).toBeLessThan(Math.min(maxMessageBytes ?? 1_000_000, DEFAULT_TOPIC_LIMIT));
        expect(record.value.subarray(0, letter.value!.length).equals(letter.value!)).toBe(true);
        const dlqHeaders = Object.entries(raw[i]!.headers).filter(([name]) => name.startsWith('goka.dlq.') && !name.startsWith('goka.dlq.truncated') && name !== 'goka.dlq.original.size');
        const originalSize = record.key.length + record.value.length + 'test.i'.length + message.headers['test.i']!.length + dlqHeaders.reduce((sum, [name, value]) => sum + name.length + value.length, 0);
        expect(letter.truncated?.originalSize).toBe(originalSize);
        expect(letter.truncated?.reason).toMatch(new RegExp(`^the dead letter takes \\d+ bytes, over the \\d+ bytes that dead-letter topic "${dlq}" takes \\(`));
        // librdkafka refused what the topic would take: the limit was lowered after a rejection.
        if (factory.name === 'confluent' && maxMessageBytes !== undefined) expect(letter.truncated?.reason).toMatch(/\(lowered to \d+ after the client or broker rejected a dead letter of \d+ bytes as too large/);
      }
      expect(new Set(letters.map((l) => l.source.partition))).toEqual(new Set([0, 1]));
    },
    120_000,
  );
});
