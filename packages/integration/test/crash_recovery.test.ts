/**
 * "No data lost": counter workers in their own processes are killed (SIGKILL) or stopped (SIGTERM)
 * mid-stream while messages keep coming; a new worker finishes the work; the table, read through a
 * View, must count every acknowledged message at least once (exactly once after graceful stops).
 */
import { Emitter, stringCodec } from '@goka-ts/core';
import { kafkajsClient } from '@goka-ts/kafkajs';
import { brokersFromEnv as brokers, compareCounts, CountingLoad, lost, NOTHING_LOST, readTableThroughView, TestCluster, uniqueName, waitFor } from '@goka-ts/test-support';
import { type CounterWorkerConfig, WORKER_CLIENTS } from '../src/workers/protocol';
import { alive, CounterWorker, killAllWorkers } from './support/worker_process';

/** Short sessions: a killed worker's partitions move on within a few seconds. */
/** The worker's adapter (the test side reads and writes with kafkajs). */
const ADAPTERS = WORKER_CLIENTS;
const consumer = { sessionTimeoutMs: 4000, heartbeatIntervalMs: 400, rebalanceTimeoutMs: 10_000, maxWaitMs: 100 };

describe.each(ADAPTERS)('crash recovery: counter workers killed mid-stream (worker on %s)', (adapter) => {
  let cluster: TestCluster;
  const emitters: Emitter<string>[] = [];
  beforeAll(() => {
    cluster = new TestCluster(kafkajsClient({ brokers: brokers() }));
  });
  afterEach(async () => {
    await killAllWorkers();
    await Promise.all(emitters.splice(0).map((e) => e.finish()));
  });
  afterAll(() => cluster?.close());

  async function setup(prefix: string, partitions: number, keys: number) {
    const input = await cluster.createTopic(uniqueName(`${prefix}-in`), partitions);
    const group = uniqueName(prefix);
    cluster.ownGroup(group);
    const emitter = new Emitter(input, stringCodec, { client: cluster.client, producer: { lingerMs: 5 } });
    emitters.push(emitter);
    const config = (extra: Partial<CounterWorkerConfig> = {}): CounterWorkerConfig => ({ client: adapter, brokers: brokers(), group, input, consumer, ...extra });
    return { input, group, load: new CountingLoad(emitter, keys), config, committed: () => cluster.committedTotal(group, input) };
  }

  it('SIGKILL mid-stream: a new worker finishes, every key counted at least as often as emitted', async () => {
    const { group, load, config, committed } = await setup('crash-kill', 6, 500);
    const total = 24_000;
    await load.emit(4_000);
    // Commits every second: a kill almost always lands on processed but uncommitted messages.
    const first = new CounterWorker('first', config({ commitIntervalMs: 1_000 }));
    // The rest arrives while the first worker runs, is killed and the second one takes over.
    const rest = load.emit(total - 4_000, { chunk: 250, pauseMs: 100 });
    await first.until('the first worker processed 10k messages and committed 4k', async (w) => w.processed >= 10_000 && (await committed()) >= 4_000, 60_000);
    await first.kill();
    expect(first.exit).toEqual({ code: null, signal: 'SIGKILL' });
    // The kill interrupted work that was processed (and partly written to the table) but not committed.
    expect(await committed()).toBeLessThan(first.processed);

    const second = new CounterWorker('second', config({ commitIntervalMs: 200 }));
    await rest;
    expect(load.ackedTotal).toBe(total);
    await waitFor('every input offset committed', async () => alive(second) && (await committed()) === total, 60_000);
    await second.terminate();

    const counts = await readTableThroughView(cluster.client, `${group}-table`);
    const result = compareCounts(counts, load.acked);
    expect(lost(result)).toEqual(NOTHING_LOST);
    expect(counts.size).toBe(500);
    expect(result.countedTotal).toBeGreaterThanOrEqual(total);
    // Whatever was counted twice was processed twice: the two workers together saw at least that much
    // (the killed worker's count comes from the file it wrote in each callback, not its last report).
    expect(first.processed + second.processed).toBeGreaterThanOrEqual(result.countedTotal);
  });

  it('SIGTERM mid-stream: the worker stops gracefully and every count is exact', async () => {
    const { group, load, config, committed } = await setup('crash-term', 6, 500);
    const total = 24_000;
    await load.emit(4_000);
    const first = new CounterWorker('first', config({ commitIntervalMs: 1_000 }));
    const rest = load.emit(total - 4_000, { chunk: 250, pauseMs: 100 });
    await first.until('the first worker processed 10k messages and committed 4k', async (w) => w.processed >= 10_000 && (await committed()) >= 4_000, 60_000);
    await first.terminate();

    const second = new CounterWorker('second', config({ commitIntervalMs: 200 }));
    await rest;
    await waitFor('every input offset committed', async () => alive(second) && (await committed()) === total, 60_000);
    await second.terminate();

    // The graceful stop committed exactly what it processed: nothing was processed twice.
    expect(first.processed + second.processed).toBe(total);
    const counts = await readTableThroughView(cluster.client, `${group}-table`);
    expect(counts).toEqual(load.acked);
  });

  it('SIGTERM commits and flushes what was processed, so a restart reprocesses nothing', async () => {
    const { group, load, config, committed } = await setup('crash-commit', 4, 200);
    await load.emit(5_000);
    // No periodic commit (and no table flush) within the test: only the stop can commit.
    const first = new CounterWorker('first', config({ commitIntervalMs: 600_000 }));
    await first.until('the first worker processed every message', (w) => w.processed === 5_000, 60_000);
    expect(await committed()).toBe(0);
    await first.terminate();
    expect(await committed()).toBe(5_000);

    const second = new CounterWorker('second', config({ commitIntervalMs: 200 }));
    await second.until('the second worker owns every partition', (w) => w.state === 'running' && w.assignment.length === 4, 60_000);
    await load.emit(1_000);
    await waitFor('the new messages committed', async () => alive(second) && (await committed()) === 6_000, 60_000);
    await second.terminate();
    expect(first.processed).toBe(5_000);
    expect(second.processed).toBe(1_000);
    expect(await readTableThroughView(cluster.client, `${group}-table`)).toEqual(load.acked);
  });
});
