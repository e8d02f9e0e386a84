import type {
  Admin, GroupConsumer, GroupConsumerConfig, GroupHandler, KafkaClient, PartitionReader, PartitionReaderConfig, Producer, ProducerConfig, ReaderHandler,
  TransactionalProducer, TransactionalProducerConfig,
} from '@goka-ts/api';

/**
 * Passes everything to `inner` and calls `onStart` when consumption starts: when a group
 * consumer hands goka-ts its partitions (`onAssigned`, the point where a raw consumer's clock
 * starts too), or when a partition reader is run (which still has to connect and read offsets, so
 * the reader's figure includes more than the raw read's). Nothing else is touched.
 */
export class TimedClient implements KafkaClient {
  readonly name: string;

  constructor(
    private readonly inner: KafkaClient,
    private readonly onStart: () => void,
  ) {
    this.name = inner.name;
  }

  admin(): Admin {
    return this.inner.admin();
  }

  producer(config?: ProducerConfig): Producer {
    return this.inner.producer(config);
  }

  transactionalProducer(config: TransactionalProducerConfig): TransactionalProducer {
    return this.inner.transactionalProducer(config);
  }

  groupConsumer(config: GroupConsumerConfig): GroupConsumer {
    const consumer = this.inner.groupConsumer(config);
    const onStart = this.onStart;
    const run = consumer.run.bind(consumer);
    consumer.run = (handler: GroupHandler) =>
      run({
        onAssigned: (partitions) => {
          onStart();
          return handler.onAssigned(partitions);
        },
        onRevoked: (partitions) => handler.onRevoked(partitions),
        onBatch: (batch) => handler.onBatch(batch),
      });
    return consumer;
  }

  partitionReader(config: PartitionReaderConfig): PartitionReader {
    const reader = this.inner.partitionReader(config);
    const onStart = this.onStart;
    const run = reader.run.bind(reader);
    reader.run = (handler: ReaderHandler) => {
      onStart();
      return run(handler);
    };
    return reader;
  }
}
