/// <reference types="jest" />
import { ProducerFencedError, StateError } from '@goka-ts/api';
import type { TransactionalProducer } from '@goka-ts/api';
import { GroupCollector, ReaderCollector, start, uniqueName, waitFor, within, type SuiteContext } from './harness';

/**
 * Transactions: records and consumer offsets of a committed transaction become visible together,
 * those of an aborted one never; a newer producer with the same transactional id fences the older
 * one; readers and group consumers read committed data only.
 */
export function transactionTests(ctx: SuiteContext): void {
  describe('transactions', () => {
    afterEach(() => ctx.cleanup());

    const txnProducer = async (transactionalId = uniqueName('txn')): Promise<TransactionalProducer> => {
      const producer = ctx.client.transactionalProducer({ transactionalId, lingerMs: 2, transactionTimeoutMs: 30000 });
      ctx.defer(() => producer.close());
      await within(`connecting transactional producer ${transactionalId}`, 30000, producer.connect());
      return producer;
    };
    const record = (topic: string, partition: number, value: string) => ({ topic, partition, key: Buffer.from(value), value: Buffer.from(value) });
    const values = (messages: ReadonlyArray<{ value: Buffer | null }>) => messages.map((m) => m.value?.toString());

    it('makes the records of a committed transaction visible, and those of an aborted one never', async () => {
      const topic = await ctx.createTopic('txn-visibility', 2);
      const producer = await txnProducer();

      await producer.begin();
      const committed = await Promise.all([producer.send(record(topic, 0, 'c0')), producer.send(record(topic, 0, 'c1')), producer.send(record(topic, 1, 'c2'))]);
      expect(committed.map((r) => [r.partition, r.offset])).toEqual([[0, 0], [0, 1], [1, 0]]);
      await producer.commit();

      await producer.begin();
      await Promise.all([producer.send(record(topic, 0, 'a0')), producer.send(record(topic, 1, 'a1'))]);
      await producer.abort();

      await producer.begin();
      await producer.send(record(topic, 0, 'c3'));
      await producer.commit();

      // Control markers and aborted records take offsets; a reader must reach the high watermark anyway.
      const p0 = await ctx.readAll(topic, 0);
      expect(values(p0)).toEqual(['c0', 'c1', 'c3']);
      expect(values(await ctx.readAll(topic, 1))).toEqual(['c2']);
      const [offsets0] = (await ctx.admin.partitionOffsets(topic)).filter((o) => o.partition === 0);
      expect(offsets0!.newest).toBeGreaterThan(p0[p0.length - 1]!.offset + 1);

      // A plain producer's records next to transactional ones are read as usual.
      await ctx.producer.send(record(topic, 0, 'plain'));
      expect(values(await ctx.readAll(topic, 0))).toEqual(['c0', 'c1', 'c3', 'plain']);
    });

    it('rejects misuse of the transaction life cycle with a StateError', async () => {
      const topic = await ctx.createTopic('txn-state', 1);
      const producer = await txnProducer();
      await expect(producer.send(record(topic, 0, 'outside'))).rejects.toBeInstanceOf(StateError);
      await producer.begin();
      await expect(producer.begin()).rejects.toBeInstanceOf(StateError);
      await producer.send(record(topic, 0, 'inside'));
      await producer.commit();
      await expect(producer.commit()).rejects.toBeInstanceOf(StateError);
      expect(values(await ctx.readAll(topic, 0))).toEqual(['inside']);
    });

    it('hides an open transaction from readers until it commits', async () => {
      const topic = await ctx.createTopic('txn-open', 1);
      const producer = await txnProducer();
      await producer.begin();
      await producer.send(record(topic, 0, 'pending'));

      const collector = new ReaderCollector();
      const reader = ctx.reader({ topic, partitions: [{ partition: 0, from: 'oldest' }], follow: true });
      const run = start(reader, collector);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(collector.messages).toHaveLength(0);

      await producer.commit();
      await waitFor('the committed record', () => collector.messages.length === 1, 15000);
      expect(values(collector.messages)).toEqual(['pending']);
      await reader.stop();
      await run.done;
    });

    it('commits consumer offsets with the records, and discards both on abort', async () => {
      const input = await ctx.createTopic('txn-offsets-in', 1);
      const output = await ctx.createTopic('txn-offsets-out', 1);
      const groupId = uniqueName('txn-group');
      await ctx.produce(input, 0, 6);
      const producer = await txnProducer();

      const collector = new GroupCollector();
      const consumer = ctx.groupConsumer(groupId, [input], 'oldest');
      const run = start(consumer, collector);
      await waitFor('six input records', () => collector.messages.length === 6, 30000);

      // Transaction 1 (committed): consumed offsets 0..2, output o0..o2.
      await producer.begin();
      for (let i = 0; i < 3; i++) await producer.send(record(output, 0, `o${i}`));
      await producer.sendOffsets([{ topic: input, partition: 0, offset: 3 }], { groupId, consumer });
      await producer.commit();
      // Transaction 2 (aborted): offsets 3..5 and their outputs vanish together.
      await producer.begin();
      for (let i = 3; i < 6; i++) await producer.send(record(output, 0, `o${i}`));
      await producer.sendOffsets([{ topic: input, partition: 0, offset: 6 }], { groupId, consumer });
      await producer.abort();

      await consumer.close();
      await run.done;
      const committed = await ctx.admin.committedOffsets(groupId, input);
      expect(committed).toEqual([{ topic: input, partition: 0, offset: 3 }]);
      expect(values(await ctx.readAll(output, 0))).toEqual(['o0', 'o1', 'o2']);

      // A new member of the group resumes right after the committed transaction.
      const again = new GroupCollector();
      const next = ctx.groupConsumer(groupId, [input], 'oldest');
      const nextRun = start(next, again);
      await waitFor('the three uncommitted inputs', () => again.messages.length >= 3, 30000);
      expect(again.messages.map((m) => m.offset)).toEqual([3, 4, 5]);
      await next.close();
      await nextRun.done;
    });

    it('fences an older producer with the same transactional id and aborts its open transaction', async () => {
      const topic = await ctx.createTopic('txn-fence', 1);
      const transactionalId = uniqueName('txn-fenced');
      const older = await txnProducer(transactionalId);
      await older.begin();
      await older.send(record(topic, 0, 'zombie'));

      // The newer producer's connect completes the older one's open transaction by aborting it.
      const newer = await txnProducer(transactionalId);
      await newer.begin();
      await newer.send(record(topic, 0, 'owner'));
      await newer.commit();

      const zombie = (async () => {
        await older.send(record(topic, 0, 'zombie-late'));
        await older.commit();
      })();
      const error = await within('the fenced producer failing', 30000, zombie.then(() => undefined, (err: unknown) => err));
      expect(error).toBeInstanceOf(ProducerFencedError);
      expect((error as ProducerFencedError).transactionalId).toBe(transactionalId);

      expect(values(await ctx.readAll(topic, 0))).toEqual(['owner']);
    });

    it('delivers only committed records to a group consumer', async () => {
      const topic = await ctx.createTopic('txn-group-read', 2);
      const producer = await txnProducer();
      for (let round = 0; round < 4; round++) {
        await producer.begin();
        await Promise.all([0, 1].map((partition) => producer.send(record(topic, partition, `r${round}p${partition}`))));
        if (round % 2 === 0) await producer.commit();
        else await producer.abort();
      }
      const collector = new GroupCollector();
      const consumer = ctx.groupConsumer(uniqueName('txn-read-group'), [topic], 'oldest');
      const run = start(consumer, collector);
      await waitFor('the committed records', () => collector.messages.length >= 4, 30000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(values(collector.messages).sort()).toEqual(['r0p0', 'r0p1', 'r2p0', 'r2p1']);
      await consumer.close();
      await run.done;
    });
  });
}
