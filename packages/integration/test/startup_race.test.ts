/**
 * Start-up race: instances of a new group started at the same instant all try to create the
 * group's table and loop topics. One wins; the others get "already exists" while their describe
 * may still answer nothing. Every instance must reach `running` anyway, round after round.
 */
import { defineGroup, int64Codec, Processor, stringCodec } from '@goka-ts/core';
import type { KafkaClient } from '@goka-ts/api';
import { assertAlive, clients, fastConsumer, start, stopStarted, TestCluster, testLogger, uniqueName, waitFor } from '@goka-ts/test-support';

const INSTANCES = 4;
const ROUNDS = 10;

describe.each(clients)('Processor: start-up race of a new group (%s)', (factory) => {
  let cluster: TestCluster;
  const instanceClients: KafkaClient[] = [];
  beforeAll(() => {
    cluster = new TestCluster(factory);
    // One client per instance, as separate processes would have.
    for (let i = 0; i < INSTANCES; i++) instanceClients.push(factory.create());
  });
  afterEach(() => stopStarted());
  afterAll(() => cluster.close());

  it(`${INSTANCES} instances started at once, ${ROUNDS} times: each creates or finds the topics and runs`, async () => {
    const input = await cluster.createTopic(uniqueName('race-in'), 4);
    for (let round = 0; round < ROUNDS; round++) {
      const group = uniqueName(`race-${round}`);
      cluster.ownGroup(group);
      const graph = defineGroup(group, {
        inputs: { [input]: { codec: stringCodec, handler: (ctx) => ctx.loopback(ctx.key, 'x') } },
        loop: { codec: stringCodec, handler: (ctx) => ctx.setValue((ctx.value() ?? 0) + 1) },
        persist: int64Codec,
      });
      const runs = instanceClients.map((client) => start(new Processor(graph, { client, consumer: fastConsumer, logger: testLogger })));
      await waitFor(`round ${round}: every instance running`, () => assertAlive(...runs) && runs.every((r) => r.processor.state === 'running'), 60_000);
      await stopStarted();
      for (const run of runs) expect(await run.outcome).toEqual({});
    }
  });
});
