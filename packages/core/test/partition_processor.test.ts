import { MessageError, type KafkaMessage, type MessageBatch } from '@goka-ts/api';
import { memoryStorage } from '@goka-ts/storage-memory';
import { int64Codec, stringCodec, jsonCodec } from '../src/codecs/codecs';
import { defineGroup } from '../src/graph/define_group';
import type { GroupGraph } from '../src/graph/graph';
import { murmur2Hasher } from '../src/hashers/murmur2';
import { silentLogger } from '../src/logger';
import { DeadLetterLimits } from '../src/errors/dead_letter_fit';
import { PartitionProcessor } from '../src/processor/partition_processor';
import { PartitionTable } from '../src/table/partition_table';
import { resolveProcessorOptions, type NilHandling } from '../src/processor/processor_options';
import { FaultyKafka } from './support/faulty_kafka';
import { ManualProducer, settle } from './support/manual_producer';

function batch(topic: string, messages: [key: string | null, value: string | null][], first = 0): MessageBatch {
  const list: KafkaMessage[] = messages.map(([key, value], i) => ({
    topic,
    partition: 0,
    offset: first + i,
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
    headers: {},
    timestamp: 1000 + i,
  }));
  return { topic, partition: 0, messages: list, highWatermark: first + messages.length + 5 };
}

async function setup(graph: GroupGraph, opts: { nilHandling?: NilHandling; joined?: Record<string, [string, string][]> } = {}) {
  const fake = new FaultyKafka();
  const producer = new ManualProducer();
  const failures: Error[] = [];
  let table: PartitionTable | undefined;
  if (graph.tableTopic) {
    table = new PartitionTable({ topic: graph.tableTopic, partition: 0, client: fake, storage: memoryStorage() });
    await table.open();
  }
  const joined = new Map<string, PartitionTable>();
  for (const [topic, entries] of Object.entries(opts.joined ?? {})) {
    const t = new PartitionTable({ topic, partition: 0, client: fake, storage: memoryStorage() });
    await t.open();
    await t.storage.writeBatch(entries.map(([key, value]) => ({ type: 'put', key, value: Buffer.from(value) })), 0);
    joined.set(topic, t);
  }
  const options = resolveProcessorOptions(graph.group, { client: fake, logger: silentLogger, nilHandling: opts.nilHandling });
  const pp = new PartitionProcessor({
    graph,
    partition: 0,
    options,
    producer,
    table,
    joined,
    lookups: new Map(),
    deadLetterLimits: new DeadLetterLimits(options.maxMessageBytes),
    topicPartitions: new Map([...graph.outputs.keys(), ...(graph.loopTopic ? [graph.loopTopic] : [])].map((t) => [t, 4])),
    reportFailure: (error) => void failures.push(error),
    halted: () => failures.length > 0,
  });
  return { pp, producer, failures, table };
}

const counter = () =>
  defineGroup('count', {
    inputs: { clicks: { codec: stringCodec, handler: (ctx) => ctx.setValue((ctx.value() ?? 0) + 1) } },
    persist: int64Codec,
  });

const committed = (pp: PartitionProcessor) => Object.fromEntries(pp.committableOffsets().map((o) => [o.topic, o.offset]));

describe('PartitionProcessor', () => {
  it('sees its own unacknowledged writes, coalesces them, and commits only after the table write is applied', async () => {
    const { pp, producer, failures, table } = await setup(counter() as GroupGraph);
    await pp.processBatch(batch('clicks', [['a', 'x'], ['b', 'x'], ['a', 'x'], ['a', 'x']]));
    expect(await pp.get('a')).toBe(3);
    expect(producer.pending).toHaveLength(0); // buffered until the commit interval
    expect(committed(pp)).toEqual({});

    pp.flushWrites();
    expect(producer.pending.map((p) => `${p.record.key}=${p.record.value}`)).toEqual(['a=3', 'b=1']);
    await pp.processBatch(batch('clicks', [['a', 'x']], 4)); // reads the in-flight value
    expect(await pp.get('a')).toBe(4);
    producer.ack(2);
    await settle();
    expect(committed(pp)).toEqual({ clicks: 4 }); // offset 4's write is still buffered
    expect((await table!.storage.get('a'))?.toString()).toBe('3');
    pp.flushWrites();
    producer.ack();
    await settle();
    expect(committed(pp)).toEqual({ clicks: 5 });
    expect(failures).toEqual([]);
    expect(pp.stats().input.clicks).toMatchObject({ count: 5, lastOffset: 4, lag: 5 });
    expect(pp.stats().table?.writes).toBe(5);
  });

  it('holds the offset until emits, loopbacks and deferred commits are acknowledged', async () => {
    let done: ((error?: unknown) => void) | undefined;
    const graph = defineGroup('emitter', {
      inputs: {
        in: {
          codec: stringCodec,
          handler: (ctx, msg) => {
            ctx.emit('out', ctx.key, msg.toUpperCase(), { headers: { h: Buffer.from('1') } });
            ctx.loopback('loop-' + ctx.key, msg);
            if (msg === 'defer') done = ctx.deferCommit();
          },
        },
      },
      outputs: { out: stringCodec },
      loop: { codec: stringCodec, handler: () => undefined },
    });
    const { pp, producer, failures } = await setup(graph as GroupGraph);
    await pp.processBatch(batch('in', [['k', 'hello'], ['k', 'defer']]));
    expect(producer.pending.map((p) => [p.record.topic, p.record.value?.toString()])).toEqual([
      ['out', 'HELLO'],
      ['emitter-loop', 'hello'],
      ['out', 'DEFER'],
      ['emitter-loop', 'defer'],
    ]);
    expect(producer.pending[0].record.partition).toBe(murmur2Hasher.partition('k', 4));
    expect(producer.pending[0].record.headers?.h.toString()).toBe('1');
    producer.ack(1);
    await settle();
    expect(committed(pp)).toEqual({}); // loopback of offset 0 not acknowledged yet
    producer.ack();
    await settle();
    expect(committed(pp)).toEqual({ in: 1 }); // offset 1 waits for its deferred commit
    done!();
    expect(committed(pp)).toEqual({ in: 2 });
    expect(pp.stats().output).toEqual({ out: { count: 2, bytes: 2 + 10 }, 'emitter-loop': { count: 2, bytes: 12 + 10 } });
    expect(failures).toEqual([]);
  });

  it('fails with a MessageError naming the message when the callback throws, and commits only the prefix before it', async () => {
    const graph = defineGroup('boom', {
      inputs: {
        in: {
          codec: stringCodec,
          handler: (ctx, msg) => {
            if (msg === 'bad') throw new Error('kaputt');
            ctx.setValue(msg);
          },
        },
      },
      persist: stringCodec,
    });
    const { pp, producer, failures } = await setup(graph as GroupGraph);
    let after = 0;
    await pp.processBatch(batch('in', [['a', '1'], ['b', 'bad'], ['c', '3']]));
    await pp.processBatch(batch('in', [['d', '4']], 3)).then(() => after++);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(MessageError);
    expect(failures[0].message).toBe('group "boom", topic "in", partition 0, offset 1: callback failed: kaputt');
    expect((failures[0].cause as Error).message).toBe('kaputt');
    pp.flushWrites();
    producer.ack();
    await settle();
    expect(committed(pp)).toEqual({ in: 1 });
    expect(await pp.get('c')).toBeUndefined(); // nothing after the failure ran
    expect(after).toBe(1);
  });

  it.each([
    ['setValue(null)', (ctx: any) => ctx.setValue(null), /offset 0: ctx.setValue\(null\) is not allowed; use ctx.delete\(\) to remove the key/],
    ['a value the codec cannot encode', (ctx: any) => ctx.setValue(1.5), /offset 0: ctx.setValue\(\): cannot encode the value with codec "int64" of table "misuse-table": int64 codec: 1.5 is not a safe integer/],
    ['emit to an undeclared topic', (ctx: any) => ctx.emit('nope', 'k', 1), /offset 0: ctx.emit\(\) to undeclared topic "nope"; declared outputs: "out"/],
    ['ctx.fail', (ctx: any) => ctx.fail(new Error('custom')), /offset 0: ctx.fail: custom/],
    ['loopback without loop', (ctx: any) => ctx.loopback('k', 1), /ctx.loopback\(\) needs a loop/],
    ['join of an undeclared table', (ctx: any) => ctx.join('t'), /ctx.join\(\) of undeclared table "t"; declared joins: none/],
  ])('fails the processor on %s, even when the callback catches the error', async (_name, misuse, message) => {
    const graph = defineGroup('misuse', {
      inputs: {
        in: {
          codec: stringCodec,
          handler: (ctx) => {
            try {
              misuse(ctx);
            } catch {
              // swallowed by the user: the processor must fail anyway
            }
          },
        },
      },
      persist: int64Codec,
      outputs: { out: int64Codec },
    });
    const { pp, failures } = await setup(graph as GroupGraph);
    await pp.processBatch(batch('in', [['k', 'x'], ['k', 'y']]));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(MessageError);
    expect(failures[0].message).toMatch(message);
    expect(committed(pp)).toEqual({});
  });

  it('fails on an undecodable message without skipping it', async () => {
    const graph = defineGroup('decode', { inputs: { in: { codec: jsonCodec<{ n: number }>(), handler: () => undefined } } });
    const { pp, failures } = await setup(graph as GroupGraph);
    await pp.processBatch(batch('in', [['k', '{"n":1}'], ['k', '{oops'], ['k', '{"n":3}']]));
    expect(failures[0].message).toMatch(/^group "decode", topic "in", partition 0, offset 1: cannot decode the message with codec "json": /);
    expect(committed(pp)).toEqual({ in: 1 });
  });

  it.each([
    ['skip', [] as unknown[]],
    ['process', [null]],
    ['decode', ['']],
  ] as const)('handles null values with nilHandling %s', async (nil, expected) => {
    const seen: unknown[] = [];
    const graph = defineGroup('nil', { inputs: { in: { codec: stringCodec, handler: (_ctx, msg) => void seen.push(msg) } } });
    const { pp } = await setup(graph as GroupGraph, { nilHandling: nil });
    await pp.processBatch(batch('in', [['k', null]]));
    expect(seen).toEqual(expected);
    expect(committed(pp)).toEqual({ in: 1 });
  });

  it('exposes the message metadata on the context', async () => {
    const seen: unknown[] = [];
    const graph = defineGroup('meta', {
      inputs: { in: { codec: stringCodec, handler: (ctx) => void seen.push([ctx.group, ctx.topic, ctx.key, ctx.partition, ctx.offset, ctx.timestamp, ctx.headers]) } },
    });
    const { pp } = await setup(graph as GroupGraph);
    const b = batch('in', [[null, 'v']], 41);
    await pp.processBatch({ ...b, messages: [{ ...b.messages[0], headers: { h: Buffer.from('x') } }] });
    expect(seen).toEqual([['meta', 'in', '', 0, 41, 1000, { h: Buffer.from('x') }]]);
  });

  it('reads joined tables for the message key', async () => {
    const seen: unknown[] = [];
    const graph = defineGroup('joiner', {
      inputs: { in: { codec: stringCodec, handler: (ctx) => void seen.push([ctx.key, ctx.join('users')]) } },
      joins: { users: stringCodec },
    });
    const { pp } = await setup(graph as GroupGraph, { joined: { users: [['a', 'Alice']] } });
    await pp.processBatch(batch('in', [['a', '1'], ['b', '2']]));
    expect(seen).toEqual([
      ['a', 'Alice'],
      ['b', undefined],
    ]);
  });

  it('awaits async callbacks in order and lets them use the context until they settle', async () => {
    const order: string[] = [];
    const graph = defineGroup('async', {
      inputs: {
        in: {
          codec: stringCodec,
          handler: async (ctx, msg) => {
            await new Promise((r) => setTimeout(r, msg === 'slow' ? 20 : 1));
            ctx.setValue(((ctx.value() as string | undefined) ?? '') + msg);
            order.push(msg);
          },
        },
      },
      persist: stringCodec,
    });
    const { pp, failures } = await setup(graph as GroupGraph);
    await pp.processBatch(batch('in', [['k', 'slow'], ['k', 'fast']]));
    expect(order).toEqual(['slow', 'fast']);
    expect(await pp.get('k')).toBe('slowfast');
    expect(failures).toEqual([]);
  });

  it('visits every key (including buffered writes) and waits for the visitor writes', async () => {
    const graph = defineGroup('visits', {
      inputs: { in: { codec: stringCodec, handler: (ctx) => ctx.setValue((ctx.value() ?? 0) + 1) } },
      persist: int64Codec,
      visitors: { reset: (ctx, meta) => ctx.setValue(meta as number) },
    });
    const { pp, producer } = await setup(graph as GroupGraph);
    producer.autoAck = true;
    await pp.processBatch(batch('in', [['a', '1'], ['b', '1'], ['a', '1']]));
    expect(await pp.visit('reset', graph.visitors.get('reset')! as never, 10)).toBe(2);
    expect(await pp.get('a')).toBe(10);
    pp.flushWrites();
    await settle();
    expect(producer.records('visits-table').map((r) => `${r.key}=${r.value}`)).toEqual(['a=2', 'b=1', 'a=10', 'b=10']);
  });

  it('drains gracefully: waits for the running batch and every acknowledgement', async () => {
    const { pp, producer } = await setup(counter() as GroupGraph);
    await pp.processBatch(batch('clicks', [['a', 'x']]));
    let drained = false;
    const draining = pp.drain({ graceful: true, flush: true }, new Promise(() => undefined)).then(() => (drained = true));
    await settle();
    expect(producer.pending).toHaveLength(1); // drain flushed the buffered write
    expect(drained).toBe(false);
    producer.ack();
    await draining;
    expect(committed(pp)).toEqual({ clicks: 1 });
    await pp.processBatch(batch('clicks', [['a', 'x']], 1)); // closed: ignored
    expect(await pp.get('a')).toBe(1);
  });
});
