/**
 * Shared harness of the integration tests against a real broker: the client adapters under test,
 * unique names, topic helpers, waiting, and a counter processor that several tests (and the crash
 * test and benchmark) reuse.
 *
 * Every suite runs once per adapter: `describe.each(clients)('... (%s)', (client) => ...)`.
 */
import type { KafkaClient, KafkaMessage, Logger, PartitionOffsets, StorageBuilder, TopicPartitionOffset } from '@goka-ts/api';
import { consoleLogger, defineGroup, int64Codec, murmur2Hasher, Processor, silentLogger, stringCodec } from '@goka-ts/core';
import type { GroupGraph, ProcessorOptions } from '@goka-ts/core';
import { uniqueName, waitFor as sharedWaitFor } from '@goka-ts/conformance';
import { confluentClient } from '@goka-ts/confluent';
import { kafkajsClient } from '@goka-ts/kafkajs';
import { platformaticClient } from '@goka-ts/platformatic';
import { memoryStorage } from '@goka-ts/storage-memory';

/** Brokers from `KAFKA_BROKERS`; throws (so tests fail, never skip) when unset. */
export function brokers(): string[] {
  const value = process.env.KAFKA_BROKERS;
  if (!value) {
    throw new Error('KAFKA_BROKERS is not set: run the integration tests with `pnpm test`, or set KAFKA_BROKERS=127.0.0.1:9092 (start the broker with `scripts/kafka.sh start`)');
  }
  return value.split(',').map((b) => b.trim()).filter(Boolean);
}

/** A client adapter under test. `toString` names it in `describe.each` titles. */
export interface ClientFactory {
  readonly name: string;
  create(): KafkaClient;
  toString(): string;
}

function factory(name: string, create: () => KafkaClient): ClientFactory {
  return { name, create, toString: () => name };
}

/** The adapters every integration suite runs against: the same tests, parameterized by client. */
export const clients: readonly ClientFactory[] = [
  factory('kafkajs', () => kafkajsClient({ brokers: brokers() })),
  factory('confluent', () => confluentClient({ brokers: brokers() })),
  factory('platformatic', () => platformaticClient({ brokers: brokers() })),
];

/** Log output of components under test: silent unless `GOKA_LOG_LEVEL` is set. */
export const testLogger: Logger = process.env.GOKA_LOG_LEVEL ? consoleLogger() : silentLogger;

/** Consumer settings that keep rebalances short on the test broker. */
export const fastConsumer = { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000, maxWaitMs: 100 } as const;

export { uniqueName };

/**
 * Polls `check` until it returns something other than `undefined` / `false`; fails after `timeoutMs`
 * naming `what`. A throwing check is polled again (a worker may not be up yet) unless its error is
 * `fatal` (see `assertAlive`).
 */
export function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  return sharedWaitFor(what, check, timeoutMs, { intervalMs, retryErrors: true });
}

export interface ProducedRecord {
  readonly key: string;
  readonly value: string | Buffer | null;
  readonly headers?: Record<string, Buffer>;
}

/**
 * Topics of one test on one client: creates them, produces, reads, inspects groups, and deletes
 * every topic it created (and the table / loop topics of groups it was told about) on {@link close}.
 */
export class TestCluster {
  readonly client: KafkaClient;
  private readonly topics = new Set<string>();
  private readonly admin;
  private connected = false;

  constructor(factoryOrClient: ClientFactory | KafkaClient) {
    this.client = 'create' in factoryOrClient ? factoryOrClient.create() : factoryOrClient;
    this.admin = this.client.admin();
  }

  private async connect(): Promise<void> {
    if (this.connected) return;
    await this.admin.connect();
    this.connected = true;
  }

  async createTopic(topic: string, partitions: number, config?: Record<string, string>): Promise<string> {
    await this.connect();
    this.topics.add(topic);
    await this.admin.createTopic({ topic, partitions, replicationFactor: 1, config });
    return topic;
  }

  /** Deletes the table and loop topics of `group` too on close. */
  ownGroup(group: string): void {
    this.topics.add(`${group}-table`);
    this.topics.add(`${group}-loop`);
  }

  async partitionCount(topic: string): Promise<number> {
    await this.connect();
    const d = await this.admin.describeTopic(topic);
    if (!d) throw new Error(`topic ${topic} does not exist`);
    return d.partitions;
  }

  /** Produces records partitioned by murmur2 (the processors' default hasher), waiting for every ack. */
  async produce(topic: string, records: readonly ProducedRecord[]): Promise<void> {
    const partitions = await this.partitionCount(topic);
    const producer = this.client.producer({ lingerMs: 5 });
    await producer.connect();
    try {
      await Promise.all(
        records.map((r) =>
          producer.send({
            topic,
            partition: murmur2Hasher.partition(r.key, partitions),
            key: Buffer.from(r.key),
            value: r.value === null ? null : Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value),
            headers: r.headers,
          }),
        ),
      );
    } finally {
      await producer.close();
    }
  }

  /** Every record of a topic (all partitions, up to the current high watermarks). */
  async readAll(topic: string): Promise<KafkaMessage[]> {
    const partitions = await this.partitionCount(topic);
    const out: KafkaMessage[] = [];
    const reader = this.client.partitionReader({
      topic,
      partitions: Array.from({ length: partitions }, (_, partition) => ({ partition, from: 'oldest' as const })),
      follow: false,
      maxWaitMs: 100,
    });
    await reader.run({
      onBatch: async (batch) => {
        out.push(...batch.messages);
      },
    });
    return out;
  }

  /** The latest value per key of a table topic (tombstones delete). */
  async tableContents(topic: string): Promise<Map<string, Buffer>> {
    const table = new Map<string, Buffer>();
    const records = await this.readAll(topic);
    records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
    for (const r of records) {
      const key = r.key?.toString() ?? '';
      if (r.value === null) table.delete(key);
      else table.set(key, r.value);
    }
    return table;
  }

  async committed(group: string, topic: string): Promise<TopicPartitionOffset[]> {
    await this.connect();
    return this.admin.committedOffsets(group, topic);
  }

  /** Oldest and newest (high watermark) offset of every partition of a topic. */
  async partitionOffsets(topic: string): Promise<PartitionOffsets[]> {
    await this.connect();
    return this.admin.partitionOffsets(topic);
  }

  /** Sum over partitions of the committed offsets (`-1` counts as 0). */
  async committedTotal(group: string, topic: string): Promise<number> {
    return (await this.committed(group, topic)).reduce((sum, o) => sum + Math.max(0, o.offset), 0);
  }

  async close(): Promise<void> {
    await this.connect();
    for (const topic of this.topics) {
      try {
        if (await this.admin.describeTopic(topic)) await this.admin.deleteTopic(topic);
      } catch {
        // Best effort: names are unique, a leftover topic harms no other test.
      }
    }
    await this.admin.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The counter: the reference processor of the integration tests, crash test and benchmark.

/** A group that counts messages per key in its table (int64), reading string messages from `input`. */
export function counterGraph(group: string, input: string, onMessage?: (key: string) => void): GroupGraph {
  return defineGroup(group, {
    inputs: {
      [input]: {
        codec: stringCodec,
        handler: (ctx) => {
          onMessage?.(ctx.key);
          ctx.setValue((ctx.value() ?? 0) + 1);
        },
      },
    },
    persist: int64Codec,
  }) as GroupGraph;
}

export interface CounterOptions extends Partial<Omit<ProcessorOptions, 'client'>> {
  readonly client: KafkaClient;
  readonly group: string;
  readonly input: string;
  /** Called with the key of every processed message (to detect reprocessing). */
  readonly onMessage?: (key: string) => void;
}

export interface RunningProcessor<P = Processor> {
  readonly processor: P;
  /** The run() promise; `outcome` never rejects. */
  readonly done: Promise<void>;
  readonly outcome: Promise<{ error?: unknown }>;
  /** Set once run() ended: `{}` after a stop, `{ error }` after a failure. */
  readonly ended: { error?: unknown } | undefined;
  stop(): Promise<void>;
}

/**
 * Throws (ending a {@link waitFor} at once) when any of the processors ended, naming its error:
 * lets multi-instance tests fail with the cause instead of a timeout.
 */
export function assertAlive(...runs: RunningProcessor<unknown>[]): true {
  for (const run of runs) {
    if (run.ended) {
      const error = new Error(`a processor ended while the test expected it running: ${run.ended.error instanceof Error ? run.ended.error.stack : String(run.ended.error ?? 'stopped')}`);
      (error as Error & { fatal?: boolean }).fatal = true;
      throw error;
    }
  }
  return true;
}

const started = new Set<RunningProcessor<{ stop(): Promise<void> }>>();

/**
 * Starts any processor and keeps its run promise observable without unhandled rejections. It is
 * remembered until {@link stopStarted} (call it in `afterEach`, so a failing test leaves nothing running).
 */
export function start<P extends { run(signal?: AbortSignal): Promise<void>; stop(): Promise<void> }>(processor: P, signal?: AbortSignal): RunningProcessor<P> {
  const done = processor.run(signal);
  const outcome = done.then(
    () => ({}),
    (error: unknown) => ({ error }),
  );
  const running: { -readonly [K in keyof RunningProcessor<P>]: RunningProcessor<P>[K] } = { processor, done, outcome, ended: undefined, stop: () => processor.stop() };
  void outcome.then((result) => (running.ended = result));
  started.add(running);
  return running;
}

/** Stops every processor {@link start} started and waits for their runs to end. */
export async function stopStarted(): Promise<void> {
  const all = [...started];
  started.clear();
  await Promise.all(all.map(async (r) => {
    await r.stop();
    await r.outcome;
  }));
}

/** Starts a counter processor (memory storage, oldest start, fast consumer unless overridden). */
export function startCounter(options: CounterOptions): RunningProcessor {
  const { client, group, input, onMessage, ...rest } = options;
  const processor = new Processor(counterGraph(group, input, onMessage), {
    storage: memoryStorage(),
    startFrom: 'oldest',
    consumer: fastConsumer,
    commitIntervalMs: 200,
    logger: testLogger,
    ...rest,
    client,
  } as ProcessorOptions);
  return start(processor);
}

/**
 * Messages over `keys` keys (`key-0` ...), `count` in total, round robin; returns the expected count per key.
 */
export function counterInput(count: number, keys: number, prefix = 'key'): { records: ProducedRecord[]; expected: Map<string, number> } {
  const records: ProducedRecord[] = [];
  const expected = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const key = `${prefix}-${i % keys}`;
    records.push({ key, value: 'x' });
    expected.set(key, (expected.get(key) ?? 0) + 1);
  }
  return { records, expected };
}

/** Decodes an int64 table into a plain map. */
export function decodeCounts(table: Map<string, Buffer>): Map<string, number> {
  return new Map([...table].map(([k, v]) => [k, int64Codec.decode(v)]));
}

/** Reads the storage builder's type where tests pick backends. */
export type StorageFactory = () => StorageBuilder;
