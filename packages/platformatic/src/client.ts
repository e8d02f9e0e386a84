import type {
  Admin, GroupConsumer, GroupConsumerConfig, KafkaClient, PartitionReader, PartitionReaderConfig, Producer, ProducerConfig,
  TransactionalProducer, TransactionalProducerConfig,
} from '@goka-ts/api';
import { PlatformaticAdmin } from './admin';
import { PlatformaticGroupConsumer } from './group_consumer';
import { resolveOptions, type PlatformaticClientOptions, type ResolvedOptions } from './options';
import { PlatformaticPartitionReader } from './partition_reader';
import { PlatformaticProducer } from './producer';
import { PlatformaticTransactionalProducer } from './transactional_producer';

/** A goka-ts {@link KafkaClient} on `@platformatic/kafka`. Every component opens its own connections. */
export class PlatformaticClient implements KafkaClient {
  readonly name = 'platformatic';
  /** The resolved options every component is created with. */
  readonly options: ResolvedOptions;

  constructor(options: PlatformaticClientOptions) {
    this.options = resolveOptions(options);
  }

  admin(): Admin {
    return new PlatformaticAdmin(this.options);
  }

  producer(config?: ProducerConfig): Producer {
    return new PlatformaticProducer(this.options, config);
  }

  transactionalProducer(config: TransactionalProducerConfig): TransactionalProducer {
    return new PlatformaticTransactionalProducer(this.options, config);
  }

  groupConsumer(config: GroupConsumerConfig): GroupConsumer {
    return new PlatformaticGroupConsumer(this.options, config);
  }

  partitionReader(config: PartitionReaderConfig): PartitionReader {
    return new PlatformaticPartitionReader(this.options, config);
  }
}

/**
 * Creates a goka-ts Kafka client on `@platformatic/kafka` 1.x.
 *
 * @example
 * const client = platformaticClient({ brokers: ['127.0.0.1:9092'], platformatic: { tls: {} } });
 */
export function platformaticClient(options: PlatformaticClientOptions): PlatformaticClient {
  return new PlatformaticClient(options);
}
