/// <reference types="jest" />
import { adminTests } from './client/admin_tests';
import { batchTests } from './client/batch_tests';
import { compressionTests } from './client/compression_tests';
import { failureTests } from './client/failure_tests';
import { groupTests } from './client/group_tests';
import { SuiteContext, type ClientFactory, type DescribeClientOptions } from './client/harness';
import { producerTests } from './client/producer_tests';
import { readerTests } from './client/reader_tests';
import { transactionTests } from './client/transaction_tests';

export type { ClientFactory, DescribeClientOptions } from './client/harness';

/**
 * The conformance suite every Kafka client adapter passes, run against the real broker named by
 * `KAFKA_BROKERS`: producer acknowledgements and offsets, partition readers, co-partitioned group
 * consumption with its callbacks, admin operations, how failures surface, transactions (commit, abort, fencing, read_committed),
 * and batches that the Java client and librdkafka compressed with every codec. It tests the
 * `@goka-ts/api` contract only (batch sends included), so every adapter runs the same tests.
 *
 * @example
 * describeClient('kafkajs', (brokers) => kafkajsClient({ brokers }));
 */
export function describeClient(name: string, factory: ClientFactory, options: DescribeClientOptions = {}): void {
  describe(`KafkaClient conformance: ${name}`, () => {
    const ctx = new SuiteContext(factory, options);
    beforeAll(() => ctx.setup());
    afterAll(() => ctx.teardown());

    producerTests(ctx);
    batchTests(ctx);
    readerTests(ctx);
    groupTests(ctx);
    adminTests(ctx);
    failureTests(ctx);
    transactionTests(ctx);
    compressionTests(ctx);
  });
}
