import { MultipleErrors, ResponseError, TimeoutError, type MessageToProduce } from '@platformatic/kafka';
import { sendByPartition, type SendResult } from '../src/partition_send';
import { resolveOptions } from '../src/options';
import { PlatformaticProducer } from '../src/producer';
import { RecordBatcher } from '../src/record_batcher';

// The errors below are platformatic's own classes in the shapes its producer rejects with: a
// MultipleErrors over the brokers that failed (with `produced` holding what the others wrote), a
// ResponseError per broker that answered with partition errors.
const NOT_LEADER = 6;
const MESSAGE_TOO_LARGE = 10;
const PRODUCE = 0;

const msg = (topic: string, partition: number, value: string): MessageToProduce => ({ topic, partition, value: Buffer.from(value) });

interface PartitionAnswer {
  topic: string;
  partition: number;
  errorCode: number;
  baseOffset?: number;
}

/** What platformatic rejects with when the broker answered these partitions (some with errors). */
function brokerAnswered(answers: PartitionAnswer[], produced: SendResult = { offsets: [] }): Error {
  const topics = [...new Set(answers.map((a) => a.topic))];
  const errors: Record<string, [number, null]> = {};
  const responses = topics.map((name, i) => ({
    name,
    partitionResponses: answers.filter((a) => a.topic === name).map((a, j) => {
      if (a.errorCode !== 0) errors[`/responses/${i}/partition_responses/${j}`] = [a.errorCode, null];
      return { index: a.partition, errorCode: a.errorCode, baseOffset: BigInt(a.baseOffset ?? -1), logAppendTimeMs: -1n, logStartOffset: 0n, recordErrors: [], errorMessage: null };
    }),
  }));
  const response = new ResponseError(PRODUCE, 9, errors, { responses, throttleTimeMs: 0 });
  return Object.assign(new MultipleErrors('Producing messages failed.', [response]), { produced });
}

const written = (...offsets: Array<[string, number, number]>): SendResult => ({
  offsets: offsets.map(([topic, partition, offset]) => ({ topic, partition, offset: BigInt(offset) })),
});

const policy = { retries: 3, delayMs: 1 };

describe('sendByPartition', () => {
  it('resends only the partition that failed with a retriable error, keeping the offsets of the written ones', async () => {
    const calls: string[][] = [];
    const answers = [
      () => Promise.reject(brokerAnswered([
        { topic: 'bad', partition: 0, errorCode: NOT_LEADER },
        { topic: 'good', partition: 0, errorCode: 0, baseOffset: 5 },
        { topic: 'good', partition: 1, errorCode: 0, baseOffset: 7 },
      ])),
      () => Promise.resolve(written(['bad', 0, 3])),
    ];
    let stale = 0;
    const messages = [msg('good', 0, 'g0'), msg('bad', 0, 'x'), msg('good', 1, 'g1'), msg('good', 0, 'g2')];
    const outcomes = await sendByPartition(async (pending) => {
      calls.push(pending.map((m) => String(m.value)));
      return answers[calls.length - 1]!();
    }, messages, policy, () => stale++);
    expect(calls).toEqual([['g0', 'x', 'g1', 'g2'], ['x']]);
    expect(outcomes).toEqual(new Map([['good:0', 5], ['good:1', 7], ['bad:0', 3]]));
    expect(stale).toBe(1);
  });

  it('keeps what other brokers wrote when one broker failed', async () => {
    const calls: string[][] = [];
    const outcomes = await sendByPartition(async (pending) => {
      calls.push(pending.map((m) => String(m.value)));
      if (calls.length === 1) throw brokerAnswered([{ topic: 't', partition: 1, errorCode: NOT_LEADER }], written(['t', 0, 10]));
      return written(['t', 1, 20]);
    }, [msg('t', 0, 'a'), msg('t', 1, 'b')], policy, () => undefined);
    expect(calls).toEqual([['a', 'b'], ['b']]);
    expect(outcomes).toEqual(new Map([['t:0', 10], ['t:1', 20]]));
  });

  it('does not retry a partition the broker refused for good, and fails only its records', async () => {
    let calls = 0;
    const outcomes = await sendByPartition(async () => {
      calls++;
      throw brokerAnswered([{ topic: 't', partition: 0, errorCode: MESSAGE_TOO_LARGE }, { topic: 't', partition: 1, errorCode: 0, baseOffset: 4 }]);
    }, [msg('t', 0, 'big'), msg('t', 1, 'ok')], policy, () => undefined);
    expect(calls).toBe(1);
    expect(outcomes.get('t:1')).toBe(4);
    expect(outcomes.get('t:0')).toMatchObject({ apiId: 'MESSAGE_TOO_LARGE' });
  });

  it('gives up after the policy\'s retries with the partition\'s own error', async () => {
    let calls = 0;
    const outcomes = await sendByPartition(async (pending) => {
      calls++;
      const answers: PartitionAnswer[] = [{ topic: 't', partition: 0, errorCode: NOT_LEADER }];
      if (pending.some((m) => m.partition === 1)) answers.push({ topic: 't', partition: 1, errorCode: 0, baseOffset: 0 });
      throw brokerAnswered(answers);
    }, [msg('t', 0, 'a'), msg('t', 1, 'b')], policy, () => undefined);
    expect(calls).toBe(policy.retries + 1);
    expect(outcomes.get('t:1')).toBe(0);
    expect(outcomes.get('t:0')).toMatchObject({ apiId: 'NOT_LEADER_OR_FOLLOWER' });
  });

  it('does not resend after a timeout: the broker may have written the request', async () => {
    let calls = 0;
    const timeout = new TimeoutError('Request timed out');
    const outcomes = await sendByPartition(async () => {
      calls++;
      throw new MultipleErrors('Producing messages failed.', [timeout]);
    }, [msg('t', 0, 'a')], policy, () => undefined);
    expect(calls).toBe(1);
    expect(outcomes.get('t:0')).toBeInstanceOf(MultipleErrors);
  });
});

describe('RecordBatcher with per-partition outcomes', () => {
  it('rejects the records of a failed partition only', async () => {
    const batcher = new RecordBatcher({
      partitionCount: async () => 2,
      send: async () => new Map<string, number | Error>([['t:0', 3], ['t:1', new Error('partition 1 refused')]]),
      error: (err, topic, record) => new Error(`${topic}/${record.partition}: ${(err as Error).message}`),
    }, 1, 100);
    const outcome = await batcher.addBatch([
      { topic: 't', partition: 0, key: null, value: Buffer.from('a') },
      { topic: 't', partition: 1, key: null, value: Buffer.from('b') },
      { topic: 't', partition: 0, key: null, value: Buffer.from('c') },
    ]).then(() => undefined, (err: { outcomes: unknown[] }) => err.outcomes);
    expect(outcome).toEqual([
      { topic: 't', partition: 0, offset: 3 },
      new Error('t/1: partition 1 refused'),
      { topic: 't', partition: 0, offset: 4 },
    ]);
  });
});

describe('PlatformaticProducer', () => {
  it('resends only the failed partition of a request and resolves every record with its offset', async () => {
    const producer = new PlatformaticProducer(resolveOptions({ brokers: ['127.0.0.1:9'], retryDelayMs: 1 }), { lingerMs: 1 });
    // The platformatic client underneath, stubbed where it would talk to a broker.
    const client = (producer as unknown as { producer: { metadata: unknown; send: unknown; close: unknown; options?: unknown } }).producer;
    const topics = new Map([['t', { id: 'id-t', partitionsCount: 2 }]]);
    client.metadata = async () => ({ topics, brokers: new Map() });
    client.close = async () => undefined;
    const calls: string[][] = [];
    client.send = async (options: { messages: MessageToProduce[]; repeatOnStaleMetadata?: boolean }) => {
      expect(options.repeatOnStaleMetadata).toBe(false);
      calls.push(options.messages.map((m) => String(m.value)));
      if (calls.length === 1) {
        throw brokerAnswered([{ topic: 't', partition: 0, errorCode: 0, baseOffset: 10 }, { topic: 't', partition: 1, errorCode: NOT_LEADER }]);
      }
      return written(['t', 1, 20]);
    };
    await producer.connect();
    const { results } = await producer.sendBatch([
      { topic: 't', partition: 0, key: null, value: Buffer.from('a') },
      { topic: 't', partition: 1, key: null, value: Buffer.from('b') },
      { topic: 't', partition: 0, key: null, value: Buffer.from('c') },
    ]);
    expect(calls).toEqual([['a', 'b', 'c'], ['b']]);
    expect(results.map((r) => [r.partition, r.offset])).toEqual([[0, 10], [1, 20], [0, 11]]);
    await producer.close();
  });
});
