/**
 * The messaging example, the quick start of goka-ts (`pnpm start`), as a `@goka-ts/service`.
 *
 * Without arguments it starts the app on the embedded in-memory Kafka (or the broker in
 * `KAFKA_BROKERS`, `GOKA_BROKERS` or `--brokers`), sends some traffic through it, prints what happened
 * and exits. With `--serve` it keeps running and serves the HTTP API on `PORT` (default 8080) until
 * SIGINT/SIGTERM. Every flag of the service works too (`--help` lists them), e.g. `--web-port 9095`
 * for the monitor, `/healthz`, `/readyz` and `/metrics`, or `--storage leveldb`.
 */
import { parseServiceConfig, Service, serviceHelp } from '@goka-ts/service';
import { parseBrokers } from '../client';
import { mainSettings, aborted, runMain, signalOnTermination, topicPrefix, type MainOptions } from '../cli';
import { closeServer, listen } from '../http';
import { createMessagingServer } from './api';
import { MessagingApp } from './app';
import { runDemo } from './demo';
import { DEFAULT_SPAM_RULE } from './detector';
import { messagingTopics } from './topics';

const EXTRA_FLAGS = { serve: { type: 'boolean', description: 'keep running and serve the HTTP API on PORT (default 8080)' } } as const;

export async function main(options: MainOptions = {}): Promise<void> {
  const { env, out } = mainSettings(options);
  const parsed = parseServiceConfig({
    argv: options.argv ?? [],
    env,
    // KAFKA_BROKERS is what every example reads; the service's own GOKA_BROKERS and --brokers win over it.
    defaults: { service: 'messaging', brokers: parseBrokers(env.KAFKA_BROKERS) },
    extraFlags: EXTRA_FLAGS,
  });
  if (parsed.help) return out(serviceHelp('messaging', EXTRA_FLAGS));
  const serve = parsed.extra.serve === true;
  const { config } = parsed;
  const service = await Service.fromConfig(config);
  const embedded = config.client === 'memory';
  const topics = messagingTopics(topicPrefix({ embedded }, env, 'messaging', serve));
  out(`Starting the messaging example on ${embedded ? 'the embedded in-memory Kafka' : `Kafka at ${config.brokers.join(',')}`} (topics "${topics.sent}", "${topics.received}", ...)`);
  const app = await MessagingApp.start({ service, topics, spamRule: DEFAULT_SPAM_RULE });
  try {
    if (service.url) out(`Monitor, /healthz, /readyz and /metrics on ${service.url}`);
    if (serve) await serveApi(app, env, out, options.signal ?? signalOnTermination());
    else await Promise.race([runDemo(app, DEFAULT_SPAM_RULE.minSent, out), app.failure]);
  } finally {
    out('Stopping ...');
    await app.stop();
  }
  out('Stopped.');
}

async function serveApi(app: MessagingApp, env: NodeJS.ProcessEnv, out: (line: string) => void, signal: AbortSignal): Promise<void> {
  const port = parsePort(env.PORT);
  const server = createMessagingServer(app);
  const bound = await listen(server, port, env.HOST ?? '127.0.0.1');
  const base = `http://${env.HOST ?? '127.0.0.1'}:${bound}`;
  out(`Serving the HTTP API on ${base} (Ctrl-C stops). Try:`);
  out(`  curl -X POST ${base}/translate -H 'Content-Type: application/json' -d '{"word":"hello","translation":"hallo"}'`);
  out(`  curl -X POST ${base}/send -H 'Content-Type: application/json' -d '{"from":"alice","to":"bob","content":"hello bob"}'`);
  out(`  curl ${base}/bob/feed`);
  out(`  curl -X POST ${base}/block -H 'Content-Type: application/json' -d '{"user":"alice"}'`);
  try {
    await Promise.race([aborted(signal), app.failure]);
  } finally {
    await closeServer(server);
  }
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return 8080;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got ${JSON.stringify(value)}`);
  return port;
}

if (require.main === module) runMain(main);
