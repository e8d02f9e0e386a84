import type http from 'node:http';
import { int64Codec, Processor, silentLogger, TopicManager, View } from '@goka-ts/core';
import { Service } from '@goka-ts/service';
import { Tester } from '@goka-ts/tester';
import { MonitorServer } from '@goka-ts/web';
import { closeServer, listen } from '../src/http';
import { createMessagingServer } from '../src/messaging/api';
import { MessagingApp } from '../src/messaging/app';
import { messagingTopics } from '../src/messaging/topics';
import { counterGroup } from '../src/simplest/counter';
import { fuzz, fuzzCase, KNOWN_BAD_TARGETS, sendRaw, type FuzzSurface } from './support/http_fuzz';

// Every HTTP surface of goka-ts, fuzzed over raw TCP with malformed targets, headers and bodies: no
// answer may be a 5xx, none may take longer than the timeout, and the server must serve a normal
// request afterwards. The servers run in this process: an uncaught exception or unhandled rejection
// in one fails the test (jest reports it), as it would kill an app. Replay a failure with
// HTTP_FUZZ_SEED=<seed> and fuzzCase(surface, seed, index); HTTP_FUZZ_CASES sets the cases per surface.
const SEED = Number(process.env.HTTP_FUZZ_SEED ?? 22);
const CASES = Number(process.env.HTTP_FUZZ_CASES ?? 1500);

const portOf = (base: string) => Number(new URL(base).port);

/** Fuzzes `surface` on `port` and checks the answers and that `healthy` is still served with 200. */
async function fuzzAndCheck(port: number, surface: FuzzSurface, healthy: string): Promise<void> {
  const known = await Promise.all(KNOWN_BAD_TARGETS.map((target) => sendRaw(port, Buffer.from(`GET ${target} HTTP/1.1\r\nHost: ${surface.host}\r\nConnection: close\r\n\r\n`, 'latin1'), 10_000)));
  expect(known.filter((k) => k.timedOut || k.statuses.length === 0 || k.statuses.some((s) => s >= 500))).toEqual([]);

  const result = await fuzz(port, surface, { seed: SEED, count: CASES });
  if (process.env.DBG) console.log(JSON.stringify({ statusCounts: result.statusCounts, unanswered: result.unanswered }));
  expect(result.failures).toEqual([]);
  // A fuzzer whose requests never got past the parser would test little: most must be answered.
  const answered = Object.values(result.statusCounts).reduce((a, b) => a + b, 0);
  expect(answered).toBeGreaterThan(CASES * 0.8);
  expect(Object.keys(result.statusCounts).map(Number).some((s) => s < 300)).toBe(true);

  const res = await fetch(`http://${surface.host}${healthy}`);
  expect(res.status).toBe(200);
}

const monitorPaths = (group: string, table: string, action: string) => [
  '/', '/query', '/actions', '/fleet', `/processors/${group}`, `/views/${table}`, '/api/components', `/api/processors/${group}`, `/api/views/${table}`,
  `/api/query?source=view:${table}&key=ann`, `/api/query?source=processor:${group}&key=ann`, '/api/query?source=view:&key=', '/api/actions', '/api/fleet',
  `/api/actions/${action}/start`, `/api/actions/${action}/stop`,
];

describe('HTTP fuzzing', () => {
  it('case i of seed s is always the same request', () => {
    const surface: FuzzSurface = { host: '127.0.0.1:1', paths: ['/a', '/b?c=d'], bodyPaths: ['/a'] };
    for (let i = 0; i < 50; i++) expect(fuzzCase(surface, 7, i)).toEqual(fuzzCase(surface, 7, i));
    expect(fuzzCase(surface, 7, 1)).not.toEqual(fuzzCase(surface, 8, 1));
  });

  it('the web monitor (with a token, so action bodies are read)', async () => {
    const token = 'fuzz-token-0123456789';
    const t = new Tester({ partitions: 3 });
    const graph = counterGroup('fuzz-clicks', 'fuzz-clicks-in');
    const processor = new Processor(graph, t.processorOptions());
    await t.start(processor);
    const view = new View(graph.tableTopic!, int64Codec, t.viewOptions());
    await t.start(view);
    await t.feed('fuzz-clicks-in', 'ann', 'x');
    const monitor = new MonitorServer({ token }).addProcessor(processor).addView(view).addAction('noop', { run: () => undefined });
    const base = await monitor.listen();
    try {
      const port = portOf(base);
      // The targets issue 22 reported, answered as paths, never as hosts.
      const target = async (path: string) => (await sendRaw(port, Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`), 5000)).statuses;
      expect(await target('//%')).toEqual([400]);
      expect(await target('//x:99999/')).toEqual([404]);
      expect(await target('//[')).toEqual([404]);
      expect(await target('////')).toEqual([200]);
      const components = await fetch(`${base}//api/components`);
      expect(await components.json()).toMatchObject({ processors: [{ group: 'fuzz-clicks' }] });

      await fuzzAndCheck(port, { host: `127.0.0.1:${port}`, paths: monitorPaths('fuzz-clicks', graph.tableTopic!, 'noop'), bodyPaths: ['/api/actions/noop/start'], bodyHeaders: { Authorization: `Bearer ${token}` } }, '/api/components');
    } finally {
      await monitor.close();
      await t.close();
    }
  });

  it("a service's web server (monitor, health, metrics, profiling)", async () => {
    const service = await Service.create({ argv: ['--web-port', '0', '--heartbeat-interval', '0', '--log-level', 'silent'], env: {}, defaults: { service: 'fuzz-service' } });
    const graph = counterGroup('fuzz-service-counter', 'fuzz-service-in');
    const topics = await TopicManager.connect(service.client, { logger: silentLogger });
    await topics.ensureStream('fuzz-service-in', 2);
    await topics.close();
    service.processor(graph);
    service.viewOf(graph);
    await service.start();
    try {
      const port = portOf(service.url!);
      const paths = [...monitorPaths(graph.group, graph.tableTopic!, 'none'), '/healthz', '/readyz', '/metrics', '/debug/profile?seconds=1', '/debug/heap'];
      await fuzzAndCheck(port, { host: `127.0.0.1:${port}`, paths, bodyPaths: ['/api/actions/none/start', '/healthz'] }, '/readyz');
    } finally {
      await service.stop();
    }
  });

  it("the messaging example's HTTP API", async () => {
    const service = await Service.create({ argv: [], env: {}, defaults: { service: 'messaging-fuzz' } });
    const app = await MessagingApp.start({ service, topics: messagingTopics('fuzz-'), spamRule: { minSent: 100, maxSentRate: 1 } });
    const server: http.Server = createMessagingServer(app);
    try {
      const port = await listen(server, 0);
      const raw = await sendRaw(port, Buffer.from('GET //% HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), 5000);
      expect(raw.statuses).toEqual([400]);
      const paths = ['/send', '/block', '/translate', '/translations', '/ann/feed', '/ann/blocked', '/', '/%C3%A9/feed'];
      await fuzzAndCheck(port, { host: `127.0.0.1:${port}`, paths, bodyPaths: ['/send', '/block', '/translate'] }, '/translations');
    } finally {
      await closeServer(server);
      await app.stop();
    }
  });
});
