/**
 * The messaging example, the quick start of goka-ts (`pnpm start`), as a `@goka-ts/service`.
 *
 * Without arguments it starts the app on the embedded in-memory Kafka (or the broker in
 * `KAFKA_BROKERS`, `GOKA_BROKERS` or `--brokers`), sends some traffic through it, prints what happened
 * and exits. With `--serve` it keeps running and serves the HTTP API on `PORT` (default 8080) until
 * SIGINT/SIGTERM. Every flag of the service works too (`--help` lists them), e.g. `--web-port 9095`
 * for the monitor, `/healthz`, `/readyz` and `/metrics`, or `--storage leveldb`.
 *
 * `serviceMain` runs it, so it keeps the service's promises: the demo and the HTTP API are tasks of
 * the service, a second signal or `--grace-period` cuts the stop short (exit 1, saying so), a clean
 * stop (the signal, or the demo's end) leaves a heartbeat tombstone per component, a bad flag or
 * setting exits 2.
 */
import { ConfigError, serviceMain, type ServiceExit } from '@goka-ts/service';
import { parseBrokers } from '../client';
import { aborted, outputSettings, topicPrefix, type MainOptions } from '../cli';
import { closeServer, listen } from '../http';
import { createMessagingServer } from './api';
import { MessagingApp } from './app';
import { runDemo } from './demo';
import { DEFAULT_SPAM_RULE } from './detector';
import { messagingTopics } from './topics';

const EXTRA_FLAGS = { serve: { type: 'boolean', description: 'keep running and serve the HTTP API on PORT (default 8080)' } } as const;

/**
 * Runs the example in-process (tests): resolves after a clean stop, rejects with the error of any
 * other end, a usage error included; `options.signal` stops it as SIGTERM would.
 */
export async function main(options: MainOptions = {}): Promise<void> {
  const exit = await runMessaging(options, false);
  if (exit.code !== 0) throw exit.error;
}

/**
 * The messaging service: `serviceMain` with the app's components and, as its task, the demo or (with
 * `--serve`) the HTTP API. `exitProcess` is false in-process, where errors are the caller's to report.
 */
async function runMessaging(options: MainOptions, exitProcess: boolean): Promise<ServiceExit> {
  // The service reads the command line (its flags and --serve).
  const { env, out } = outputSettings(options);
  // KAFKA_BROKERS is what every example reads; the service's own GOKA_BROKERS and --brokers win over it.
  let brokers: string[] | undefined;
  let brokersError: ConfigError | undefined;
  try {
    brokers = parseBrokers(env.KAFKA_BROKERS);
  } catch (error) {
    // Reported by build, where serviceMain turns a ConfigError into exit code 2 like a bad flag.
    brokersError = new ConfigError((error as Error).message);
  }
  let started = false;
  const exit = await serviceMain(
    {
      argv: options.argv ?? [],
      env,
      defaults: { service: 'messaging', brokers },
      extraFlags: EXTRA_FLAGS,
      usage: 'messaging',
      out,
      ...(exitProcess ? {} : { err: () => undefined }),
      exitProcess,
    },
    async (service, extra) => {
      if (brokersError) throw brokersError;
      started = true;
      const serve = extra.serve === true;
      const port = serve ? parsePort(env.PORT) : 0;
      const embedded = service.config.client === 'memory';
      const topics = messagingTopics(topicPrefix({ embedded }, env, 'messaging', serve));
      out(`Starting the messaging example on ${embedded ? 'the embedded in-memory Kafka' : `Kafka at ${service.config.brokers.join(',')}`} (topics "${topics.sent}", "${topics.received}", ...)`);
      const app = await MessagingApp.create({ service, topics, spamRule: DEFAULT_SPAM_RULE });
      options.signal?.addEventListener('abort', () => void service.stop(), { once: true });
      service.task(serve ? 'http-api' : 'demo', async (signal) => {
        if (service.url) out(`Monitor, /healthz, /readyz and /metrics on ${service.url}`);
        if (serve) await serveApi(app, { port, host: env.HOST ?? '127.0.0.1' }, out, signal);
        else await demo(app, out);
      });
    },
  );
  if (started && exit.code === 0) out('Stopped.');
  return exit;
}

/** The demo's end ends the service (a task that returns stops it cleanly). */
async function demo(app: MessagingApp, out: (line: string) => void): Promise<void> {
  try {
    await runDemo(app, DEFAULT_SPAM_RULE.minSent, out);
  } finally {
    out('Stopping ...');
  }
}

/** Serves the HTTP API until the service stops; requests in flight still reach the emitters. */
async function serveApi(app: MessagingApp, at: { port: number; host: string }, out: (line: string) => void, signal: AbortSignal): Promise<void> {
  const server = createMessagingServer(app);
  const bound = await listen(server, at.port, at.host);
  try {
    const base = `http://${at.host}:${bound}`;
    out(`Serving the HTTP API on ${base} (Ctrl-C stops). Try:`);
    out(`  curl -X POST ${base}/translate -H 'Content-Type: application/json' -d '{"word":"hello","translation":"hallo"}'`);
    out(`  curl -X POST ${base}/send -H 'Content-Type: application/json' -d '{"from":"alice","to":"bob","content":"hello bob"}'`);
    out(`  curl ${base}/bob/feed`);
    out(`  curl -X POST ${base}/block -H 'Content-Type: application/json' -d '{"user":"alice"}'`);
    await aborted(signal);
    out('Stopping ...');
  } finally {
    await closeServer(server);
  }
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return 8080;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be a port number, got ${JSON.stringify(value)}`);
  return port;
}

if (require.main === module) void runMessaging({ argv: process.argv.slice(2) }, true);
