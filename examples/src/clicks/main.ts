/**
 * The clicks example: a processor counts clicks per user and an HTTP endpoint serves the counts from a
 * view (`GET /:user`). Without arguments it emits some clicks, queries its own endpoint, prints the
 * answers and exits; with `--serve` it keeps emitting a click a second and serves on `PORT` (8080).
 */
import { Emitter, Processor, View } from '@goka-ts/core';
import { createExampleClient, type ExampleClient } from '../client';
import { mainSettings, aborted, runMain, signalOnTermination, topicPrefix, type MainOptions } from '../cli';
import { Components } from '../components';
import { closeServer, listen } from '../http';
import { waitFor } from '../wait';
import { clickCodec, clicksGroup, userClicksCodec, type Click } from './group';
import { createClicksServer } from './server';

const USERS = ['user-0', 'user-1', 'user-2'];
const PAGES = ['/home', '/products', '/cart'];

/** A running clicks app: processor and view, the click emitter, and the HTTP server on `url`. */
export interface ClicksApp {
  readonly url: string;
  readonly emitter: Emitter<Click>;
  readonly view: View<{ clicks: number; lastPage: string }>;
  readonly failure: Promise<never>;
  stop(): Promise<void>;
}

export async function startClicks(kafka: ExampleClient, prefix: string, port: number): Promise<ClicksApp> {
  const topic = `${prefix}user-clicks`;
  const graph = clicksGroup(`${prefix}clicks`, topic);
  await kafka.ensureStreams([topic], 4);
  const components = new Components();
  try {
    components.start('processor', new Processor(graph, kafka.processorOptions()));
    await components.waitRunning();
    const view = new View(graph.tableTopic!, userClicksCodec, { client: kafka.client, logger: kafka.logger });
    components.start('view', view);
    await components.waitRunning();
    const server = createClicksServer(view);
    const bound = await listen(server, port);
    const emitter = new Emitter(topic, clickCodec, { client: kafka.client, logger: kafka.logger });
    return {
      url: `http://127.0.0.1:${bound}`,
      emitter,
      view,
      failure: components.failure,
      stop: async () => {
        try {
          await emitter.finish();
          await closeServer(server);
        } finally {
          await components.stop();
        }
      },
    };
  } catch (error) {
    await components.stop().catch(() => undefined);
    throw error;
  }
}

/** Emits `count` clicks round-robin over users and pages, then queries the endpoint for each user. */
export async function runClicksDemo(app: ClicksApp, out: (line: string) => void, count = 12): Promise<Record<string, unknown>> {
  for (let i = 0; i < count; i++) await app.emitter.emit(USERS[i % USERS.length], { page: PAGES[i % PAGES.length] });
  out(`emitted ${count} clicks for ${USERS.join(', ')}`);
  await Promise.race([
    waitFor(`${count} clicks in the view`, async () => {
      let total = 0;
      for await (const [, value] of app.view.iterator()) total += value.clicks;
      return total === count;
    }),
    app.failure,
  ]);
  const answers: Record<string, unknown> = {};
  for (const user of [...USERS, 'nobody']) {
    const response = await fetch(`${app.url}/${user}`);
    answers[user] = await response.json();
    out(`GET /${user} -> ${response.status} ${JSON.stringify(answers[user])}`);
  }
  return answers;
}

export async function main(options: MainOptions = {}): Promise<void> {
  const { env, out, serve } = mainSettings(options);
  const kafka = createExampleClient({ env });
  try {
    out(`Running the clicks example on ${kafka.description}`);
    const app = await startClicks(kafka, topicPrefix(kafka, env, 'clicks', serve), serve ? Number(env.PORT ?? 8080) : 0);
    try {
      if (!serve) {
        await runClicksDemo(app, out);
      } else {
        out(`Serving clicks on ${app.url}/:user, e.g. ${app.url}/user-0 (a click a second; Ctrl-C stops)`);
        // A failed emit means the app is broken: stop serving with that error instead of logging it.
        let fail!: (error: unknown) => void;
        const emitFailure = new Promise<never>((_, reject) => (fail = reject));
        let i = 0;
        const timer = setInterval(() => {
          i++;
          app.emitter.emit(USERS[i % USERS.length], { page: PAGES[i % PAGES.length] }).catch(fail);
        }, 1000);
        try {
          await Promise.race([aborted(options.signal ?? signalOnTermination()), app.failure, emitFailure]);
        } finally {
          clearInterval(timer);
        }
      }
    } finally {
      await app.stop();
    }
  } finally {
    await kafka.close();
  }
}

if (require.main === module) runMain(main);
