import type {
  Admin,
  GroupConsumer,
  GroupConsumerConfig,
  KafkaClient,
  PartitionReader,
  PartitionReaderConfig,
  Producer,
  ProducerConfig,
  TransactionalProducer,
  TransactionalProducerConfig,
} from '@goka-ts/api';
import { MemoryAdmin } from './memory_admin';
import { MemoryBroker, type MemoryBrokerOptions } from './memory_broker';
import { MemoryGroupConsumer } from './memory_group_consumer';
import { MemoryProducer } from './memory_producer';
import { MemoryPartitionReader } from './memory_reader';
import { MemoryTransactionalProducer } from './memory_transactional_producer';

/** Options of {@link MemoryKafka}: a broker to share, or the options of a new one. */
export type MemoryKafkaOptions = MemoryBrokerOptions | { readonly broker: MemoryBroker };

/**
 * A complete in-memory Kafka behind the goka-ts client interface: for unit tests and for running
 * examples without a broker. Topics, offsets, consumer groups (with Goka's co-partitioned assignment
 * and rebalances), transactions (read_committed visibility, fencing by transactional id, offsets
 * committed with the records), partition readers and admin behave like a single-broker cluster;
 * delivery runs on the event loop without timers, so nothing keeps a test process alive.
 *
 * ```ts
 * const kafka = new MemoryKafka();
 * await kafka.admin().createTopic({ topic: 'clicks', partitions: 4, replicationFactor: 1 });
 * const processor = new Processor(graph, { client: kafka });
 * ```
 *
 * Clients created with the same `broker` see the same topics and groups.
 */
export class MemoryKafka implements KafkaClient {
  readonly name = 'memory';
  /** The cluster state this client talks to. */
  readonly broker: MemoryBroker;

  constructor(options: MemoryKafkaOptions = {}) {
    this.broker = 'broker' in options ? options.broker : new MemoryBroker(options);
  }

  admin(): Admin {
    return new MemoryAdmin(this.broker);
  }

  producer(config?: ProducerConfig): Producer {
    return new MemoryProducer(this.broker, config);
  }

  transactionalProducer(config: TransactionalProducerConfig): TransactionalProducer {
    return new MemoryTransactionalProducer(this.broker, config);
  }

  groupConsumer(config: GroupConsumerConfig): GroupConsumer {
    return new MemoryGroupConsumer(this.broker, config);
  }

  partitionReader(config: PartitionReaderConfig): PartitionReader {
    return new MemoryPartitionReader(this.broker, config);
  }

  /** See {@link MemoryBroker.waitIdle}. */
  waitIdle(options?: { readonly maxRounds?: number; readonly maxTransactionWaitMs?: number }): Promise<void> {
    return this.broker.waitIdle(options);
  }

  /** See {@link MemoryBroker.isIdle}. */
  isIdle(): boolean {
    return this.broker.isIdle();
  }
}
