import type { KafkaMessage } from '@goka-ts/api';
import { Kafka, logLevel } from 'kafkajs';
import { brokersFromEnv } from '@goka-ts/conformance';
import { kafkajsClient } from '../src';
import { Fixture, unique, waitFor } from './helpers';

const fx = new Fixture();
beforeAll(() => fx.setup());
afterAll(() => fx.teardown());
afterEach(() => fx.cleanup());

async function read(topic: string, from: number | 'oldest' | 'newest') {
  const messages: KafkaMessage[] = [];
  const caughtUp: number[] = [];
  await fx.client.partitionReader({ topic, partitions: [{ partition: 0, from }], follow: false }).run({
    async onBatch(batch) {
      messages.push(...batch.messages);
    },
    onCaughtUp(_partition, highWatermark) {
      caughtUp.push(highWatermark);
    },
  });
  return { messages, caughtUp };
}

describe('kafkajs partition reader', () => {
  const raw = new Kafka({ brokers: brokersFromEnv(), logLevel: logLevel.NOTHING });

  it('joins no consumer group', async () => {
    const topic = await fx.topic('no-group', 1);
    const clientId = unique('reader-client');
    const client = kafkajsClient({ brokers: brokersFromEnv(), clientId });
    const admin = raw.admin();
    await admin.connect();
    const membersOfClient = async () => {
      const { groups } = await admin.describeGroups((await admin.listGroups()).groups.map((g) => g.groupId));
      return groups.flatMap((g) => g.members.filter((m) => m.clientId === clientId).map(() => g.groupId));
    };
    const reader = client.partitionReader({ topic, partitions: [{ partition: 0, from: 'oldest' }], follow: true });
    const consumer = client.groupConsumer({ groupId: unique('control'), topics: [topic], sessionTimeoutMs: 6000, heartbeatIntervalMs: 300 });
    try {
      let caughtUp = false;
      const reading = reader.run({ onBatch: async () => undefined, onCaughtUp: () => (caughtUp = true) });
      await waitFor('reader caught up', () => caughtUp);
      expect(await membersOfClient()).toEqual([]);
      // The same check sees a group consumer of this client.
      let assigned = false;
      const consuming = consumer.run({ onAssigned: async () => void (assigned = true), onRevoked: async () => undefined, onBatch: async () => undefined });
      await waitFor('control consumer assigned', () => assigned);
      expect(await membersOfClient()).toHaveLength(1);
      await reader.stop();
      await reading;
      await consumer.close();
      await consuming;
    } finally {
      await reader.stop();
      await consumer.close();
      await admin.disconnect();
    }
  });

  it('starts inside a compressed batch at the requested offset', async () => {
    const topic = await fx.topic('gzip', 1);
    const producer = fx.client.producer({ compression: 'gzip', lingerMs: 50 });
    await producer.connect();
    await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send({ topic, partition: 0, key: null, value: Buffer.from(`g${i}`) })));
    await producer.close();
    const { messages, caughtUp } = await read(topic, 7);
    expect(messages.map((m) => [m.offset, m.value!.toString()])).toEqual([[7, 'g7'], [8, 'g8'], [9, 'g9']]);
    expect(caughtUp).toEqual([10]);
  });

  it('reads past transaction markers to the high watermark', async () => {
    const topic = await fx.topic('txn', 1);
    const producer = raw.producer({ transactionalId: unique('txn'), maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    try {
      const txn = await producer.transaction();
      await txn.send({ topic, messages: [0, 1, 2].map((i) => ({ value: `t${i}`, partition: 0 })) });
      await txn.commit();
    } finally {
      await producer.disconnect();
    }
    // The coordinator writes the commit marker after commit() returns: wait until it is in the log.
    for (let i = 0; i < 100 && (await fx.admin.partitionOffsets(topic))[0]!.newest < 4; i++) await new Promise((r) => setTimeout(r, 50));
    const { messages, caughtUp } = await read(topic, 'oldest');
    expect(messages.map((m) => m.value!.toString())).toEqual(['t0', 't1', 't2']);
    expect(caughtUp).toEqual([4]); // three records and the commit marker
  });

  it('clamps absolute offsets to the records that exist', async () => {
    const topic = await fx.topic('clamp', 1);
    const producer = fx.client.producer();
    await producer.connect();
    await Promise.all(Array.from({ length: 6 }, (_, i) => producer.send({ topic, partition: 0, key: null, value: Buffer.from(`c${i}`) })));
    await producer.close();
    const admin = raw.admin();
    await admin.connect();
    try {
      await admin.fetchTopicOffsets(topic); // kafkajs needs the topic's metadata loaded first
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '3' }] });
    } finally {
      await admin.disconnect();
    }
    expect((await read(topic, 1)).messages.map((m) => m.offset)).toEqual([3, 4, 5]);
    const beyond = await read(topic, 100);
    expect(beyond.messages).toEqual([]);
    expect(beyond.caughtUp).toEqual([6]);
  });
});

describe('kafkajs partition reader failures', () => {
  it('rejects with UnknownTopicError when its topic is deleted while following', async () => {
    const topic = await fx.topic('deleted', 1);
    const reader = fx.client.partitionReader({ topic, partitions: [{ partition: 0, from: 'oldest' }], follow: true, maxWaitMs: 100 });
    fx.defer(() => reader.stop());
    let caughtUp = false;
    const running = reader.run({ onBatch: async () => undefined, onCaughtUp: () => void (caughtUp = true) });
    running.catch(() => undefined);
    await waitFor('caught up', () => caughtUp);
    const started = Date.now();
    await fx.admin.deleteTopic(topic);
    await expect(running).rejects.toMatchObject({ name: 'UnknownTopicError', topic });
    expect(Date.now() - started).toBeLessThan(15000);
  });
});
