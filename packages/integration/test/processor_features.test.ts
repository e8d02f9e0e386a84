import { defineGroup, int64Codec, jsonCodec, Processor, stringCodec } from '@goka-ts/core';
import type { ProcessorOptions } from '@goka-ts/core';
import { memoryStorage } from '@goka-ts/storage-memory';
import { clients, counterGraph, counterInput, decodeCounts, fastConsumer, start, stopStarted, TestCluster, testLogger, uniqueName, waitFor } from '@goka-ts/test-support';

describe.each(clients)('Processor: edges and context (%s)', (factory) => {
  let cluster: TestCluster;
  beforeAll(() => {
    cluster = new TestCluster(factory);
  });
  afterEach(() => stopStarted());
  afterAll(() => cluster.close());

  const options = (extra: Partial<ProcessorOptions> = {}): ProcessorOptions => ({
    client: cluster.client,
    storage: memoryStorage(),
    startFrom: 'oldest',
    consumer: fastConsumer,
    commitIntervalMs: 200,
    logger: testLogger,
    ...extra,
  });
  const group = (prefix: string) => {
    const name = uniqueName(prefix);
    cluster.ownGroup(name);
    return name;
  };
  const stringTable = async (topic: string) => new Map([...(await cluster.tableContents(topic))].map(([k, v]) => [k, v.toString()]));

  it('loops messages back to itself, with default headers merged into loopback and emit', async () => {
    const input = await cluster.createTopic(uniqueName('loop-in'), 2);
    const out = await cluster.createTopic(uniqueName('loop-out'), 2);
    const g = group('loop');
    const graph = defineGroup(g, {
      inputs: { [input]: { codec: stringCodec, handler: (ctx, msg) => ctx.loopback(`${ctx.key}-again`, msg.toUpperCase(), { headers: { own: Buffer.from('1') } }) } },
      loop: {
        codec: stringCodec,
        handler: (ctx, msg) => {
          ctx.setValue(`${msg}:${ctx.headers.app?.toString()}:${ctx.headers.own?.toString()}`);
          ctx.emit(out, ctx.key, msg);
        },
      },
      persist: stringCodec,
      outputs: { [out]: stringCodec },
    });
    const run = start(new Processor(graph, options({ defaultHeaders: { app: Buffer.from('goka') } })));
    await cluster.produce(input, [
      { key: 'a', value: 'hello' },
      { key: 'b', value: 'world' },
    ]);
    await waitFor('loop results', async () => (await stringTable(`${g}-table`)).size === 2 || undefined);
    expect(await stringTable(`${g}-table`)).toEqual(new Map([['a-again', 'HELLO:goka:1'], ['b-again', 'WORLD:goka:1']]));
    const emitted = await cluster.readAll(out);
    expect(emitted.map((m) => m.headers.app?.toString())).toEqual(['goka', 'goka']);
    expect((await cluster.readAll(`${g}-loop`)).length).toBe(2);
    await run.stop();
    expect(await run.outcome).toEqual({});
  });

  it('joins a co-partitioned table and keeps following it', async () => {
    const users = await cluster.createTopic(uniqueName('users-table'), 3, { 'cleanup.policy': 'compact' });
    const clicks = await cluster.createTopic(uniqueName('clicks'), 3);
    await cluster.produce(users, [
      { key: 'u1', value: 'Alice' },
      { key: 'u2', value: 'Bob' },
    ]);
    const g = group('join');
    const graph = defineGroup(g, {
      inputs: { [clicks]: { codec: stringCodec, handler: (ctx, msg) => ctx.setValue(`${msg}:${ctx.join(users) ?? 'unknown'}`) } },
      joins: { [users]: stringCodec },
      persist: stringCodec,
    });
    const run = start(new Processor(graph, options()));
    await run.processor.waitRunning();
    await cluster.produce(clicks, [
      { key: 'u1', value: 'c1' },
      { key: 'u2', value: 'c2' },
      { key: 'u3', value: 'c3' },
    ]);
    await waitFor('joined values', async () => (await stringTable(`${g}-table`)).size === 3 || undefined);
    expect(await stringTable(`${g}-table`)).toEqual(new Map([['u1', 'c1:Alice'], ['u2', 'c2:Bob'], ['u3', 'c3:unknown']]));

    // An update of the joined table reaches the running processor.
    await cluster.produce(users, [{ key: 'u1', value: 'Alicia' }]);
    await waitFor('the joined table follows', async () => {
      await cluster.produce(clicks, [{ key: 'u1', value: 'again' }]);
      return (await stringTable(`${g}-table`)).get('u1') === 'again:Alicia' || undefined;
    });
    const joinedStats = Object.values(run.processor.stats().partitions).map((p) => p.joined[users]);
    expect(joinedStats.every((s) => s.status === 'running')).toBe(true);
    await run.stop();
    expect(await run.outcome).toEqual({});
  });

  it('looks up any key of a table that is not co-partitioned', async () => {
    const prices = await cluster.createTopic(uniqueName('prices'), 5, { 'cleanup.policy': 'compact' });
    const orders = await cluster.createTopic(uniqueName('orders'), 2);
    await cluster.produce(prices, [
      { key: 'apple', value: '3' },
      { key: 'pear', value: '5' },
    ]);
    const g = group('lookup');
    const graph = defineGroup(g, {
      inputs: {
        [orders]: {
          codec: jsonCodec<{ item: string; n: number }>(),
          handler: async (ctx, order) => {
            const price = await ctx.lookup(prices, order.item);
            ctx.setValue((ctx.value() ?? 0) + (price ?? 0) * order.n);
          },
        },
      },
      lookups: { [prices]: int64Codec },
      persist: int64Codec,
    });
    const run = start(new Processor(graph, options()));
    await run.processor.waitRunning();
    expect(run.processor.stats().lookups[prices].state).toBe('running');
    await cluster.produce(orders, [
      { key: 'ann', value: JSON.stringify({ item: 'apple', n: 2 }) },
      { key: 'ann', value: JSON.stringify({ item: 'pear', n: 1 }) },
      { key: 'ben', value: JSON.stringify({ item: 'kiwi', n: 9 }) },
    ]);
    await waitFor('all orders committed', async () => (await cluster.committedTotal(g, orders)) === 3);
    expect(await run.processor.get('ann').catch(() => 'not owned')).toBe(11);
    expect(decodeCounts(await cluster.tableContents(`${g}-table`))).toEqual(new Map([['ann', 11], ['ben', 0]]));
    await run.stop();
  });

  it('chains an output into a second processor', async () => {
    const input = await cluster.createTopic(uniqueName('chain-in'), 4);
    const middle = await cluster.createTopic(uniqueName('chain-mid'), 4);
    const first = defineGroup(group('chain-a'), {
      inputs: { [input]: { codec: stringCodec, handler: (ctx, msg) => ctx.emit(middle, msg, ctx.key) } },
      outputs: { [middle]: stringCodec },
    });
    const g2 = group('chain-b');
    const second = counterGraph(g2, middle);
    const a = start(new Processor(first, options()));
    const b = start(new Processor(second, options()));
    // 1000 messages whose value names the counted key: the first processor re-keys them.
    const { records, expected } = counterInput(1_000, 25, 'user');
    await cluster.produce(
      input,
      records.map((r, i) => ({ key: `src-${i}`, value: r.key })),
    );
    await waitFor('the second processor counted everything', async () => (await cluster.committedTotal(g2, middle)) === 1_000, 60_000);
    expect(decodeCounts(await cluster.tableContents(`${g2}-table`))).toEqual(expected);
    expect(Object.values(a.processor.stats().partitions).reduce((n, p) => n + (p.output[middle]?.count ?? 0), 0)).toBe(1_000);
    await Promise.all([a.stop(), b.stop()]);
    expect(await a.outcome).toEqual({});
    expect(await b.outcome).toEqual({});
  });

  it('visits every key of the owned table partitions', async () => {
    const input = await cluster.createTopic(uniqueName('visit-in'), 4);
    const out = await cluster.createTopic(uniqueName('visit-out'), 1);
    const g = group('visit');
    const graph = defineGroup(g, {
      inputs: { [input]: { codec: stringCodec, handler: (ctx) => ctx.setValue((ctx.value() ?? 0) + 1) } },
      persist: int64Codec,
      outputs: { [out]: int64Codec },
      visitors: {
        reset: (ctx, meta) => {
          ctx.emit(out, ctx.key, ctx.value() ?? -1);
          ctx.setValue(meta as number);
        },
      },
    });
    const run = start(new Processor(graph, options()));
    const { records, expected } = counterInput(500, 50);
    await cluster.produce(input, records);
    await waitFor('all counted', async () => (await cluster.committedTotal(g, input)) === 500);
    await expect(run.processor.visitAll('nope')).rejects.toThrow(`has no visitor "nope" (visitors: "reset")`);
    expect(await run.processor.visitAll('reset', 100)).toBe(50);
    // visitAll resolved after every effect was acknowledged: the topics already show them.
    expect(decodeCounts(await cluster.tableContents(`${g}-table`))).toEqual(new Map([...expected.keys()].map((k) => [k, 100])));
    const emitted = await cluster.readAll(out);
    expect(new Map(emitted.map((m) => [m.key!.toString(), int64Codec.decode(m.value!)]))).toEqual(expected);
    expect(await run.processor.get('key-3')).toBe(100);
    await run.stop();
  });

  it('keeps an offset uncommitted until its deferred commit is done', async () => {
    const input = await cluster.createTopic(uniqueName('defer-in'), 1);
    const out = await cluster.createTopic(uniqueName('defer-out'), 1);
    const g = group('defer');
    const pending: (() => void)[] = [];
    const graph = defineGroup(g, {
      inputs: {
        [input]: {
          codec: stringCodec,
          handler: (ctx, msg) => {
            const done = ctx.deferCommit();
            const finish = () => {
              ctx.emit(out, ctx.key, `async ${msg}`); // effects after the callback, while deferred
              done();
            };
            if (msg === 'hold') pending.push(finish);
            else setTimeout(finish, 5);
          },
        },
      },
      outputs: { [out]: stringCodec },
    });
    const run = start(new Processor(graph, options()));
    await cluster.produce(input, [
      { key: 'k', value: 'one' },
      { key: 'k', value: 'hold' },
      { key: 'k', value: 'three' },
    ]);
    await waitFor('the first message committed', async () => (await cluster.committed(g, input))[0].offset === 1);
    await new Promise((resolve) => setTimeout(resolve, 800)); // several commit intervals
    expect((await cluster.committed(g, input))[0].offset).toBe(1); // "three" finished, but "hold" holds it back
    pending[0]();
    await waitFor('everything committed', async () => (await cluster.committed(g, input))[0].offset === 3);
    expect((await cluster.readAll(out)).map((m) => m.value!.toString())).toEqual(['async one', 'async three', 'async hold']);
    await run.stop();
    expect(await run.outcome).toEqual({});
  });
});
