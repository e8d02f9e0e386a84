import {
  GokaError, StateError, TopicMismatchError, UnknownTopicError,
  type GroupConsumer, type GroupConsumerConfig, type GroupHandler, type MessageBatch, type Producer,
} from '@goka-ts/api';
import { BatchLog, client, createTopics, deleteTopics, produce, sleep, uid, waitFor } from './helpers';

const fast = { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, maxWaitMs: 100 } as const;

/** A member that records its rebalance callbacks and batches. */
class Member implements GroupHandler {
  readonly log = new BatchLog();
  readonly events: string[] = [];
  owned: number[] = [];
  assignedAt = 0;
  consumer: GroupConsumer;
  run?: Promise<void>;

  /** Next offset per topic-partition, committed in onRevoked when `commitOnRevoke`. */
  readonly next = new Map<string, { topic: string; partition: number; offset: number }>();

  constructor(
    readonly c: ReturnType<typeof client>,
    config: GroupConsumerConfig,
    readonly opts: { assignDelayMs?: number; batchDelayMs?: number; commit?: boolean; commitOnRevoke?: boolean } = {},
  ) {
    this.consumer = c.groupConsumer(config);
  }

  start(): this {
    this.run = this.consumer.run(this);
    return this;
  }

  async onAssigned(partitions: readonly number[]): Promise<void> {
    this.events.push(`assigned:${partitions.join(',')}`);
    if (this.opts.assignDelayMs) await sleep(this.opts.assignDelayMs);
    this.owned = [...partitions];
    this.assignedAt = Date.now();
  }

  async onRevoked(partitions: readonly number[]): Promise<void> {
    this.events.push(`revoked:${partitions.join(',')}`);
    if (this.opts.commitOnRevoke) {
      const offsets = [...this.next.values()].filter((o) => partitions.includes(o.partition));
      await this.consumer.commit(offsets);
      this.events.push(`committed:${offsets.length}`);
    }
    this.owned = [];
  }

  async onBatch(batch: MessageBatch): Promise<void> {
    if (!this.owned.includes(batch.partition)) this.events.push(`unowned-batch:${batch.topic}/${batch.partition}`);
    await this.log.onBatch(batch, this.opts.batchDelayMs ?? 0);
    const next = batch.messages[batch.messages.length - 1].offset + 1;
    this.next.set(`${batch.topic}/${batch.partition}`, { topic: batch.topic, partition: batch.partition, offset: next });
    if (this.opts.commit) {
      await this.consumer.commit([{ topic: batch.topic, partition: batch.partition, offset: batch.messages[batch.messages.length - 1].offset + 1 }]);
    }
  }
}

describe('confluent group consumer', () => {
  const c = client({ consumeBatchSize: 100 });
  let producer: Producer;
  const topics: string[] = [];

  async function newTopics(partitions: number, n: number): Promise<string[]> {
    const names = Array.from({ length: n }, () => uid('grp-topic'));
    await createTopics(c, partitions, ...names);
    topics.push(...names);
    return names;
  }

  beforeAll(async () => {
    producer = c.producer({ lingerMs: 1 });
    await producer.connect();
  });

  afterAll(async () => {
    await producer.close();
    await deleteTopics(c, ...topics);
  });

  test('two members over two topics get the same partition numbers of both (range = co-partitioned)', async () => {
    for (const partitions of [4, 3]) {
      const [a, b] = await newTopics(partitions, 2);
      const groupId = uid('grp');
      const config = { groupId, topics: [a, b], startFrom: 'oldest' as const, ...fast };
      const m1 = new Member(c, config).start();
      await waitFor('first assignment', () => m1.owned.length === partitions);
      const m2 = new Member(c, config).start();
      await waitFor('rebalance', () => m2.owned.length > 0 && m1.owned.length > 0 && m1.owned.length + m2.owned.length === partitions);
      expect([...m1.owned, ...m2.owned].sort()).toEqual(Array.from({ length: partitions }, (_, i) => i));
      // Every produced record of partition p (both topics) lands on the member owning p.
      for (let p = 0; p < partitions; p++) {
        await produce(producer, a, p, 3, `a${p}-`);
        await produce(producer, b, p, 3, `b${p}-`);
      }
      await waitFor('all records', () => m1.log.messages.length + m2.log.messages.length === partitions * 6);
      for (const m of [m1, m2]) {
        for (const msg of m.log.messages) expect(m.owned).toContain(msg.partition);
        expect(m.events.filter((e) => e.startsWith('unowned'))).toEqual([]);
        expect(m.consumer.assignment()).toEqual(m.owned);
      }
      await Promise.all([m1.consumer.close(), m2.consumer.close()]);
      await Promise.all([m1.run, m2.run]);
    }
  });

  test('delivers no batch of a partition before onAssigned resolved', async () => {
    const [t] = await newTopics(2, 1);
    await produce(producer, t, 0, 20);
    await produce(producer, t, 1, 20);
    const m = new Member(c, { groupId: uid('grp'), topics: [t], startFrom: 'oldest', ...fast }, { assignDelayMs: 1500 }).start();
    await waitFor('records', () => m.log.messages.length === 40);
    expect(m.events.filter((e) => e.startsWith('unowned'))).toEqual([]);
    expect(m.log.values(t, 0)).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`));
    await m.consumer.close();
    await m.run;
    expect(m.events).toEqual(['assigned:0,1', 'revoked:0,1']);
  });

  test('newest (default) skips records written before the group existed; commits are resumed from', async () => {
    const [t] = await newTopics(1, 1);
    await produce(producer, t, 0, 5, 'old');
    const groupId = uid('grp');
    const m1 = new Member(c, { groupId, topics: [t], ...fast }, { commit: true }).start();
    await waitFor('assignment', () => m1.owned.length === 1);
    await sleep(500);
    await produce(producer, t, 0, 3, 'new');
    await waitFor('new records', () => m1.log.messages.length === 3);
    expect(m1.log.values()).toEqual(['newv0', 'newv1', 'newv2']);
    await m1.consumer.close();
    await m1.run;

    await produce(producer, t, 0, 2, 'after');
    const m2 = new Member(c, { groupId, topics: [t], startFrom: 'oldest', ...fast }).start();
    await waitFor('records after the commit', () => m2.log.messages.length === 2);
    expect(m2.log.values()).toEqual(['afterv0', 'afterv1']);
    await m2.consumer.close();
    await m2.run;
  });

  test('batches of one partition never overlap; partitions run concurrently; order is kept', async () => {
    const [t] = await newTopics(3, 1);
    const active = new Set<number>();
    let maxActive = 0;
    const m = new Member(c, { groupId: uid('grp'), topics: [t], startFrom: 'oldest', ...fast }, { batchDelayMs: 20 });
    const onBatch = m.onBatch.bind(m);
    m.onBatch = async (b) => {
      active.add(b.partition);
      maxActive = Math.max(maxActive, active.size);
      await onBatch(b);
      active.delete(b.partition);
    };
    m.start();
    await Promise.all([0, 1, 2].map((p) => produce(producer, t, p, 500)));
    await waitFor('records', () => m.log.messages.length === 1500);
    expect(m.log.overlap).toBe(false);
    expect(maxActive).toBeGreaterThan(1);
    for (let p = 0; p < 3; p++) expect(m.log.values(t, p)).toEqual(Array.from({ length: 500 }, (_, i) => `v${i}`));
    expect(m.log.batches.length).toBeLessThan(1500);
    await m.consumer.close();
    await m.run;
  });

  test('keeps order and loses nothing when backlogs exceed the per-partition buffer', async () => {
    const small = client({ consumeBatchSize: 20, maxBufferedPerPartition: 30 });
    const [t] = await newTopics(2, 1);
    await Promise.all([produce(producer, t, 0, 400), produce(producer, t, 1, 400)]);
    const m = new Member(small, { groupId: uid('grp'), topics: [t], startFrom: 'oldest', ...fast }, { batchDelayMs: 5 }).start();
    await waitFor('records', () => m.log.messages.length >= 800);
    await sleep(300);
    expect(m.log.messages.length).toBe(800);
    for (let p = 0; p < 2; p++) expect(m.log.values(t, p)).toEqual(Array.from({ length: 400 }, (_, i) => `v${i}`));
    await m.consumer.close();
    await m.run;
  });

  test('pause stops delivery of a partition until resume', async () => {
    const [t] = await newTopics(2, 1);
    const m = new Member(c, { groupId: uid('grp'), topics: [t], startFrom: 'oldest', ...fast }).start();
    await waitFor('assignment', () => m.owned.length === 2);
    m.consumer.pause(t, 0);
    await produce(producer, t, 0, 5);
    await produce(producer, t, 1, 5);
    await waitFor('partition 1', () => m.log.values(t, 1).length === 5);
    await sleep(500);
    expect(m.log.values(t, 0)).toEqual([]);
    m.consumer.resume(t, 0);
    await waitFor('partition 0 after resume', () => m.log.values(t, 0).length === 5);
    // Unknown partitions are ignored.
    m.consumer.pause(t, 9);
    m.consumer.resume('other', 0);
    await m.consumer.close();
    await m.run;
  });

  test('a joining member triggers revoke/assign and records keep flowing to their owners', async () => {
    const [a, b] = await newTopics(2, 2);
    const groupId = uid('grp');
    const config = { groupId, topics: [a, b], startFrom: 'oldest' as const, ...fast };
    const m1 = new Member(c, config, { commit: true }).start();
    await waitFor('m1 assignment', () => m1.owned.length === 2);
    await produce(producer, a, 0, 10, 'x');
    await produce(producer, a, 1, 10, 'x');
    await waitFor('m1 records', () => m1.log.messages.length === 20);
    const m2 = new Member(c, config, { commit: true }).start();
    await waitFor('split', () => m1.owned.length === 1 && m2.owned.length === 1);
    expect(m1.events).toEqual(['assigned:0,1', 'revoked:0,1', `assigned:${m1.owned[0]}`]);
    await produce(producer, a, 0, 10, 'y');
    await produce(producer, b, 1, 10, 'y');
    await waitFor('records after the split', () => m1.log.messages.length + m2.log.messages.length === 40);
    const owner = (p: number) => (m1.owned.includes(p) ? m1 : m2);
    expect(owner(0).log.values(a, 0).filter((v) => v.startsWith('y'))).toHaveLength(10);
    expect(owner(1).log.values(b, 1)).toHaveLength(10);
    // Committed records were not delivered again to the new owner.
    expect(m2.log.values().filter((v) => v.startsWith('x'))).toEqual([]);
    await m2.consumer.close();
    await waitFor('m1 takes over all partitions', () => m1.owned.length === 2);
    await m1.consumer.close();
    await Promise.all([m1.run, m2.run]);
  });

  test('commits made in onRevoked hold, during a rebalance and during close', async () => {
    const [a, b] = await newTopics(2, 2);
    const groupId = uid('grp');
    const config = { groupId, topics: [a, b], startFrom: 'oldest' as const, ...fast };
    const m1 = new Member(c, config, { commitOnRevoke: true }).start();
    await waitFor('m1 assignment', () => m1.owned.length === 2);
    for (const t of [a, b]) for (const p of [0, 1]) await produce(producer, t, p, 5, 'x');
    await waitFor('m1 records', () => m1.log.messages.length === 20);
    const m2 = new Member(c, config, { commitOnRevoke: true }).start();
    await waitFor('split', () => m1.owned.length === 1 && m2.owned.length === 1);
    expect(m1.events.slice(0, 3)).toEqual(['assigned:0,1', 'revoked:0,1', 'committed:4']);
    await sleep(500);
    expect(m2.log.messages).toEqual([]);
    for (const t of [a, b]) for (const p of [0, 1]) await produce(producer, t, p, 2, 'y');
    await waitFor('new records', () => m1.log.messages.length + m2.log.messages.length === 28);
    await Promise.all([m1.consumer.close(), m2.consumer.close()]);
    await Promise.all([m1.run, m2.run]);
    expect(m1.events[m1.events.length - 1]).toBe('committed:2');
    expect(m2.events[m2.events.length - 1]).toBe('committed:2');
    // A new member of the group starts after everything committed on close.
    for (const t of [a, b]) await produce(producer, t, 0, 1, 'z');
    const m3 = new Member(c, config).start();
    await waitFor('records after the close commits', () => m3.log.messages.length === 2);
    await sleep(300);
    expect(m3.log.values()).toEqual(['zv0', 'zv0']);
    await m3.consumer.close();
    await m3.run;
  });

  test('a rebalance during onAssigned calls onRevoked before onAssigned resolved; the member rejoins once both settled', async () => {
    const [t] = await newTopics(2, 1);
    for (const p of [0, 1]) await produce(producer, t, p, 5);
    const config = { groupId: uid('grp'), topics: [t], startFrom: 'oldest' as const, ...fast };
    const events: string[] = [];
    let delivered = 0;
    // The first onAssigned is held until onRevoked arrives: were the revocation queued behind it,
    // the group could never rebalance.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let assigns = 0;
    const first = c.groupConsumer(config);
    const run = first.run({
      async onAssigned(partitions) {
        const n = ++assigns;
        events.push(`assigned:${partitions.join(',')}`);
        if (n === 1) await released;
        events.push('assigned-done');
      },
      async onRevoked(partitions) {
        events.push(`revoked:${partitions.join(',')}`);
        // Still a member of the generation: the commit is accepted.
        await first.commit(partitions.map((partition) => ({ topic: t, partition, offset: 0 })));
        release();
        events.push('revoked-done');
      },
      async onBatch(batch) {
        events.push(`batch:${batch.partition}`);
        delivered += batch.messages.length;
      },
    });
    const m2 = new Member(c, config);
    try {
      await waitFor('first onAssigned started', () => events.length > 0);
      // Records are fetched meanwhile (prefetch), but none is delivered before onAssigned resolved.
      await sleep(500);
      m2.start();
      await waitFor('split, every record delivered', () => first.assignment().length === 1 && m2.owned.length === 1 && delivered + m2.log.messages.length === 10);
      expect(events.slice(0, 2)).toEqual(['assigned:0,1', 'revoked:0,1']);
      const done = events.indexOf('assigned-done');
      expect(done).toBeGreaterThan(1);
      // Nothing of the revoked generation was delivered; the next one starts after both callbacks.
      const next = events.indexOf(`assigned:${first.assignment()[0]}`);
      expect(next).toBeGreaterThan(Math.max(done, events.indexOf('revoked-done')));
      expect(events.slice(0, next).filter((e) => e.startsWith('batch'))).toEqual([]);
    } finally {
      release();
      await Promise.all([first.close(), m2.consumer.close()]);
    }
    await Promise.all([run, m2.run]);
  });

  test('close revokes, leaves and resolves run; run twice is a StateError', async () => {
    const [t] = await newTopics(1, 1);
    const m = new Member(c, { groupId: uid('grp'), topics: [t], ...fast }).start();
    await waitFor('assignment', () => m.owned.length === 1);
    await m.consumer.close();
    await expect(m.run).resolves.toBeUndefined();
    expect(m.events).toEqual(['assigned:0', 'revoked:0']);
    expect(m.consumer.assignment()).toEqual([]);
    await expect(m.consumer.run(m)).rejects.toBeInstanceOf(StateError);
    await expect(m.consumer.commit([{ topic: t, partition: 0, offset: 1 }])).rejects.toBeInstanceOf(StateError);
    await m.consumer.close();
    // close without run
    await c.groupConsumer({ groupId: uid('grp'), topics: [t] }).close();
  });

  test('a throwing handler rejects run with its error', async () => {
    const [t] = await newTopics(1, 1);
    await produce(producer, t, 0, 1);
    const boom = new Error('boom');
    const consumer = c.groupConsumer({ groupId: uid('grp'), topics: [t], startFrom: 'oldest', ...fast });
    await expect(consumer.run({
      onAssigned: async () => undefined,
      onRevoked: async () => undefined,
      onBatch: async () => { throw boom; },
    })).rejects.toBe(boom);
    await consumer.close();
    const failingAssign = c.groupConsumer({ groupId: uid('grp'), topics: [t], ...fast });
    await expect(failingAssign.run({
      onAssigned: async () => { throw boom; },
      onRevoked: async () => undefined,
      onBatch: async () => undefined,
    })).rejects.toBe(boom);
  });

  test('missing topics, unequal partition counts and cooperative mode fail clearly', async () => {
    const [t2] = await newTopics(2, 1);
    const [t3] = await newTopics(3, 1);
    const handler = { onAssigned: async () => undefined, onRevoked: async () => undefined, onBatch: async () => undefined };
    const missing = uid('nope');
    const err = await c.groupConsumer({ groupId: uid('grp'), topics: [t2, missing], ...fast }).run(handler).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownTopicError);
    expect((err as UnknownTopicError).topic).toBe(missing);
    const err2 = await c.groupConsumer({ groupId: uid('grp'), topics: [t2, t3], ...fast }).run(handler).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(TopicMismatchError);
    expect((err2 as Error).message).toMatch(/3 partitions.*2/);
    expect(() => c.groupConsumer({ groupId: uid('grp'), topics: [t2], cooperative: true })).toThrow(GokaError);
    expect(() => c.groupConsumer({ groupId: uid('grp'), topics: [t2], cooperative: true })).toThrow(/co-partition/);
  });
});
