/**
 * "No data lost" through rebalances under load: two counter workers (separate processes) share the
 * partitions while messages keep coming; a third joins, takes its share, and is SIGKILLed; the
 * survivors take its partitions back after its session expires and finish the work. And a member
 * paused past its session (SIGSTOP, like a long GC pause) must not overwrite its successor's newer
 * table values with its stale buffered ones when it resumes.
 */
import { Emitter, stringCodec } from '@goka-ts/core';
import { kafkajsClient } from '@goka-ts/kafkajs';
import { brokersFromEnv, compareCounts, CountingLoad, lost, NOTHING_LOST, readTableThroughView, TestCluster, uniqueName, waitFor } from '@goka-ts/test-support';
import { type CounterWorkerConfig, WORKER_CLIENTS } from '../src/workers/protocol';
import { alive, CounterWorker, killAllWorkers } from './support/worker_process';

/** The worker's adapter (the test side reads and writes with kafkajs). */
const ADAPTERS = WORKER_CLIENTS;
const consumer = { sessionTimeoutMs: 4000, heartbeatIntervalMs: 400, rebalanceTimeoutMs: 10_000, maxWaitMs: 100 };

/** The partitions the workers own together, sorted, as "0,1,...". */
const owned = (...workers: CounterWorker[]) =>
  workers
    .flatMap((w) => w.assignment)
    .sort((x, y) => x - y)
    .join(',');

describe.each(ADAPTERS)('rebalance under load with a crashing member (worker on %s)', (adapter) => {
  let cluster: TestCluster;
  // Every test's emitter: each holds a producer connection that must close for jest to exit.
  const emitters: Emitter<string>[] = [];
  const newEmitter = (topic: string) => {
    const emitter = new Emitter(topic, stringCodec, { client: cluster.client, producer: { lingerMs: 5 } });
    emitters.push(emitter);
    return emitter;
  };
  beforeAll(() => {
    cluster = new TestCluster(kafkajsClient({ brokers: brokersFromEnv() }));
  });
  afterAll(async () => {
    await killAllWorkers();
    await Promise.all(emitters.splice(0).map((e) => e.finish()));
    await cluster?.close();
  });

  it('two workers, a third joins and is SIGKILLed: every key counted at least as often as emitted', async () => {
    const input = await cluster.createTopic(uniqueName('chaos-in'), 6);
    const group = uniqueName('chaos');
    cluster.ownGroup(group);
    const load = new CountingLoad(newEmitter(input), 400);
    const config: CounterWorkerConfig = { client: adapter, brokers: brokersFromEnv(), group, input, consumer, commitIntervalMs: 500 };
    const committed = () => cluster.committedTotal(group, input);

    await load.emit(3_000);
    const a = new CounterWorker('a', config);
    const b = new CounterWorker('b', config);
    await waitFor('a and b share the partitions', () => alive(a, b) && a.state === 'running' && b.state === 'running' && owned(a, b) === '0,1,2,3,4,5' && a.assignment.length === 3, 60_000);

    // Messages keep coming through every step below.
    const stopLoad = new AbortController();
    const loading = load.emitUntil(stopLoad.signal, { chunk: 250, pauseMs: 100 });
    try {
      await waitFor('a and b processed 6k messages', () => alive(a, b) && a.processed + b.processed >= 6_000, 60_000);
      const c = new CounterWorker('c', config);
      // Long enough for c to commit some of its work: a and b must continue from c's commits, and c's table writes.
      await c.until('c took its share and processed some of it', (w) => w.assignment.length === 2 && w.processed >= 1_500, 60_000);
      expect(owned(a, b, c)).toBe('0,1,2,3,4,5');
      await c.kill();

      await waitFor(
        "a and b took c's partitions back",
        () => alive(a, b) && a.state === 'running' && b.state === 'running' && a.assignment.length === 3 && owned(a, b) === '0,1,2,3,4,5',
        60_000,
      );
      const before = a.processed + b.processed;
      await waitFor('a and b processed 2k more messages', () => alive(a, b) && a.processed + b.processed >= before + 2_000, 60_000);
      stopLoad.abort();
      await loading;
      const total = load.ackedTotal;
      await waitFor('every input offset committed', async () => alive(a, b) && (await committed()) === total, 60_000);
      await Promise.all([a.terminate(), b.terminate()]);

      const counts = await readTableThroughView(cluster.client, `${group}-table`);
      const result = compareCounts(counts, load.acked);
      expect(lost(result)).toEqual(NOTHING_LOST);
      expect(counts.size).toBe(400);
      expect(result.countedTotal).toBeGreaterThanOrEqual(total);
      expect(a.processed + b.processed + c.processed).toBeGreaterThanOrEqual(result.countedTotal);
    } finally {
      stopLoad.abort();
      await loading.catch(() => undefined);
    }
  });

  /**
   * Where b is paused: anywhere (with whatever it holds buffered), or right after it issued a commit,
   * whose acceptance it reads only after waking up: that acceptance must not count as proof that
   * it may still write the table.
   */
  const PAUSES = [
    ['anywhere', (w: CounterWorker) => Promise.resolve(void w.child.kill('SIGSTOP'))],
    ['with a commit in flight', (w: CounterWorker) => w.pauseAtNextCommit()],
  ] as const;

  describe.each(PAUSES)('a member paused (SIGSTOP) %s', (_where, pause) => {
    // Both adapters' commit() settles with the coordinator's answer, which the processor's membership check relies on.
    it('past its session and resumed does not overwrite newer counts with stale ones', async () => {
      const input = await cluster.createTopic(uniqueName('pause-in'), 6);
      const group = uniqueName('pause');
      cluster.ownGroup(group);
      const load = new CountingLoad(newEmitter(input), 300);
      // A long commit interval: the paused member holds up to a second of buffered table writes.
      const config: CounterWorkerConfig = { client: adapter, brokers: brokersFromEnv(), group, input, consumer, commitIntervalMs: 1_000 };
      const total = 20_000;
      const committed = () => cluster.committedTotal(group, input);

      await load.emit(3_000);
      const a = new CounterWorker('a', config);
      const b = new CounterWorker('b', config);
      await waitFor('a and b share the partitions', () => alive(a, b) && a.state === 'running' && b.state === 'running' && owned(a, b) === '0,1,2,3,4,5' && a.assignment.length === 3, 60_000);
      // Counted from the split: b must hold buffered table writes of its own share when it is paused,
      // or there would be nothing stale for it to write after it wakes up.
      const bAtSplit = b.processed;
      const rest = load.emit(total - 3_000, { chunk: 250, pauseMs: 100 });
      await waitFor('b processed 1.5k messages of its share', () => alive(a, b) && b.processed >= bAtSplit + 1_500, 60_000);
      await pause(b);
      // b's session expires; a takes every partition and processes everything, b's uncommitted work included.
      await waitFor('a owns every partition', () => alive(a) && a.assignment.length === 6, 60_000);
      await rest;
      await waitFor('a committed every message', async () => alive(a) && (await committed()) === total, 60_000);
      const resumedAt = b.processed;
      b.child.kill('SIGCONT');
      // b wakes up with its stale buffer, finds it lost its membership, rejoins and takes partitions back.
      await waitFor('a and b share the partitions again', () => alive(a, b) && a.state === 'running' && b.state === 'running' && owned(a, b) === '0,1,2,3,4,5' && a.assignment.length === 3, 60_000);
      await Promise.all([a.terminate(), b.terminate()]);
      expect(b.processed).toBeGreaterThanOrEqual(resumedAt);

      const counts = await readTableThroughView(cluster.client, `${group}-table`);
      const result = compareCounts(counts, load.acked);
      expect(lost(result)).toEqual(NOTHING_LOST);
      expect(result.countedTotal).toBeGreaterThanOrEqual(total);
    });
  });
});
