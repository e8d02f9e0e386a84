import {
  KafkaConnectionError,
  StateError,
  UnknownTopicError,
  WriteExpiredError,
  type Admin,
  type GroupConsumer,
  type Headers,
  type KafkaClient,
  type KafkaMessage,
  type PartitionOffsets,
  type PartitionReader,
  type PartitionReaderConfig,
  type Producer,
  type ProduceResult,
  type ProducerRecord,
  type ReaderHandler,
  type TopicDescription,
  type TopicSpec,
  type TransactionalProducer,
} from '@goka-ts/api';

interface FakeTopic {
  partitions: KafkaMessage[][];
  replicationFactor: number;
  config: Record<string, string>;
}

/**
 * An in-memory stand-in for the client layer, for unit tests of core components. Serves batches of
 * `batchSize` records, can be told to fail the next reader runs / connects, and counts what was used.
 */
export class FakeKafka implements KafkaClient {
  readonly name = 'fake';
  readonly topics = new Map<string, FakeTopic>();
  batchSize = 3;
  /** The next N reader runs reject with a KafkaConnectionError (after delivering `failAfterBatches`). */
  failReaderRuns = 0;
  failAfterBatches = 0;
  /** The next N admin connects reject. */
  failAdminConnects = 0;
  readerRuns = 0;
  private generation = 0;
  readonly readerStarts: PartitionReaderConfig[] = [];
  readonly batchesDelivered: number[] = [];
  private readonly waiters = new Set<() => void>();
  readonly openResources = new Set<object>();

  createTopic(topic: string, partitions: number, config: Record<string, string> = {}, replicationFactor = 1): void {
    if (this.topics.has(topic)) throw new Error(`topic ${topic} exists`);
    this.topics.set(topic, { partitions: Array.from({ length: partitions }, () => []), replicationFactor, config: { 'cleanup.policy': 'delete', ...config } });
  }

  append(topic: string, partition: number, key: string | null, value: string | Buffer | null, headers: Headers = {}): number {
    const t = this.topic(topic);
    const log = t.partitions[partition];
    if (!log) throw new Error(`no partition ${partition} in ${topic}`);
    const offset = log.length;
    log.push({
      topic,
      partition,
      offset,
      key: key === null ? null : Buffer.from(key),
      value: value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(value),
      headers,
      timestamp: Date.now(),
    });
    for (const wake of [...this.waiters]) wake();
    return offset;
  }

  /** Every running reader fails with a KafkaConnectionError (like a broker going away). */
  disconnect(): void {
    this.generation++;
    for (const wake of [...this.waiters]) wake();
  }

  topic(topic: string): FakeTopic {
    const t = this.topics.get(topic);
    if (!t) throw new UnknownTopicError(topic);
    return t;
  }

  admin(): Admin {
    const fake = this;
    const token = {};
    return {
      async connect() {
        if (fake.failAdminConnects > 0) {
          fake.failAdminConnects--;
          throw new KafkaConnectionError('fake: broker unreachable');
        }
        fake.openResources.add(token);
      },
      async close() {
        fake.openResources.delete(token);
      },
      async describeTopic(topic): Promise<TopicDescription | undefined> {
        const t = fake.topics.get(topic);
        return t && { topic, partitions: t.partitions.length, replicationFactor: t.replicationFactor, config: { ...t.config } };
      },
      async createTopic(spec: TopicSpec) {
        fake.createTopic(spec.topic, spec.partitions, { ...spec.config }, spec.replicationFactor === -1 ? 1 : spec.replicationFactor);
      },
      async alterTopicConfig(topic, config) {
        Object.assign(fake.topic(topic).config, config);
      },
      async deleteTopic(topic) {
        fake.topic(topic);
        fake.topics.delete(topic);
      },
      async partitionOffsets(topic): Promise<PartitionOffsets[]> {
        return fake.topic(topic).partitions.map((log, partition) => ({ partition, oldest: 0, newest: log.length }));
      },
      async committedOffsets() {
        return [];
      },
    };
  }

  producer(): Producer {
    const fake = this;
    let closed = false;
    const token = {};
    return {
      async connect() {
        fake.openResources.add(token);
      },
      async send(record: ProducerRecord): Promise<ProduceResult> {
        if (closed) throw new StateError('fake producer is closed');
        const late = record.notAfter === undefined ? 0 : performance.now() - record.notAfter;
        if (late > 0) throw new WriteExpiredError(record.topic, record.partition, late);
        const offset = fake.append(record.topic, record.partition, record.key?.toString() ?? null, record.value, record.headers);
        return { topic: record.topic, partition: record.partition, offset };
      },
      async flush() {},
      async close() {
        closed = true;
        fake.openResources.delete(token);
      },
    };
  }

  transactionalProducer(): TransactionalProducer {
    throw new Error('fake: no transactions (exactly-once is tested with the tester and the real broker)');
  }

  groupConsumer(): GroupConsumer {
    throw new Error('fake: no group consumer');
  }

  partitionReader(config: PartitionReaderConfig): PartitionReader {
    this.readerStarts.push(config);
    let stopped = false;
    let wakeStop: (() => void) | undefined;
    const fake = this;
    const token = {};
    return {
      async run(handler: ReaderHandler) {
        fake.readerRuns++;
        const fail = fake.failReaderRuns > 0;
        if (fail) fake.failReaderRuns--;
        fake.openResources.add(token);
        let delivered = 0;
        const generation = fake.generation;
        try {
          const t = fake.topic(config.topic);
          await Promise.all(
            config.partitions.map(async ({ partition, from }) => {
              const log = t.partitions[partition];
              let next = from === 'oldest' ? 0 : from === 'newest' ? log.length : from;
              const stopAt = log.length;
              let caughtUp = false;
              for (;;) {
                if (stopped) return;
                if (fake.generation !== generation) throw new KafkaConnectionError('fake: connection lost');
                const end = config.follow ? log.length : stopAt;
                if (next < end) {
                  if (fail && delivered >= fake.failAfterBatches) throw new KafkaConnectionError('fake: connection lost');
                  const messages = log.slice(next, Math.min(end, next + fake.batchSize));
                  next += messages.length;
                  delivered++;
                  fake.batchesDelivered.push(messages.length);
                  await handler.onBatch({ topic: config.topic, partition, messages, highWatermark: log.length });
                  continue;
                }
                if (!caughtUp) {
                  caughtUp = true;
                  handler.onCaughtUp?.(partition, log.length);
                }
                if (fail) throw new KafkaConnectionError('fake: connection lost');
                if (!config.follow) return;
                await new Promise<void>((resolve) => {
                  const wake = () => {
                    fake.waiters.delete(wake);
                    resolve();
                  };
                  fake.waiters.add(wake);
                  wakeStop = wake;
                });
              }
            }),
          );
        } finally {
          fake.openResources.delete(token);
        }
      },
      async stop() {
        stopped = true;
        wakeStop?.();
        for (const wake of [...fake.waiters]) wake();
      },
    };
  }
}

/** Records logger calls for assertions. */
export function recordingLogger(): { lines: { level: string; message: string; fields?: Record<string, unknown> }[] } & import('@goka-ts/api').Logger {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
