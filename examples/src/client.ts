/**
 * The one place where the examples choose their Kafka: a real broker through the kafkajs adapter when
 * `KAFKA_BROKERS` is set (comma-separated host:port list), else the embedded in-memory Kafka of
 * `@goka-ts/memory-kafka`, so every example runs without any infrastructure.
 */
import type { KafkaClient, Logger } from '@goka-ts/api';
import { consoleLogger, TopicManager, type LogLevel, type ProcessorOptions } from '@goka-ts/core';
import { kafkajsClient } from '@goka-ts/kafkajs';
import { MemoryKafka } from '@goka-ts/memory-kafka';

export interface ExampleClient {
  readonly client: KafkaClient;
  /** True for the embedded in-memory Kafka. */
  readonly embedded: boolean;
  /** For the examples' output, e.g. `"Kafka at 127.0.0.1:9092"`. */
  readonly description: string;
  readonly logger: Logger;
  /**
   * Processor options the examples share, merged with `overrides`. Examples are interactive, so they
   * commit (and send buffered table writes) every 100 ms instead of every second, trading a little
   * batching for visibly quick updates; and they start new groups at the oldest offset, so nothing
   * produced before a processor joined its group is missed.
   */
  processorOptions(overrides?: Partial<ProcessorOptions>): ProcessorOptions;
  /** Creates the stream topics an example reads (processors create only their table and loop topics). */
  ensureStreams(topics: readonly string[], partitions: number): Promise<void>;
  /** Releases the client; call it after stopping every component. */
  close(): Promise<void>;
}

export interface ExampleClientOptions {
  /** Where `KAFKA_BROKERS` and `GOKA_LOG_LEVEL` are read from. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Log level when `GOKA_LOG_LEVEL` is not set. The examples default to `'warn'` so that their own
   * output stays readable; `GOKA_LOG_LEVEL=info` shows the framework's progress lines.
   */
  readonly logLevel?: LogLevel;
}

export function createExampleClient(options: ExampleClientOptions = {}): ExampleClient {
  const env = options.env ?? process.env;
  const level = (env.GOKA_LOG_LEVEL as LogLevel | undefined) ?? options.logLevel ?? 'warn';
  const logger = consoleLogger({ level });
  const brokers = parseBrokers(env.KAFKA_BROKERS);
  // kafkajs logs expected conditions (e.g. metadata of a topic about to be created) as errors; the
  // adapter reports real failures itself, so its own log lines are shown only on request.
  const kafkajsLogger = env.GOKA_LOG_LEVEL ? logger : undefined;
  const client: KafkaClient = brokers ? kafkajsClient({ brokers, clientId: 'goka-ts-examples', logger: kafkajsLogger }) : new MemoryKafka();
  return {
    client,
    embedded: !brokers,
    description: brokers ? `Kafka at ${brokers.join(',')}` : 'the embedded in-memory Kafka',
    logger,
    processorOptions: (overrides = {}) => ({
      client,
      logger,
      startFrom: 'oldest',
      commitIntervalMs: 100,
      // Short session timeouts make restarts and tests on a real broker fast (6 s is Kafka's minimum).
      consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, maxWaitMs: 100 },
      ...overrides,
    }),
    ensureStreams: async (topics, partitions) => {
      const manager = await TopicManager.connect(client, { logger });
      try {
        for (const topic of topics) await manager.ensureStream(topic, partitions);
      } finally {
        await manager.close();
      }
    },
    // Neither client holds resources of its own: connections belong to the components using them.
    close: async () => undefined,
  };
}

/** `"a:9092, b:9092"` -> `["a:9092", "b:9092"]`; undefined when unset or blank. */
export function parseBrokers(value: string | undefined): string[] | undefined {
  const brokers = (value ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
  if (brokers.length === 0) return undefined;
  for (const broker of brokers) {
    if (!/^[^\s:]+:\d+$/.test(broker)) throw new Error(`KAFKA_BROKERS: "${broker}" is not host:port`);
  }
  return brokers;
}
