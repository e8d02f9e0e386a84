/**
 * Who a platformatic member can share a group with: kafkajs goka-ts members (both announce Go
 * Goka's "copartition" protocol), and not a consumer with another protocol, whose group the broker
 * refuses to let it join (INCONSISTENT_GROUP_PROTOCOL), which must fail run() at once.
 */
import type { GroupConsumer, GroupHandler, KafkaClient } from '@goka-ts/api';
import { brokersFromEnv, uniqueName, waitFor } from '@goka-ts/conformance';
import { kafkajsClient } from '@goka-ts/kafkajs';
import { Consumer } from '@platformatic/kafka';
import { platformaticClient } from '../src';

// Read when the file loads: the clients below are made as the suite is declared, and fail it without a broker.
const brokers = brokersFromEnv();
const name = (prefix: string) => uniqueName(`plt-${prefix}`);

/** Records which partitions the member holds, per topic, as the batches and callbacks say. */
class Holder implements GroupHandler {
  held: number[] = [];
  async onAssigned(partitions: readonly number[]): Promise<void> {
    this.held = [...partitions];
  }
  async onRevoked(): Promise<void> {
    this.held = [];
  }
  async onBatch(): Promise<void> {}
}

describe('platformatic in mixed groups', () => {
  const plt = platformaticClient({ brokers });
  const kjs: KafkaClient = kafkajsClient({ brokers });
  const topics: string[] = [];
  const consumers: GroupConsumer[] = [];
  const group = (c: KafkaClient, groupId: string, t: string[]) => {
    const consumer = c.groupConsumer({ groupId, topics: t, sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10000, maxWaitMs: 100 });
    consumers.push(consumer);
    return consumer;
  };

  beforeAll(async () => {
    const admin = plt.admin();
    await admin.connect();
    for (const t of [name('in'), name('table')]) {
      await admin.createTopic({ topic: t, partitions: 4, replicationFactor: 1 });
      topics.push(t);
    }
    await admin.close();
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.close().catch(() => undefined)));
    const admin = plt.admin();
    await admin.connect();
    for (const t of topics) await admin.deleteTopic(t).catch(() => undefined);
    await admin.close();
  });

  it('shares a group with a kafkajs goka-ts member: the same partitions of every topic per member, all covered once', async () => {
    const groupId = name('mixed');
    const a = new Holder();
    const b = new Holder();
    const runA = group(plt, groupId, topics).run(a);
    await waitFor('the platformatic member holding everything', () => a.held.length === 4, 20000);
    const runB = group(kjs, groupId, topics).run(b);
    await waitFor('two members with two partitions each', () => a.held.length === 2 && b.held.length === 2, 30000);
    expect([...a.held, ...b.held].sort()).toEqual([0, 1, 2, 3]);
    await Promise.all(consumers.splice(0).map((c) => c.close()));
    await Promise.all([runA, runB]);
  });

  it('fails run() at once, saying why, when the group uses another assignment protocol', async () => {
    const groupId = name('foreign');
    // A plain platformatic consumer: round-robin protocol.
    const foreign = new Consumer({ clientId: 'foreign', bootstrapBrokers: brokers, groupId, sessionTimeout: 6000, heartbeatInterval: 500, rebalanceTimeout: 10000 });
    try {
      foreign.topics.track(topics[0]!);
      await foreign.joinGroup({});
      const started = Date.now();
      const error = await group(plt, groupId, [topics[0]!]).run(new Holder()).then(() => undefined, (err: unknown) => err);
      expect((error as Error).message).toMatch(`group consumer "${groupId}" cannot join the group: the group's other members use a different assignment protocol`);
      expect(Date.now() - started).toBeLessThan(10000);
    } finally {
      await foreign.close(true);
    }
  });
});
