import {
  KafkaConnectionError,
  type Admin,
  type GroupConsumer,
  type GroupConsumerConfig,
  type Headers,
  type KafkaClient,
  type KafkaMessage,
  type PartitionReader,
  type PartitionReaderConfig,
  type Producer,
  type ProducerConfig,
  type ReaderHandler,
  type TransactionalProducer,
  type TransactionalProducerConfig,
} from '@goka-ts/api';
import { MemoryKafka } from '@goka-ts/memory-kafka';

/** What a test sees of a topic: every partition's records, its replication and configs. */
export interface TopicSnapshot {
  readonly partitions: KafkaMessage[][];
  readonly replicationFactor: number;
  readonly config: Record<string, string>;
}

/**
 * The in-memory Kafka of `@goka-ts/memory-kafka` with the faults core's unit tests need to inject:
 * readers and admins that lose their connection on demand, small batches, and a count of what is
 * open. Everything else (logs, offsets, watermarks, topic configs, producers, groups) is the real
 * in-memory implementation, so core is tested against the same semantics the tester offers users.
 */
export class FaultyKafka implements KafkaClient {
  readonly name = 'faulty-memory';
  readonly memory = new MemoryKafka();
  /** Records per batch a reader hands on (the in-memory reader's batches are cut to this size). */
  batchSize = 3;
  /** The next N reader runs reject with a KafkaConnectionError (after delivering `failAfterBatches`). */
  failReaderRuns = 0;
  failAfterBatches = 0;
  /** The next N admin connects reject. */
  failAdminConnects = 0;
  readerRuns = 0;
  readonly readerStarts: PartitionReaderConfig[] = [];
  readonly batchesDelivered: number[] = [];
  /** Admins, producers and running readers not closed yet. */
  readonly openResources = new Set<object>();
  private readonly onDisconnect = new Set<() => void>();

  createTopic(topic: string, partitions: number, config: Record<string, string> = {}, replicationFactor = 1): void {
    this.memory.broker.createTopic({ topic, partitions, replicationFactor, config });
  }

  /** Appends one record as a plain producer would and returns its offset. */
  append(topic: string, partition: number, key: string | null, value: string | Buffer | null, headers: Headers = {}): number {
    const [message] = this.memory.broker.append(topic, partition, [
      {
        key: key === null ? null : Buffer.from(key),
        value: value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(value),
        headers,
        timestamp: Date.now(),
      },
    ]);
    return message.offset;
  }

  /** Every running reader fails with a KafkaConnectionError (like a broker going away). */
  disconnect(): void {
    for (const lose of [...this.onDisconnect]) lose();
  }

  get topics(): ReadonlySet<string> {
    return new Set(this.memory.broker.topicNames());
  }

  topic(name: string): TopicSnapshot {
    const topic = this.memory.broker.requireTopic(name);
    const { replicationFactor, config } = topic.describe();
    return { partitions: topic.logs.map((log) => [...log.all()]), replicationFactor, config };
  }

  admin(): Admin {
    const admin = this.memory.admin();
    const token = {};
    return {
      ...bindAll(admin),
      connect: async () => {
        if (this.failAdminConnects > 0) {
          this.failAdminConnects--;
          throw new KafkaConnectionError('faulty-memory: broker unreachable');
        }
        await admin.connect();
        this.openResources.add(token);
      },
      close: async () => {
        this.openResources.delete(token);
        await admin.close();
      },
    };
  }

  producer(config?: ProducerConfig): Producer {
    const producer = this.memory.producer(config);
    const token = {};
    return {
      ...bindAll(producer),
      connect: async () => {
        await producer.connect();
        this.openResources.add(token);
      },
      close: async () => {
        this.openResources.delete(token);
        await producer.close();
      },
    };
  }

  transactionalProducer(config: TransactionalProducerConfig): TransactionalProducer {
    return this.memory.transactionalProducer(config);
  }

  groupConsumer(config: GroupConsumerConfig): GroupConsumer {
    return this.memory.groupConsumer(config);
  }

  partitionReader(config: PartitionReaderConfig): PartitionReader {
    this.readerStarts.push(config);
    const reader = this.memory.partitionReader(config);
    // The in-memory reader checks for stop between its own batches; the smaller ones cut here need
    // the same check.
    let stopped = false;
    return {
      run: (handler) => this.runReader(reader, handler, () => stopped),
      stop: () => {
        stopped = true;
        return reader.stop();
      },
    };
  }

  private async runReader(reader: PartitionReader, handler: ReaderHandler, stopped: () => boolean): Promise<void> {
    this.readerRuns++;
    const fail = this.failReaderRuns > 0;
    if (fail) this.failReaderRuns--;
    const token = {};
    this.openResources.add(token);
    let lost: KafkaConnectionError | undefined;
    const loseConnection = () => {
      lost ??= new KafkaConnectionError('faulty-memory: connection lost');
      void reader.stop();
    };
    this.onDisconnect.add(loseConnection);
    let delivered = 0;
    try {
      await reader.run({
        onBatch: async (batch) => {
          for (let first = 0; first < batch.messages.length && !lost && !stopped(); first += this.batchSize) {
            if (fail && delivered >= this.failAfterBatches) return loseConnection();
            const messages = batch.messages.slice(first, first + this.batchSize);
            delivered++;
            this.batchesDelivered.push(messages.length);
            await handler.onBatch({ ...batch, messages });
          }
        },
        onCaughtUp: (partition, highWatermark) => {
          if (lost) return;
          handler.onCaughtUp?.(partition, highWatermark);
          if (fail) loseConnection();
        },
      });
      if (lost) throw lost;
    } finally {
      this.onDisconnect.delete(loseConnection);
      this.openResources.delete(token);
    }
  }
}

/** The object's methods bound to it, so a wrapper can spread them and override a few. */
function bindAll<T extends object>(target: T): T {
  const bound: Record<string, unknown> = {};
  for (let proto = Object.getPrototypeOf(target); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const member = (target as Record<string, unknown>)[name];
      if (name !== 'constructor' && typeof member === 'function' && !(name in bound)) bound[name] = member.bind(target);
    }
  }
  return bound as T;
}
