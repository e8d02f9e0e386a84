import net from 'node:net';
import type { KafkaClient } from '@goka-ts/api';
import { heartbeatCodec, silentLogger, TopicManager, View, type Heartbeat } from '@goka-ts/core';
import { kafkajsClient } from '@goka-ts/kafkajs';
import { waitFor } from '../src/wait';
import { expectMessagingOutput } from './support/checks';
import { builtEntry, ChildRun, requireEnv, uniquePrefix } from './support/run';

// `node examples/dist/messaging/main.js` keeps the promises of @goka-ts/service (its README): signals,
// the grace period, exit codes and heartbeat tombstones. Child processes on the built dist.

const COMPONENTS = 11; // 5 processors, 3 views, 3 emitters: each writes heartbeats under its own key

/** The example as a child process with only PATH and `env` in its environment. */
function messaging(args: string[], env: Record<string, string> = {}): ChildRun {
  return new ChildRun(builtEntry('messaging'), args, { PATH: process.env.PATH, ...env });
}

/**
 * Opens a request to the example's API whose body never arrives: the server cannot close while it is
 * in flight, so the graceful stop waits for it (until the server's own request timeout, far longer
 * than these tests wait).
 */
async function holdRequest(base: string): Promise<net.Socket> {
  const { hostname, port } = new URL(base);
  const socket = net.connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => undefined); // reset when the process exits
  socket.write('POST /send HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"from"');
  return socket;
}

const serving = /Serving the HTTP API on (http:\/\/[\d.]+:\d+)/;

describe('the messaging example on the embedded Kafka', () => {
  const sockets: net.Socket[] = [];
  const runs: ChildRun[] = [];
  const start = (args: string[], env: Record<string, string> = {}) => {
    const run = messaging(args, env);
    runs.push(run);
    return run;
  };
  afterAll(() => {
    for (const socket of sockets) socket.destroy();
    for (const { child } of runs) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('a second SIGTERM cuts the graceful stop short: exit 1, saying so', async () => {
    const run = start(['--serve'], { PORT: '0' });
    const [, base] = await run.waitForLine(serving);
    sockets.push(await holdRequest(base));
    run.child.kill('SIGTERM');
    await run.waitForLine(/Stopping \.\.\.\n/);
    // The stop now waits for the held request; a moment later it is surely under way.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(run.child.exitCode).toBeNull();
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(1);
    expect(run.stderr).toBe('error: service "messaging": second SIGTERM while stopping (stop cut short)\n');
    expect(run.stdout).not.toContain('Stopped.');
  });

  it('--grace-period bounds the stop: one that does not finish in time is cut off after it, exit 1', async () => {
    const run = start(['--serve', '--grace-period', '1500'], { PORT: '0' });
    const [, base] = await run.waitForLine(serving);
    sockets.push(await holdRequest(base));
    const signalled = Date.now();
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(1);
    const took = Date.now() - signalled;
    expect(took).toBeGreaterThanOrEqual(1500);
    expect(took).toBeLessThan(10_000);
    expect(run.stderr).toBe('error: service "messaging": stop did not finish within 1500 ms (stop cut short)\n');
  });

  it('a bad flag or setting exits 2 with a message naming it; --help exits 0', async () => {
    const cases: [string[], Record<string, string>, string][] = [
      [['--bogus'], {}, "error: Unknown option '--bogus' (see --help)\n"],
      [['--grace-period', 'soon'], {}, 'error: --grace-period: must be an integer from 1 to 9007199254740991, got "soon"\n'],
      [['--serve'], { PORT: 'eighty' }, 'error: PORT must be a port number, got "eighty"\n'],
      [[], { KAFKA_BROKERS: 'nohost' }, 'error: KAFKA_BROKERS: "nohost" is not host:port\n'],
    ];
    for (const [args, env, message] of cases) {
      const run = start(args, env);
      expect(await run.exited).toBe(2);
      expect(run.stderr).toBe(message);
      expect(run.stdout).toBe('');
    }
    const help = start(['--help']);
    expect(await help.exited).toBe(0);
    expect(help.stdout).toMatch(/^Usage: messaging \[flags\]\n[\s\S]*--grace-period <value>[\s\S]*--serve /);
  });

  it('an HTTP API that cannot listen fails the service naming it: exit 1', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const run = start(['--serve'], { PORT: String((taken.address() as net.AddressInfo).port) });
      expect(await run.exited).toBe(1);
      expect(run.stderr).toMatch(/^error: task "http-api" failed: listen EADDRINUSE/m);
    } finally {
      taken.close();
    }
  });
});

// Heartbeats of a child process on the embedded Kafka cannot be read from outside it: these run on the broker.
describe('the messaging example on the broker in KAFKA_BROKERS: a tombstone for every heartbeat it wrote', () => {
  let client: KafkaClient;
  let beats: View<Heartbeat>;
  const beatsTopic = `${uniquePrefix('examples-beats')}heartbeats`;

  beforeAll(async () => {
    client = kafkajsClient({ brokers: requireEnv('KAFKA_BROKERS').split(',') });
    const manager = await TopicManager.connect(client, { logger: silentLogger });
    await manager.ensureTable(beatsTopic, 1);
    await manager.close();
    beats = new View(beatsTopic, heartbeatCodec, { client, logger: silentLogger });
    void beats.run();
    await beats.waitRunning();
  });

  afterAll(async () => {
    await beats?.stop();
  });

  /** Starts the example writing heartbeats to the test's topic, and collects every key it is seen writing. */
  function beating(name: string, args: string[], env: Record<string, string> = {}): { run: ChildRun; service: string; seen: Set<string>; stopWatching: () => void } {
    const service = uniquePrefix(`messaging-${name}`).slice(0, -1);
    const run = messaging(['--service', service, '--instance', 'a', '--heartbeat-topic', beatsTopic, '--heartbeat-interval', '300', ...args], {
      KAFKA_BROKERS: requireEnv('KAFKA_BROKERS'),
      TOPIC_PREFIX: uniquePrefix(`examples-${name}`),
      ...env,
    });
    const seen = new Set<string>();
    const timer = setInterval(() => {
      void (async () => {
        for await (const [key] of beats.iterator()) if (key.startsWith(`${service}/a/`)) seen.add(key);
      })();
    }, 100);
    return { run, service, seen, stopWatching: () => clearInterval(timer) };
  }

  async function expectTombstones(service: string, seen: ReadonlySet<string>): Promise<void> {
    expect(seen.size).toBe(COMPONENTS);
    await waitFor('a tombstone for every heartbeat key', async () => {
      for (const key of seen) if ((await beats.get(key)) !== undefined) return false;
      return true;
    }, { timeoutMs: 10_000 });
    for await (const [key] of beats.iterator()) expect(key.startsWith(`${service}/`)).toBe(false);
  }

  it('the first SIGTERM stops --serve gracefully: exit 0, every component\'s heartbeat deleted', async () => {
    const { run, service, seen, stopWatching } = beating('term', ['--serve'], { PORT: '0' });
    try {
      await run.waitForLine(serving, 60_000);
      await waitFor(`heartbeats of all ${COMPONENTS} components`, () => seen.size === COMPONENTS, { timeoutMs: 10_000 });
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      stopWatching();
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
    }
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/Stopping \.\.\.\nStopped\.\n$/);
    await expectTombstones(service, seen);
  });

  it('the demo run (pnpm start) ends with a clean stop: exit 0, its output, every heartbeat deleted', async () => {
    const { run, service, seen, stopWatching } = beating('demo', []);
    try {
      expect(await run.exited).toBe(0);
    } finally {
      stopWatching();
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
    }
    expect(run.stderr).toBe('');
    expectMessagingOutput(run.stdout);
    await expectTombstones(service, seen);
  });
});
