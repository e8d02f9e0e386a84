import { main as clicksMain } from '../src/clicks/main';
import { main as deferredMain } from '../src/deferred-commit/main';
import { main as messagingMain } from '../src/messaging/main';
import { main as monitoringMain } from '../src/monitoring/main';
import { main as redisMain } from '../src/redis-storage/main';
import { main as simplestMain } from '../src/simplest/main';
import { expectClicksOutput, expectDeferredCommitOutput, expectMessagingOutput, expectMonitoringOutput, expectRedisStorageOutput, expectSimplestOutput } from './support/checks';
import { builtEntry, ChildRun, embeddedEnv, requireEnv, runMain } from './support/run';

// Every example on the embedded in-memory Kafka (no KAFKA_BROKERS), run in-process.
const env = embeddedEnv();

it('simplest counts the emitted messages per key', async () => {
  expectSimplestOutput(await runMain(simplestMain, { env }));
});

it('clicks serves the counts over HTTP', async () => {
  expectClicksOutput(await runMain(clicksMain, { env }));
});

it('deferred-commit sends every mail and commits every order', async () => {
  expectDeferredCommitOutput(await runMain(deferredMain, { env }));
});

it('redis-storage keeps the table in Redis across processor instances (embedded Kafka, real Redis in REDIS_URL)', async () => {
  expectRedisStorageOutput(await runMain(redisMain, { env: { ...env, REDIS_URL: requireEnv('REDIS_URL') } }));
});

it('monitoring serves the monitor and the metrics of a counter', async () => {
  expectMonitoringOutput(await runMain(monitoringMain, { env }));
});

it('messaging runs the quick start', async () => {
  const lines = await runMain(messagingMain, { env });
  expectMessagingOutput(lines.join('\n') + '\n');
});

describe('the quick start as `node examples/dist/messaging/main.js` (needs a build)', () => {
  it('runs the demo on the embedded Kafka, prints what happened and exits 0', async () => {
    const run = new ChildRun(builtEntry('messaging'), [], embeddedEnv());
    expect(await run.exited).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('Starting the messaging example on the embedded in-memory Kafka');
    expectMessagingOutput(run.stdout);
  });

  it('with --serve serves the HTTP API until SIGTERM, then stops gracefully with exit code 0', async () => {
    const run = new ChildRun(builtEntry('messaging'), ['--serve'], embeddedEnv({ PORT: '0' }));
    try {
      const [, base] = await run.waitForLine(/Serving the HTTP API on (http:\/\/[\d.]+:\d+)/);
      const send = await fetch(`${base}/send`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ from: 'ann', to: 'ben', content: 'hi ben' }),
      });
      expect(send.status).toBe(202);
      const bad = await fetch(`${base}/send`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{oops' });
      expect(bad.status).toBe(400);
      let feed: unknown;
      for (let i = 0; i < 200; i++) {
        feed = await (await fetch(`${base}/ben/feed`)).json();
        if ((feed as { messages: unknown[] }).messages.length > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(feed).toEqual({ user: 'ben', messages: [{ from: 'ann', to: 'ben', content: 'hi ben' }] });
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).toBe(0);
    expect(run.stdout).toMatch(/Stopping \.\.\.\nStopped\.\n$/);
    expect(run.stderr).toBe('');
  });
});
