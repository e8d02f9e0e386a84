/// <reference types="jest" />
import type {
  Admin, GroupConsumer, GroupConsumerConfig, GroupHandler, KafkaClient, KafkaMessage, MessageBatch, PartitionReader,
  PartitionReaderConfig, Producer, ReaderHandler, StartOffset,
} from '@goka-ts/api';
import { sleep, uniqueName as sharedUniqueName, waitFor, within } from '../polling';

/** Creates a fresh client for the given bootstrap brokers. */
export type ClientFactory = (brokers: readonly string[]) => KafkaClient | Promise<KafkaClient>;

export interface DescribeClientOptions {
  /** Upper bound for failing against an unreachable broker (ms). Default 15000. */
  readonly unreachableWithinMs?: number;
  /**
   * Whether the client talks to a broker over the network. Default true. `false` (an in-memory client)
   * leaves out the unreachable-broker test and does not require `KAFKA_BROKERS`.
   */
  readonly network?: boolean;
  /** Session timeout of the suite's group consumers (ms). Default 6000 (the broker must allow it). */
  readonly sessionTimeoutMs?: number;
  /** Heartbeat interval of the suite's group consumers (ms). Default 500. */
  readonly heartbeatIntervalMs?: number;
  /** Replication factor of the topics the suite creates. Default 1. */
  readonly replicationFactor?: number;
  /**
   * Batch codecs the client cannot decompress (kafkajs without a zstd codec registered). Default none.
   * The suite then expects reading such batches to fail with an error that names the codec.
   */
  readonly unreadableCodecs?: ReadonlyArray<'gzip' | 'snappy' | 'lz4' | 'zstd'>;
}

/**
 * Reads `KAFKA_BROKERS` (comma separated). Every test of this repository that needs a real broker
 * reads it here, and fails (never skips) with this message when it is missing.
 */
export function brokersFromEnv(): string[] {
  const value = process.env.KAFKA_BROKERS;
  if (!value || !value.trim()) {
    throw new Error('KAFKA_BROKERS is not set: these tests need a real Kafka broker, e.g. KAFKA_BROKERS=127.0.0.1:9092 (`pnpm test` starts one and sets it)');
  }
  return value.split(',').map((b) => b.trim()).filter(Boolean);
}

/** A name no other test (or parallel run) uses. */
export function uniqueName(prefix: string): string {
  return sharedUniqueName(`conf-${prefix}`);
}

export { sleep, waitFor, within };

/** What a suite test needs: a connected admin, a connected producer and cleanup of everything else. */
export class SuiteContext {
  client!: KafkaClient;
  admin!: Admin;
  producer!: Producer;
  brokers!: string[];
  private readonly closers: Array<() => Promise<void>> = [];
  private readonly topics: string[] = [];

  constructor(readonly factory: ClientFactory, readonly options: DescribeClientOptions) {}

  get replicationFactor(): number {
    return this.options.replicationFactor ?? 1;
  }

  async setup(): Promise<void> {
    this.brokers = this.options.network === false ? [] : brokersFromEnv();
    this.client = await this.factory(this.brokers);
    this.admin = this.client.admin();
    await this.admin.connect();
    this.producer = this.client.producer({ lingerMs: 2 });
    await this.producer.connect();
  }

  async teardown(): Promise<void> {
    await this.cleanup();
    await Promise.allSettled(this.topics.map((t) => this.admin?.deleteTopic(t)));
    await this.producer?.close();
    await this.admin?.close();
  }

  /** Registers something to close after the current test (in reverse order). */
  defer(close: () => Promise<unknown>): void {
    this.closers.push(async () => {
      await close();
    });
  }

  async cleanup(): Promise<void> {
    const closers = this.closers.splice(0).reverse();
    for (const close of closers) await close().catch(() => undefined);
  }

  async createTopic(prefix: string, partitions: number, config?: Record<string, string>): Promise<string> {
    const topic = uniqueName(prefix);
    await this.admin.createTopic({ topic, partitions, replicationFactor: this.replicationFactor, config });
    this.topics.push(topic);
    return topic;
  }

  /** Produces `count` records with values `v<i>` (keys `k<i>`) to one partition and returns their offsets. */
  async produce(topic: string, partition: number, count: number, prefix = 'v'): Promise<number[]> {
    const sends = [];
    for (let i = 0; i < count; i++) {
      sends.push(this.producer.send({ topic, partition, key: Buffer.from(`k${i}`), value: Buffer.from(`${prefix}${i}`) }));
    }
    return (await Promise.all(sends)).map((r) => r.offset);
  }

  groupConsumer(groupId: string, topics: readonly string[], startFrom?: StartOffset, extra: Partial<GroupConsumerConfig> = {}): GroupConsumer {
    const consumer = this.client.groupConsumer({
      groupId,
      topics,
      startFrom,
      sessionTimeoutMs: this.options.sessionTimeoutMs ?? 6000,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs ?? 500,
      rebalanceTimeoutMs: 10000,
      maxWaitMs: 200,
      ...extra,
    });
    this.defer(() => consumer.close());
    return consumer;
  }

  reader(config: PartitionReaderConfig): PartitionReader {
    const reader = this.client.partitionReader({ maxWaitMs: 200, ...config });
    this.defer(() => reader.stop());
    return reader;
  }

  /** Reads a whole partition from the oldest offset to the high watermark. */
  async readAll(topic: string, partition: number): Promise<KafkaMessage[]> {
    const collector = new ReaderCollector();
    await within(`reading ${topic}/${partition}`, 20000, this.reader({ topic, partitions: [{ partition, from: 'oldest' }], follow: false }).run(collector));
    return collector.messages;
  }
}

/** Collects what a partition reader delivers. */
export class ReaderCollector implements ReaderHandler {
  readonly messages: KafkaMessage[] = [];
  readonly batches: MessageBatch[] = [];
  readonly caughtUp = new Map<number, number>();
  readonly caughtUpAt = new Map<number, number>();

  async onBatch(batch: MessageBatch): Promise<void> {
    this.batches.push(batch);
    this.messages.push(...batch.messages);
  }

  onCaughtUp(partition: number, highWatermark: number): void {
    if (this.caughtUp.has(partition)) throw new Error(`onCaughtUp called twice for partition ${partition}`);
    this.caughtUp.set(partition, highWatermark);
    this.caughtUpAt.set(partition, this.messages.filter((m) => m.partition === partition).length);
  }
}

export type GroupEvent =
  | { readonly type: 'assigned'; readonly partitions: readonly number[] }
  | { readonly type: 'assigned-done'; readonly partitions: readonly number[] }
  | { readonly type: 'revoked'; readonly partitions: readonly number[] }
  | { readonly type: 'batch'; readonly topic: string; readonly partition: number; readonly offsets: readonly number[] };

/** Records every callback of a group consumer, in order; optional hooks slow them down. */
export class GroupCollector implements GroupHandler {
  readonly events: GroupEvent[] = [];
  readonly messages: KafkaMessage[] = [];
  /** Partitions whose onAssigned resolved and that were not revoked since. */
  readonly ready = new Set<number>();
  /** Batches delivered for partitions not in {@link ready}: must stay empty. */
  readonly violations: string[] = [];

  constructor(private readonly hooks: { assignDelayMs?: number; onBatch?: (batch: MessageBatch) => Promise<void> | void } = {}) {}

  async onAssigned(partitions: readonly number[]): Promise<void> {
    this.events.push({ type: 'assigned', partitions: [...partitions] });
    if (this.hooks.assignDelayMs) await sleep(this.hooks.assignDelayMs);
    partitions.forEach((p) => this.ready.add(p));
    this.events.push({ type: 'assigned-done', partitions: [...partitions] });
  }

  async onRevoked(partitions: readonly number[]): Promise<void> {
    partitions.forEach((p) => this.ready.delete(p));
    this.events.push({ type: 'revoked', partitions: [...partitions] });
  }

  async onBatch(batch: MessageBatch): Promise<void> {
    if (!this.ready.has(batch.partition)) this.violations.push(`batch of ${batch.topic}/${batch.partition} before its onAssigned resolved`);
    this.events.push({ type: 'batch', topic: batch.topic, partition: batch.partition, offsets: batch.messages.map((m) => m.offset) });
    this.messages.push(...batch.messages);
    await this.hooks.onBatch?.(batch);
  }

  /** Partitions currently held according to the callbacks. */
  held(): number[] {
    const held = new Set<number>();
    for (const e of this.events) {
      if (e.type === 'assigned') e.partitions.forEach((p) => held.add(p));
      if (e.type === 'revoked') e.partitions.forEach((p) => held.delete(p));
    }
    return [...held].sort((a, b) => a - b);
  }

  count(type: GroupEvent['type']): number {
    return this.events.filter((e) => e.type === type).length;
  }

  messagesOf(topic: string): KafkaMessage[] {
    return this.messages.filter((m) => m.topic === topic);
  }
}

/** Runs a consumer and keeps its run() outcome so tests can await or inspect it without unhandled rejections. */
export function start(consumer: GroupConsumer | PartitionReader, handler: GroupHandler & ReaderHandler | GroupHandler | ReaderHandler): { done: Promise<void>; settled: () => boolean; error: () => unknown } {
  let settled = false;
  let error: unknown;
  const done = (consumer.run as (h: unknown) => Promise<void>)(handler).then(
    () => {
      settled = true;
    },
    (err: unknown) => {
      settled = true;
      error = err;
      throw err;
    },
  );
  done.catch(() => undefined);
  return { done, settled: () => settled, error: () => error };
}
