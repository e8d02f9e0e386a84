import { ProducerFencedError, StateError, TransactionAbortedError, WriteExpiredError, type ProducerRecord } from '@goka-ts/api';
import { NotIdleError, type MemoryKafka } from '../src';
import { kafkaWith, produce, RecordingHandler, RecordingReader, text } from './helpers';

const record = (topic: string, partition: number, key: string, value = key): ProducerRecord => ({
  topic,
  partition,
  key: Buffer.from(key),
  value: Buffer.from(value),
});

async function connected(kafka: MemoryKafka, transactionalId = 'txn', transactionTimeoutMs?: number) {
  const producer = kafka.transactionalProducer({ transactionalId, transactionTimeoutMs });
  await producer.connect();
  return producer;
}

/** Reads a partition to its high watermark (follow: false). */
async function readAll(kafka: MemoryKafka, topic: string, partition = 0): Promise<RecordingReader> {
  const reader = new RecordingReader();
  await kafka.partitionReader({ topic, partitions: [{ partition, from: 'oldest' }], follow: false }).run(reader);
  return reader;
}

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('MemoryKafka transactions', () => {
  it('gives records offsets at send time, shows them only after the commit, and writes a marker per partition', async () => {
    const kafka = await kafkaWith({ t: 2 });
    const producer = await connected(kafka);
    await producer.begin();
    const sent = await Promise.all([producer.send(record('t', 0, 'a')), producer.send(record('t', 1, 'b')), producer.send(record('t', 0, 'c'))]);
    expect(sent).toEqual([
      { topic: 't', partition: 0, offset: 0 },
      { topic: 't', partition: 1, offset: 0 },
      { topic: 't', partition: 0, offset: 1 },
    ]);
    const log = kafka.broker.topic('t')!.log(0)!;
    expect(log.highWatermark).toBe(2);
    expect(log.lastStableOffset).toBe(0);
    expect(log.all()).toEqual([]);
    expect(kafka.broker.messages('t')).toEqual([]);

    await producer.commit();
    expect(log.highWatermark).toBe(3); // the commit marker
    expect(log.lastStableOffset).toBe(3);
    // One round writes partition by partition, as the plain producer does.
    expect(kafka.broker.messages('t').map(text)).toEqual(['a=a', 'c=c', 'b=b']);
    expect((await kafka.admin().partitionOffsets('t')).map((o) => o.newest)).toEqual([3, 2]);
    await producer.close();
  });

  it('never delivers aborted records, and a reader reaches its end over markers and aborted records', async () => {
    const kafka = await kafkaWith({ t: 1 });
    await produce(kafka, 't', 0, [['plain', '1']]);
    const producer = await connected(kafka);
    await producer.begin();
    await producer.send(record('t', 0, 'kept'));
    await producer.commit();
    await producer.begin();
    await Promise.all([producer.send(record('t', 0, 'gone-1')), producer.send(record('t', 0, 'gone-2'))]);
    await producer.abort();

    const reader = await readAll(kafka, 't');
    expect(reader.messages.map(text)).toEqual(['plain=1', 'kept=kept']);
    expect(reader.caughtUp).toEqual([[0, 6]]); // 2 records, 1 marker, 2 aborted, 1 marker
    expect(kafka.broker.messages('t').map(text)).toEqual(['plain=1', 'kept=kept']);
    await producer.close();
  });

  it('holds back everything after an open transaction (the last stable offset), plain records too', async () => {
    const kafka = await kafkaWith({ t: 1 });
    const producer = await connected(kafka);
    await producer.begin();
    await producer.send(record('t', 0, 'pending'));
    await produce(kafka, 't', 0, [['plain', 'after']]);

    const follower = new RecordingReader();
    const reader = kafka.partitionReader({ topic: 't', partitions: [{ partition: 0, from: 'oldest' }], follow: true });
    const following = reader.run(follower);
    await kafka.waitIdle({ maxTransactionWaitMs: 0 }).catch(() => undefined);
    expect(follower.messages).toEqual([]);
    expect(follower.caughtUp).toEqual([[0, 0]]); // caught up at the last stable offset

    await producer.commit();
    await kafka.waitIdle();
    expect(follower.messages.map(text)).toEqual(['pending=pending', 'plain=after']);
    await reader.stop();
    await following;
    await producer.close();
  });

  it('lets a reader that does not follow wait for an open transaction before it is caught up', async () => {
    const kafka = await kafkaWith({ t: 1 });
    await produce(kafka, 't', 0, [['a', '1']]);
    const producer = await connected(kafka);
    await producer.begin();
    await producer.send(record('t', 0, 'b'));

    const recovery = new RecordingReader();
    let done = false;
    const reading = kafka
      .partitionReader({ topic: 't', partitions: [{ partition: 0, from: 'oldest' }], follow: false })
      .run(recovery)
      .then(() => {
        done = true;
      });
    await turns(20);
    expect(recovery.messages.map(text)).toEqual(['a=1']);
    expect(done).toBe(false);

    await producer.abort();
    await reading;
    expect(recovery.messages.map(text)).toEqual(['a=1']);
    // The high watermark at the start (2): the abort marker after it is not waited for.
    expect(recovery.caughtUp).toEqual([[0, 2]]);
    await producer.close();
  });

  it('delivers only committed records to group consumers', async () => {
    const kafka = await kafkaWith({ t: 1 });
    const handler = new RecordingHandler();
    const consumer = kafka.groupConsumer({ groupId: 'g', topics: ['t'], startFrom: 'oldest' });
    const run = consumer.run(handler);
    const producer = await connected(kafka);
    for (const [i, commit] of [true, false, true].entries()) {
      await producer.begin();
      await producer.send(record('t', 0, `r${i}`));
      if (commit) await producer.commit();
      else await producer.abort();
    }
    await kafka.waitIdle();
    expect(handler.texts()).toEqual(['r0=r0', 'r2=r2']);
    await consumer.close();
    await run;
    await producer.close();
  });

  it('commits consumer offsets only with the transaction', async () => {
    const kafka = await kafkaWith({ in: 2, out: 1 });
    const admin = kafka.admin();
    const producer = await connected(kafka);
    await producer.begin();
    await producer.send(record('out', 0, 'o'));
    await producer.sendOffsets([{ topic: 'in', partition: 1, offset: 4 }], { groupId: 'g' });
    await producer.sendOffsets([{ topic: 'in', partition: 1, offset: 7 }], { groupId: 'g' }); // the later one wins
    expect((await admin.committedOffsets('g', 'in')).map((o) => o.offset)).toEqual([-1, -1]);
    await producer.commit();
    expect((await admin.committedOffsets('g', 'in')).map((o) => o.offset)).toEqual([-1, 7]);

    await producer.begin();
    await producer.sendOffsets([{ topic: 'in', partition: 0, offset: 3 }], { groupId: 'g' });
    await producer.abort();
    expect((await admin.committedOffsets('g', 'in')).map((o) => o.offset)).toEqual([-1, 7]);
    await expect(producer.sendOffsets([{ topic: 'in', partition: 0, offset: -1 }], { groupId: 'g' })).rejects.toBeInstanceOf(StateError);
    await producer.begin();
    await expect(producer.sendOffsets([{ topic: 'in', partition: 0, offset: -1 }], { groupId: 'g' })).rejects.toBeInstanceOf(RangeError);
    await producer.close();
  });

  it('rejects offsets of a group member that left the group (a zombie)', async () => {
    const kafka = await kafkaWith({ in: 1 });
    const consumer = kafka.groupConsumer({ groupId: 'g', topics: ['in'] });
    const run = consumer.run(new RecordingHandler());
    await kafka.waitIdle();
    const producer = await connected(kafka);
    await producer.begin();
    await producer.sendOffsets([{ topic: 'in', partition: 0, offset: 1 }], { groupId: 'g', consumer });
    await consumer.close();
    await run;
    await expect(producer.sendOffsets([{ topic: 'in', partition: 0, offset: 2 }], { groupId: 'g', consumer })).rejects.toThrow(/is not in the group/);
    await producer.abort();
    await producer.close();
  });

  it('fences an older producer of the same id: its transaction is aborted at once and its calls reject', async () => {
    const kafka = await kafkaWith({ t: 1 });
    const older = await connected(kafka, 'id');
    await older.begin();
    await older.send(record('t', 0, 'zombie'));
    const queued = older.send(record('t', 0, 'queued')); // still waiting for its round

    const newer = await connected(kafka, 'id');
    const log = kafka.broker.topic('t')!.log(0)!;
    expect(log.lastStableOffset).toBe(log.highWatermark); // the zombie's transaction ended
    await expect(queued).rejects.toBeInstanceOf(ProducerFencedError);
    for (const call of [
      () => older.send(record('t', 0, 'late')),
      () => older.sendOffsets([{ topic: 't', partition: 0, offset: 1 }], { groupId: 'g' }),
      () => older.commit(),
      () => older.abort(),
      () => older.begin(),
    ]) {
      const error = await call().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(ProducerFencedError);
      expect((error as ProducerFencedError).transactionalId).toBe('id');
    }
    await older.close(); // closing a fenced producer is fine

    await newer.begin();
    await newer.send(record('t', 0, 'owner'));
    await newer.commit();
    expect((await readAll(kafka, 't')).messages.map(text)).toEqual(['owner=owner']);
    // Another id is not affected.
    const other = await connected(kafka, 'other');
    await other.begin();
    await newer.close();
    await other.close();
  });

  it('rejects misuse of the life cycle with a StateError', async () => {
    const kafka = await kafkaWith({ t: 1 });
    const producer = kafka.transactionalProducer({ transactionalId: 'id' });
    await expect(producer.begin()).rejects.toBeInstanceOf(StateError); // not connected
    await producer.connect();
    await expect(producer.send(record('t', 0, 'x'))).rejects.toBeInstanceOf(StateError);
    await expect(producer.commit()).rejects.toBeInstanceOf(StateError);
    await expect(producer.sendOffsets([], { groupId: 'g' })).rejects.toBeInstanceOf(StateError);
    await producer.abort(); // nothing open: nothing to do
    await producer.begin();
    await expect(producer.begin()).rejects.toBeInstanceOf(StateError);
    const committing = producer.commit();
    await expect(producer.send(record('t', 0, 'during-commit'))).rejects.toBeInstanceOf(StateError);
    await committing;
    await producer.close();
    await expect(producer.begin()).rejects.toBeInstanceOf(StateError);
    await expect(producer.connect()).rejects.toBeInstanceOf(StateError);
    expect(() => kafka.transactionalProducer({ transactionalId: '' })).toThrow(TypeError);
  });

  it('aborts the open transaction on close', async () => {
    const kafka = await kafkaWith({ t: 1 });
    const producer = await connected(kafka);
    await producer.begin();
    await producer.send(record('t', 0, 'x'));
    await producer.close();
    expect((await readAll(kafka, 't')).messages).toEqual([]);
    expect(kafka.broker.topic('t')!.log(0)!.highWatermark).toBe(2);
    expect(kafka.isIdle()).toBe(true);
  });

  it('refuses to commit a transaction with a record that was not written, and aborts it', async () => {
    const kafka = await kafkaWith({ t: 1 });
    const producer = await connected(kafka);
    await producer.begin();
    const kept = producer.send(record('t', 0, 'ok'));
    const late = producer.send({ ...record('t', 0, 'late'), notAfter: performance.now() - 1 });
    await expect(late).rejects.toBeInstanceOf(WriteExpiredError);
    await kept;
    await expect(producer.commit()).rejects.toBeInstanceOf(TransactionAbortedError);
    expect((await readAll(kafka, 't')).messages).toEqual([]);
    // Usable again.
    await producer.abort();
    await producer.begin();
    await expect(producer.send(record('missing', 0, 'x'))).rejects.toThrow(/does not exist/);
    await expect(producer.commit()).rejects.toThrow(/not written/);
    await producer.close();
  });

  it('aborts a transaction open longer than its timeout; the producer recovers with abort()', async () => {
    const kafka = await kafkaWith({ t: 1 });
    const producer = await connected(kafka, 'slow', 30);
    await producer.begin();
    await producer.send(record('t', 0, 'x'));
    await new Promise((resolve) => setTimeout(resolve, 60));
    await expect(producer.send(record('t', 0, 'y'))).rejects.toThrow(/timeout of 30 ms/);
    await expect(producer.begin()).rejects.toBeInstanceOf(StateError);
    await producer.abort();
    await producer.begin();
    await producer.send(record('t', 0, 'z'));
    await producer.commit();
    expect((await readAll(kafka, 't')).messages.map(text)).toEqual(['z=z']);
    await producer.close();
  });

  it('counts an open transaction with records or offsets as busy, and waits for it in wall-clock time', async () => {
    const kafka = await kafkaWith({ t: 1 });
    const producer = await connected(kafka, 'idle');
    await producer.begin();
    expect(kafka.isIdle()).toBe(true); // nothing sent: nobody would see a difference
    await producer.send(record('t', 0, 'x'));
    expect(kafka.broker.busyReasons()).toEqual(['transaction of "idle": 1 record(s) not yet committed']);

    const error = await kafka.waitIdle({ maxTransactionWaitMs: 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotIdleError);
    expect((error as NotIdleError).message).toMatch(/waiting for open transactions.*transaction of "idle"/);

    const committed = new Promise((resolve) => setTimeout(resolve, 30)).then(() => producer.commit());
    await kafka.waitIdle();
    await committed;
    expect(kafka.broker.messages('t').map(text)).toEqual(['x=x']);
    await producer.close();
  });

  it('announces transactional records to broker listeners when they commit, never when they abort', async () => {
    const kafka = await kafkaWith({ t: 1 });
    const seen: string[] = [];
    const stop = kafka.broker.onAppend((messages) => seen.push(...messages.map(text)));
    const producer = await connected(kafka);
    await producer.begin();
    await producer.send(record('t', 0, 'in-txn'));
    await produce(kafka, 't', 0, [['plain', 'p']]);
    expect(seen).toEqual([]);
    await producer.commit();
    expect(seen).toEqual(['in-txn=in-txn', 'plain=p']);
    await producer.begin();
    await producer.send(record('t', 0, 'aborted'));
    await producer.abort();
    await produce(kafka, 't', 0, [['after', 'a']]);
    expect(seen).toEqual(['in-txn=in-txn', 'plain=p', 'after=a']);
    stop();
    await producer.close();
  });
});
