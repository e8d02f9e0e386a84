import type {
  Admin, GroupConsumer, GroupConsumerConfig, KafkaClient, PartitionReader, PartitionReaderConfig, Producer, ProducerConfig,
  TransactionalProducer, TransactionalProducerConfig,
} from '@goka-ts/api';
import { ConfluentAdmin } from './admin';
import { ConfluentGroupConsumer } from './group_consumer';
import { resolveOptions, type ConfluentClientOptions, type ResolvedOptions } from './options';
import { ConfluentPartitionReader } from './partition_reader';
import { ConfluentProducer } from './producer';
import { rdkafka } from './rdkafka';
import { StatisticsHub, type StatisticsListener } from './statistics';
import { ConfluentTransactionalProducer } from './transactional_producer';

/** A {@link KafkaClient} on librdkafka, with access to librdkafka's statistics. */
export interface ConfluentKafkaClient extends KafkaClient {
  readonly name: 'confluent';
  /** Version of the librdkafka library in use, e.g. `"2.15.1"`. */
  readonly librdkafkaVersion: string;
  /**
   * Adds a listener for librdkafka statistics of every client created from now on or before
   * (requires `statistics.interval.ms`, see {@link ConfluentClientOptions.onStatistics}).
   * Returns a function that removes the listener.
   */
  onStatistics(listener: StatisticsListener): () => void;
}

class ConfluentClient implements ConfluentKafkaClient {
  readonly name = 'confluent' as const;
  readonly librdkafkaVersion = rdkafka.librdkafkaVersion;
  private readonly statistics: StatisticsHub;

  constructor(private readonly options: ResolvedOptions, onStatistics?: StatisticsListener) {
    this.statistics = new StatisticsHub(onStatistics);
  }

  onStatistics(listener: StatisticsListener): () => void {
    return this.statistics.subscribe(listener);
  }

  admin(): Admin {
    return new ConfluentAdmin(this.options);
  }

  producer(config?: ProducerConfig): Producer {
    return new ConfluentProducer(this.options, this.statistics, config);
  }

  transactionalProducer(config: TransactionalProducerConfig): TransactionalProducer {
    return new ConfluentTransactionalProducer(this.options, this.statistics, config);
  }

  groupConsumer(config: GroupConsumerConfig): GroupConsumer {
    return new ConfluentGroupConsumer(this.options, this.statistics, config);
  }

  partitionReader(config: PartitionReaderConfig): PartitionReader {
    return new ConfluentPartitionReader(this.options, this.statistics, config);
  }
}

/**
 * Creates the goka-ts Kafka client layer on `@confluentinc/kafka-javascript` (librdkafka).
 *
 * @example
 * const client = confluentClient({ brokers: ['127.0.0.1:9092'], config: { 'statistics.interval.ms': 10000 },
 *   onStatistics: (s) => metrics.observe(s) });
 */
export function confluentClient(options: ConfluentClientOptions): ConfluentKafkaClient {
  return new ConfluentClient(resolveOptions(options), options.onStatistics);
}
