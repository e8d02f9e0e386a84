import { KafkaConnectionError, type Logger } from '@goka-ts/api';
import { confluentClient } from '../src';

/** A port nothing listens on: connections are refused at once, librdkafka retries forever. */
const UNREACHABLE = ['127.0.0.1:1'];

describe('confluent adapter with an unreachable broker', () => {
  const warnings: string[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (m) => warnings.push(m),
    error: (m) => warnings.push(m),
  };
  const c = confluentClient({ brokers: UNREACHABLE, logger, connectionTimeoutMs: 4000 });
  const handler = { onAssigned: async () => undefined, onRevoked: async () => undefined, onBatch: async () => undefined };

  async function failsWithin<T>(what: Promise<T>, ms: number): Promise<Error> {
    const started = Date.now();
    const err = await what.then(() => new Error('expected a failure'), (e: Error) => e);
    expect(err).toBeInstanceOf(KafkaConnectionError);
    expect(err.message).toContain('127.0.0.1:1');
    expect(Date.now() - started).toBeLessThan(ms);
    return err;
  }

  test('admin, producer, group consumer and reader fail with KafkaConnectionError in bounded time', async () => {
    await Promise.all([
      failsWithin(c.admin().connect(), 8000),
      failsWithin(c.producer().connect(), 8000),
      failsWithin(c.groupConsumer({ groupId: 'g', topics: ['t'] }).run(handler), 8000),
      failsWithin(c.partitionReader({ topic: 't', follow: false, partitions: [{ partition: 0, from: 'oldest' }] }).run(handler), 8000),
    ]);
    // librdkafka's connection errors reached the logger.
    expect(warnings.some((w) => /Connection refused|transport|brokers? down/i.test(w))).toBe(true);
  });

  test('the default bound is about 10 seconds', async () => {
    const d = confluentClient({ brokers: UNREACHABLE });
    const started = Date.now();
    await expect(d.producer().connect()).rejects.toBeInstanceOf(KafkaConnectionError);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(9000);
    expect(took).toBeLessThan(15000);
  });
});
