import type { Admin, KafkaMessage, MessageBatch, Producer } from '@goka-ts/api';
import { brokersFromEnv, sleep, uniqueName, waitFor as sharedWaitFor } from '@goka-ts/conformance';
import { confluentClient, type ConfluentClientOptions, type ConfluentKafkaClient } from '../src';

export function uid(prefix: string): string {
  return uniqueName(prefix);
}

export function client(options: Partial<ConfluentClientOptions> = {}): ConfluentKafkaClient {
  return confluentClient({ brokers: brokersFromEnv(), clientId: 'confluent-test', ...options });
}

export async function withAdmin<T>(c: ConfluentKafkaClient, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = c.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

export async function createTopics(c: ConfluentKafkaClient, partitions: number, ...names: string[]): Promise<void> {
  await withAdmin(c, async (admin) => {
    for (const topic of names) await admin.createTopic({ topic, partitions, replicationFactor: 1 });
  });
}

export async function deleteTopics(c: ConfluentKafkaClient, ...names: string[]): Promise<void> {
  await withAdmin(c, async (admin) => {
    for (const topic of names) await admin.deleteTopic(topic).catch(() => undefined);
  });
}

/** Produces `count` records `k<i>` / `v<i>` to one partition and returns their offsets. */
export async function produce(producer: Producer, topic: string, partition: number, count: number, prefix = ''): Promise<number[]> {
  const sends = [];
  for (let i = 0; i < count; i++) {
    sends.push(producer.send({ topic, partition, key: Buffer.from(`${prefix}k${i}`), value: Buffer.from(`${prefix}v${i}`) }));
  }
  return (await Promise.all(sends)).map((r) => r.offset);
}

/** The shared poll, with this package's longer default timeout. */
export function waitFor(what: string, cond: () => boolean, timeoutMs = 20000): Promise<boolean> {
  return sharedWaitFor(what, cond, timeoutMs, { intervalMs: 25 });
}

export { sleep };

/** Records batches and checks that batches of one partition never overlap. */
export class BatchLog {
  readonly batches: MessageBatch[] = [];
  readonly messages: KafkaMessage[] = [];
  private readonly active = new Set<string>();
  overlap = false;

  async onBatch(batch: MessageBatch, delayMs = 0): Promise<void> {
    const key = `${batch.topic}/${batch.partition}`;
    if (this.active.has(key)) this.overlap = true;
    this.active.add(key);
    try {
      if (delayMs > 0) await sleep(delayMs);
      this.batches.push(batch);
      this.messages.push(...batch.messages);
    } finally {
      this.active.delete(key);
    }
  }

  values(topic?: string, partition?: number): string[] {
    return this.messages
      .filter((m) => (topic === undefined || m.topic === topic) && (partition === undefined || m.partition === partition))
      .map((m) => m.value?.toString() ?? '<null>');
  }
}
