import { MessageError, StateError } from '@goka-ts/api';
import { defineGroup, Emitter, fnv1aHasher, int64Codec, jsonCodec, Processor, stringCodec, View } from '@goka-ts/core';
import { Tester } from '../src';

interface User {
  readonly name: string;
}
const userCodec = jsonCodec<User>();

/** Counts messages per key and announces every third one. */
const counter = defineGroup('counter', {
  inputs: {
    clicks: {
      codec: stringCodec,
      handler: (ctx, page) => {
        const count = (ctx.value() ?? 0) + 1;
        ctx.setValue(count);
        if (count % 3 === 0) ctx.emit('milestones', ctx.key, `${count} clicks, last on ${page}`, { headers: { page: Buffer.from(page) } });
      },
    },
  },
  persist: int64Codec,
  outputs: { milestones: stringCodec },
});

describe('Tester with processors, views and emitters', () => {
  let t: Tester;
  afterEach(async () => {
    await t.close();
  });

  it('counts per key across many partitions and tracks what the processor emitted', async () => {
    t = new Tester({ partitions: 8 });
    const milestones = t.track('milestones', stringCodec);
    await t.start(new Processor(counter, t.processorOptions({ defaultHeaders: { app: Buffer.from('test') } })));
    const keys = Array.from({ length: 20 }, (_, i) => `user-${i}`);
    for (const key of keys) await t.feed('clicks', key, 'home');
    for (let round = 0; round < 2; round++) for (const key of keys.slice(0, 5)) await t.feed('clicks', key, `page-${round}`);

    for (const [i, key] of keys.entries()) expect(await t.tableValue('counter-table', key, int64Codec)).toBe(i < 5 ? 3 : 1);
    // The keys are spread over the partitions, each in the one the hasher picks.
    const used = new Set(keys.map((key) => t.partitionOf('clicks', key)));
    expect(used.size).toBeGreaterThan(4);
    for (const key of keys) {
      const partition = t.partitionOf('counter-table', key);
      expect(t.kafka.broker.topic('counter-table')!.log(partition)!.all().some((m) => m.key?.toString() === key)).toBe(true);
    }

    const emitted = milestones.drain();
    expect(emitted.map((m) => [m.key, m.value])).toEqual(keys.slice(0, 5).map((key) => [key, '3 clicks, last on page-1']));
    expect(emitted[0].headers.page.toString()).toBe('page-1');
    expect(emitted[0].headers.app.toString()).toBe('test');
    expect(emitted[0].partition).toBe(t.partitionOf('milestones', 'user-0'));
    milestones.expectEmpty();
  });

  it('surfaces ctx.fail as a MessageError from feed and run(), leaving the offset uncommitted', async () => {
    t = new Tester({ partitions: 2 });
    const strict = defineGroup('strict', {
      inputs: {
        orders: {
          codec: int64Codec,
          handler: (ctx, amount) => {
            if (amount < 0) ctx.fail(new Error(`negative amount ${amount}`));
            ctx.setValue((ctx.value() ?? 0) + amount);
          },
        },
      },
      persist: int64Codec,
    });
    const { done } = await t.start(new Processor(strict, t.processorOptions()));
    await t.feed('orders', 'a', 5, { codec: int64Codec });
    const failed = await t.feed('orders', 'a', -1, { codec: int64Codec }).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(MessageError);
    const where = (failed as MessageError).where;
    expect(where).toMatchObject({ group: 'strict', topic: 'orders', partition: t.partitionOf('orders', 'a'), offset: 1 });
    expect((failed as MessageError).message).toMatch(/negative amount -1/);
    await expect(done).rejects.toBe(failed);
    expect(await t.tableValue('strict-table', 'a', int64Codec)).toBe(5);
    const committed = await t.kafka.admin().committedOffsets('strict', 'orders');
    expect(committed[where.partition].offset).toBeLessThanOrEqual(1);
  });

  it('loops messages back to the group', async () => {
    t = new Tester();
    const fanout = defineGroup('fanout', {
      inputs: {
        words: {
          codec: stringCodec,
          handler: (ctx, text) => {
            for (const word of text.split(' ')) ctx.loopback(word, 1);
          },
        },
      },
      loop: {
        codec: int64Codec,
        handler: (ctx, n) => ctx.setValue((ctx.value() ?? 0) + n),
      },
      persist: int64Codec,
    });
    await t.start(new Processor(fanout, t.processorOptions()));
    await t.feed('words', 'line-1', 'a b a c a');
    expect(await t.tableValue('fanout-table', 'a', int64Codec)).toBe(3);
    expect(await t.tableValue('fanout-table', 'b', int64Codec)).toBe(1);
    expect(await t.tableValue('fanout-table', 'line-1', int64Codec)).toBeUndefined();
  });

  it('joins a co-partitioned table and looks up any key of another, following their updates', async () => {
    t = new Tester();
    await t.setTableValue('users', 'u1', { name: 'Ada' }, userCodec);
    await t.setTableValue('countries', 'de', 'Germany', stringCodec);
    const greeter = defineGroup('greeter', {
      inputs: {
        visits: {
          codec: stringCodec,
          handler: async (ctx, country) => {
            const user = ctx.join('users');
            const name = await ctx.lookup('countries', country);
            ctx.emit('greetings', ctx.key, `hello ${user?.name ?? 'stranger'} from ${name ?? 'nowhere'}`);
          },
        },
      },
      joins: { users: userCodec },
      lookups: { countries: stringCodec },
      outputs: { greetings: stringCodec },
    });
    const greetings = t.track('greetings', stringCodec);
    await t.start(new Processor(greeter, t.processorOptions()));
    await t.feed('visits', 'u1', 'de');
    await t.feed('visits', 'u2', 'fr');
    await t.setTableValue('users', 'u2', { name: 'Grace' }, userCodec);
    await t.setTableValue('countries', 'fr', 'France', stringCodec);
    await t.feed('visits', 'u2', 'fr');
    expect(greetings.drain().map((m) => m.value)).toEqual(['hello Ada from Germany', 'hello stranger from nowhere', 'hello Grace from France']);
  });

  it('feeds a chain of processors with one call', async () => {
    t = new Tester({ partitions: 3 });
    const upper = defineGroup('upper', {
      inputs: { raw: { codec: stringCodec, handler: (ctx, text) => ctx.emit('shouted', ctx.key, text.toUpperCase()) } },
      outputs: { shouted: stringCodec },
    });
    const last = defineGroup('last', {
      inputs: { shouted: { codec: stringCodec, handler: (ctx, text) => ctx.setValue(text) } },
      persist: stringCodec,
    });
    await t.start(new Processor(upper, t.processorOptions()));
    await t.start(new Processor(last, t.processorOptions()));
    await t.feed('raw', 'k', 'quiet');
    expect(await t.tableValue('last-table', 'k', stringCodec)).toBe('QUIET');
  });

  it('keeps a view of a processor table up to date', async () => {
    t = new Tester({ hasher: fnv1aHasher, partitions: 10 });
    await t.start(new Processor(counter, t.processorOptions()));
    const view = new View('counter-table', int64Codec, t.viewOptions());
    await t.start(view);
    await t.feed('clicks', 'key1', 'a');
    await t.feed('clicks', 'key1', 'b');
    await t.feed('clicks', 'key2', 'a');
    expect(await view.get('key1')).toBe(2);
    expect(await view.get('key2')).toBe(1);
    expect(await view.has('key3')).toBe(false);
    // Processor and view each hold key1 in a storage of their own, of the partition Goka's hasher picks (3 of 10).
    const holders = t.storages('counter-table', 3);
    expect(holders).toHaveLength(2);
    for (const storage of holders) expect(int64Codec.decode((await storage.get('key1'))!)).toBe(2);
    expect(t.storages('counter-table').length).toBe(20);
    const entries: [string, number][] = [];
    for await (const [key, value] of view.iterator()) entries.push([key, value]);
    expect(entries.sort()).toEqual([
      ['key1', 2],
      ['key2', 1],
    ]);
  });

  it('emits with an Emitter into topics that processors consume', async () => {
    t = new Tester();
    await t.start(new Processor(counter, t.processorOptions()));
    const emitter = new Emitter('clicks', stringCodec, t.emitterOptions());
    const result = await emitter.emit('user-1', 'home');
    expect(result.partition).toBe(t.partitionOf('clicks', 'user-1'));
    await emitter.emit('user-1', 'about');
    await t.waitIdle();
    expect(await t.tableValue('counter-table', 'user-1', int64Codec)).toBe(2);
    await emitter.finish();
    await expect(emitter.emit('user-1', 'x')).rejects.toBeInstanceOf(StateError);
  });

  it('lets a processor recover values set before it starts, and refuses to set them while it runs', async () => {
    t = new Tester();
    await t.setTableValue('counter-table', 'user-1', 41, int64Codec);
    const started = await t.start(new Processor(counter, t.processorOptions()));
    await expect(t.setTableValue('counter-table', 'user-1', 0, int64Codec)).rejects.toBeInstanceOf(StateError);
    await t.feed('clicks', 'user-1', 'home');
    expect(await t.tableValue('counter-table', 'user-1', int64Codec)).toBe(42);
    await started.stop();
    await t.setTableValue('counter-table', 'user-1', 99, int64Codec);
    await t.start(new Processor(counter, t.processorOptions()));
    await t.feed('clicks', 'user-1', 'home');
    expect(await t.tableValue('counter-table', 'user-1', int64Codec)).toBe(100);
  });

  it('processes records fed before the processor started', async () => {
    t = new Tester();
    await t.feed('clicks', 'early', 'home');
    await t.start(new Processor(counter, t.processorOptions()));
    expect(await t.tableValue('counter-table', 'early', int64Codec)).toBe(1);
  });

  it('shares partitions among two instances of a group and rebalances when one stops', async () => {
    t = new Tester({ partitions: 4 });
    const first = await t.start(new Processor(counter, t.processorOptions()));
    const second = await t.start(new Processor(counter, t.processorOptions()));
    const keys = Array.from({ length: 12 }, (_, i) => `k${i}`);
    for (const key of keys) await t.feed('clicks', key, 'x');
    const owned = (started: typeof first) => Object.keys(started.component.stats().partitions).map(Number).sort();
    expect([...owned(first), ...owned(second)].sort()).toEqual([0, 1, 2, 3]);
    expect(owned(first)).toHaveLength(2);
    await first.stop();
    await t.waitIdle();
    for (const key of keys) await t.feed('clicks', key, 'y');
    for (const key of keys) expect(await t.tableValue('counter-table', key, int64Codec)).toBe(2);
    expect(second.component.state).toBe('running');
    expect(owned(second)).toEqual([0, 1, 2, 3]);
  });
});
