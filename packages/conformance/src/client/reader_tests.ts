/// <reference types="jest" />
import { StateError } from '@goka-ts/api';
import { ReaderCollector, start, waitFor, within, type SuiteContext } from './harness';

export function readerTests(ctx: SuiteContext): void {
  describe('partition reader', () => {
    let topic: string;
    beforeAll(async () => {
      // Partition 0: 20 records, partition 1: empty, partition 2: 5 records.
      topic = await ctx.createTopic('reader', 3);
      await ctx.produce(topic, 0, 20);
      await ctx.produce(topic, 2, 5, 'w');
    });
    afterEach(() => ctx.cleanup());

    it('reads from the oldest offset to the high watermark and stops (follow: false)', async () => {
      const collector = new ReaderCollector();
      const reader = ctx.reader({ topic, partitions: [{ partition: 0, from: 'oldest' }, { partition: 1, from: 'oldest' }, { partition: 2, from: 'oldest' }], follow: false });
      await within('reader run (follow: false)', 15000, reader.run(collector));
      const p0 = collector.messages.filter((m) => m.partition === 0);
      expect(p0.map((m) => m.offset)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(p0.map((m) => m.value?.toString())).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`));
      expect(p0.every((m) => m.topic === topic && m.key?.toString().startsWith('k'))).toBe(true);
      expect(collector.messages.filter((m) => m.partition === 2).map((m) => m.value?.toString())).toEqual(['w0', 'w1', 'w2', 'w3', 'w4']);
      expect(collector.messages.filter((m) => m.partition === 1)).toHaveLength(0);
      expect(collector.caughtUp.get(0)).toBe(20);
      expect(collector.caughtUp.get(1)).toBe(0);
      expect(collector.caughtUp.get(2)).toBe(5);
      // Caught up only after everything below the high watermark was delivered.
      expect(collector.caughtUpAt.get(0)).toBe(20);
      for (const batch of collector.batches) {
        expect(batch.topic).toBe(topic);
        expect(batch.messages.every((m) => m.partition === batch.partition)).toBe(true);
        expect(batch.highWatermark).toBeGreaterThan(batch.messages[batch.messages.length - 1]!.offset);
      }
    });

    it('reports an empty partition as caught up at once', async () => {
      const collector = new ReaderCollector();
      await within('reader of an empty partition', 10000, ctx.reader({ topic, partitions: [{ partition: 1, from: 'oldest' }], follow: false }).run(collector));
      expect(collector.messages).toHaveLength(0);
      expect(collector.caughtUp.get(1)).toBe(0);
    });

    it("starts at an absolute offset and at 'newest'", async () => {
      const fromOffset = new ReaderCollector();
      await within('reader from offset 15', 10000, ctx.reader({ topic, partitions: [{ partition: 0, from: 15 }], follow: false }).run(fromOffset));
      expect(fromOffset.messages.map((m) => m.offset)).toEqual([15, 16, 17, 18, 19]);

      const fromNewest = new ReaderCollector();
      await within("reader from 'newest'", 10000, ctx.reader({ topic, partitions: [{ partition: 0, from: 'newest' }], follow: false }).run(fromNewest));
      expect(fromNewest.messages).toHaveLength(0);
      expect(fromNewest.caughtUp.get(0)).toBe(20);
    });

    it('keeps following new records (follow: true) until stopped', async () => {
      const own = await ctx.createTopic('reader-follow', 2);
      await ctx.produce(own, 0, 3);
      const collector = new ReaderCollector();
      const reader = ctx.reader({ topic: own, partitions: [{ partition: 0, from: 'oldest' }, { partition: 1, from: 'newest' }], follow: true });
      const run = start(reader, collector);
      await waitFor('caught up on both partitions', () => collector.caughtUp.size === 2);
      expect(collector.caughtUp.get(0)).toBe(3);
      expect(collector.caughtUp.get(1)).toBe(0);
      await ctx.produce(own, 0, 2, 'late');
      await ctx.produce(own, 1, 1, 'late');
      await waitFor('records produced after catching up', () => collector.messages.length === 6);
      expect(collector.messages.filter((m) => m.partition === 0).map((m) => m.offset)).toEqual([0, 1, 2, 3, 4]);
      expect(collector.messages.filter((m) => m.partition === 1).map((m) => m.value?.toString())).toEqual(['late0']);
      expect(run.settled()).toBe(false);
      await within('reader stop', 10000, reader.stop());
      await within('reader run after stop', 1000, run.done);
      await expect(reader.run(collector)).rejects.toBeInstanceOf(StateError);
    });

    it('waits for each batch before delivering the next of the same partition', async () => {
      let active = 0;
      let overlap = false;
      const seen: number[] = [];
      const reader = ctx.reader({ topic, partitions: [{ partition: 0, from: 'oldest' }], follow: false });
      await within('slow reader', 15000, reader.run({
        async onBatch(batch) {
          if (++active > 1) overlap = true;
          await new Promise((r) => setTimeout(r, 20));
          seen.push(...batch.messages.map((m) => m.offset));
          active--;
        },
      }));
      expect(overlap).toBe(false);
      expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
    });

    it('rejects run() with the error a handler throws', async () => {
      const reader = ctx.reader({ topic, partitions: [{ partition: 0, from: 'oldest' }], follow: true });
      const failure = new Error('handler failed on purpose');
      await expect(within('failing reader', 10000, reader.run({ onBatch: async () => { throw failure; } }))).rejects.toBe(failure);
    });
  });
}
