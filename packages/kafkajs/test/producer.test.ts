import { GokaError, WriteExpiredError } from '@goka-ts/api';
import { KafkaJSNumberOfRetriesExceeded, KafkaJSRequestTimeoutError } from 'kafkajs';
import type { KafkaMessage, Producer, ProduceResult } from '@goka-ts/api';
import { brokersFromEnv } from '@goka-ts/conformance';
import { kafkajsClient } from '../src';
import { Fixture } from './helpers';

const fx = new Fixture();
beforeAll(() => fx.setup());
afterAll(() => fx.teardown());
afterEach(() => fx.cleanup());

async function open(config: Parameters<Fixture['client']['producer']>[0]): Promise<Producer> {
  const producer = fx.client.producer(config);
  await producer.connect();
  fx.defer(() => producer.close());
  return producer;
}

/** kafkajs' producer inside the adapter, to watch the requests it sends. */
const kafkajsProducerOf = (producer: Producer) => (producer as unknown as { producer: { sendBatch: (...args: unknown[]) => Promise<unknown> } }).producer;

/** A spy on the one-try kafkajs producer that sends requests with deadlines (created here, on first use). */
function spyOnStrictSendBatch(producer: Producer) {
  const strict = (producer as unknown as { strictProducer(): { producer: { sendBatch: (...args: unknown[]) => Promise<unknown> } } }).strictProducer().producer;
  return jest.spyOn(strict, 'sendBatch');
}

async function readAll(topic: string, partition: number): Promise<KafkaMessage[]> {
  const messages: KafkaMessage[] = [];
  await fx.client.partitionReader({ topic, partitions: [{ partition, from: 'oldest' }], follow: false }).run({
    async onBatch(batch) {
      messages.push(...batch.messages);
    },
  });
  return messages;
}

describe('kafkajs producer', () => {
  it('batches records of several topics and partitions into few requests with exact offsets', async () => {
    const a = await fx.topic('load-a', 3);
    const b = await fx.topic('load-b', 2);
    const producer = await open({ lingerMs: 20, batchSize: 500 });
    const sendBatch = jest.spyOn(kafkajsProducerOf(producer), 'sendBatch');
    const sends: Array<Promise<ProduceResult>> = [];
    for (let i = 0; i < 6000; i++) {
      const topic = i % 2 === 0 ? a : b;
      const partition = i % (topic === a ? 3 : 2);
      sends.push(producer.send({ topic, partition, key: Buffer.from(`k${i}`), value: Buffer.from(`${topic}:${partition}:${i}`) }));
    }
    const results = await Promise.all(sends);
    expect(sendBatch.mock.calls.length).toBeLessThan(40);
    for (const [topic, partitions] of [[a, 3], [b, 2]] as const) {
      for (let p = 0; p < partitions; p++) {
        const mine = results.filter((r) => r.topic === topic && r.partition === p);
        expect(mine.map((r) => r.offset)).toEqual(mine.map((_, i) => i));
      }
    }
    // Each acknowledged offset holds exactly the record that was sent.
    const stored = await readAll(b, 1);
    const byOffset = new Map(stored.map((m) => [m.offset, m.value!.toString()]));
    results.forEach((r, i) => {
      if (r.topic === b && r.partition === 1) expect(byOffset.get(r.offset)).toBe(`${b}:1:${i}`);
    });
  });

  it('sends at batchSize without waiting for the linger time', async () => {
    const topic = await fx.topic('batchsize', 1);
    const producer = await open({ lingerMs: 60000, batchSize: 10 });
    const started = Date.now();
    await Promise.all(Array.from({ length: 10 }, () => producer.send({ topic, partition: 0, key: null, value: Buffer.from('x') })));
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('rejects only the records of a failed request; later records go through', async () => {
    const topic = await fx.topic('fail', 1);
    const producer = await open({ lingerMs: 5 });
    const kafkajs = kafkajsProducerOf(producer);
    const failure = Object.assign(new Error('broker said no'), { name: 'KafkaJSProtocolError', type: 'NOT_ENOUGH_REPLICAS' });
    jest.spyOn(kafkajs, 'sendBatch').mockRejectedValueOnce(failure);
    const first = Promise.allSettled([0, 1, 2].map(() => producer.send({ topic, partition: 0, key: null, value: Buffer.from('lost') })));
    const outcome = await first;
    expect(outcome.every((o) => o.status === 'rejected')).toBe(true);
    const reason = (outcome[0] as PromiseRejectedResult).reason as GokaError;
    expect(reason).toBeInstanceOf(GokaError);
    expect(reason.message).toMatch(/broker said no/);
    await expect(producer.send({ topic, partition: 0, key: null, value: Buffer.from('kept') })).resolves.toMatchObject({ offset: 0 });
  });

  it('compresses with gzip and explains what zstd needs', async () => {
    const topic = await fx.topic('gzip', 1);
    const producer = await open({ compression: 'gzip' });
    const results = await Promise.all(['a', 'b', 'c'].map((v) => producer.send({ topic, partition: 0, key: null, value: Buffer.from(v.repeat(1000)) })));
    expect(results.map((r) => r.offset)).toEqual([0, 1, 2]);
    expect((await readAll(topic, 0)).map((m) => m.value!.toString()[0])).toEqual(['a', 'b', 'c']);
    expect(() => fx.client.producer({ compression: 'zstd' })).toThrow(/CompressionTypes.ZSTD/);
  });

  it('keeps working after a topic it wrote to was deleted', async () => {
    const doomed = await fx.topic('doomed', 1);
    const kept = await fx.topic('kept', 1);
    // Short retries: kafkajs spends its whole retry budget before the adapter can step in.
    const client = kafkajsClient({ brokers: brokersFromEnv(), kafkaJS: { retry: { retries: 1, initialRetryTime: 100 } } });
    const producer = client.producer({ lingerMs: 1 });
    await producer.connect();
    fx.defer(() => producer.close());
    await producer.send({ topic: doomed, partition: 0, key: null, value: Buffer.from('1') });
    await producer.send({ topic: kept, partition: 0, key: null, value: Buffer.from('1') });
    await fx.admin.deleteTopic(doomed);
    const fresh = await fx.topic('fresh', 1);
    // kafkajs would now fail every metadata refresh of this producer; the adapter renews it.
    await expect(producer.send({ topic: fresh, partition: 0, key: null, value: Buffer.from('x') })).resolves.toMatchObject({ offset: 0 });
    await expect(producer.send({ topic: kept, partition: 0, key: null, value: Buffer.from('2') })).resolves.toMatchObject({ offset: 1 });
    await expect(producer.send({ topic: doomed, partition: 0, key: null, value: Buffer.from('2') })).rejects.toMatchObject({ name: 'UnknownTopicError', topic: doomed });
  });

  it('rejects sends before connect()', async () => {
    const producer = fx.client.producer();
    fx.defer(() => producer.close());
    await expect(producer.send({ topic: 'x', partition: 0, key: null, value: null })).rejects.toThrow(/before connect/);
  });

  it('does not let kafkajs retry records with a deadline past it: a timed-out try drops the late ones and sends the rest', async () => {
    const topic = await fx.topic('deadline-retry', 2);
    const producer = await open({ lingerMs: 20 });
    const sendBatch = spyOnStrictSendBatch(producer);
    // The first try times out after the deadline (as a request in flight while the process was paused does).
    sendBatch.mockImplementationOnce(async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      throw new KafkaJSNumberOfRetriesExceeded(new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out'), { retryCount: 0, retryTime: 0 });
    });
    const late = producer.send({ topic, partition: 0, key: Buffer.from('t'), value: Buffer.from('stale'), notAfter: performance.now() + 150 });
    const plain = producer.send({ topic, partition: 1, key: null, value: Buffer.from('no deadline') });
    const [lateResult, plainResult] = await Promise.allSettled([late, plain]);
    expect(lateResult.status).toBe('rejected');
    expect((lateResult as PromiseRejectedResult).reason).toBeInstanceOf(WriteExpiredError);
    expect(plainResult).toMatchObject({ status: 'fulfilled', value: { topic, partition: 1 } });
    expect(sendBatch).toHaveBeenCalledTimes(2);
    const retried = sendBatch.mock.calls[1]![0] as { topicMessages: Array<{ messages: Array<{ partition: number }> }> };
    expect(retried.topicMessages.flatMap((t) => t.messages.map((m) => m.partition))).toEqual([1]);
    expect(await readAll(topic, 0)).toEqual([]);
    expect((await readAll(topic, 1)).map((m) => m.value?.toString())).toEqual(['no deadline']);
  });

  it('tries a request with deadlines as often as kafkajs would, and gives up with the error on a non-retriable one', async () => {
    const topic = await fx.topic('deadline-fail', 1);
    const producer = await open({ lingerMs: 0 });
    const sendBatch = spyOnStrictSendBatch(producer);
    sendBatch.mockRejectedValueOnce(new KafkaJSNumberOfRetriesExceeded(new KafkaJSRequestTimeoutError('timed out'), { retryCount: 0, retryTime: 0 }));
    const ok = await producer.send({ topic, partition: 0, key: null, value: Buffer.from('second try'), notAfter: performance.now() + 60_000 });
    expect(ok).toMatchObject({ topic, partition: 0, offset: 0 });
    expect(sendBatch).toHaveBeenCalledTimes(2);

    sendBatch.mockRejectedValueOnce(Object.assign(new Error('Broker: Message size too large'), { retriable: false, name: 'KafkaJSProtocolError' }));
    await expect(producer.send({ topic, partition: 0, key: null, value: Buffer.from('refused'), notAfter: performance.now() + 60_000 })).rejects.toThrow(/too large/);
    expect(sendBatch).toHaveBeenCalledTimes(3);
  });
});
