import { GokaError } from '@goka-ts/api';
import type { GroupConsumer, GroupConsumerConfig, GroupHandler, MessageBatch } from '@goka-ts/api';
import { Fixture, sleep, unique, waitFor } from './helpers';

const fx = new Fixture();
beforeAll(() => fx.setup());
afterAll(() => fx.teardown());
afterEach(() => fx.cleanup());

function consumer(groupId: string, topics: string[], extra: Partial<GroupConsumerConfig> = {}): GroupConsumer {
  const c = fx.client.groupConsumer({ groupId, topics, startFrom: 'oldest', sessionTimeoutMs: 6000, heartbeatIntervalMs: 300, maxWaitMs: 200, ...extra });
  fx.defer(() => c.close());
  return c;
}

/** A handler that logs every callback with a timestamp. */
function recorder(name: string, log: Array<{ who: string; what: string; partitions: readonly number[]; at: number }>, hooks: Partial<GroupHandler> = {}): GroupHandler {
  return {
    async onAssigned(partitions) {
      log.push({ who: name, what: 'assigned', partitions, at: Date.now() });
      await hooks.onAssigned?.(partitions);
      log.push({ who: name, what: 'assigned-done', partitions, at: Date.now() });
    },
    async onRevoked(partitions) {
      log.push({ who: name, what: 'revoked', partitions, at: Date.now() });
      await hooks.onRevoked?.(partitions);
      log.push({ who: name, what: 'revoked-done', partitions, at: Date.now() });
    },
    async onBatch(batch: MessageBatch) {
      await hooks.onBatch?.(batch);
    },
  };
}

const run = (c: GroupConsumer, h: GroupHandler) => {
  const p = c.run(h);
  p.catch(() => undefined);
  return p;
};

describe('kafkajs group consumer', () => {
  it('finishes onRevoked (and its commit) before another member is given the partitions', async () => {
    const topic = await fx.topic('revoke-order', 2);
    await Promise.all([0, 1].map(async (p) => {
      const producer = fx.client.producer();
      await producer.connect();
      for (let i = 0; i < 5; i++) await producer.send({ topic, partition: p, key: null, value: Buffer.from(String(i)) });
      await producer.close();
    }));
    const group = unique('revoke-order');
    const log: Array<{ who: string; what: string; partitions: readonly number[]; at: number }> = [];
    let seen = new Map<number, number>();
    const first = consumer(group, [topic]);
    run(first, recorder('first', log, {
      onBatch: async (b) => {
        seen.set(b.partition, b.messages[b.messages.length - 1]!.offset + 1);
      },
      onRevoked: async (partitions) => {
        await sleep(1500);
        await first.commit(partitions.map((partition) => ({ topic, partition, offset: seen.get(partition) ?? 0 })));
      },
    }));
    await waitFor('first member read everything', () => seen.get(0) === 5 && seen.get(1) === 5);
    const second = consumer(group, [topic]);
    run(second, recorder('second', log));
    await waitFor('second member assigned', () => log.some((e) => e.who === 'second' && e.what === 'assigned-done'));
    const revokedDone = log.find((e) => e.who === 'first' && e.what === 'revoked-done')!;
    const secondAssigned = log.find((e) => e.who === 'second' && e.what === 'assigned')!;
    expect(revokedDone.at).toBeLessThanOrEqual(secondAssigned.at);
    expect(await fx.admin.committedOffsets(group, topic)).toEqual([
      { topic, partition: 0, offset: 5 },
      { topic, partition: 1, offset: 5 },
    ]);
    seen = new Map();
  });

  it('heartbeats while a handler runs longer than the session timeout', async () => {
    const topic = await fx.topic('slow', 1);
    const producer = fx.client.producer();
    await producer.connect();
    fx.defer(() => producer.close());
    await producer.send({ topic, partition: 0, key: null, value: Buffer.from('slow') });
    const log: Array<{ who: string; what: string; partitions: readonly number[]; at: number }> = [];
    let batches = 0;
    const c = consumer(unique('slow'), [topic], { sessionTimeoutMs: 2000, heartbeatIntervalMs: 300 });
    run(c, recorder('slow', log, {
      onAssigned: () => sleep(2500),
      onBatch: async () => {
        batches++;
        await sleep(2500);
      },
    }));
    await waitFor('slow batch handled', () => batches === 1 && log.length >= 2, 20000);
    await sleep(2500);
    expect(log.map((e) => e.what)).toEqual(['assigned', 'assigned-done']);
    expect(batches).toBe(1);
  });

  it('revokes during a slow onAssigned and never overlaps two onAssigned calls', async () => {
    const topic = await fx.topic('slow-assign', 2);
    const group = unique('slow-assign');
    const log: Array<{ who: string; what: string; partitions: readonly number[]; at: number }> = [];
    const first = consumer(group, [topic]);
    run(first, recorder('first', log, { onAssigned: () => sleep(1500) }));
    await waitFor('first onAssigned started', () => log.some((e) => e.what === 'assigned'));
    const second = consumer(group, [topic]);
    run(second, recorder('second', log));
    await waitFor('both hold one partition', () => first.assignment().length === 1 && second.assignment().length === 1 && log.filter((e) => e.what === 'assigned-done').length >= 3, 20000);
    const mine = log.filter((e) => e.who === 'first').map((e) => e.what);
    // assigned, revoked (while assigning), revoked-done, assigned-done, then the new share.
    expect(mine.slice(0, 2)).toEqual(['assigned', 'revoked']);
    let open = 0;
    for (const what of mine) {
      if (what === 'assigned') expect(++open).toBe(1);
      if (what === 'assigned-done') open--;
    }
  });

  it('calls onRevoked while onAssigned still runs, with batches waiting, and rejoins once both settled', async () => {
    const topic = await fx.topic('held-assign', 2);
    const producer = fx.client.producer();
    await producer.connect();
    fx.defer(() => producer.close());
    for (const partition of [0, 1]) for (let i = 0; i < 5; i++) await producer.send({ topic, partition, key: null, value: Buffer.from(String(i)) });
    const group = unique('held-assign');
    const log: Array<{ who: string; what: string; partitions: readonly number[]; at: number }> = [];
    const delivered = { first: 0, second: 0 };
    // The first onAssigned is held until onRevoked arrives: without a revocation during onAssigned
    // the group could never rebalance.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let assigns = 0;
    const first = consumer(group, [topic]);
    run(first, recorder('first', log, {
      onAssigned: async () => {
        if (++assigns === 1) await released;
      },
      onRevoked: async (partitions) => {
        // Still a member of the generation: the commit is accepted.
        await first.commit(partitions.map((partition) => ({ topic, partition, offset: 0 })));
        release();
      },
      onBatch: async (b) => {
        log.push({ who: 'first', what: 'batch', partitions: [b.partition], at: Date.now() });
        delivered.first += b.messages.length;
      },
    }));
    const second = consumer(group, [topic]);
    try {
      await waitFor('first onAssigned started', () => log.some((e) => e.what === 'assigned'));
      // Let kafkajs fetch, so batches wait for the held onAssigned (kafkajs heartbeats only between them).
      await sleep(1000);
      run(second, recorder('second', log, {
        onBatch: async (b) => {
          delivered.second += b.messages.length;
        },
      }));
      await waitFor('both hold one partition, every record delivered', () => first.assignment().length === 1 && second.assignment().length === 1 && delivered.first + delivered.second >= 10, 20000);
    } finally {
      release(); // lets a failed test close its consumers
    }
    const mine = log.filter((e) => e.who === 'first').map((e) => e.what);
    expect(mine.slice(0, 2)).toEqual(['assigned', 'revoked']);
    const assignedDone = mine.indexOf('assigned-done');
    expect(assignedDone).toBeGreaterThan(mine.indexOf('revoked'));
    // Nothing of the revoked generation was delivered; the next generation starts only afterwards.
    expect(mine.indexOf('assigned', 1)).toBeGreaterThan(Math.max(assignedDone, mine.indexOf('revoked-done')));
    expect(mine.indexOf('batch') === -1 || mine.indexOf('batch') > mine.indexOf('assigned-done', assignedDone + 1)).toBe(true);
    expect(delivered.first + delivered.second).toBe(10);
  });

  it('refuses cooperative rebalancing and topics with different partition counts', async () => {
    expect(() => fx.client.groupConsumer({ groupId: 'g', topics: ['a'], cooperative: true })).toThrow(/cooperative/);
    const a = await fx.topic('count-a', 2);
    const b = await fx.topic('count-b', 3);
    await expect(consumer(unique('counts'), [a, b]).run(recorder('x', []))).rejects.toThrow(/co-partitioned/);
  });

  it('rejects commit() and a second run() in the wrong state', async () => {
    const topic = await fx.topic('state', 1);
    const c = consumer(unique('state'), [topic]);
    await expect(c.commit([{ topic, partition: 0, offset: 1 }])).rejects.toThrow(/commit\(\) while idle/);
    run(c, recorder('x', []));
    await expect(c.run(recorder('y', []))).rejects.toThrow(GokaError);
    await c.close();
    await expect(c.commit([{ topic, partition: 0, offset: 1 }])).rejects.toThrow(/commit\(\) while closed/);
  });
});

describe('kafkajs group consumer failures', () => {
  it('rejects run() when a topic is deleted while consuming', async () => {
    const topic = await fx.topic('deleted', 1);
    let assigned = false;
    const c = consumer(unique('deleted'), [topic]);
    const running = c.run({ onAssigned: async () => void (assigned = true), onRevoked: async () => undefined, onBatch: async () => undefined });
    running.catch(() => undefined);
    await waitFor('assigned', () => assigned);
    const started = Date.now();
    await fx.admin.deleteTopic(topic);
    await expect(running).rejects.toMatchObject({ name: 'UnknownTopicError', topic });
    expect(Date.now() - started).toBeLessThan(20000);
  });
});
