/**
 * Exactly-once processors in this process, on the real broker with every adapter: counts and emits
 * are exact across rebalances and after a processing failure aborted the open transaction, and
 * nothing of an uncommitted transaction is visible to read_committed readers.
 */
import { defineGroup, int64Codec, Processor, stringCodec } from '@goka-ts/core';
import type { GroupGraph, ProcessorOptions } from '@goka-ts/core';
import { memoryStorage } from '@goka-ts/storage-memory';
import { assertAlive, clients, counterInput, decodeCounts, fastConsumer, start, stopStarted, TestCluster, testLogger, uniqueName, waitFor } from '@goka-ts/test-support';

/** Counts per key in the table and emits every key to `output`; `beforeWrite` may throw. */
function countingEmitter(group: string, input: string, output: string, beforeWrite?: (key: string) => void): GroupGraph {
  return defineGroup(group, {
    inputs: {
      [input]: {
        codec: stringCodec,
        handler: (ctx, value) => {
          ctx.setValue((ctx.value() ?? 0) + 1);
          ctx.emit(output, ctx.key, value);
          beforeWrite?.(ctx.key);
        },
      },
    },
    outputs: { [output]: stringCodec },
    persist: int64Codec,
    visitors: {
      reset: (ctx) => ctx.setValue(0),
    },
  }) as GroupGraph;
}

function countKeys(messages: ReadonlyArray<{ key: Buffer | null }>): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of messages) {
    const key = m.key?.toString() ?? '';
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

describe.each(clients)('Processor: exactly-once (%s)', (factory) => {
  let cluster: TestCluster;
  beforeAll(() => {
    cluster = new TestCluster(factory);
  });
  afterEach(() => stopStarted());
  afterAll(() => cluster.close());

  async function setup(prefix: string, partitions: number) {
    const input = await cluster.createTopic(uniqueName(`${prefix}-in`), partitions);
    const output = await cluster.createTopic(uniqueName(`${prefix}-out`), partitions);
    const group = uniqueName(prefix);
    cluster.ownGroup(group);
    const options = (extra: Partial<ProcessorOptions> = {}): ProcessorOptions => ({
      client: cluster.client,
      guarantee: 'exactly-once',
      storage: memoryStorage(),
      startFrom: 'oldest',
      consumer: fastConsumer,
      commitIntervalMs: 200,
      logger: testLogger,
      ...extra,
    });
    return { input, output, group, options };
  }

  it('counts and emits exactly once over 8k messages, and keeps every transaction out of sight until it commits', async () => {
    const { input, output, group, options } = await setup('eos-count', 4);
    const { records, expected } = counterInput(8_000, 200);
    await cluster.produce(input, records);
    // A long interval: everything processed waits in one open transaction per partition.
    const counter = start(new Processor(countingEmitter(group, input, output), options({ commitIntervalMs: 3_000 })));
    await counter.processor.waitRunning();
    await waitFor('some messages processed', () => Object.values(counter.processor.stats().partitions).some((p) => p.input[input]?.count > 0), 30_000);
    expect(await cluster.readAll(output)).toHaveLength(0);
    expect(await cluster.committedTotal(group, input)).toBe(0);

    await waitFor('every input offset committed', async () => assertAlive(counter) && (await cluster.committedTotal(group, input)) === 8_000, 60_000);
    expect(decodeCounts(await cluster.tableContents(`${group}-table`))).toEqual(expected);
    expect(countKeys(await cluster.readAll(output))).toEqual(expected);
    expect(await counter.processor.get('key-7')).toBe(expected.get('key-7'));
    await counter.stop();
    expect(await counter.outcome).toEqual({});
  });

  it('stays exact while instances join and leave under load', async () => {
    const { input, output, group, options } = await setup('eos-rebalance', 6);
    const first = counterInput(6_000, 300);
    await cluster.produce(input, first.records);
    const one = start(new Processor(countingEmitter(group, input, output), options()));
    await one.processor.waitRunning();
    const two = start(new Processor(countingEmitter(group, input, output), options()));
    const second = counterInput(6_000, 300, 'key');
    await cluster.produce(input, second.records);
    await waitFor('both instances own partitions', () => assertAlive(one, two) && two.processor.state === 'running' && Object.keys(two.processor.stats().partitions).length > 0, 60_000);
    await one.stop();
    expect(await one.outcome).toEqual({});
    const three = start(new Processor(countingEmitter(group, input, output), options()));
    await cluster.produce(input, first.records);
    await waitFor('every input offset committed', async () => assertAlive(two, three) && (await cluster.committedTotal(group, input)) === 18_000, 90_000);

    const expected = new Map([...first.expected].map(([k, n]) => [k, n * 3]));
    expect(decodeCounts(await cluster.tableContents(`${group}-table`))).toEqual(expected);
    expect(countKeys(await cluster.readAll(output))).toEqual(expected);
  });

  it('a failing callback aborts the open transaction: after a restart nothing is counted or emitted twice', async () => {
    const { input, output, group, options } = await setup('eos-abort', 2);
    const { records, expected } = counterInput(3_000, 100);
    await cluster.produce(input, records);
    let calls = 0;
    const failOnce = (key: string) => {
      // Late in the input, after earlier messages of the same transactions wrote and emitted.
      if (++calls === 2_500) throw new Error(`refusing ${key}`);
    };
    const processor = new Processor(countingEmitter(group, input, output, failOnce), options({ commitIntervalMs: 60_000 }));
    const failed = start(processor);
    const outcome = await failed.outcome;
    expect(String(outcome.error)).toMatch(/refusing key-/);
    // Nothing was committed: the only transactions were aborted by the failure.
    expect(await cluster.readAll(output)).toHaveLength(0);
    expect(decodeCounts(await cluster.tableContents(`${group}-table`)).size).toBe(0);

    const again = start(new Processor(countingEmitter(group, input, output), options()));
    await again.processor.waitRunning();
    await waitFor('every input offset committed', async () => assertAlive(again) && (await cluster.committedTotal(group, input)) === 3_000, 60_000);
    await again.stop();
    expect(decodeCounts(await cluster.tableContents(`${group}-table`))).toEqual(expected);
    expect(countKeys(await cluster.readAll(output))).toEqual(expected);
  });

  it('runs visitors inside the transactions', async () => {
    const { input, output, group, options } = await setup('eos-visit', 2);
    const { records } = counterInput(1_000, 50);
    await cluster.produce(input, records);
    const counter = start(new Processor(countingEmitter(group, input, output), options()));
    await counter.processor.waitRunning();
    await waitFor('every input offset committed', async () => assertAlive(counter) && (await cluster.committedTotal(group, input)) === 1_000, 60_000);
    expect(await counter.processor.visitAll('reset')).toBe(50);
    await counter.stop();
    const table = decodeCounts(await cluster.tableContents(`${group}-table`));
    expect(table.size).toBe(50);
    expect([...table.values()].every((n) => n === 0)).toBe(true);
  });
});
