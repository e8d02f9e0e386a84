import { main as clicksMain } from '../src/clicks/main';
import { main as deferredMain } from '../src/deferred-commit/main';
import { main as messagingMain } from '../src/messaging/main';
import { main as monitoringMain } from '../src/monitoring/main';
import { main as redisMain } from '../src/redis-storage/main';
import { main as simplestMain } from '../src/simplest/main';
import { waitFor } from '../src/wait';
import { expectClicksOutput, expectDeferredCommitOutput, expectMessagingOutput, expectMonitoringOutput, expectRedisStorageOutput, expectSimplestOutput } from './support/checks';
import { requireEnv, runMain, uniquePrefix } from './support/run';

// Every example against the real broker in KAFKA_BROKERS (set by the test runner), on topics of its own.
const env = (name: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  KAFKA_BROKERS: requireEnv('KAFKA_BROKERS'),
  TOPIC_PREFIX: uniquePrefix(`examples-${name}`),
  ...extra,
});

it('simplest', async () => {
  const lines = await runMain(simplestMain, { env: env('simplest') });
  expect(lines[0]).toMatch(/^Running the simplest example on Kafka at /);
  expectSimplestOutput(lines);
});

it('clicks', async () => {
  expectClicksOutput(await runMain(clicksMain, { env: env('clicks') }));
});

it('deferred-commit', async () => {
  expectDeferredCommitOutput(await runMain(deferredMain, { env: env('deferred') }));
});

it('redis-storage (also needs REDIS_URL)', async () => {
  expectRedisStorageOutput(await runMain(redisMain, { env: env('redis', { REDIS_URL: requireEnv('REDIS_URL') }) }));
});

it('monitoring', async () => {
  expectMonitoringOutput(await runMain(monitoringMain, { env: env('monitoring') }));
});

it('messaging quick start', async () => {
  const lines = await runMain(messagingMain, { env: env('messaging') });
  expect(lines[0]).toMatch(/^Starting the messaging example on Kafka at /);
  expectMessagingOutput(lines.join('\n') + '\n');
});

it('messaging with --serve: the HTTP API until the stop signal', async () => {
  const lines: string[] = [];
  const controller = new AbortController();
  const running = messagingMain({ argv: ['--serve'], env: env('serve', { PORT: '0' }), out: (line) => lines.push(line), signal: controller.signal });
  try {
    let base: string | undefined;
    await Promise.race([
      running.then(() => Promise.reject(new Error(`main ended before serving:\n${lines.join('\n')}`))),
      waitFor('the server', () => (base = lines.map((line) => /Serving the HTTP API on (\S+) /.exec(line)?.[1]).find(Boolean)) !== undefined),
    ]);
    const post = (path: string, body: unknown) =>
      fetch(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/translate', { word: 'hello', translation: 'hallo' })).status).toBe(202);
    await waitFor('the translation', async () => ((await (await fetch(`${base}/translations`)).json()) as Record<string, string>).hello === 'hallo');
    // The filter reads translations through a copy of its own, which the API cannot see: send words
    // without a translation (the unit and API tests cover translation with proper waiting).
    expect((await post('/send', { from: 'ann', to: 'ben', content: 'hi ben' })).status).toBe(202);
    expect((await post('/send', { from: 'ann' })).status).toBe(400);
    let feed: { messages: unknown[] } = { messages: [] };
    await waitFor('the message in the feed', async () => (feed = (await (await fetch(`${base}/ben/feed`)).json()) as typeof feed).messages.length > 0);
    expect(feed).toEqual({ user: 'ben', messages: [{ from: 'ann', to: 'ben', content: 'hi ben' }] });
  } finally {
    controller.abort();
    await running;
  }
  expect(lines.slice(-2)).toEqual(['Stopping ...', 'Stopped.']);
});
