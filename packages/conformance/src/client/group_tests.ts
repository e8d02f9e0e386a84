/// <reference types="jest" />
import { GroupCollector, sleep, start, uniqueName, waitFor, within, type SuiteContext } from './harness';

const sorted = (xs: Iterable<number>) => [...xs].sort((a, b) => a - b);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export function groupTests(ctx: SuiteContext): void {
  describe('group consumer', () => {
    afterEach(() => ctx.cleanup());

    it('assigns co-partitioned partitions to two members and everything to the one left', async () => {
      const a = await ctx.createTopic('group-a', 4);
      const b = await ctx.createTopic('group-b', 4);
      const group = uniqueName('group');
      const c1 = new GroupCollector();
      const m1 = ctx.groupConsumer(group, [a, b], 'oldest');
      const r1 = start(m1, c1);
      const state = () => ({ m1: m1.assignment(), m2: m2?.assignment(), c1: c1.events.filter((e) => e.type !== 'batch'), c2: c2?.events.filter((e) => e.type !== 'batch'), r1: String(r1.error() ?? ''), r2: String(r2?.error() ?? '') });
      let m2: ReturnType<SuiteContext['groupConsumer']> | undefined;
      let c2: GroupCollector | undefined;
      let r2: ReturnType<typeof start> | undefined;
      await waitFor('first member holds all partitions', () => sorted(m1.assignment()).join() === '0,1,2,3' && c1.ready.size === 4, 15000, { detail: state });
      expect(c1.events[0]).toEqual({ type: 'assigned', partitions: [0, 1, 2, 3] });

      c2 = new GroupCollector();
      m2 = ctx.groupConsumer(group, [a, b], 'oldest');
      r2 = start(m2, c2);
      await waitFor('both members hold a disjoint share', () => {
        const p1 = sorted(m1.assignment());
        const p2 = sorted(m2!.assignment());
        return p1.length > 0 && p2.length > 0 && sorted([...p1, ...p2]).join() === '0,1,2,3'
          && c1.held().join() === p1.join() && c2!.held().join() === p2.join() && c1.ready.size === p1.length && c2!.ready.size === p2.length;
      }, 15000, { detail: state });
      expect(Math.abs(m1.assignment().length - m2.assignment().length)).toBeLessThanOrEqual(1);
      // The first member gave its partitions back before taking its share.
      expect(c1.events.some((e) => e.type === 'revoked' && sorted(e.partitions).join() === '0,1,2,3')).toBe(true);

      for (const p of range(4)) {
        await ctx.produce(a, p, 1, `a${p}-`);
        await ctx.produce(b, p, 1, `b${p}-`);
      }
      await waitFor('all 8 records delivered', () => c1.messages.length + c2!.messages.length === 8, 15000, { detail: state });
      for (const [member, collector] of [[m1, c1], [m2, c2]] as const) {
        const own = sorted(member.assignment()).join();
        expect(sorted(new Set(collector.messagesOf(a).map((m) => m.partition))).join()).toBe(own);
        expect(sorted(new Set(collector.messagesOf(b).map((m) => m.partition))).join()).toBe(own);
      }

      const share2 = sorted(m2.assignment());
      await within('second member close', 15000, m2.close());
      await within('second member run()', 1000, r2.done);
      const last = c2.events[c2.events.length - 1]!;
      expect(last.type).toBe('revoked');
      expect(last.type === 'revoked' && sorted(last.partitions)).toEqual(share2);
      expect(m2.assignment()).toEqual([]);

      await waitFor('remaining member holds all partitions again', () => sorted(m1.assignment()).join() === '0,1,2,3' && c1.ready.size === 4, 15000, { detail: state });
      expect(c1.violations).toEqual([]);
      expect(c2.violations).toEqual([]);
      expect(r1.settled()).toBe(false);
    });

    it('delivers no batch of a partition before onAssigned for it resolved', async () => {
      const topic = await ctx.createTopic('group-assign', 2);
      await ctx.produce(topic, 0, 5);
      await ctx.produce(topic, 1, 5);
      const collector = new GroupCollector({ assignDelayMs: 700 });
      start(ctx.groupConsumer(uniqueName('assign'), [topic], 'oldest'), collector);
      await waitFor('10 records delivered', () => collector.messages.length === 10);
      expect(collector.violations).toEqual([]);
      const done = collector.events.findIndex((e) => e.type === 'assigned-done');
      const firstBatch = collector.events.findIndex((e) => e.type === 'batch');
      expect(done).toBeGreaterThanOrEqual(0);
      expect(firstBatch).toBeGreaterThan(done);
    });

    it('delivers nothing of a paused partition until it is resumed', async () => {
      const topic = await ctx.createTopic('group-pause', 2);
      const collector = new GroupCollector();
      const consumer = ctx.groupConsumer(uniqueName('pause'), [topic], 'oldest');
      start(consumer, collector);
      await ctx.produce(topic, 0, 1, 'before');
      await waitFor('first record', () => collector.messages.length === 1);
      consumer.pause(topic, 0);
      await ctx.produce(topic, 0, 3, 'paused');
      await ctx.produce(topic, 1, 1, 'other');
      await waitFor('record of the partition still running', () => collector.messages.some((m) => m.partition === 1));
      await sleep(700);
      expect(collector.messages.filter((m) => m.partition === 0)).toHaveLength(1);
      consumer.resume(topic, 0);
      await waitFor('records held back by the pause', () => collector.messages.filter((m) => m.partition === 0).length === 4);
      expect(collector.messages.filter((m) => m.partition === 0).map((m) => m.offset)).toEqual([0, 1, 2, 3]);
    });

    it('commits explicit offsets; close revokes, and a new member resumes at the commit', async () => {
      const topic = await ctx.createTopic('group-commit', 1);
      await ctx.produce(topic, 0, 10);
      const group = uniqueName('commit');
      expect(await ctx.admin.committedOffsets(group, topic)).toEqual([{ topic, partition: 0, offset: -1 }]);

      const first = new GroupCollector();
      const consumer = ctx.groupConsumer(group, [topic], 'oldest');
      const run = start(consumer, first);
      await waitFor('10 records', () => first.messages.length === 10);
      await consumer.commit([{ topic, partition: 0, offset: 6 }]);
      expect(await ctx.admin.committedOffsets(group, topic)).toEqual([{ topic, partition: 0, offset: 6 }]);
      await within('close', 15000, consumer.close());
      await within('run() after close', 1000, run.done);
      expect(first.events[first.events.length - 1]).toEqual({ type: 'revoked', partitions: [0] });

      const second = new GroupCollector();
      start(ctx.groupConsumer(group, [topic], 'oldest'), second);
      await waitFor('records after the committed offset', () => second.messages.length === 4);
      expect(second.messages.map((m) => m.offset)).toEqual([6, 7, 8, 9]);
    });

    it("starts new groups at the newest offset, or at the oldest with startFrom: 'oldest'", async () => {
      const topic = await ctx.createTopic('group-start', 1);
      await ctx.produce(topic, 0, 5);

      const newest = new GroupCollector();
      start(ctx.groupConsumer(uniqueName('newest'), [topic]), newest);
      await waitFor('assignment', () => newest.ready.size === 1);
      // The start offset is resolved at some point after the assignment: produce until one arrives.
      for (let i = 0; newest.messages.length === 0; i++) {
        if (i > 50) throw new Error('no record produced after the assignment arrived');
        await ctx.produce(topic, 0, 1, 'late');
        await sleep(200);
      }
      expect(newest.messages.every((m) => m.offset >= 5)).toBe(true);

      const oldest = new GroupCollector();
      start(ctx.groupConsumer(uniqueName('oldest'), [topic], 'oldest'), oldest);
      await waitFor('first record', () => oldest.messages.length > 0);
      expect(oldest.messages[0]!.offset).toBe(0);
    });

    it('rejects run() with the error a handler throws', async () => {
      const topic = await ctx.createTopic('group-fail', 1);
      await ctx.produce(topic, 0, 1);
      const failure = new Error('handler failed on purpose');
      const consumer = ctx.groupConsumer(uniqueName('fail'), [topic], 'oldest');
      const collector = new GroupCollector({ onBatch: () => { throw failure; } });
      await expect(within('failing consumer', 15000, consumer.run(collector))).rejects.toBe(failure);
      await within('close after failure', 10000, consumer.close());
    });
  });
}
