/**
 * A group join the broker rejects for good must fail run() soon, saying what to do, instead of
 * retrying forever in `starting`. The adapters assign with different protocols (kafkajs and
 * platformatic: Go Goka's "copartition", librdkafka: "range"), so a member of an adapter with another
 * protocol already in the group makes the broker answer INCONSISTENT_GROUP_PROTOCOL to the newcomer.
 */
import type { ComponentState } from '@goka-ts/api';
import { Processor } from '@goka-ts/core';
import { memoryStorage } from '@goka-ts/storage-memory';
import { assertAlive, clients, counterGraph, fastConsumer, start, startCounter, stopStarted, TestCluster, testLogger, uniqueName, waitFor } from '@goka-ts/test-support';

const REJECTED_WITHIN_MS = 20_000;
const PROTOCOL: Record<string, string> = { kafkajs: 'copartition', platformatic: 'copartition', confluent: 'range' };

describe.each(clients)('Processor: a group join the broker rejects (%s joins)', (joiner) => {
  const member = clients.find((c) => PROTOCOL[c.name] !== PROTOCOL[joiner.name])!;
  let cluster: TestCluster;
  beforeAll(() => (cluster = new TestCluster(member)));
  afterEach(() => stopStarted());
  afterAll(() => cluster.close());

  it(`fails run() within ${REJECTED_WITHIN_MS / 1000} s when the group's members use another assignment protocol`, async () => {
    const input = await cluster.createTopic(uniqueName('rejected-in'), 2);
    const group = uniqueName('rejected');
    cluster.ownGroup(group);
    const incumbent = startCounter({ client: member.create(), group, input });
    await waitFor(`the ${member.name} member running`, () => assertAlive(incumbent) && incumbent.processor.state === 'running', 60_000);

    const states: ComponentState[] = [];
    const newcomer = new Processor(counterGraph(group, input), { client: joiner.create(), storage: memoryStorage(), consumer: fastConsumer, logger: testLogger });
    newcomer.onStateChange((state) => states.push(state));
    const startedAt = Date.now();
    const run = start(newcomer);
    const { error } = await run.outcome;
    const tookMs = Date.now() - startedAt;

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(new RegExp(`group consumer "${group}" cannot join the group: the group's other members use a different assignment protocol`));
    expect(tookMs).toBeLessThan(REJECTED_WITHIN_MS);
    expect(newcomer.state).toBe('failed');
    expect(states.at(-1)).toBe('failed');
    // The member already in the group is not disturbed.
    expect(assertAlive(incumbent) && incumbent.processor.state).toBe('running');
  }, 90_000);
});
