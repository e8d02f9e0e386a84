import { assertAlive, clients, counterInput, decodeCounts, type RunningProcessor, startCounter, stopStarted, TestCluster, uniqueName, waitFor } from '@goka-ts/test-support';

describe.each(clients)('Processor: rebalancing (%s)', (factory) => {
  let cluster: TestCluster;
  beforeAll(() => {
    cluster = new TestCluster(factory);
  });
  afterEach(() => stopStarted());
  afterAll(() => cluster.close());

  it('shares partitions between instances; a third joins and leaves; every count stays exact', async () => {
    const input = await cluster.createTopic(uniqueName('share-in'), 6);
    const group = uniqueName('share');
    cluster.ownGroup(group);
    const processed = new Map<string, number>();
    const assignments = new Map<string, readonly number[]>();
    const counter = (name: string): RunningProcessor =>
      startCounter({
        client: factory.create(),
        group,
        input,
        onMessage: () => processed.set(name, (processed.get(name) ?? 0) + 1),
        onRebalance: (partitions) => void assignments.set(name, partitions),
      });
    const owned = () => [...assignments.values()].flat().sort((a, b) => a - b);

    const batches = Array.from({ length: 4 }, () => counterInput(1_500, 60, `key`));
    const a = counter('a');
    const b = counter('b');
    await waitFor('a and b share the partitions', () => assertAlive(a, b) && assignments.get('a')?.length === 3 && assignments.get('b')?.length === 3, 60_000);
    await cluster.produce(input, batches[0].records);

    const c = counter('c');
    await waitFor('c took partitions', () => assertAlive(a, b, c) && (assignments.get('c')?.length ?? 0) === 2, 60_000);
    expect(owned()).toEqual([0, 1, 2, 3, 4, 5]);
    await cluster.produce(input, batches[1].records);
    await waitFor('c processed', () => (processed.get('c') ?? 0) > 0, 60_000);

    await c.stop();
    expect(await c.outcome).toEqual({});
    assignments.delete('c');
    await cluster.produce(input, batches[2].records);
    await waitFor('a and b own everything again', () => assertAlive(a, b) && owned().join() === '0,1,2,3,4,5' && assignments.get('a')!.length === 3, 60_000);
    await cluster.produce(input, batches[3].records);

    await waitFor('all input committed', async () => (await cluster.committedTotal(group, input)) === 6_000, 90_000);
    await Promise.all([a.stop(), b.stop()]);
    expect(await a.outcome).toEqual({});
    expect(await b.outcome).toEqual({});

    const expected = new Map<string, number>();
    for (const batch of batches) for (const [k, v] of batch.expected) expected.set(k, (expected.get(k) ?? 0) + v);
    expect(decodeCounts(await cluster.tableContents(`${group}-table`))).toEqual(expected);
    // Graceful revocations commit before handing over: nothing was processed twice.
    expect([...processed.values()].reduce((x, y) => x + y, 0)).toBe(6_000);
  });
});
