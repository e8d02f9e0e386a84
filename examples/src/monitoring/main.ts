/**
 * The monitoring example: the simplest example's counter, watched through the web monitor
 * (`@goka-ts/web`: monitor, query and actions pages) and Prometheus metrics (`@goka-ts/prometheus`,
 * served on `/metrics`). Without arguments it emits some messages, reads its own monitor API and
 * metrics, prints what they show and exits; with `--serve` it keeps both up (the monitor on `PORT`,
 * default 8080, the metrics on `METRICS_PORT`, default 9464) until Ctrl-C.
 */
import { Emitter, int64Codec, Processor, stringCodec, View } from '@goka-ts/core';
import { GokaMetrics } from '@goka-ts/prometheus';
import { createLimitedServer, MonitorServer } from '@goka-ts/web';
import { Registry } from 'prom-client';
import { createExampleClient, type ExampleClient } from '../client';
import { mainSettings, aborted, runMain, signalOnTermination, topicPrefix, type MainOptions } from '../cli';
import { Components } from '../components';
import { closeServer, listen } from '../http';
import { counterGroup } from '../simplest/counter';
import { waitFor } from '../wait';

/** The running app: processor, view and emitter, the monitor on `monitorUrl`, the metrics on `metricsUrl`. */
export interface MonitoredApp {
  readonly monitorUrl: string;
  readonly metricsUrl: string;
  readonly emitter: Emitter<string>;
  readonly view: View<number>;
  readonly failure: Promise<never>;
  stop(): Promise<void>;
}

export async function startMonitoring(kafka: ExampleClient, prefix: string, ports: { monitor: number; metrics: number }): Promise<MonitoredApp> {
  const topic = `${prefix}page-views`;
  const graph = counterGroup(`${prefix}page-counter`, topic);
  await kafka.ensureStreams([topic], 4);
  const components = new Components();
  const registry = new Registry();
  const metrics = new GokaMetrics({ registry });
  const monitor = new MonitorServer({ port: ports.monitor, title: 'goka-ts monitoring example' });
  const metricsServer = createLimitedServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      (error: Error) => res.writeHead(500).end(error.message),
    );
  });
  const emitter = new Emitter(topic, stringCodec, { client: kafka.client, logger: kafka.logger });
  const stop = async () => {
    try {
      await emitter.finish();
      await monitor.close();
      if (metricsServer.listening) await closeServer(metricsServer);
      metrics.close();
    } finally {
      await components.stop();
    }
  };
  try {
    const processor = new Processor(graph, kafka.processorOptions());
    components.start('processor', processor);
    await components.waitRunning();
    const view = new View(graph.tableTopic!, int64Codec, { client: kafka.client, logger: kafka.logger });
    components.start('view', view);
    await components.waitRunning();
    metrics.addProcessor(processor);
    metrics.addView(view);
    monitor.addProcessor(processor).addView(view);
    // An action operators can start from the actions page: count a page view for the given key.
    monitor.addAction('count-a-view', { description: 'emit one page view for the key given as value', run: (key) => emitter.emit(key || 'unknown', 'from the actions page').then(() => undefined) });
    const monitorUrl = await monitor.listen();
    const metricsPort = await listen(metricsServer, ports.metrics);
    return { monitorUrl, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, emitter, view, failure: components.failure, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** Emits `count` views over three pages, then prints what the monitor and the metrics say. */
export async function runMonitoringDemo(app: MonitoredApp, out: (line: string) => void, count = 9): Promise<void> {
  const pages = ['/home', '/products', '/cart'];
  for (let i = 0; i < count; i++) await app.emitter.emit(pages[i % pages.length], `visitor-${i}`);
  out(`emitted ${count} page views`);
  await Promise.race([
    waitFor(`${count} counted views`, async () => {
      let total = 0;
      for await (const [, n] of app.view.iterator()) total += n;
      return total === count;
    }),
    app.failure,
  ]);
  const components = (await (await fetch(`${app.monitorUrl}/api/components`)).json()) as {
    processors: Array<{ group: string; state: string; partitions: number }>;
    views: Array<{ table: string; state: string }>;
  };
  for (const p of components.processors) out(`monitor: processor ${p.group} is ${p.state} with ${p.partitions} partitions`);
  for (const v of components.views) out(`monitor: view ${v.table} is ${v.state}`);
  const table = components.views[0]!.table;
  const query = (await (await fetch(`${app.monitorUrl}/api/query?source=view:${encodeURIComponent(table)}&key=%2Fhome`)).json()) as { value: number };
  out(`monitor: /home has ${query.value} views`);
  const text = await (await fetch(app.metricsUrl)).text();
  const processed = text
    .split('\n')
    .filter((line) => line.startsWith('goka_processor_input_messages_total{'))
    .reduce((n, line) => n + Number(line.split(' ').at(-1)), 0);
  out(`metrics: goka_processor_input_messages_total adds up to ${processed}`);
}

export async function main(options: MainOptions = {}): Promise<void> {
  const { env, out, serve } = mainSettings(options);
  const kafka = createExampleClient({ env });
  try {
    out(`Running the monitoring example on ${kafka.description}`);
    const ports = serve ? { monitor: Number(env.PORT ?? 8080), metrics: Number(env.METRICS_PORT ?? 9464) } : { monitor: 0, metrics: 0 };
    const app = await startMonitoring(kafka, topicPrefix(kafka, env, 'monitoring', serve), ports);
    try {
      if (!serve) await runMonitoringDemo(app, out);
      else {
        out(`Monitor on ${app.monitorUrl}, metrics on ${app.metricsUrl} (Ctrl-C stops)`);
        await Promise.race([aborted(options.signal ?? signalOnTermination()), app.failure]);
      }
    } finally {
      await app.stop();
    }
  } finally {
    await kafka.close();
  }
}

if (require.main === module) runMain(main);
