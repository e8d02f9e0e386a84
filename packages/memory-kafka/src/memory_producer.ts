import { StateError, type BatchResult, type Producer, type ProduceResult, type ProducerConfig, type ProducerRecord } from '@goka-ts/api';
import type { MemoryBroker } from './memory_broker';
import { ProduceRounds, type AppendRound } from './produce_rounds';

/**
 * A producer of the in-memory broker. Records sent in one event-loop turn form one round, written
 * on the next turn (the equivalent of a linger), per partition in send order; each record's promise
 * resolves with its offset or rejects on its own failure (missing topic or partition).
 */
export class MemoryProducer implements Producer {
  private readonly rounds: ProduceRounds;
  private readonly append: AppendRound;
  private closed = false;

  constructor(
    broker: MemoryBroker,
    readonly config: ProducerConfig = {},
  ) {
    this.rounds = new ProduceRounds(broker.activities, broker.now);
    this.append = (topic, partition, records) => broker.append(topic, partition, records);
  }

  async connect(): Promise<void> {
    if (this.closed) throw new StateError('producer is closed; create a new one');
  }

  send(record: ProducerRecord): Promise<ProduceResult> {
    if (this.closed) return Promise.reject(new StateError(`cannot send to topic "${record.topic}": the producer is closed`));
    return this.rounds.send(record, this.append);
  }

  sendBatch(records: readonly ProducerRecord[]): Promise<BatchResult> {
    if (this.closed) return Promise.reject(new StateError('cannot send a batch: the producer is closed'));
    return this.rounds.sendBatch(records, this.append);
  }

  flush(): Promise<void> {
    return this.rounds.flush();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }
}
