import type {
  Admin, GroupConsumer, GroupConsumerConfig, KafkaClient, PartitionReader, PartitionReaderConfig, Producer, ProducerConfig,
  TransactionalProducer, TransactionalProducerConfig,
} from '@goka-ts/api';
import { Kafka } from 'kafkajs';
import { KafkajsAdmin } from './admin';
import { registerCompressionCodecs } from './compression';
import { KafkajsGroupConsumer } from './group_consumer';
import { resolveOptions, type KafkajsClientOptions, type ResolvedOptions } from './options';
import { KafkajsPartitionReader } from './partition_reader';
import { KafkajsProducer } from './producer';
import { KafkajsTransactionalProducer } from './transactional_producer';

/** A goka-ts {@link KafkaClient} on kafkajs. Components create their own connections. */
export class KafkajsClient implements KafkaClient {
  readonly name = 'kafkajs';
  /** The kafkajs instance every component is created from (its config is the resolved one). */
  readonly kafka: Kafka;
  private readonly options: ResolvedOptions;

  constructor(options: KafkajsClientOptions) {
    this.options = resolveOptions(options);
    // Snappy (Go Goka's and librdkafka's usual choice) and lz4 input must be readable out of the box.
    registerCompressionCodecs();
    this.kafka = new Kafka(this.options.kafkaConfig);
  }

  admin(): Admin {
    return new KafkajsAdmin(this.kafka, this.options);
  }

  producer(config?: ProducerConfig): Producer {
    return new KafkajsProducer(this.kafkaFor(config), this.options, config);
  }

  /** See `README.md`, "Transactions": fencing is by transactional id only (kafkajs has no KIP-447). */
  transactionalProducer(config: TransactionalProducerConfig): TransactionalProducer {
    return new KafkajsTransactionalProducer(this.kafkaFor(config), this.options, config);
  }

  groupConsumer(config: GroupConsumerConfig): GroupConsumer {
    return new KafkajsGroupConsumer(this.kafka, this.options, config);
  }

  partitionReader(config: PartitionReaderConfig): PartitionReader {
    return new KafkajsPartitionReader(this.kafka, this.options, config);
  }

  /** kafkajs sets the client id per Kafka instance, not per producer. */
  private kafkaFor(config: ProducerConfig | undefined): Kafka {
    return config?.clientId ? new Kafka({ ...this.options.kafkaConfig, clientId: config.clientId }) : this.kafka;
  }
}

/**
 * Creates a goka-ts Kafka client on kafkajs 2.2.4.
 *
 * @example
 * const client = kafkajsClient({ brokers: ['127.0.0.1:9092'], kafkaJS: { ssl: true } });
 */
export function kafkajsClient(options: KafkajsClientOptions): KafkajsClient {
  return new KafkajsClient(options);
}
