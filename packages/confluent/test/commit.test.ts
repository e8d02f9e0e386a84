/**
 * GroupConsumer.commit() settles with the group coordinator's answer: it resolves once the broker
 * stored the offsets and rejects when the coordinator refuses them (a member that lost its place in
 * the group), which is how the processor learns that its partitions went to another member.
 */
import { GokaError, type GroupConsumer, type GroupConsumerConfig, type GroupHandler, type TopicPartitionOffset } from '@goka-ts/api';
import { client, createTopics, deleteTopics, uid, waitFor, withAdmin } from './helpers';

/** librdkafka codes of a coordinator refusing a member's commit. */
const ERR_ILLEGAL_GENERATION = 22;
const ERR_UNKNOWN_MEMBER_ID = 25;
const ERR_REBALANCE_IN_PROGRESS = 27;

/** Blocks the event loop (a long GC pause, a synchronous CPU hog): librdkafka's threads keep running. */
function blockEventLoop(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A member that only tracks what it owns (commits are made by the test). */
class Owner implements GroupHandler {
  owned: number[] = [];
  assignments = 0;
  run?: Promise<void>;
  constructor(readonly consumer: GroupConsumer) {}
  start(): this {
    this.run = this.consumer.run(this);
    return this;
  }
  async onAssigned(partitions: readonly number[]): Promise<void> {
    this.owned = [...partitions];
    this.assignments++;
  }
  async onRevoked(): Promise<void> {
    this.owned = [];
  }
  async onBatch(): Promise<void> {}
}

describe('confluent group consumer commit', () => {
  const c = client();
  const topics: string[] = [];

  async function newTopic(partitions: number): Promise<string> {
    const t = uid('commit-topic');
    await createTopics(c, partitions, t);
    topics.push(t);
    return t;
  }

  const committed = (groupId: string, topic: string) => withAdmin(c, (admin) => admin.committedOffsets(groupId, topic));

  afterAll(async () => {
    await deleteTopics(c, ...topics);
  });

  test('resolves only once the broker has the offsets', async () => {
    const t = await newTopic(2);
    const groupId = uid('grp');
    const m = new Owner(c.groupConsumer({ groupId, topics: [t], sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, maxWaitMs: 100 })).start();
    const admin = c.admin();
    await admin.connect();
    try {
      await waitFor('assignment', () => m.owned.length === 2);
      for (let i = 1; i <= 10; i++) {
        const offsets: TopicPartitionOffset[] = [{ topic: t, partition: 0, offset: i }, { topic: t, partition: 1, offset: 100 + i }];
        await m.consumer.commit(offsets);
        // Asked right after the commit resolved, the broker already answers with it.
        expect(await admin.committedOffsets(groupId, t)).toEqual(offsets);
      }
      // Concurrent commits of the same partitions each settle with their own answer.
      const all = Array.from({ length: 5 }, (_, i) => m.consumer.commit([{ topic: t, partition: 0, offset: 20 + i }]));
      await Promise.all(all);
      expect((await admin.committedOffsets(groupId, t))[0]).toEqual({ topic: t, partition: 0, offset: 24 });
    } finally {
      await admin.close();
      await m.consumer.close();
    }
    await m.run;
  });

  test('rejects with the coordinator\'s refusal when the member lost its place in the group', async () => {
    const t = await newTopic(2);
    const groupId = uid('grp');
    const base: GroupConsumerConfig = { groupId, topics: [t], sessionTimeoutMs: 2000, heartbeatIntervalMs: 300, maxWaitMs: 100 };
    // Both members' event loops are blocked together (one process); only the zombie's poll interval
    // (librdkafka's max.poll.interval.ms = rebalanceTimeoutMs) is shorter than the block. The other
    // member stays in the group (librdkafka heartbeats from its own thread), so it is not empty.
    const zombie = new Owner(c.groupConsumer({ ...base, rebalanceTimeoutMs: 2000 })).start();
    await waitFor('zombie assignment', () => zombie.owned.length === 2);
    const survivor = new Owner(c.groupConsumer({ ...base, rebalanceTimeoutMs: 60_000 })).start();
    try {
      await waitFor('split', () => zombie.owned.length === 1 && survivor.owned.length === 1);
      const before: TopicPartitionOffset = { topic: t, partition: zombie.owned[0], offset: 7 };
      const assignments = zombie.assignments;
      await zombie.consumer.commit([before]);

      blockEventLoop(4000);
      // First thing after the pause, before the zombie served a single librdkafka event.
      const stale = zombie.consumer.commit([{ ...before, offset: 9 }]);
      const error = await stale.then(() => undefined, (err: unknown) => err);
      expect(error).toBeInstanceOf(GokaError);
      expect((error as Error).message).toMatch(/commit refused by the group coordinator \(ERR_(UNKNOWN_MEMBER_ID|ILLEGAL_GENERATION|REBALANCE_IN_PROGRESS)\)/);
      const code = ((error as Error).cause as { code?: number }).code;
      expect([ERR_UNKNOWN_MEMBER_ID, ERR_ILLEGAL_GENERATION, ERR_REBALANCE_IN_PROGRESS]).toContain(code);
      // The refused offset was not stored.
      const stored = (await committed(groupId, t)).find((o) => o.partition === before.partition);
      expect(stored?.offset).toBe(7);

      // The zombie rejoins; its commits count again once it is a member of the new generation.
      await waitFor('rejoined', () => zombie.assignments > assignments && zombie.owned.length === 1 && survivor.owned.length === 1, 30_000);
      await zombie.consumer.commit([{ topic: t, partition: zombie.owned[0], offset: 11 }]);
      expect((await committed(groupId, t)).find((o) => o.partition === zombie.owned[0])?.offset).toBe(11);
    } finally {
      await Promise.all([zombie.consumer.close(), survivor.consumer.close()]);
    }
    await Promise.all([zombie.run, survivor.run]);
  });
});
