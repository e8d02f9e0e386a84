import { TopicMismatchError, UnknownTopicError, type Logger } from '@goka-ts/api';
import { TopicManager } from '@goka-ts/core';
import { clients, TestCluster, uniqueName } from '@goka-ts/test-support';

function capture(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const none = () => undefined;
  return { warnings, debug: none, info: none, error: none, warn: (message) => void warnings.push(message) };
}

describe.each(clients)('TopicManager (%s)', (factory) => {
  let cluster: TestCluster;
  let tm: TopicManager;
  beforeAll(async () => {
    cluster = new TestCluster(factory);
    tm = await TopicManager.connect(cluster.client, { tableReplication: 1, streamReplication: 1 });
  });
  afterAll(async () => {
    await tm.close();
    await cluster.close();
  });

  async function describeTopic(topic: string) {
    const admin = cluster.client.admin();
    await admin.connect();
    try {
      return await admin.describeTopic(topic);
    } finally {
      await admin.close();
    }
  }

  it('creates compacted tables and streams; existing matching topics pass', async () => {
    const table = uniqueName('tm-table');
    const stream = uniqueName('tm-stream');
    try {
      await tm.ensureTable(table, 3);
      await tm.ensureTable(table, 3);
      const d = await describeTopic(table);
      expect(d).toMatchObject({ partitions: 3, replicationFactor: 1 });
      expect(d?.config['cleanup.policy']).toBe('compact');
      expect(await tm.partitionCount(table)).toBe(3);

      const withRetention = await TopicManager.connect(cluster.client, { streamReplication: 1, streamRetentionMs: 7_200_000 });
      try {
        await withRetention.ensureStream(stream, 2);
        await withRetention.ensureStream(stream, 2);
      } finally {
        await withRetention.close();
      }
      const s = await describeTopic(stream);
      expect(s?.partitions).toBe(2);
      expect(s?.config['retention.ms']).toBe('7200000');
      expect(s?.config['cleanup.policy']).toBe('delete');
    } finally {
      for (const t of [table, stream]) {
        const admin = cluster.client.admin();
        await admin.connect();
        await admin.deleteTopic(t).catch(() => undefined);
        await admin.close();
      }
    }
  });

  it('partitionCount of a missing topic rejects with UnknownTopicError', async () => {
    await expect(tm.partitionCount(uniqueName('tm-missing'))).rejects.toBeInstanceOf(UnknownTopicError);
  });

  it('wrong partition count and missing compaction: fail names both, warn logs, ignore passes', async () => {
    const topic = await cluster.createTopic(uniqueName('tm-wrong'), 2, { 'cleanup.policy': 'delete' });
    const admin = cluster.client.admin();
    await admin.connect();
    try {
      const failing = new TopicManager(admin, { mismatch: 'fail', tableReplication: 1 });
      const err = await failing.ensureTable(topic, 4).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TopicMismatchError);
      expect((err as TopicMismatchError).differences).toEqual([
        'has 2 partitions, expected 4',
        'cleanup.policy is "delete", a table needs "compact" (otherwise retention deletes table content)',
      ]);
      expect((err as Error).message).toContain(`topic "${topic}" does not match its specification`);

      const warnLogger = capture();
      await new TopicManager(admin, { mismatch: 'warn', logger: warnLogger }).ensureTable(topic, 4);
      expect(warnLogger.warnings).toHaveLength(1);
      expect(warnLogger.warnings[0]).toMatch(/has 2 partitions, expected 4; cleanup.policy is "delete"/);

      const ignoreLogger = capture();
      await new TopicManager(admin, { mismatch: 'ignore', logger: ignoreLogger }).ensureTable(topic, 4);
      expect(ignoreLogger.warnings).toEqual([]);

      // Default: compaction alone only warns, a partition count mismatch fails.
      const defaults = capture();
      const tmDefault = new TopicManager(admin, { logger: defaults });
      await tmDefault.ensureTable(topic, 2);
      expect(defaults.warnings[0]).toMatch(/cleanup.policy is "delete"/);
      await expect(tmDefault.ensureTable(topic, 3)).rejects.toThrow(TopicMismatchError);
      await expect(tmDefault.ensureStream(topic, 3)).rejects.toThrow(/has 2 partitions, expected 3/);
      await tmDefault.ensureStream(topic, 2);

      // Topics are never altered.
      const d = await admin.describeTopic(topic);
      expect(d).toMatchObject({ partitions: 2 });
      expect(d?.config['cleanup.policy']).toBe('delete');
    } finally {
      await admin.close();
    }
  });

  it('a wrong replication factor is named when replication is configured', async () => {
    const topic = await cluster.createTopic(uniqueName('tm-repl'), 1, { 'cleanup.policy': 'compact' });
    const admin = cluster.client.admin();
    await admin.connect();
    try {
      const err = await new TopicManager(admin, { tableReplication: 3, mismatch: 'fail' }).ensureTable(topic, 1).catch((e: unknown) => e);
      expect((err as TopicMismatchError).differences).toEqual(['replication factor is 1, expected 3']);
    } finally {
      await admin.close();
    }
  });
});
