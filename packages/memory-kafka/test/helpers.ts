import type { GroupHandler, KafkaMessage, MessageBatch, ReaderHandler } from '@goka-ts/api';
import { MemoryKafka } from '../src';

/** A client with `topics` (name -> partitions) created. */
export async function kafkaWith(topics: Record<string, number>, options?: ConstructorParameters<typeof MemoryKafka>[0]): Promise<MemoryKafka> {
  const kafka = new MemoryKafka(options);
  const admin = kafka.admin();
  for (const [topic, partitions] of Object.entries(topics)) await admin.createTopic({ topic, partitions, replicationFactor: 1 });
  await admin.close();
  return kafka;
}

/** Produces string key/values to one partition and waits for the acknowledgements. */
export async function produce(kafka: MemoryKafka, topic: string, partition: number, entries: [string, string | null][]): Promise<number[]> {
  const producer = kafka.producer();
  const results = await Promise.all(
    entries.map(([key, value]) => producer.send({ topic, partition, key: Buffer.from(key), value: value === null ? null : Buffer.from(value) })),
  );
  await producer.close();
  return results.map((result) => result.offset);
}

export const text = (message: KafkaMessage) => `${message.key?.toString()}=${message.value?.toString() ?? 'null'}`;

/** A group handler that records every callback in order. */
export class RecordingHandler implements GroupHandler {
  readonly events: string[] = [];
  readonly messages: KafkaMessage[] = [];
  readonly batches: MessageBatch[] = [];

  constructor(private readonly hooks: Partial<GroupHandler> = {}) {}

  async onAssigned(partitions: readonly number[]): Promise<void> {
    this.events.push(`assigned ${partitions.join(',')}`);
    await this.hooks.onAssigned?.(partitions);
  }

  async onRevoked(partitions: readonly number[]): Promise<void> {
    this.events.push(`revoked ${partitions.join(',')}`);
    await this.hooks.onRevoked?.(partitions);
  }

  async onBatch(batch: MessageBatch): Promise<void> {
    this.batches.push(batch);
    this.messages.push(...batch.messages);
    await this.hooks.onBatch?.(batch);
  }

  texts(): string[] {
    return this.messages.map(text);
  }
}

/** A reader handler that records batches and caught-up calls. */
export class RecordingReader implements ReaderHandler {
  readonly messages: KafkaMessage[] = [];
  readonly caughtUp: [number, number][] = [];

  async onBatch(batch: MessageBatch): Promise<void> {
    this.messages.push(...batch.messages);
  }

  onCaughtUp(partition: number, highWatermark: number): void {
    this.caughtUp.push([partition, highWatermark]);
  }
}

/** A promise with its resolve function outside. */
export function deferred<T = void>(): { promise: Promise<T>; resolve(value: T): void; reject(error: unknown): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
