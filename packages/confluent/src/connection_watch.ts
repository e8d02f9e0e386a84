import { KafkaConnectionError } from '@goka-ts/api';
import { Code, codeOf } from './errors';
import { fetchMetadata, type KafkaConsumer, type LibrdKafkaError } from './rdkafka';

/**
 * librdkafka reconnects forever and only reports "all brokers down" as a non-fatal event. When it
 * does, this asks the cluster for metadata with a bounded timeout; no answer means the component
 * fails with a {@link KafkaConnectionError} instead of hanging.
 */
export class ConnectionWatch {
  private probing = false;

  constructor(
    private readonly consumer: KafkaConsumer,
    private readonly brokers: readonly string[],
    private readonly timeoutMs: number,
    private readonly onLost: (err: KafkaConnectionError) => void,
  ) {}

  observe(err: LibrdKafkaError): void {
    if (codeOf(err) !== Code.ALL_BROKERS_DOWN || this.probing) return;
    this.probing = true;
    fetchMetadata(this.consumer, undefined, this.timeoutMs).then(
      () => {
        this.probing = false;
      },
      (cause: unknown) => {
        this.probing = false;
        if (!this.consumer.isConnected()) return;
        this.onLost(new KafkaConnectionError(
          `lost the connection to Kafka (${this.brokers.join(',')}): no answer within ${this.timeoutMs} ms`,
          { cause },
        ));
      },
    );
  }
}
