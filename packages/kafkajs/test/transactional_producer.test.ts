import { GokaError, ProducerFencedError, StateError, WriteExpiredError } from '@goka-ts/api';
import type { KafkaMessage, MessageBatch, ProducerRecord, TransactionalProducer, TransactionalProducerConfig } from '@goka-ts/api';
import { Fixture, unique, waitFor } from './helpers';

const fx = new Fixture();
beforeAll(() => fx.setup());
afterAll(() => fx.teardown());
afterEach(() => fx.cleanup());

async function open(config: Partial<TransactionalProducerConfig> = {}): Promise<TransactionalProducer> {
  const producer = fx.client.transactionalProducer({ transactionalId: unique('txn'), lingerMs: 5, transactionTimeoutMs: 30000, ...config });
  fx.defer(() => producer.close());
  await producer.connect();
  return producer;
}

const record = (topic: string, partition: number, value: string, extra: Partial<ProducerRecord> = {}): ProducerRecord => ({
  topic, partition, key: Buffer.from(value), value: Buffer.from(value), ...extra,
});
const values = (messages: readonly KafkaMessage[]) => messages.map((m) => m.value?.toString());

async function readAll(topic: string, partition = 0): Promise<{ messages: KafkaMessage[]; caughtUp: number[] }> {
  const messages: KafkaMessage[] = [];
  const caughtUp: number[] = [];
  await fx.client.partitionReader({ topic, partitions: [{ partition, from: 'oldest' }], follow: false, maxWaitMs: 200 }).run({
    async onBatch(batch) {
      messages.push(...batch.messages);
    },
    onCaughtUp(_p, highWatermark) {
      caughtUp.push(highWatermark);
    },
  });
  return { messages, caughtUp };
}

/** One transaction of one record. */
async function commitOne(producer: TransactionalProducer, topic: string, value: string, extra: Partial<ProducerRecord> = {}): Promise<void> {
  await producer.begin();
  await producer.send(record(topic, 0, value, extra));
  await producer.commit();
}

/** A producer with an open transaction holding one acknowledged record, on a new topic. */
async function withOpenTransaction(name: string): Promise<{ topic: string; transactionalId: string; producer: TransactionalProducer }> {
  const topic = await fx.topic(name, 1);
  const transactionalId = unique(`${name}-id`);
  const producer = await open({ transactionalId });
  await producer.begin();
  await producer.send(record(topic, 0, 'pending'));
  return { topic, transactionalId, producer };
}

/** The kafkajs transaction inside the adapter, to watch the requests it sends. */
const kafkajsTransactionOf = (producer: TransactionalProducer) =>
  (producer as unknown as { txn: { sendBatch: (...args: unknown[]) => Promise<unknown>; commit: () => Promise<void> } }).txn;

const lostConnection = () => Object.assign(new Error('Connection closed'), { name: 'KafkaJSConnectionClosedError', retriable: true });

describe('kafkajs transactional producer', () => {
  it('sends the records of a transaction in few requests, with exact offsets', async () => {
    const topic = await fx.topic('txn-batch', 2);
    const producer = await open({ batchSize: 500 });
    await producer.begin();
    const sendBatch = jest.spyOn(kafkajsTransactionOf(producer), 'sendBatch');
    const sends = [];
    for (let i = 0; i < 3000; i++) sends.push(producer.send(record(topic, i % 2, `r${i}`)));
    const results = await Promise.all(sends);
    await producer.commit();
    expect(sendBatch.mock.calls.length).toBeLessThan(15);
    for (const p of [0, 1]) {
      const mine = results.filter((r) => r.partition === p);
      expect(mine.map((r) => r.offset)).toEqual(mine.map((_, i) => i));
    }
    const { messages } = await readAll(topic, 1);
    expect(values(messages)).toEqual(results.flatMap((r, i) => (r.partition === 1 ? [`r${i}`] : [])));
  });

  it('rejects a record whose notAfter passed, refuses to commit its transaction, and starts over after abort', async () => {
    const topic = await fx.topic('txn-expired', 1);
    const producer = await open();
    await producer.begin();
    const kept = producer.send(record(topic, 0, 'kept'));
    const late = producer.send(record(topic, 0, 'late', { notAfter: performance.now() - 1 }));
    await expect(late).rejects.toBeInstanceOf(WriteExpiredError);
    await kept;
    const refused = await producer.commit().then(() => undefined, (err: unknown) => err);
    expect(refused).toBeInstanceOf(GokaError);
    expect((refused as Error).message).toMatch(/not committed/);
    await producer.abort();
    await commitOne(producer, topic, 'again', { notAfter: performance.now() + 60000 });
    expect(values((await readAll(topic)).messages)).toEqual(['again']);
  });

  it('after a send with an unknown outcome, abort registers again and the next transaction commits', async () => {
    const { topic, producer } = await withOpenTransaction('txn-send-failed');
    jest.spyOn(kafkajsTransactionOf(producer), 'sendBatch').mockRejectedValueOnce(lostConnection());
    await expect(producer.send(record(topic, 0, 'lost'))).rejects.toBeInstanceOf(GokaError);
    await expect(producer.commit()).rejects.toThrow(/not committed/);
    await producer.abort();
    await commitOne(producer, topic, 'next');
    expect(values((await readAll(topic)).messages)).toEqual(['next']);
  });

  it('after a failed commit request, abort ends the half-ended transaction and the next one commits', async () => {
    const { topic, producer } = await withOpenTransaction('txn-commit-failed');
    jest.spyOn(kafkajsTransactionOf(producer), 'commit').mockRejectedValueOnce(lostConnection());
    await expect(producer.commit()).rejects.toBeInstanceOf(GokaError);
    await expect(producer.begin()).rejects.toBeInstanceOf(StateError);
    await producer.abort();
    await commitOne(producer, topic, 'next');
    expect(values((await readAll(topic)).messages)).toEqual(['next']);
  });

  it('close aborts the open transaction, and a new producer with the same id takes over at once', async () => {
    const { topic, transactionalId, producer: first } = await withOpenTransaction('txn-close');
    // Sent or not by the time close() aborts, it is never visible.
    const unsettled = first.send(record(topic, 0, 'aborted')).catch(() => undefined);
    await first.close();
    await unsettled;
    await expect(first.send(record(topic, 0, 'after'))).rejects.toBeInstanceOf(StateError);

    const started = Date.now();
    const second = await open({ transactionalId });
    expect(Date.now() - started).toBeLessThan(5000);
    await commitOne(second, topic, 'kept');
    expect(values((await readAll(topic)).messages)).toEqual(['kept']);
  });

  it('reports a fencing discovered at commit, and is unusable afterwards', async () => {
    const { topic, transactionalId, producer: older } = await withOpenTransaction('txn-fence-commit');
    await open({ transactionalId });
    const error = await older.commit().then(() => undefined, (err: unknown) => err);
    expect(error).toBeInstanceOf(ProducerFencedError);
    await expect(older.begin()).rejects.toBeInstanceOf(ProducerFencedError);
    await expect(older.abort()).rejects.toBeInstanceOf(ProducerFencedError);
    expect((await readAll(topic)).messages).toEqual([]);
  });

  it('lets a reader with follow: false catch up while a transaction is open, and delivers its records once committed', async () => {
    const topic = await fx.topic('txn-open-reader', 1);
    const producer = await open();
    await commitOne(producer, topic, 'before');
    await producer.begin();
    await producer.send(record(topic, 0, 'pending'));
    const plain = fx.client.producer({ lingerMs: 0 });
    fx.defer(() => plain.close());
    await plain.connect();
    await plain.send(record(topic, 0, 'plain'));

    // Stops at the open transaction instead of waiting for it.
    const { messages, caughtUp } = await readAll(topic);
    expect(values(messages)).toEqual(['before']);
    expect(caughtUp).toHaveLength(1);

    // 'newest' starts at the open transaction, so its records are not skipped.
    const followed: KafkaMessage[] = [];
    const reader = fx.client.partitionReader({ topic, partitions: [{ partition: 0, from: 'newest' }], follow: true, maxWaitMs: 200 });
    const run = reader.run({
      async onBatch(batch: MessageBatch) {
        followed.push(...batch.messages);
      },
    });
    fx.defer(async () => {
      await reader.stop();
      await run.catch(() => undefined);
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(followed).toEqual([]);
    await producer.commit();
    await waitFor('the committed and the plain record', () => followed.length === 2);
    expect(values(followed)).toEqual(['pending', 'plain']);
  });

  it('hides interleaved aborted transactions of several producers from readers and group consumers', async () => {
    const topic = await fx.topic('txn-interleaved', 1);
    const [p1, p2, p3] = await Promise.all([open({ lingerMs: 0 }), open({ lingerMs: 0 }), open({ lingerMs: 0 })]);
    await Promise.all([p1.begin(), p2.begin(), p3.begin()]);
    // The broker lists p2's abort first, though p1's transaction started earlier.
    await p1.send(record(topic, 0, 'p1-a'));
    await p2.send(record(topic, 0, 'p2-a'));
    await p3.send(record(topic, 0, 'p3-c'));
    await p2.abort();
    await p1.send(record(topic, 0, 'p1-b'));
    await p3.commit();
    await p1.abort();

    const { messages, caughtUp } = await readAll(topic);
    expect(values(messages)).toEqual(['p3-c']);
    expect(caughtUp).toHaveLength(1);

    const delivered: KafkaMessage[] = [];
    const consumer = fx.client.groupConsumer({ groupId: unique('txn-interleaved-group'), topics: [topic], startFrom: 'oldest', sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, maxWaitMs: 200 });
    const run = consumer.run({
      onAssigned: async () => undefined,
      onRevoked: async () => undefined,
      async onBatch(batch) {
        delivered.push(...batch.messages);
      },
    });
    fx.defer(async () => {
      await consumer.close();
      await run.catch(() => undefined);
    });
    await waitFor('the committed record', () => delivered.length >= 1, 30000);
    // Another committed record after the aborted ones shows the consumer moved past them.
    await commitOne(p3, topic, 'p3-d');
    await waitFor('the second committed record', () => delivered.length >= 2, 30000);
    expect(values(delivered)).toEqual(['p3-c', 'p3-d']);
  });
});
