/**
 * "No data lost" across a broker restart: a counter processor (with `restart`) and a view (with
 * `autoReconnect`) keep running while the only broker stops and comes back, and messages keep being
 * emitted (failed sends are sent again; only acknowledged ones are counted). Runs on a broker of its
 * own: the shared one is never stopped.
 */
import type { KafkaClient } from '@goka-ts/api';
import { Emitter, int64Codec, stringCodec, View } from '@goka-ts/core';
import { confluentClient } from '@goka-ts/confluent';
import { kafkajsClient } from '@goka-ts/kafkajs';
import { platformaticClient } from '@goka-ts/platformatic';
import { assertAlive, compareCounts, CountingLoad, decodeCounts, lost, NOTHING_LOST, startCounter, TestCluster, testLogger, uniqueName, viewCaughtUp, viewContents, waitFor } from '@goka-ts/test-support';
import { DedicatedBroker } from './support/dedicated_broker';

/** Adapters under test: the processor, view and emitter all run on it. */
const ADAPTERS = {
  kafkajs: (brokers: string[]) => kafkajsClient({ brokers }),
  confluent: (brokers: string[]) => confluentClient({ brokers }),
  platformatic: (brokers: string[]) => platformaticClient({ brokers }),
};

describe.each(Object.keys(ADAPTERS) as (keyof typeof ADAPTERS)[])('broker restart: processor with restart, view with autoReconnect (%s)', (adapter) => {
  let broker: DedicatedBroker | undefined;
  let cluster: TestCluster;
  let client: KafkaClient;

  beforeAll(async () => {
    broker = await DedicatedBroker.start();
    client = ADAPTERS[adapter]([broker.address]);
    cluster = new TestCluster(client);
  }, 120_000);

  afterAll(async () => {
    try {
      await cluster?.close();
    } finally {
      await broker?.destroy();
    }
  }, 60_000);

  it('keeps counting through a broker restart: every key counted at least as often as acknowledged', async () => {
    const input = await cluster.createTopic(uniqueName('restart-in'), 4);
    const group = uniqueName('restart');
    const counter = startCounter({
      client,
      group,
      input,
      restart: { initialBackoffMs: 200, maxBackoffMs: 1_000 },
      commitIntervalMs: 200,
    });
    const emitter = new Emitter(input, stringCodec, { client });
    const load = new CountingLoad(emitter, 300);
    const view = new View(`${group}-table`, int64Codec, { client, autoReconnect: { initialBackoffMs: 200, maxBackoffMs: 1_000 }, maxWaitMs: 100, logger: testLogger });
    let viewRun: Promise<void> | undefined;
    const stopLoad = new AbortController();
    let loading: Promise<void> | undefined;
    try {
      await counter.processor.waitRunning(); // the processor created the table topic the view reads
      viewRun = view.run();
      await view.waitRunning();

      loading = load.emitUntil(stopLoad.signal, { chunk: 200, pauseMs: 50, retry: true, retryDelayMs: 300 });
      await waitFor('3k messages acknowledged', () => load.ackedTotal >= 3_000, 30_000);

      await broker!.stop();
      // The processor restarts (kafkajs' consumer fails) or gives its partitions up (librdkafka's
      // session times out). The view fails and reconnects (kafkajs) or waits for the broker (librdkafka).
      const gaveUp = () => counter.processor.state !== 'running' || Object.keys(counter.processor.stats().partitions).length === 0;
      await waitFor('the processor notices the broker is gone', () => assertAlive(counter) && gaveUp(), 60_000);
      const ackedBeforeRestart = load.ackedTotal;
      await broker!.restart();

      await waitFor('processor running again', () => assertAlive(counter) && counter.processor.state === 'running' && Object.keys(counter.processor.stats().partitions).length === 4, 60_000);
      await waitFor('view running again', () => view.state === 'running', 60_000);
      await waitFor('3k more messages acknowledged', () => load.ackedTotal >= ackedBeforeRestart + 3_000, 60_000);
      stopLoad.abort();
      await loading;

      // Everything in the input (acknowledged or not) processed and committed; the view has the final table.
      const admin = client.admin();
      await admin.connect();
      try {
        const written = (await admin.partitionOffsets(input)).reduce((n, o) => n + o.newest, 0);
        expect(written).toBeGreaterThanOrEqual(load.ackedTotal);
        await waitFor('every input record committed', async () => assertAlive(counter) && (await cluster.committedTotal(group, input)) === written, 60_000);
        await viewCaughtUp(view, admin);
      } finally {
        await admin.close();
      }
      const counts = await viewContents(view);
      expect(counts).toEqual(decodeCounts(await cluster.tableContents(`${group}-table`)));
      const result = compareCounts(counts, load.acked);
      expect(lost(result)).toEqual(NOTHING_LOST);
      expect(result.countedTotal).toBeGreaterThanOrEqual(load.ackedTotal);
      expect(counter.processor.state).toBe('running');
      expect(view.state).toBe('running');
    } finally {
      stopLoad.abort();
      await loading?.catch(() => undefined);
      await view.stop();
      await viewRun?.catch(() => undefined);
      await counter.stop();
      await emitter.finish().catch(() => undefined);
    }
    expect(await counter.outcome).toEqual({});
  });
});
