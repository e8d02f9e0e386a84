import { KafkaConnectionError, MessageError, StateError } from '@goka-ts/api';
import type { ComponentState, GroupConsumer, GroupHandler, KafkaClient, StorageBuilder } from '@goka-ts/api';
import { murmur2Hasher, Processor } from '@goka-ts/core';
import { memoryStorage } from '@goka-ts/storage-memory';
import { assertAlive, clients, counterGraph, counterInput, decodeCounts, fastConsumer, start, startCounter, stopStarted, TestCluster, testLogger, uniqueName, waitFor } from '@goka-ts/test-support';

/**
 * A client whose first group consumer loses its "connection" after `afterBatches` batches: its run()
 * rejects with a KafkaConnectionError without revoking (as a dead connection would not), the way a
 * broker outage surfaces.
 */
function flakyClient(inner: KafkaClient, afterBatches: number): KafkaClient & { failures: number } {
  let failuresLeft = 1;
  const client = {
    name: inner.name,
    failures: 0,
    admin: () => inner.admin(),
    producer: (config?: Parameters<KafkaClient['producer']>[0]) => inner.producer(config),
    transactionalProducer: (config: Parameters<KafkaClient['transactionalProducer']>[0]) => inner.transactionalProducer(config),
    partitionReader: (config: Parameters<KafkaClient['partitionReader']>[0]) => inner.partitionReader(config),
    groupConsumer(config: Parameters<KafkaClient['groupConsumer']>[0]): GroupConsumer {
      const consumer = inner.groupConsumer(config);
      if (failuresLeft-- <= 0) return consumer;
      let lost = false;
      return {
        pause: (t, p) => consumer.pause(t, p),
        resume: (t, p) => consumer.resume(t, p),
        commit: (offsets) => (lost ? Promise.reject(new KafkaConnectionError('injected: connection lost')) : consumer.commit(offsets)),
        assignment: () => consumer.assignment(),
        close: () => consumer.close(),
        async run(handler: GroupHandler) {
          let batches = 0;
          let loseConnection!: () => void;
          const connectionLost = new Promise<void>((resolve) => (loseConnection = resolve));
          const running = consumer.run({
            onAssigned: (p) => handler.onAssigned(p),
            onRevoked: (p) => (lost ? Promise.resolve() : handler.onRevoked(p)),
            onBatch: async (batch) => {
              if (lost) return;
              await handler.onBatch(batch);
              if (++batches === afterBatches) loseConnection();
            },
          });
          await Promise.race([running, connectionLost]);
          lost = true;
          client.failures++;
          await consumer.close();
          await running;
          throw new KafkaConnectionError('injected: connection lost');
        },
      };
    },
  };
  return client;
}

/** A storage builder that records which partitions it built, in order. */
function recordingStorage(): { builder: StorageBuilder; built: string[] } {
  const inner = memoryStorage();
  const built: string[] = [];
  return { built, builder: (topic, partition) => (built.push(`${topic}/${partition}`), inner(topic, partition)) };
}

describe.each(clients)('Processor: life cycle (%s)', (factory) => {
  let cluster: TestCluster;
  beforeAll(() => {
    cluster = new TestCluster(factory);
  });
  afterEach(() => stopStarted());
  afterAll(() => cluster.close());

  it('stops on an AbortSignal, reports its states, and starts new groups at the newest offset by default', async () => {
    const input = await cluster.createTopic(uniqueName('life-in'), 2);
    const group = uniqueName('life');
    cluster.ownGroup(group);
    await cluster.produce(input, counterInput(100, 5, 'old').records);
    const processor = new Processor(counterGraph(group, input), { client: cluster.client, consumer: fastConsumer, commitIntervalMs: 200, logger: testLogger });
    const states: ComponentState[] = [];
    processor.onStateChange((state) => states.push(state));
    const abort = new AbortController();
    const { done } = start(processor, abort.signal);
    await processor.waitRunning();
    await expect(processor.run()).rejects.toThrow(StateError);

    // Clients may resolve "newest" only when they start fetching, so new messages go in until some arrive.
    await waitFor('new messages processed', async () => {
      await cluster.produce(input, counterInput(20, 20, 'new').records);
      return (await cluster.tableContents(`${group}-table`)).size > 0;
    });
    const counted = [...decodeCounts(await cluster.tableContents(`${group}-table`)).keys()];
    expect(counted.length).toBeGreaterThan(0);
    expect(counted.filter((key) => !key.startsWith('new-'))).toEqual([]);

    abort.abort();
    await done;
    expect(states).toEqual(['starting', 'recovering', 'running', 'stopping', 'stopped']);
    await expect(processor.get('new-0')).rejects.toThrow(/needs a running processor \(state: stopped\)/);
  });

  it('restarts after a transient Kafka error and still processes everything', async () => {
    const input = await cluster.createTopic(uniqueName('restart-in'), 2);
    const group = uniqueName('restart');
    cluster.ownGroup(group);
    const { records, expected } = counterInput(3_000, 30);
    await cluster.produce(input, records);
    const client = flakyClient(cluster.client, 1);
    const states: ComponentState[] = [];
    const counter = startCounter({ client, group, input, restart: { initialBackoffMs: 50, maxBackoffMs: 200 } });
    counter.processor.onStateChange((state) => states.push(state));
    await waitFor('all committed after the restart', async () => (await cluster.committedTotal(group, input)) === 3_000, 60_000);
    expect(client.failures).toBe(1);
    expect(states.filter((s) => s === 'starting').length).toBeGreaterThanOrEqual(1);
    expect(states).not.toContain('failed');
    // At least once: a restart after a lost connection may count some messages twice, never fewer.
    const counts = decodeCounts(await cluster.tableContents(`${group}-table`));
    for (const [key, n] of expected) expect(counts.get(key)).toBeGreaterThanOrEqual(n);
    await counter.stop();
    expect(await counter.outcome).toEqual({});
  });

  it('does not restart after a processing failure', async () => {
    const input = await cluster.createTopic(uniqueName('norestart-in'), 1);
    const group = uniqueName('norestart');
    cluster.ownGroup(group);
    await cluster.produce(input, [{ key: 'k', value: 'x' }]);
    const counter = startCounter({
      client: cluster.client,
      group,
      input,
      restart: { initialBackoffMs: 10 },
      onMessage: () => {
        throw new Error('bug');
      },
    });
    const { error } = await counter.outcome;
    expect(error).toBeInstanceOf(MessageError);
    expect((error as Error).message).toMatch(/offset 0: callback failed: bug$/);
    expect(counter.processor.state).toBe('failed');
  });

  it('keeps standby partitions hot, takes them over without re-reading, and refuses get() for keys it does not own', async () => {
    const input = await cluster.createTopic(uniqueName('hot-in'), 4);
    const group = uniqueName('hot');
    cluster.ownGroup(group);
    const assignments = new Map<string, readonly number[]>();
    const instance = (name: string) =>
      startCounter({ client: factory.create(), group, input, hotStandby: true, onRebalance: (p) => void assignments.set(name, p) });
    const a = instance('a');
    // b starts once a created the table topic (instances racing to create it are covered elsewhere).
    await a.processor.waitRunning();
    const b = instance('b');
    await waitFor('a and b share the partitions', () => assertAlive(a, b) && assignments.get('a')?.length === 2 && assignments.get('b')?.length === 2, 60_000);
    const { records, expected } = counterInput(2_000, 40);
    await cluster.produce(input, records);
    await waitFor('all committed', async () => (await cluster.committedTotal(group, input)) === 2_000, 60_000);

    const ofB = [...expected.keys()].find((k) => assignments.get('b')!.includes(murmur2Hasher.partition(k, 4)))!;
    await expect(a.processor.get(ofB)).rejects.toThrow(/belongs to partition \d, which this instance does not own \(owned: \d, \d\)/);
    const bPartitions = assignments.get('b')!;
    await b.stop();
    await waitFor('a took over', () => assertAlive(a) && assignments.get('a')?.length === 4, 60_000);
    // The partitions b owned were followed by a all along: the takeover re-read nothing.
    for (const p of bPartitions) expect(a.processor.stats().partitions[p].table?.recovery.records).toBe(0);
    expect(await a.processor.get(ofB)).toBe(expected.get(ofB));
    await a.stop();
    expect(await a.outcome).toEqual({});
  });

  it('recovers every table partition before joining the group with recoverAhead', async () => {
    const input = await cluster.createTopic(uniqueName('ahead-in'), 3);
    const group = uniqueName('ahead');
    cluster.ownGroup(group);
    const { records, expected } = counterInput(600, 12);
    await cluster.produce(input, records);
    const first = startCounter({ client: cluster.client, group, input });
    await waitFor('first run committed', async () => (await cluster.committedTotal(group, input)) === 600);
    await first.stop();

    const storage = recordingStorage();
    let builtBeforeJoin: string[] = [];
    const second = startCounter({
      client: cluster.client,
      group,
      input,
      recoverAhead: true,
      storage: storage.builder,
      onRebalance: () => void (builtBeforeJoin = [...storage.built]),
    });
    await second.processor.waitRunning();
    expect(builtBeforeJoin.sort()).toEqual([0, 1, 2].map((p) => `${group}-table/${p}`));
    // Built once each (before joining), and the assignment found them recovered already.
    expect(storage.built).toHaveLength(3);
    const stats = second.processor.stats().partitions;
    for (const p of [0, 1, 2]) expect(stats[p].table?.recovery.records).toBe(0);
    for (const key of ['key-0', 'key-11']) expect(await second.processor.get(key)).toBe(expected.get(key));
    await second.stop();
  });
});
