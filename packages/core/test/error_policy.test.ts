import { GokaError, MessageError, RecordTooLargeError, type KafkaMessage, type MessageBatch, type ProducerRecord } from '@goka-ts/api';
import { memoryStorage } from '@goka-ts/storage-memory';
import { int64Codec, jsonCodec, stringCodec } from '../src/codecs/codecs';
import { deadLetterTopics, readDeadLetter } from '../src/errors/dead_letter';
import { DEAD_LETTER_HEADERS, DEAD_LETTER_TRUNCATION_HEADERS } from '../src/errors/dead_letter_headers';
import { DeadLetterLimits, wireBytes } from '../src/errors/dead_letter_fit';
import { recordBytes } from '../src/codecs/message_size';
import { isTransientFailure } from '../src/errors/transient';
import { defineGroup } from '../src/graph/define_group';
import { Emitter } from '../src/emitter';
import type { MessageFailure } from '../src/errors/error_policy';
import type { GroupGraph } from '../src/graph/graph';
import { PartitionProcessor } from '../src/processor/partition_processor';
import { PartitionTable } from '../src/table/partition_table';
import { resolveProcessorOptions, type ProcessorOptions } from '../src/processor/processor_options';
import { FaultyKafka } from './support/faulty_kafka';
import { recordingLogger } from './support/recording_logger';
import { ManualProducer, settle } from './support/manual_producer';

interface Msg {
  readonly n: number;
}
const json = jsonCodec<Msg>();

function batch(topic: string, values: (string | null)[], first = 0): MessageBatch {
  const messages: KafkaMessage[] = values.map((value, i) => ({
    topic,
    partition: 0,
    offset: first + i,
    key: Buffer.from(`k${first + i}`),
    value: value === null ? null : Buffer.from(value),
    headers: { trace: Buffer.from(`t${first + i}`) },
    timestamp: 1000 + first + i,
  }));
  return { topic, partition: 0, messages, highWatermark: first + values.length };
}

async function setup(graph: GroupGraph, options: Partial<Omit<ProcessorOptions, 'client'>> = {}) {
  const fake = new FaultyKafka();
  const producer = new ManualProducer();
  const failures: Error[] = [];
  const logger = recordingLogger();
  let table: PartitionTable | undefined;
  if (graph.tableTopic) {
    table = new PartitionTable({ topic: graph.tableTopic, partition: 0, client: fake, storage: memoryStorage() });
    await table.open();
  }
  const resolved = resolveProcessorOptions(graph.group, { client: fake, logger, ...options });
  const topics = [...graph.outputs.keys(), ...(graph.loopTopic ? [graph.loopTopic] : []), 'dlq', 'dlq-2'];
  const pp = new PartitionProcessor({
    graph,
    partition: 0,
    options: resolved,
    producer,
    table,
    joined: new Map(),
    lookups: new Map(),
    deadLetterLimits: new DeadLetterLimits(resolved.maxMessageBytes),
    topicPartitions: new Map(topics.map((t) => [t, t === 'dlq-2' ? 3 : 4])),
    reportFailure: (error) => void failures.push(error),
    halted: () => failures.length > 0,
  });
  return { pp, producer, failures, logger };
}

const committed = (pp: PartitionProcessor) => Object.fromEntries(pp.committableOffsets().map((o) => [o.topic, o.offset]));

/** Sums `n` of the good messages into the table key `sum`; throws for negative `n`. */
function summing(edge: Partial<{ onError: unknown; retries: unknown }> = {}, handler?: (ctx: any, msg: Msg) => void) {
  return defineGroup('sum', {
    inputs: {
      in: {
        codec: json,
        handler:
          handler ??
          ((ctx, msg) => {
            if (typeof msg.n !== 'number') throw new TypeError('n must be a number');
            ctx.emit('out', 'sum', msg.n);
          }),
        ...(edge as object),
      },
    },
    outputs: { out: int64Codec },
  }) as GroupGraph;
}

const INPUT = ['{"n":1}', '{oops', '{"n":"two"}', '{"n":3}'];

describe('error policy', () => {
  it("'fail' (the default) stops the processor on a decode error and commits only what came before", async () => {
    const { pp, producer, failures } = await setup(summing());
    await pp.processBatch(batch('in', INPUT));
    producer.ack();
    await settle();
    expect(failures).toHaveLength(1);
    expect(failures[0].message).toMatch(/^group "sum", topic "in", partition 0, offset 1: cannot decode the message with codec "json"/);
    expect(committed(pp)).toEqual({ in: 1 });
  });

  it("'skip' logs the coordinates, counts and commits past decode and callback failures", async () => {
    const { pp, producer, failures, logger } = await setup(summing(), { onError: 'skip' });
    await pp.processBatch(batch('in', INPUT));
    expect(producer.pending.map((p) => int64Codec.decode(p.record.value!))).toEqual([1, 3]);
    expect(committed(pp)).toEqual({}); // offset 0's emit is not acknowledged yet: the skips wait behind it
    producer.ack();
    await settle();
    expect(failures).toEqual([]);
    expect(committed(pp)).toEqual({ in: 4 });
    expect(pp.stats().input.in).toMatchObject({ count: 4, skipped: 2, deadLettered: 0 });
    const warnings = logger.lines.filter((l) => l.level === 'warn').map((l) => l.fields);
    expect(warnings.map((f) => [f?.group, f?.topic, f?.partition, f?.offset, f?.kind])).toEqual([
      ['sum', 'in', 0, 1, 'decode'],
      ['sum', 'in', 0, 2, 'handler'],
    ]);
    expect(String(warnings[1]?.error)).toMatch(/callback failed: n must be a number/);
  });

  it('parks failures in the dead-letter topic with the original bytes and goka.dlq headers, and holds the offset until the dead letter is acknowledged', async () => {
    const { pp, producer, failures } = await setup(summing(), { onError: { deadLetter: 'dlq-2' } });
    await pp.processBatch(batch('in', INPUT, 10));
    const sent = producer.pending.map((p) => p.record.topic);
    expect(sent).toEqual(['out', 'dlq-2', 'dlq-2', 'out']);
    producer.ackWhere((r) => r.topic === 'out');
    await settle();
    expect(committed(pp)).toEqual({ in: 11 }); // 11 and 12 wait for their dead letters
    expect(pp.stats().input.in.deadLettered).toBe(0);
    producer.ack(1);
    await settle();
    expect(committed(pp)).toEqual({ in: 12 });
    producer.ack();
    await settle();
    expect(committed(pp)).toEqual({ in: 14 });
    expect(pp.stats().input.in).toMatchObject({ skipped: 0, deadLettered: 2 });
    expect(failures).toEqual([]);

    const [decode, handler] = producer.records('dlq-2');
    expect(decode.partition).toBe(0 % 3);
    expect(decode.key?.toString()).toBe('k11');
    expect(decode.value?.toString()).toBe('{oops');
    const text = (r: typeof decode, name: string) => r.headers?.[name]?.toString();
    expect(text(decode, 'trace')).toBe('t11');
    expect(text(decode, DEAD_LETTER_HEADERS.topic)).toBe('in');
    expect(text(decode, DEAD_LETTER_HEADERS.partition)).toBe('0');
    expect(text(decode, DEAD_LETTER_HEADERS.offset)).toBe('11');
    expect(text(decode, DEAD_LETTER_HEADERS.timestamp)).toBe('1011');
    expect(text(decode, DEAD_LETTER_HEADERS.group)).toBe('sum');
    expect(text(decode, DEAD_LETTER_HEADERS.errorClass)).toBe('Error'); // what the json codec throws
    expect(text(decode, DEAD_LETTER_HEADERS.errorMessage)).toMatch(/^cannot decode the message with codec "json": /);
    expect(text(handler, DEAD_LETTER_HEADERS.errorClass)).toBe('TypeError');
    expect(text(handler, DEAD_LETTER_HEADERS.errorMessage)).toBe('callback failed: n must be a number');

    const read = readDeadLetter({ ...handler, key: handler.key, value: handler.value, headers: handler.headers!, offset: 7, timestamp: 0 });
    expect(read).toMatchObject({
      headers: { trace: Buffer.from('t12') },
      source: { group: 'sum', topic: 'in', partition: 0, offset: 12, timestamp: 1012 },
      error: { class: 'TypeError', message: 'callback failed: n must be a number' },
      record: { topic: 'dlq-2', partition: 0, offset: 7 },
    });
  });

  it('fails the processor when the dead letter cannot be sent, leaving the offset uncommitted', async () => {
    const { pp, producer, failures } = await setup(summing(), { onError: { deadLetter: 'dlq' } });
    await pp.processBatch(batch('in', ['{oops', '{"n":1}']));
    producer.fail(new Error('broker says no'));
    producer.ack();
    await settle();
    expect(failures).toHaveLength(1);
    expect(failures[0].message).toMatch(/offset 0: sending to dead-letter topic "dlq" failed: broker says no \(failed with: cannot decode/);
    expect(committed(pp)).toEqual({});
  });

  it('applies the policy to ctx.fail(), also when the callback catches its throw, and keeps effects issued before the failure', async () => {
    const graph = summing({}, (ctx, msg) => {
      ctx.emit('out', 'before', msg.n);
      try {
        if (msg.n === 2) ctx.fail(new RangeError('two is not allowed'));
      } catch {
        // swallowed: the message has failed anyway
      }
    });
    const { pp, producer, failures } = await setup(graph, { onError: { deadLetter: 'dlq' } });
    await pp.processBatch(batch('in', ['{"n":1}', '{"n":2}', '{"n":3}']));
    expect(producer.pending.map((p) => p.record.topic)).toEqual(['out', 'out', 'dlq', 'out']);
    producer.ack();
    await settle();
    expect(failures).toEqual([]);
    expect(committed(pp)).toEqual({ in: 3 });
    const [letter] = producer.records('dlq');
    expect(letter.headers?.[DEAD_LETTER_HEADERS.errorClass]?.toString()).toBe('RangeError');
    expect(letter.headers?.[DEAD_LETTER_HEADERS.errorMessage]?.toString()).toBe('ctx.fail: two is not allowed');
  });

  it('retries a failed callback with backoff before the policy applies, and not decode errors', async () => {
    const calls = new Map<number, number>();
    const graph = summing({}, async (ctx, msg) => {
      const n = (calls.get(msg.n) ?? 0) + 1;
      calls.set(msg.n, n);
      // 1 succeeds at the third call, 2 never does
      if (msg.n === 2 || n < 3) throw new Error(`attempt ${n}`);
      ctx.emit('out', 'sum', msg.n);
    });
    const decided: MessageFailure[] = [];
    const { pp, producer, failures } = await setup(graph, {
      retries: { attempts: 2, backoffMs: 5, maxBackoffMs: 10 },
      onError: (failure) => {
        decided.push(failure);
        return 'skip';
      },
    });
    const started = Date.now();
    await pp.processBatch(batch('in', ['{"n":1}', '{"n":2}', '{oops']));
    expect(Date.now() - started).toBeGreaterThanOrEqual(4 * 4); // four waits of at least 4 ms (jitter)
    expect(calls).toEqual(new Map([[1, 3], [2, 3]]));
    expect(decided.map((f) => [f.kind, f.offset, f.attempts, f.error.reason])).toEqual([
      ['handler', 1, 3, 'callback failed: attempt 3'],
      ['decode', 2, 0, expect.stringMatching(/^cannot decode/)],
    ]);
    producer.ack();
    await settle();
    expect(producer.records('out')).toHaveLength(1);
    expect(committed(pp)).toEqual({ in: 3 });
    expect(failures).toEqual([]);
  });

  it('hands a decider function everything about the failure, and follows its answer per failure', async () => {
    const seen: MessageFailure[] = [];
    const { pp, producer, failures } = await setup(summing(), {
      onError: async (failure) => {
        seen.push(failure);
        await settle(1);
        return failure.kind === 'decode' ? 'skip' : { deadLetter: 'dlq' };
      },
      deadLetterTopics: ['dlq'],
    });
    await pp.processBatch(batch('in', INPUT));
    producer.ack();
    await settle();
    expect(failures).toEqual([]);
    expect(seen[0]).toMatchObject({
      kind: 'decode',
      group: 'sum',
      topic: 'in',
      partition: 0,
      offset: 1,
      timestamp: 1001,
      key: Buffer.from('k1'),
      value: Buffer.from('{oops'),
      headers: { trace: Buffer.from('t1') },
      attempts: 0,
    });
    expect(seen[0].error).toBeInstanceOf(MessageError);
    expect((seen[0].error.cause as Error).message).toMatch(/^json codec: invalid JSON "\{oops"/);
    expect(seen[1]).toMatchObject({ kind: 'handler', offset: 2, attempts: 1 });
    expect(pp.stats().input.in).toMatchObject({ skipped: 1, deadLettered: 1 });
    expect(committed(pp)).toEqual({ in: 4 });
  });

  it.each([
    ['throws', () => {
      throw new Error('decider broke');
    }, /offset 1: the onError function failed: decider broke \(deciding on: cannot decode/],
    ['returns nonsense', () => 'ignore' as never, /offset 1: the onError function returned an invalid action: it must be 'fail', 'skip'/],
    ['picks an undeclared dead-letter topic', () => ({ deadLetter: 'elsewhere' }), /offset 1: dead-letter topic "elsewhere" is not prepared; list it in the processor's deadLetterTopics option/],
  ])('fails the processor when the decider %s', async (_name, decider, message) => {
    const { pp, failures } = await setup(summing(), { onError: decider });
    await pp.processBatch(batch('in', INPUT));
    expect(failures).toHaveLength(1);
    expect(failures[0].message).toMatch(message);
    expect(committed(pp)).toEqual({});
  });

  it('lets a decider choose a topic listed in deadLetterTopics', async () => {
    const { pp, producer, failures } = await setup(summing(), { onError: () => ({ deadLetter: 'dlq-2' }), deadLetterTopics: ['dlq-2'] });
    await pp.processBatch(batch('in', INPUT));
    producer.ack();
    await settle();
    expect(failures).toEqual([]);
    expect(producer.records('dlq-2')).toHaveLength(2);
  });

  it("an edge's policy and retries win over the processor's", async () => {
    let calls = 0;
    const graph = defineGroup('edges', {
      inputs: {
        strict: { codec: json, handler: () => undefined, onError: 'fail' },
        lenient: { codec: json, handler: () => undefined },
        parked: {
          codec: json,
          handler: () => {
            calls++;
            throw new Error('no');
          },
          onError: { deadLetter: 'dlq' },
          retries: { attempts: 0 },
        },
      },
    }) as GroupGraph;
    const { pp, producer, failures } = await setup(graph, { onError: 'skip', retries: { attempts: 3, backoffMs: 1 } });
    await pp.processBatch(batch('lenient', ['{oops']));
    await pp.processBatch(batch('parked', ['{"n":1}']));
    producer.ack();
    await settle();
    expect(calls).toBe(1);
    expect(producer.records('dlq')).toHaveLength(1);
    expect(failures).toEqual([]);
    await pp.processBatch(batch('strict', ['{oops']));
    expect(failures).toHaveLength(1);
    expect(failures[0].message).toMatch(/topic "strict", partition 0, offset 0: cannot decode/);
    expect(committed(pp)).toEqual({ lenient: 1, parked: 1 });
  });

  it('covers the loop: its decode errors follow the loop edge policy', async () => {
    const looped: string[] = [];
    const graph = defineGroup('looping', {
      inputs: { in: { codec: stringCodec, handler: (ctx, msg) => ctx.loopback(ctx.key, { n: Number(msg) }) } },
      loop: { codec: json, handler: (_ctx, msg) => void looped.push(String(msg.n)), onError: 'skip' },
    }) as GroupGraph;
    const { pp, failures } = await setup(graph);
    await pp.processBatch(batch('looping-loop', ['{"n":1}', 'nope', '{"n":2}']));
    expect(looped).toEqual(['1', '2']);
    expect(failures).toEqual([]);
    expect(pp.stats().input['looping-loop']).toMatchObject({ skipped: 1 });
  });

  it('an effect that fails asynchronously fails the processor whatever the policy', async () => {
    const { pp, producer, failures } = await setup(summing(), { onError: 'skip' });
    await pp.processBatch(batch('in', ['{"n":1}']));
    producer.fail(new Error('broker down'));
    await settle();
    expect(failures).toHaveLength(1);
    expect(failures[0].message).toMatch(/offset 0: ctx.emit\(\) to topic "out" failed: broker down/);
  });
});

describe('oversized records', () => {
  const big = (ctx: any, msg: Msg) => {
    if (msg.n === 1) ctx.emit('out', 'huge-key', 'x'.repeat(2_000_000));
    else if (msg.n === 2) ctx.setValue('y'.repeat(1_200_000));
    else ctx.emit('out', 'small', 'ok');
  };
  const graph = () =>
    defineGroup('big', { inputs: { in: { codec: json, handler: big } }, outputs: { out: stringCodec }, persist: stringCodec }) as GroupGraph;

  it('fail the message with a RecordTooLargeError naming key, topic and size, before anything is sent', async () => {
    const { pp, producer, failures } = await setup(graph());
    await pp.processBatch(batch('in', ['{"n":1}']));
    expect(producer.pending).toHaveLength(0);
    expect(failures[0].message).toBe(
      'group "big", topic "in", partition 0, offset 0: ctx.emit() to topic "out": record of key "huge-key" for topic "out" is 2000008 bytes, over the limit of 1000000 bytes; ' +
        "raise maxMessageBytes together with the topic's max.message.bytes (and the producer's limit, e.g. librdkafka's message.max.bytes), or store large values elsewhere",
    );
    expect(failures[0].cause).toBeInstanceOf(RecordTooLargeError);
    expect(failures[0].cause).toMatchObject({ topic: 'out', key: 'huge-key', size: 2_000_008, limit: 1_000_000 });
  });

  it('go through the error policy like other callback failures, and follow maxMessageBytes', async () => {
    const { pp, producer, failures } = await setup(graph(), { onError: 'skip', maxMessageBytes: 1_500_000 });
    await pp.processBatch(batch('in', ['{"n":1}', '{"n":2}', '{"n":3}']));
    pp.flushWrites();
    producer.ack();
    await settle();
    expect(failures).toEqual([]);
    expect(pp.stats().input.in.skipped).toBe(1); // the 1.2 MB table value fits the raised limit
    expect(producer.records('big-table')).toHaveLength(1);
    expect(producer.records('out').map((r) => r.key?.toString())).toEqual(['small']);
  });

  it('are rejected by the Emitter too, which stays usable', async () => {
    const kafka = new FaultyKafka();
    kafka.createTopic('s', 2);
    const emitter = new Emitter('s', stringCodec, { client: kafka });
    await expect(emitter.emit('k', 'z'.repeat(1_000_000))).rejects.toThrow(/^record of key "k" for topic "s" is 1000001 bytes, over the limit of 1000000 bytes/);
    await expect(emitter.emit('k', 'fine')).resolves.toMatchObject({ topic: 's' });
    expect(emitter.stats()).toMatchObject({ emitted: 1, failed: 1 });
    await emitter.finish();
  });

  it('names the table and key of a setValue over the limit', async () => {
    const { pp, failures } = await setup(graph());
    await pp.processBatch(batch('in', ['{"n":2}']));
    expect(failures[0].message).toMatch(/offset 0: ctx.setValue\(\): record of key "k0" for topic "big-table" is 1200002 bytes, over the limit of 1000000 bytes/);
  });
});

describe('dead letters over the limit', () => {
  /** An undecodable record of `bytes` bytes at offset 0, then a good one. */
  const input = (bytes: number) => batch('in', ['x'.repeat(bytes), '{"n":1}']);

  it('are cut to fit the limit and parked, and the partition goes on', async () => {
    const { pp, producer, failures } = await setup(summing(), { onError: { deadLetter: 'dlq' } });
    await pp.processBatch(input(5_000_000));
    const [letter] = producer.records('dlq');
    expect(wireBytes(letter)).toBe(1_000_000); // maxMessageBytes: the topic's limit was not read here
    expect(letter.value!.toString()).toBe('x'.repeat(letter.value!.length));
    expect(readDeadLetter({ ...letter, headers: letter.headers!, offset: 0, timestamp: 0 })).toMatchObject({
      source: { topic: 'in', partition: 0, offset: 0 },
      // key "k0", the value, header "trace" and the goka.dlq.* headers of the whole dead letter
      truncated: { parts: ['value'], originalSize: 2 + 5_000_000 + 'trace'.length + 2 + wholeDeadLetterHeaderBytes(letter) },
    });
    producer.ack();
    await settle();
    expect(failures).toEqual([]);
    expect(committed(pp)).toEqual({ in: 2 });
    expect(pp.stats().input.in).toMatchObject({ count: 2, deadLettered: 1 });
  });

  it('at-least-once: one the broker rejects as too large anyway is sent again, smaller, and the offset waits for it', async () => {
    const { pp, producer, failures, logger } = await setup(summing(), { onError: { deadLetter: 'dlq' } });
    await pp.processBatch(input(2_000_000));
    producer.ackWhere((r) => r.topic !== 'dlq');
    producer.fail(new GokaError('send failed', { cause: new RecordTooLargeError('dlq', 'k0', 1_000_000, 999_000) }));
    await settle();
    expect(failures).toEqual([]);
    expect(committed(pp)).toEqual({});
    const [again] = producer.pending.map((p) => p.record);
    expect(again.topic).toBe('dlq');
    expect(wireBytes(again)).toBe(750_000);
    expect(again.headers?.[DEAD_LETTER_TRUNCATION_HEADERS.reason]?.toString()).toMatch(/lowered to 750000 after the client or broker rejected a dead letter of 1000000 bytes/);
    expect(logger.lines.some((l) => l.message.startsWith('a dead letter was rejected as too large'))).toBe(true);
    producer.ack();
    await settle();
    expect(committed(pp)).toEqual({ in: 2 });
    expect(pp.stats().input.in.deadLettered).toBe(1);
  });

  it('exactly-once: a rejection fails the run with an aborted transaction, a transient failure, and the restart parks it smaller', async () => {
    const options = { onError: { deadLetter: 'dlq' }, guarantee: 'exactly-once', transactionalIdPrefix: 'p-' } as const;
    const { pp, producer, failures } = await setup(summing(), options);
    await pp.processBatch(input(2_000_000));
    producer.fail(new RecordTooLargeError('dlq', 'k0', 1_000_000, 999_000));
    await settle();
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(MessageError);
    expect(failures[0].message).toMatch(
      /^group "sum", topic "in", partition 0, offset 0: transaction of "p-sum-0" aborted: sending to dead-letter topic "dlq" failed: .* the dead letter is sent again, smaller, after the restart$/,
    );
    expect(isTransientFailure(failures[0])).toBe(true);
    expect(committed(pp)).toEqual({});
  });

  it('fail the processor when nothing smaller can be sent', async () => {
    const { pp, producer, failures } = await setup(summing(), { onError: { deadLetter: 'dlq' } });
    await pp.processBatch(batch('in', ['{oops']));
    // Each rejection lowers the limit by a quarter, until not even the goka.dlq headers fit.
    let rejections = 0;
    for (; rejections < 20 && failures.length === 0; rejections++) {
      producer.fail(new RecordTooLargeError('dlq', 'k0', 700, 600));
      await settle();
    }
    expect(rejections).toBeLessThan(10);
    expect(failures).toHaveLength(1);
    expect(failures[0].message).toMatch(/offset 0: (cannot park the message in dead-letter topic "dlq"|sending to dead-letter topic "dlq" failed)/);
    expect(committed(pp)).toEqual({});
  });
});

/** Bytes of the goka.dlq.* headers a dead letter had before it was cut. */
function wholeDeadLetterHeaderBytes(letter: ProducerRecord): number {
  const cut = new Set<string>([DEAD_LETTER_TRUNCATION_HEADERS.truncated, DEAD_LETTER_TRUNCATION_HEADERS.originalSize, DEAD_LETTER_TRUNCATION_HEADERS.reason]);
  return recordBytes(null, null, Object.fromEntries(Object.entries(letter.headers!).filter(([name]) => name.startsWith('goka.dlq.') && !cut.has(name))));
}

describe('error policy validation', () => {
  it.each([
    [{ onError: 'ignore' }, /input "in": onError must be 'fail', 'skip', \{ deadLetter: topic \} or a function/],
    [{ onError: { deadLetter: '' } }, /onError deadLetter must name a topic/],
    [{ onError: { deadLetter: 'in' } }, /the dead-letter topic "in" of input "in" is consumed by the group itself/],
    [{ onError: { deadLetter: 'bad topic' } }, /dead-letter topic "bad topic" is not a valid Kafka topic name/],
    [{ retries: { attempts: -1 } }, /input "in": retries.attempts must be an integer >= 0/],
  ])('rejects an invalid edge policy %j', (edge, message) => {
    expect(() => summing(edge)).toThrow(message);
  });

  it('rejects a processor-level dead-letter topic that the group consumes', () => {
    const graph = summing();
    const options = resolveProcessorOptions('sum', { client: new FaultyKafka(), onError: { deadLetter: 'in' } });
    expect(() => deadLetterTopics(graph, options)).toThrow(/dead-letter topic "in" is an input or the table of the group itself/);
    expect([...deadLetterTopics(graph, { ...options, onError: { deadLetter: 'dlq' }, deadLetterTopics: ['dlq-2'] })].sort()).toEqual(['dlq', 'dlq-2']);
  });

  it.each([
    [{ onError: 'never' }, /processor "g": onError must be/],
    [{ retries: { attempts: 1, backoffMs: 10, maxBackoffMs: 5 } }, /processor "g": retries need 0 <= backoffMs <= maxBackoffMs/],
    [{ deadLetterTopics: [''] }, /processor "g": deadLetterTopics must be a list of topic names/],
    [{ maxMessageBytes: 0 }, /processor "g": maxMessageBytes must be > 0/],
  ])('rejects invalid processor options %j', (options, message) => {
    expect(() => resolveProcessorOptions('g', { client: new FaultyKafka(), ...(options as object) })).toThrow(message);
  });
});
