// Keys that are not UTF-8 (issue 22): with binaryKeys they stay byte for byte through inputs, the
// table topic, local storage, views, joins, lookups, emits and loopbacks; with the default utf8Keys
// they go through the error policy instead of merging into one U+FFFD key.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MessageError, type KeyCodec } from '@goka-ts/api';
import { binaryKeys, bytesCodec, defineGroup, Emitter, int64Codec, murmur2, Processor, stringCodec, utf8Keys, View, type ErrorPolicy } from '@goka-ts/core';
import { Tester } from '../src';

const FF_FE = Buffer.from([0xff, 0xfe]);
const FF_FD = Buffer.from([0xff, 0xfd]);
/** Both decode to "\uFFFD\uFFFD" as UTF-8 text: the keys that merged before. */
const REPLACED = '\uFFFD\uFFFD';
const binary = (bytes: Buffer): string => bytes.toString('latin1');

/** Counts per key, echoes every key to "echo" and once more through the loop to "looped". */
function counter(keys: KeyCodec | undefined, onError?: ErrorPolicy) {
  return defineGroup('counts', {
    keys,
    inputs: {
      clicks: {
        codec: stringCodec,
        handler: (ctx) => {
          ctx.setValue((ctx.value() ?? 0) + 1);
          ctx.emit('echo', ctx.key, 'seen');
          ctx.loopback(ctx.key, 'again');
        },
        onError,
      },
    },
    loop: { codec: stringCodec, handler: (ctx) => ctx.emit('looped', ctx.key, 'looped') },
    persist: int64Codec,
    outputs: { echo: stringCodec, looped: stringCodec },
  });
}

/** Answers a probe with the joined count and the looked-up count of the probe's key. */
const reader = defineGroup('reader', {
  keys: binaryKeys,
  inputs: {
    probes: {
      codec: stringCodec,
      handler: async (ctx) => ctx.emit('answers', ctx.key, `${ctx.join('counts-table')}/${await ctx.lookup('totals', ctx.key)}`),
    },
  },
  joins: { 'counts-table': int64Codec },
  lookups: { totals: int64Codec },
  outputs: { answers: stringCodec },
});

const bytesOf = (records: readonly { key: string | null }[]) => records.map((r) => Buffer.from(r.key!, 'latin1').toString('hex'));

describe('binary keys', () => {
  it('keep ff fe and ff fd apart through the table, storage, views, emits, loopbacks, joins and lookups', async () => {
    const t = new Tester({ keys: binaryKeys, partitions: 3 });
    const echo = t.track('echo', stringCodec);
    const looped = t.track('looped', stringCodec);
    await t.start(new Processor(counter(binaryKeys), t.processorOptions()));
    for (const key of [FF_FE, FF_FD, FF_FE]) await t.feed('clicks', binary(key), 'click');

    // The table topic holds the exact bytes, once per key.
    expect(await t.tableValue('counts-table', binary(FF_FE), int64Codec)).toBe(2);
    expect(await t.tableValue('counts-table', binary(FF_FD), int64Codec)).toBe(1);
    const tableKeys = t.kafka.broker.messages('counts-table').map((m) => m.key!.toString('hex'));
    expect(new Set(tableKeys)).toEqual(new Set(['fffe', 'fffd']));
    // Local storage: two entries, none of them the replacement text.
    const stored = new Map<string, Buffer>();
    for (const storage of t.storages('counts-table')) for await (const [key, value] of storage.iterator()) stored.set(key, value);
    expect([...stored.keys()].sort()).toEqual([binary(FF_FD), binary(FF_FE)]);
    expect(stored.has(REPLACED)).toBe(false);

    // Emits and loopbacks carry the input's bytes, in the partition murmur2 of those bytes picks.
    const echoed = t.kafka.broker.messages('echo');
    expect(echoed.map((m) => m.key!.toString('hex'))).toEqual(['fffe', 'fffd', 'fffe']);
    for (const m of echoed) expect(m.partition).toBe((murmur2(m.key!) & 0x7fffffff) % 3);
    expect(bytesOf(echo.drain())).toEqual(['fffe', 'fffd', 'fffe']);
    expect(bytesOf(looped.drain())).toEqual(['fffe', 'fffd', 'fffe']);

    // A view of the graph reads both keys back byte for byte.
    const view = View.of(counter(binaryKeys), t.viewOptions({ keys: undefined }));
    expect(view.keyCodec).toBe(binaryKeys);
    await t.start(view);
    expect(await view.get(binary(FF_FE))).toBe(2);
    expect(await view.get(binary(FF_FD))).toBe(1);
    const entries: [string, number][] = [];
    for await (const entry of view.iterator()) entries.push(entry);
    expect(entries.map(([k, v]) => [Buffer.from(k, 'latin1').toString('hex'), v]).sort()).toEqual([
      ['fffd', 1],
      ['fffe', 2],
    ]);

    // Joins and lookups of a binary-keyed group find the same bytes.
    await t.setTableValue('totals', binary(FF_FE), '20');
    await t.setTableValue('totals', binary(FF_FD), '10');
    const answers = t.track('answers', stringCodec);
    await t.start(new Processor(reader, t.processorOptions()));
    await t.feed('probes', binary(FF_FE), '?');
    await t.feed('probes', binary(FF_FD), '?');
    expect(answers.drain().map((a) => [Buffer.from(a.key!, 'latin1').toString('hex'), a.value])).toEqual([
      ['fffe', '2/20'],
      ['fffd', '1/10'],
    ]);
    await t.close();
  });

  it('a binary-keyed emitter writes the key bytes where a processor of the topic looks for them', async () => {
    const t = new Tester({ keys: binaryKeys, partitions: 5 });
    await t.createTopic('clicks');
    await t.start(new Processor(counter(binaryKeys), t.processorOptions()));
    const emitter = new Emitter('clicks', stringCodec, t.emitterOptions());
    for (let byte = 0x80; byte < 0x90; byte++) await emitter.emit(binary(Buffer.from([0xff, byte])), 'click');
    await emitter.finish();
    await t.waitIdle();
    for (let byte = 0x80; byte < 0x90; byte++) expect(await t.tableValue('counts-table', binary(Buffer.from([0xff, byte])), int64Codec)).toBe(1);
    await expect(new Emitter('clicks', stringCodec, t.emitterOptions()).emit('\u20ac', 'x')).rejects.toThrow(/binary keys: the key "€" has a char above/);
    await t.close();
  });

  describe('with the default utf8Keys', () => {
    it('a key that is not UTF-8 fails the processor naming topic, partition, offset and the cause', async () => {
      const t = new Tester({ keys: binaryKeys, partitions: 1 });
      await t.start(new Processor(counter(undefined), t.processorOptions()));
      const failed = t.feed('clicks', binary(FF_FE), 'click');
      await expect(failed).rejects.toThrow(MessageError);
      await expect(failed).rejects.toThrow(
        /^group "counts", topic "clicks", partition 0, offset 0: cannot decode the key with key codec "utf8": key is not valid UTF-8 \(bytes fffe\).*binaryKeys/,
      );
      expect(t.kafka.broker.topic('counts-table')?.logs[0].all() ?? []).toEqual([]);
      await t.close().catch(() => undefined);
    });

    it('skips such keys or parks them with their bytes, never merging them', async () => {
      const t = new Tester({ keys: binaryKeys, partitions: 1 });
      await t.start(new Processor(counter(undefined, { deadLetter: 'clicks-dlq' }), t.processorOptions()));
      for (const key of [FF_FE, FF_FD]) await t.feed('clicks', binary(key), 'click');
      await t.feed('clicks', 'ok', 'click');
      expect(await t.tableValue('counts-table', 'ok', int64Codec)).toBe(1);
      expect(t.kafka.broker.messages('counts-table').map((m) => m.key!.toString('hex'))).toEqual([Buffer.from('ok').toString('hex')]);
      const parked = await t.deadLetters('clicks-dlq');
      expect(parked.map((d) => [d.key!.toString('hex'), d.source.offset, d.error.class])).toEqual([
        ['fffe', 0, 'Error'],
        ['fffd', 1, 'Error'],
      ]);
      expect(parked[0].error.message).toMatch(/^cannot decode the key with key codec "utf8": key is not valid UTF-8 \(bytes fffe\)/);
      await t.close();
    });

    it('refuses keys UTF-8 cannot hold instead of writing U+FFFD', async () => {
      expect(() => utf8Keys.encode('a\uD800')).toThrow(/lone surrogate/);
      const t = new Tester({ partitions: 1 });
      const graph = defineGroup('emits', {
        inputs: { in: { codec: stringCodec, handler: (ctx) => ctx.emit('out', `${ctx.key}\uDC00`, 'x') } },
        outputs: { out: stringCodec },
      });
      await t.start(new Processor(graph, t.processorOptions()));
      await expect(t.feed('in', 'k', 'v')).rejects.toThrow(/ctx\.emit\(\) to topic "out": cannot encode the key with key codec "utf8": .*lone surrogate/);
      expect(t.kafka.broker.messages('out')).toEqual([]);
      await t.close().catch(() => undefined);
    });
  });
});

// The example of "Keys" in packages/core/README.md.
const graph = defineGroup('sessions', {
  keys: binaryKeys,
  inputs: { 'session-events': { codec: bytesCodec, handler: (ctx) => ctx.setValue((ctx.value() ?? 0) + 1) } },
  persist: int64Codec,
});

test('README: the binaryKeys example counts ff fe and ff fd apart, and shows this very graph', async () => {
  const t = new Tester({ keys: binaryKeys });
  await t.start(new Processor(graph, t.processorOptions()));
  const emitter = new Emitter('session-events', bytesCodec, { ...t.emitterOptions(), keys: binaryKeys });
  for (const key of [FF_FE, FF_FD, FF_FE]) await emitter.emit(key.toString('latin1'), Buffer.from('x'));
  await emitter.finish();
  const view = View.of(graph, t.viewOptions({ keys: undefined }));
  await t.start(view);
  expect(await view.get(Buffer.from([0xff, 0xfe]).toString('latin1'))).toBe(2);
  expect(await view.get(Buffer.from([0xff, 0xfd]).toString('latin1'))).toBe(1);
  await t.close();

  const graphOf = (text: string) => {
    const start = text.indexOf("const graph = defineGroup('sessions', {");
    return text.slice(start, text.indexOf('\n});\n', start) + 4);
  };
  const readme = readFileSync(join(__dirname, '../../core/README.md'), 'utf8');
  expect(graphOf(readme)).toBe(graphOf(readFileSync(__filename, 'utf8')));
});
