/// <reference types="jest" />
import { BatchSendError, StateError, WriteExpiredError } from '@goka-ts/api';
import type { ProducerRecord, TransactionalProducer } from '@goka-ts/api';
import { uniqueName, within, type SuiteContext } from './harness';

/**
 * `sendBatch` of the plain and the transactional producer: one completion for many records,
 * offsets aligned with the input and consecutive per partition in input order, per-record
 * outcomes in a {@link BatchSendError} when some fail, and transactional visibility.
 */
export function batchTests(ctx: SuiteContext): void {
  describe('sendBatch', () => {
    afterEach(() => ctx.cleanup());

    const rec = (topic: string, partition: number, value: string, extra: Partial<ProducerRecord> = {}): ProducerRecord => ({
      topic, partition, key: Buffer.from(value), value: Buffer.from(value), ...extra,
    });
    const values = (messages: ReadonlyArray<{ value: Buffer | null }>) => messages.map((m) => m.value?.toString());
    const rejection = async (promise: Promise<unknown>): Promise<BatchSendError> => {
      const error = await promise.then(() => undefined, (err: unknown) => err);
      expect(error).toBeInstanceOf(BatchSendError);
      return error as BatchSendError;
    };

    it('writes records of several topics and partitions in input order, with offsets aligned to the input', async () => {
      const a = await ctx.createTopic('batch-a', 3);
      const b = await ctx.createTopic('batch-b', 1);
      const records: ProducerRecord[] = [];
      for (let i = 0; i < 30; i++) records.push(rec(i % 4 === 3 ? b : a, i % 4 === 3 ? 0 : i % 3, `r${i}`));
      const { results } = await ctx.producer.sendBatch(records);
      expect(results).toHaveLength(records.length);
      results.forEach((r, i) => expect(r).toMatchObject({ topic: records[i]!.topic, partition: records[i]!.partition }));
      for (const [topic, partition] of [[a, 0], [a, 1], [a, 2], [b, 0]] as const) {
        const mine = records.map((r, i) => ({ r, i })).filter(({ r }) => r.topic === topic && r.partition === partition);
        const offsets = mine.map(({ i }) => results[i]!.offset);
        expect(offsets).toEqual(offsets.map((_, j) => offsets[0]! + j));
        const stored = await ctx.readAll(topic, partition);
        const byOffset = new Map(stored.map((m) => [m.offset, m.value?.toString()]));
        mine.forEach(({ r, i }) => expect(byOffset.get(results[i]!.offset)).toBe(r.value!.toString()));
        expect(values(stored)).toEqual(mine.map(({ r }) => r.value!.toString()));
      }
    });

    it('orders a batch after records sent to the partition before it, and keeps offsets exact for large batches', async () => {
      const topic = await ctx.createTopic('batch-order', 2);
      const producer = ctx.client.producer({ lingerMs: 50, batchSize: 100 });
      await producer.connect();
      ctx.defer(() => producer.close());
      const before = producer.send(rec(topic, 0, 'before'));
      const records = Array.from({ length: 2500 }, (_, i) => rec(topic, i % 2, String(i)));
      const [first, { results }] = await Promise.all([before, producer.sendBatch(records)]);
      const p0 = results.filter((r) => r.partition === 0).map((r) => r.offset);
      expect(p0).toEqual(Array.from({ length: 1250 }, (_, i) => first.offset + 1 + i));
      expect(results.filter((r) => r.partition === 1).map((r) => r.offset)).toEqual(Array.from({ length: 1250 }, (_, i) => i));
      const stored = await ctx.readAll(topic, 0);
      expect(values(stored)).toEqual(['before', ...Array.from({ length: 1250 }, (_, i) => String(2 * i))]);
    });

    it('resolves an empty batch with no results', async () => {
      await expect(ctx.producer.sendBatch([])).resolves.toEqual({ results: [] });
    });

    it('rejects with a BatchSendError holding each record\'s outcome after all settled: expired and unknown-partition records fail alone', async () => {
      const topic = await ctx.createTopic('batch-partial', 2);
      const now = performance.now();
      const records = [
        rec(topic, 0, 'ok0'),
        rec(topic, 0, 'late', { notAfter: now - 1 }),
        rec(topic, 7, 'nowhere'),
        rec(topic, 1, 'ok1', { notAfter: now + 60_000 }),
        rec(topic, 0, 'ok2'),
      ];
      const error = await rejection(ctx.producer.sendBatch(records));
      expect(error.outcomes).toHaveLength(records.length);
      expect(error.errors).toHaveLength(2);
      expect(error.outcomes[1]).toBeInstanceOf(WriteExpiredError);
      expect(error.outcomes[2]).toBeInstanceOf(Error);
      expect((error.outcomes[2] as Error).message).toMatch(/partition/);
      expect(error.message).toMatch(/2 of 5/);
      expect(error.outcomes[0]).toMatchObject({ topic, partition: 0 });
      expect(error.outcomes[3]).toMatchObject({ topic, partition: 1 });
      expect(error.outcomes[4]).toMatchObject({ topic, partition: 0 });
      expect(values(await ctx.readAll(topic, 0))).toEqual(['ok0', 'ok2']);
      expect(values(await ctx.readAll(topic, 1))).toEqual(['ok1']);
    });

    it('fails a record over the size limit clearly, naming the size problem in its outcome', async () => {
      const topic = await ctx.createTopic('batch-large', 2);
      const records = [rec(topic, 0, 'small'), { topic, partition: 1, key: Buffer.from('big'), value: Buffer.alloc(2 * 1024 * 1024, 1) }];
      const error = await within('a batch with a too-large record', 30000, rejection(ctx.producer.sendBatch(records)));
      expect(error.outcomes[1]).toBeInstanceOf(Error);
      expect((error.outcomes[1] as Error).message).toMatch(/large|size|bytes/i);
      // The small record's fate depends on the client (some fail the whole request); it is settled either way.
      expect(error.outcomes[0]).toBeDefined();
      expect(values(await ctx.readAll(topic, 1))).toEqual([]);
      // The producer stays usable.
      await expect(ctx.producer.sendBatch([rec(topic, 1, 'after')])).resolves.toMatchObject({ results: [{ topic, partition: 1 }] });
    });

    it('rejects a batch after close with a StateError', async () => {
      const topic = await ctx.createTopic('batch-closed', 1);
      const producer = ctx.client.producer({ lingerMs: 2 });
      await producer.connect();
      await producer.close();
      await expect(producer.sendBatch([rec(topic, 0, 'late')])).rejects.toBeInstanceOf(StateError);
    });

    describe('in a transaction', () => {
      const txnProducer = async (): Promise<TransactionalProducer> => {
        const transactionalId = uniqueName('txn-batch');
        const producer = ctx.client.transactionalProducer({ transactionalId, lingerMs: 2, transactionTimeoutMs: 30000 });
        ctx.defer(() => producer.close());
        await within(`connecting transactional producer ${transactionalId}`, 30000, producer.connect());
        return producer;
      };

      it('makes a committed batch visible and an aborted one never', async () => {
        const topic = await ctx.createTopic('txn-batch', 2);
        const producer = await txnProducer();
        await expect(producer.sendBatch([rec(topic, 0, 'no transaction')])).rejects.toBeInstanceOf(StateError);

        await producer.begin();
        const { results } = await producer.sendBatch([rec(topic, 0, 'c0'), rec(topic, 1, 'c1'), rec(topic, 0, 'c2')]);
        expect(results.map((r) => [r.partition, r.offset])).toEqual([[0, 0], [1, 0], [0, 1]]);
        await producer.commit();

        await producer.begin();
        await producer.sendBatch([rec(topic, 0, 'a0'), rec(topic, 1, 'a1')]);
        await producer.abort();

        await producer.begin();
        await producer.sendBatch([rec(topic, 1, 'c3')]);
        await producer.commit();

        expect(values(await ctx.readAll(topic, 0))).toEqual(['c0', 'c2']);
        expect(values(await ctx.readAll(topic, 1))).toEqual(['c1', 'c3']);
      });
    });
  });
}
