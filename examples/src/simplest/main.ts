/**
 * The simplest example: an emitter writes a few messages, a processor counts them per key in its
 * group table, and a view reads the counts. Prints them and exits.
 */
import { Emitter, int64Codec, Processor, stringCodec, View } from '@goka-ts/core';
import { createExampleClient, type ExampleClient } from '../client';
import { mainSettings, runMain, topicPrefix, type MainOptions } from '../cli';
import { Components } from '../components';
import { waitFor } from '../wait';
import { counterGroup } from './counter';

/** Emits `messages` messages round-robin over `keys` and returns the counts the view ends up with. */
export async function runSimplest(kafka: ExampleClient, prefix: string, out: (line: string) => void, keys = ['user-a', 'user-b', 'user-c'], messages = 10): Promise<Map<string, number>> {
  const topic = `${prefix}example-stream`;
  const graph = counterGroup(`${prefix}example-group`, topic);
  await kafka.ensureStreams([topic], 4);

  const components = new Components();
  const emitter = new Emitter(topic, stringCodec, { client: kafka.client, logger: kafka.logger });
  try {
    // The processor creates its table topic; start it before the view, which only reads it.
    components.start('processor', new Processor(graph, kafka.processorOptions()));
    await components.waitRunning();
    const view = new View(graph.tableTopic!, int64Codec, { client: kafka.client, logger: kafka.logger });
    components.start('view', view);
    await components.waitRunning();

    for (let i = 0; i < messages; i++) {
      const key = keys[i % keys.length];
      await emitter.emit(key, `message ${i}`);
      out(`emitted ${key}: "message ${i}"`);
    }

    // Processing is asynchronous: wait until the view has seen every count.
    const counts = new Map<string, number>();
    await Promise.race([
      waitFor(`${messages} counted messages in the view`, async () => {
        counts.clear();
        for await (const [key, count] of view.iterator()) counts.set(key, count);
        return [...counts.values()].reduce((sum, count) => sum + count, 0) === messages;
      }),
      components.failure,
    ]);
    for (const [key, count] of [...counts].sort(([a], [b]) => a.localeCompare(b))) out(`${key} has ${count} messages`);
    return counts;
  } finally {
    try {
      await emitter.finish();
    } finally {
      await components.stop();
    }
  }
}

export async function main(options: MainOptions = {}): Promise<void> {
  const { env, out } = mainSettings(options);
  const kafka = createExampleClient({ env });
  try {
    out(`Running the simplest example on ${kafka.description}`);
    await runSimplest(kafka, topicPrefix(kafka, env, 'simplest'), out);
  } finally {
    await kafka.close();
  }
}

if (require.main === module) runMain(main);
