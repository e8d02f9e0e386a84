import {
  GokaError, type BatchResult, type ProduceResult, type Producer, type ProducerConfig, type ProducerRecord,
} from '@goka-ts/api';
import { Lifecycle } from './lifecycle';
import type { ResolvedOptions } from './options';
import { deliveryError, openProducerHandle, producerConfig } from './producer_handle';
import { disconnectClient, type RdProducer } from './rdkafka';
import { sendBatch } from './send_batch';
import { RecordBatcher, type Outgoing } from './record_batcher';
import type { StatisticsHub } from './statistics';

/**
 * Producer on librdkafka. Every record names its partition; librdkafka batches (linger / batch
 * size), its background thread serves delivery reports, and each report resolves its own send
 * with the acknowledged offset. No JS timer polls while idle.
 */
export class ConfluentProducer implements Producer {
  private readonly lifecycle = new Lifecycle('producer');
  private rd?: RdProducer;
  private readonly batcher = new RecordBatcher<Outgoing>((err, item) => deliveryError(err, item.record, this.options.brokers));

  constructor(
    private readonly options: ResolvedOptions,
    private readonly statistics: StatisticsHub,
    private readonly config: ProducerConfig = {},
  ) {}

  connect(): Promise<void> {
    return this.lifecycle.connect(async () => {
      this.rd = await openProducerHandle({
        options: this.options,
        statistics: this.statistics,
        config: producerConfig(this.options, this.config),
        component: 'producer',
        prepare: (rd) => this.batcher.attach(rd),
        onError: (err) => {
          this.options.logger?.warn(`producer: ${err.message}`, { code: err.code, fatal: err.isFatal === true });
        },
      });
    });
  }

  send(record: ProducerRecord): Promise<ProduceResult> {
    const notConnected = this.lifecycle.notConnected();
    if (notConnected) return Promise.reject(notConnected);
    const invalid = invalidPartition(record);
    if (invalid) return Promise.reject(invalid);
    return new Promise<ProduceResult>((resolve, reject) => {
      this.batcher.push({ seq: 0, done: false, record, resolve, reject });
    });
  }

  sendBatch(records: readonly ProducerRecord[]): Promise<BatchResult> {
    const notConnected = this.lifecycle.notConnected();
    if (notConnected) return Promise.reject(notConnected);
    return sendBatch((item) => this.batcher.push(item), records, invalidPartition);
  }

  flush(): Promise<void> {
    return this.batcher.drained();
  }

  close(): Promise<void> {
    return this.lifecycle.close(async () => {
      if (this.rd) {
        await this.batcher.drained();
        await disconnectClient(this.rd);
      }
      this.batcher.dispose();
    });
  }
}

/** goka-ts computes partitions itself; a record without a valid one is a caller bug. */
export function invalidPartition(record: ProducerRecord): GokaError | undefined {
  if (Number.isInteger(record.partition) && record.partition >= 0) return undefined;
  return new GokaError(`record for topic "${record.topic}" needs an explicit partition, got ${record.partition}`);
}
