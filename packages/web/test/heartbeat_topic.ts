import type { KafkaClient } from '@goka-ts/api';
import { bytesCodec, Emitter, heartbeatCodec, heartbeatKey, silentLogger, TopicManager, type Heartbeat } from '@goka-ts/core';
import { kafkajsClient } from '@goka-ts/kafkajs';
import { brokersFromEnv, uniqueName } from '@goka-ts/conformance';

/** A heartbeat of a processor with no topics, running now; `fields` override. */
export function heartbeat(fields: Partial<Heartbeat>): Heartbeat {
  return {
    version: 1,
    service: 'svc',
    instance: 'i1',
    kind: 'processor',
    name: 'group',
    topics: { inputs: [], outputs: [], joins: [], lookups: [] },
    state: 'running',
    partitions: [0],
    lag: 0,
    at: Date.now(),
    intervalMs: 60_000,
    ...fields,
  };
}

/**
 * A fresh compacted heartbeat topic on the real broker and a real producer writing to it: heartbeats
 * as the service's writer encodes them, tombstones, and raw bytes that are no heartbeat.
 */
export async function heartbeatTopic(prefix: string) {
  const topic = uniqueName(prefix);
  const client: KafkaClient = kafkajsClient({ brokers: brokersFromEnv() });
  const manager = await TopicManager.connect(client, { logger: silentLogger });
  try {
    await manager.ensureTable(topic, 1);
  } finally {
    await manager.close();
  }
  const producer = new Emitter(topic, bytesCodec, { client, logger: silentLogger });
  await producer.start();
  return {
    topic,
    client,
    async beat(...beats: Heartbeat[]): Promise<void> {
      for (const b of beats) await producer.emitSync(heartbeatKey(b), heartbeatCodec.encode(b));
    },
    async tombstone(b: Heartbeat): Promise<void> {
      await producer.emitSync(heartbeatKey(b), null);
    },
    async raw(key: string, value: string): Promise<void> {
      await producer.emitSync(key, Buffer.from(value));
    },
    close: () => producer.finish(),
  };
}
