/**
 * The counter on every persistent storage backend, on a real broker: exact counts with LevelDB and
 * Redis, and a LevelDB restart that reads from Kafka exactly the table records it does not have.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { StorageBuilder } from '@goka-ts/api';
import { leveldbStorage } from '@goka-ts/storage-leveldb';
import { redisStorage } from '@goka-ts/storage-redis';
import { clients, counterInput, decodeCounts, startCounter, stopStarted, TestCluster, uniqueName, waitFor } from '@goka-ts/test-support';

function redisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set: run the tests with `pnpm test`, or start Redis with `scripts/redis.sh start` and set REDIS_URL=redis://127.0.0.1:6379');
  return url;
}

interface Backend {
  readonly name: string;
  /** A fresh storage builder and how to remove what it stored. */
  create(): Promise<{ builder: StorageBuilder; dispose(): Promise<void> }>;
  toString(): string;
}

const backends: Backend[] = [
  {
    name: 'leveldb',
    toString: () => 'leveldb',
    async create() {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'goka-counter-'));
      return { builder: leveldbStorage({ path: dir }), dispose: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'redis',
    toString: () => 'redis',
    async create() {
      const prefix = uniqueName('goka-it');
      const builder = redisStorage({ url: redisUrl(), prefix });
      return {
        builder,
        // Every key of this run lives under the prefix.
        dispose: async () => {
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
        },
      };
    },
  },
];

describe.each(clients)('Processor: counting on persistent storage (%s)', (factory) => {
  let cluster: TestCluster;
  beforeAll(() => {
    cluster = new TestCluster(factory);
  });
  afterEach(() => stopStarted());
  afterAll(() => cluster.close());

  it.each(backends)('counts exactly with %s storage', async (backend) => {
    const storage = await backend.create();
    try {
      const input = await cluster.createTopic(uniqueName('store-in'), 4);
      const group = uniqueName('store');
      cluster.ownGroup(group);
      const { records, expected } = counterInput(3_000, 60);
      await cluster.produce(input, records);

      const counter = startCounter({ client: cluster.client, group, input, storage: storage.builder });
      await waitFor('every input offset committed', async () => (await cluster.committedTotal(group, input)) === 3_000, 60_000);
      for (const key of ['key-0', 'key-31', 'key-59']) expect(await counter.processor.get(key)).toBe(expected.get(key));
      await counter.stop();
      expect(await counter.outcome).toEqual({});
      expect(decodeCounts(await cluster.tableContents(`${group}-table`))).toEqual(expected);
    } finally {
      await storage.dispose();
    }
  });

  it('restarts on LevelDB reading exactly the table records written elsewhere meanwhile', async () => {
    const local = await backends[0].create();
    try {
      const input = await cluster.createTopic(uniqueName('tail-in'), 2);
      const group = uniqueName('tail');
      cluster.ownGroup(group);
      const table = `${group}-table`;

      const first = counterInput(1_000, 20);
      await cluster.produce(input, first.records);
      const one = startCounter({ client: cluster.client, group, input, storage: local.builder });
      await waitFor('first batch committed', async () => (await cluster.committedTotal(group, input)) === 1_000, 60_000);
      await one.stop();
      const before = await cluster.partitionOffsets(table);

      // Another instance, with storage of its own, moves the table on while the first is away.
      const second = counterInput(600, 20);
      await cluster.produce(input, second.records);
      const other = startCounter({ client: cluster.client, group, input });
      await waitFor('second batch committed', async () => (await cluster.committedTotal(group, input)) === 1_600, 60_000);
      await other.stop();
      const after = await cluster.partitionOffsets(table);
      const written = after.map((p, i) => p.newest - before[i]!.newest);
      expect(written.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);

      const again = startCounter({ client: cluster.client, group, input, storage: local.builder });
      await again.processor.waitRunning();
      // Recovery read the tail only: exactly what the other instance wrote, nothing from before.
      const read = [0, 1].map((p) => again.processor.stats().partitions[p].table?.recovery.records);
      expect(read).toEqual(written);
      for (const key of ['key-0', 'key-13']) expect(await again.processor.get(key)).toBe(first.expected.get(key)! + second.expected.get(key)!);
      await again.stop();
    } finally {
      await local.dispose();
    }
  });
});
