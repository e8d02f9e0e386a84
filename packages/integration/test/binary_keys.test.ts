/**
 * Keys that are not UTF-8 on the real broker (issue 22): written by the Java client, byte for byte,
 * then counted by a processor with binaryKeys on every adapter, stored in every storage backend
 * (the processor's LevelDB; views on memory, Redis and an LRU over LevelDB) and read back through
 * views exactly. With the default utf8Keys the same input goes to the error policy, never merged
 * into one U+FFFD key (the bug: ff fe and ff fd were counted as one).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MessageError, type KeyCodec, type StorageBuilder } from '@goka-ts/api';
import { produceWithJava } from '@goka-ts/conformance';
import { binaryKeys, defineGroup, int64Codec, murmur2, Processor, readDeadLetter, stringCodec, View, type ErrorPolicy } from '@goka-ts/core';
import { leveldbStorage } from '@goka-ts/storage-leveldb';
import { lruStorage } from '@goka-ts/storage-lru';
import { memoryStorage } from '@goka-ts/storage-memory';
import { redisStorage } from '@goka-ts/storage-redis';
import { brokersFromEnv, clients, fastConsumer, start, stopStarted, TestCluster, testLogger, uniqueName, waitFor } from '@goka-ts/test-support';

const PARTITIONS = 4;

/** Keys as hex: most are not UTF-8 (two merged into one before), two are, to see both kinds side by side. */
const NOT_UTF8 = ['fffe', 'fffd', 'feff', '80', 'c328', 'eda080', '00ff', 'f4908080', 'ff', 'c0af'];
const UTF8 = [Buffer.from('plain').toString('hex'), Buffer.from('grüße').toString('hex')];
const KEYS = [...NOT_UTF8, ...UTF8];

/** Key i is written i + 1 times, interleaved, in the partition murmur2 of its bytes picks (as the Java client does). */
function records(): { partition: number; key: Buffer; value: Buffer }[] {
  const out: { partition: number; key: Buffer; value: Buffer }[] = [];
  for (let round = 0; round < KEYS.length; round++) {
    KEYS.forEach((hex, i) => {
      if (round > i) return;
      const key = Buffer.from(hex, 'hex');
      out.push({ partition: (murmur2(key) & 0x7fffffff) % PARTITIONS, key, value: Buffer.from(`click ${round}`) });
    });
  }
  return out;
}
const TOTAL = records().length;
const expectedCounts = (keys: readonly string[]) => new Map(keys.map((hex) => [hex, KEYS.indexOf(hex) + 1]));

function counter(group: string, input: string, keys?: KeyCodec, onError?: ErrorPolicy) {
  return defineGroup(group, {
    keys,
    inputs: { [input]: { codec: stringCodec, handler: (ctx) => ctx.setValue((ctx.value() ?? 0) + 1), onError } },
    persist: int64Codec,
  });
}

function redisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set: run the tests with `pnpm test`, or set REDIS_URL=redis://127.0.0.1:6379');
  return url;
}

async function removeRedisKeys(prefix: string): Promise<void> {
  const { createClient } = await import('redis');
  const client = createClient({ url: redisUrl() });
  await client.connect();
  try {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 500 })) {
      const list = Array.isArray(keys) ? keys : [keys];
      if (list.length) await client.del(list);
    }
  } finally {
    await client.quit();
  }
}

/** Latest count per key (hex) of a table topic, read raw. */
async function tableByHex(cluster: TestCluster, table: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const messages = await cluster.readAll(table);
  messages.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  for (const m of messages) out.set(m.key!.toString('hex'), Number(m.value!.toString()));
  return out;
}

/** Every entry of a view, keys as the hex of their bytes. */
async function viewByHex(view: View<number>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for await (const [key, value] of view.iterator()) out.set(binaryKeys.encode(key).toString('hex'), value);
  return out;
}

describe.each(clients)('binary keys written by the Java client (%s)', (factory) => {
  let cluster: TestCluster;
  const cleanups: (() => Promise<unknown>)[] = [];
  beforeAll(() => {
    cluster = new TestCluster(factory);
  });
  afterEach(() => stopStarted());
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    await cluster.close();
  });

  async function levelDir(): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'goka-binkeys-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  async function javaInput(): Promise<string> {
    const input = await cluster.createTopic(uniqueName('binkeys-in'), PARTITIONS);
    const written = records();
    const offsets = await produceWithJava(brokersFromEnv(), input, written);
    expect(offsets).toHaveLength(TOTAL);
    // The broker has the bytes the Java client was given, so the keys reach the adapter unchanged.
    const stored = await cluster.readAll(input);
    expect(new Set(stored.map((m) => m.key!.toString('hex')))).toEqual(new Set(KEYS));
    return input;
  }

  it('a binaryKeys group counts each key apart, every storage backend keeps it, views read it back byte for byte', async () => {
    const input = await javaInput();
    const group = uniqueName('binkeys');
    cluster.ownGroup(group);
    const graph = counter(group, input, binaryKeys);
    const processor = new Processor(graph, {
      client: cluster.client,
      storage: leveldbStorage({ path: await levelDir() }),
      startFrom: 'oldest',
      consumer: fastConsumer,
      commitIntervalMs: 200,
      logger: testLogger,
    });
    start(processor);
    await waitFor('every input offset committed', async () => (await cluster.committedTotal(group, input)) === TOTAL, 60_000);

    const want = expectedCounts(KEYS);
    expect(await tableByHex(cluster, `${group}-table`)).toEqual(want);
    // The processor's own LevelDB storage, through get().
    for (const hex of KEYS) expect(await processor.get(binaryKeys.decode(Buffer.from(hex, 'hex')))).toBe(want.get(hex));

    const prefix = uniqueName('goka-binkeys');
    cleanups.push(() => removeRedisKeys(prefix));
    const backends: [string, StorageBuilder][] = [
      ['memory', memoryStorage()],
      ['redis', redisStorage({ url: redisUrl(), prefix })],
      ['lru over leveldb', lruStorage(leveldbStorage({ path: await levelDir() }), { maxEntries: 4 })],
    ];
    for (const [name, storage] of backends) {
      const view = View.of(graph, { client: cluster.client, storage, maxWaitMs: 100, logger: testLogger });
      const running = view.run();
      try {
        await view.waitRunning();
        expect({ name, entries: await viewByHex(view) }).toEqual({ name, entries: want });
        for (const hex of KEYS) expect({ name, hex, value: await view.get(binaryKeys.decode(Buffer.from(hex, 'hex'))) }).toEqual({ name, hex, value: want.get(hex) });
        // What the two keys became when they merged: U+FFFD twice, as UTF-8 bytes.
        expect(await view.has(binaryKeys.decode(Buffer.from('efbfbdefbfbd', 'hex')))).toBe(false);
      } finally {
        await view.stop();
        await running;
      }
    }
  }, 120_000);

  it('with the default utf8Keys they go through the error policy, never merged', async () => {
    const input = await javaInput();

    // 'fail' (the default policy): the processor stops at the first such key, naming it.
    const failing = uniqueName('binkeys-fail');
    cluster.ownGroup(failing);
    const failed = new Processor(counter(failing, input), { client: cluster.client, startFrom: 'oldest', consumer: fastConsumer, commitIntervalMs: 200, logger: testLogger });
    const error = await failed.run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MessageError);
    const where = (error as MessageError).where;
    expect((error as MessageError).message).toMatch(
      new RegExp(`^group "${failing}", topic "${input}", partition ${where.partition}, offset ${where.offset}: cannot decode the key with key codec "utf8": key is not valid UTF-8 \\(bytes [0-9a-f]+\\).*binaryKeys`),
    );
    const bad = (await cluster.readAll(input)).find((m) => m.partition === where.partition && m.offset === where.offset)!;
    expect(NOT_UTF8).toContain(bad.key!.toString('hex'));

    // A dead-letter policy parks each with its bytes; the UTF-8 keys are counted as usual.
    const group = uniqueName('binkeys-dlq');
    const dlq = `${group}-dlq`;
    cluster.ownGroup(group);
    await cluster.createTopic(dlq, PARTITIONS);
    start(new Processor(counter(group, input, undefined, { deadLetter: dlq }), { client: cluster.client, startFrom: 'oldest', consumer: fastConsumer, commitIntervalMs: 200, logger: testLogger }));
    await waitFor('every input offset committed', async () => (await cluster.committedTotal(group, input)) === TOTAL, 60_000);
    expect(await tableByHex(cluster, `${group}-table`)).toEqual(expectedCounts(UTF8));
    const letters = (await cluster.readAll(dlq)).map(readDeadLetter);
    const parked = new Map<string, number>();
    for (const letter of letters) {
      expect(letter.error.message).toMatch(/^cannot decode the key with key codec "utf8": key is not valid UTF-8/);
      const hex = letter.key!.toString('hex');
      parked.set(hex, (parked.get(hex) ?? 0) + 1);
    }
    expect(parked).toEqual(expectedCounts(NOT_UTF8));
  }, 120_000);
});
