/// <reference types="jest" />
import { StateError, WriteExpiredError } from '@goka-ts/api';
import type { ProduceResult } from '@goka-ts/api';
import type { SuiteContext } from './harness';

export function producerTests(ctx: SuiteContext): void {
  describe('producer', () => {
    let topic: string;
    beforeAll(async () => {
      topic = await ctx.createTopic('producer', 3);
    });
    afterEach(() => ctx.cleanup());

    it('acknowledges records with their offsets, consecutive per partition in send order', async () => {
      const results: ProduceResult[] = await Promise.all([
        ...Array.from({ length: 10 }, (_, i) => ctx.producer.send({ topic, partition: 0, key: Buffer.from(`a${i}`), value: Buffer.from(`a${i}`) })),
        ...Array.from({ length: 5 }, (_, i) => ctx.producer.send({ topic, partition: 2, key: null, value: Buffer.from(`b${i}`) })),
      ]);
      const p0 = results.slice(0, 10);
      const p2 = results.slice(10);
      expect(p0.every((r) => r.topic === topic && r.partition === 0)).toBe(true);
      expect(p2.every((r) => r.topic === topic && r.partition === 2)).toBe(true);
      expect(p0.map((r) => r.offset)).toEqual(Array.from({ length: 10 }, (_, i) => p0[0]!.offset + i));
      expect(p2.map((r) => r.offset)).toEqual(Array.from({ length: 5 }, (_, i) => p2[0]!.offset + i));

      const stored = await ctx.readAll(topic, 0);
      const byOffset = new Map(stored.map((m) => [m.offset, m.value?.toString()]));
      p0.forEach((r, i) => expect(byOffset.get(r.offset)).toBe(`a${i}`));
      const other = await ctx.readAll(topic, 2);
      expect(other.map((m) => [m.offset, m.partition, m.key, m.value?.toString()])).toEqual(p2.map((r, i) => [r.offset, 2, null, `b${i}`]));
    });

    it('keeps offsets exact when many records are batched', async () => {
      const own = await ctx.createTopic('producer-load', 2);
      const sends: Array<Promise<ProduceResult>> = [];
      for (let i = 0; i < 3000; i++) sends.push(ctx.producer.send({ topic: own, partition: i % 2, key: null, value: Buffer.from(String(i)) }));
      const results = await Promise.all(sends);
      for (const partition of [0, 1]) {
        const offsets = results.filter((r) => r.partition === partition).map((r) => r.offset);
        expect(offsets).toEqual(Array.from({ length: 1500 }, (_, i) => i));
      }
      const stored = await ctx.readAll(own, 1);
      expect(stored).toHaveLength(1500);
      stored.forEach((m, i) => expect(m.value?.toString()).toBe(String(2 * i + 1)));
    });

    it('writes tombstones, headers, keys and timestamps as given', async () => {
      const headers = { trace: Buffer.from('abc'), empty: Buffer.alloc(0), bin: Buffer.from([0, 255, 1]) };
      const written = await Promise.all([
        ctx.producer.send({ topic, partition: 1, key: Buffer.from('gone'), value: null }),
        ctx.producer.send({ topic, partition: 1, key: Buffer.from('h'), value: Buffer.from('with headers'), headers, timestamp: 1600000000123 }),
      ]);
      const stored = await ctx.readAll(topic, 1);
      const tombstone = stored.find((m) => m.offset === written[0].offset)!;
      const withHeaders = stored.find((m) => m.offset === written[1].offset)!;
      expect(tombstone.value).toBeNull();
      expect(tombstone.key?.toString()).toBe('gone');
      expect(tombstone.partition).toBe(1);
      expect(Object.keys(tombstone.headers)).toHaveLength(0);
      expect(withHeaders.value?.toString()).toBe('with headers');
      expect(withHeaders.timestamp).toBe(1600000000123);
      expect(Object.keys(withHeaders.headers).sort()).toEqual(['bin', 'empty', 'trace']);
      for (const [name, value] of Object.entries(headers)) expect(Buffer.compare(withHeaders.headers[name]!, value)).toBe(0);
      expect(typeof tombstone.timestamp).toBe('number');
      expect(Math.abs(tombstone.timestamp - Date.now())).toBeLessThan(60000);
    });

    it('flush resolves once every record sent before it is settled', async () => {
      const producer = ctx.client.producer({ lingerMs: 200, batchSize: 100000 });
      await producer.connect();
      ctx.defer(() => producer.close());
      let settled = 0;
      const sends = Array.from({ length: 50 }, (_, i) => producer.send({ topic, partition: i % 3, key: null, value: Buffer.from('f') }).then(() => settled++));
      await producer.flush();
      expect(settled).toBe(50);
      await Promise.all(sends);
      await producer.flush(); // nothing pending
    });

    it('close flushes pending records; send after close rejects with StateError', async () => {
      const producer = ctx.client.producer({ lingerMs: 100 });
      await producer.connect();
      const pending = producer.send({ topic, partition: 0, key: null, value: Buffer.from('last') });
      await producer.close();
      const result = await pending;
      expect(result.partition).toBe(0);
      await expect(producer.send({ topic, partition: 0, key: null, value: Buffer.from('late') })).rejects.toBeInstanceOf(StateError);
      await producer.close(); // idempotent
    });

    it('rejects only the records of a failed send', async () => {
      const good = ctx.producer.send({ topic, partition: 0, key: null, value: Buffer.from('ok') });
      const bad = ctx.producer.send({ topic, partition: 7, key: null, value: Buffer.from('no such partition') });
      await expect(bad).rejects.toThrow(/partition/);
      await expect(good).resolves.toMatchObject({ topic, partition: 0 });
    });

    it('rejects a record whose notAfter has passed with WriteExpiredError and writes nothing of it', async () => {
      const own = await ctx.createTopic('producer-deadline', 1);
      const now = performance.now();
      const results = await Promise.allSettled([
        ctx.producer.send({ topic: own, partition: 0, key: null, value: Buffer.from('before'), notAfter: now + 60_000 }),
        ctx.producer.send({ topic: own, partition: 0, key: null, value: Buffer.from('late'), notAfter: now - 1 }),
        ctx.producer.send({ topic: own, partition: 0, key: null, value: Buffer.from('no deadline') }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const reason = (results[1] as PromiseRejectedResult).reason as WriteExpiredError;
      expect(reason).toBeInstanceOf(WriteExpiredError);
      expect(reason).toMatchObject({ topic: own, partition: 0 });
      expect(reason.message).toContain(own);
      const stored = await ctx.readAll(own, 0);
      expect(stored.map((m) => m.value?.toString())).toEqual(['before', 'no deadline']);
    });
  });
}
