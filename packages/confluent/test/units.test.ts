import { DecompressionError, GokaError, KafkaConnectionError, TopicMismatchError, UnknownTopicError } from '@goka-ts/api';
import { ConfluentAdmin } from '../src/admin';
import { assignedPartitions, checkCoPartitioned } from '../src/copartition_check';
import { WireReader, WireWriter } from '../src/config_protocol/wire';
import { PendingCommits } from '../src/pending_commits';
import { ConnectionWatch } from '../src/connection_watch';
import { DeliveryTracker, type Tracked } from '../src/delivery_tracker';
import { Code, codeName, corruptBatchError, isCorruptBatch, toGokaError } from '../src/errors';
import { NO_HEADERS, toKafkaMessage, toRdHeaders, wireBytes } from '../src/message';
import { resolveOptions } from '../src/options';
import { producerConfig } from '../src/producer_handle';
import type { KafkaConsumer, LibrdKafkaError, Metadata } from '../src/rdkafka';
import { rdkafka } from '../src/rdkafka';

describe('delivery tracker', () => {
  test('drained waits for exactly the records tracked before it, whatever the completion order', async () => {
    const t = new DeliveryTracker<Tracked>();
    const items = Array.from({ length: 5 }, () => ({ seq: 0, done: false }));
    items.slice(0, 3).forEach((i) => t.track(i));
    let drained = false;
    const wait = t.drained().then(() => { drained = true; });
    items.slice(3).forEach((i) => t.track(i));
    t.complete(items[2]);
    t.complete(items[0]);
    await Promise.resolve();
    expect(drained).toBe(false);
    t.complete(items[1]);
    await wait;
    expect(drained).toBe(true);
    expect(t.pending).toBe(2);
    await expect(Promise.race([t.drained().then(() => 'drained'), Promise.resolve('pending')])).resolves.toBe('pending');
    t.complete(items[4]);
    t.complete(items[3]);
    t.complete(items[3]);
    expect(t.pending).toBe(0);
    await t.drained();
  });
});

describe('pending commits', () => {
  const refused = (code: number) => Object.assign(new Error(`code ${code}`), { code }) as unknown as LibrdKafkaError;
  const classify = (err: LibrdKafkaError) => new GokaError(`refused: ${codeName(err.code)}`, { cause: err });
  const settled = (p: Promise<void>) => p.then(() => 'ok', (err: Error) => err.message);

  test('matches each result to its commit by the offsets, whatever their order, oldest identical commit first', async () => {
    const tracker = new PendingCommits();
    const a = tracker.track([{ topic: 't', partition: 0, offset: 5 }, { topic: 't', partition: 1, offset: 7 }]);
    const b = tracker.track([{ topic: 't', partition: 0, offset: 6 }]);
    const b2 = tracker.track([{ topic: 't', partition: 0, offset: 6 }]);
    // Results arrive out of order, with the partitions listed differently.
    tracker.onResult(refused(25), [{ topic: 't', partition: 0, offset: 6 }], classify);
    tracker.onResult(undefined, [{ topic: 't', partition: 1, offset: 7 }, { topic: 't', partition: 0, offset: 5 }], classify);
    expect(await settled(b.answer)).toBe('refused: ERR_UNKNOWN_MEMBER_ID');
    expect(await settled(a.answer)).toBe('ok');
    expect(tracker.size).toBe(1);
    // A result nobody waits for (the commit was cancelled) is ignored.
    tracker.onResult(undefined, [{ topic: 'x', partition: 0, offset: 1 }], classify);
    tracker.onResult(undefined, [{ topic: 't', partition: 0, offset: 6 }], classify);
    expect(await settled(b2.answer)).toBe('ok');
    expect(tracker.size).toBe(0);
  });

  test('negative offsets match librdkafka\'s report (which omits them); cancel and failAll reject', async () => {
    const tracker = new PendingCommits();
    const logical = tracker.track([{ topic: 't', partition: 0, offset: -1001 }]);
    tracker.onResult(undefined, [{ topic: 't', partition: 0 }], classify);
    expect(await settled(logical.answer)).toBe('ok');
    const cancelled = tracker.track([{ topic: 't', partition: 0, offset: 1 }]);
    cancelled.cancel(new Error('not queued'));
    const pending = tracker.track([{ topic: 't', partition: 0, offset: 2 }]);
    tracker.failAll(new Error('closed'));
    expect(await settled(cancelled.answer)).toBe('not queued');
    expect(await settled(pending.answer)).toBe('closed');
    expect(tracker.size).toBe(0);
    expect(codeName(27)).toBe('ERR_REBALANCE_IN_PROGRESS');
    expect(codeName(123456)).toBe('123456');
  });
});

describe('co-partitioning checks', () => {
  const md = (topics: Record<string, number>): Metadata => ({
    orig_broker_id: 1, orig_broker_name: 'b', brokers: [],
    topics: Object.entries(topics).map(([name, n]) => ({ name, partitions: Array.from({ length: n }, (_, id) => ({ id, leader: 1, replicas: [1], isrs: [1] })) })),
  });

  test('requires existing topics with equal partition counts', () => {
    expect(checkCoPartitioned(['a', 'b'], md({ a: 4, b: 4 }))).toBe(4);
    expect(() => checkCoPartitioned(['a', 'c'], md({ a: 4 }))).toThrow(UnknownTopicError);
    expect(() => checkCoPartitioned(['a', 'b'], md({ a: 4, b: 2 }))).toThrow(TopicMismatchError);
  });

  test('an assignment must give every topic the same partition numbers', () => {
    expect(assignedPartitions(['a', 'b'], [
      { topic: 'b', partition: 3 }, { topic: 'a', partition: 3 }, { topic: 'a', partition: 1 }, { topic: 'b', partition: 1 },
    ])).toEqual([1, 3]);
    expect(assignedPartitions(['a', 'b'], [])).toEqual([]);
    expect(() => assignedPartitions(['a', 'b'], [{ topic: 'a', partition: 0 }, { topic: 'b', partition: 1 }]))
      .toThrow(/not co-partitioned.*"a" got partitions \[0\].*"b" got \[1\]/);
  });
});

describe('kafka wire encoding', () => {
  test('round-trips the primitive types', () => {
    const w = new WireWriter();
    w.int8(-3).int16(513).int32(-70000).bool(true).string('héllo').string(null)
      .array(['x', 'yy'], (s) => void w.string(s)).array(null, () => undefined);
    const big = 'z'.repeat(1000);
    w.string(big);
    const r = new WireReader(w.toBuffer());
    expect([r.int8(), r.int16(), r.int32(), r.bool(), r.string(), r.string()]).toEqual([-3, 513, -70000, true, 'héllo', null]);
    expect(r.array(() => r.string())).toEqual(['x', 'yy']);
    expect(r.int32()).toBe(-1);
    expect(r.string()).toBe(big);
    expect(() => r.int8()).toThrow(/truncated/);
  });
});

describe('message conversion', () => {
  test('converts consumed messages and headers', () => {
    const m = toKafkaMessage({
      topic: 't', partition: 2, offset: 7, key: Buffer.from('k'), value: null, size: 0, timestamp: 99,
      headers: [{ a: Buffer.from('1') }, { b: 'two' }, { a: Buffer.from('3') }],
    });
    expect(m).toEqual({ topic: 't', partition: 2, offset: 7, key: Buffer.from('k'), value: null, timestamp: 99,
      headers: { a: Buffer.from('3'), b: Buffer.from('two') } });
    const plain = toKafkaMessage({ topic: 't', partition: 0, offset: 1, key: undefined, value: Buffer.from('v'), size: 1 });
    expect(plain.key).toBeNull();
    expect(plain.headers).toBe(NO_HEADERS);
    expect(plain.timestamp).toBe(-1);
  });

  test('keeps empty buffers non-null for the native producer', () => {
    const empty = wireBytes(Buffer.alloc(0));
    expect(empty.length).toBe(0);
    expect(empty.buffer.byteLength).toBeGreaterThan(0);
    const b = Buffer.from('x');
    expect(wireBytes(b)).toBe(b);
    expect(toRdHeaders(undefined)).toBeUndefined();
    expect(toRdHeaders({})).toBeUndefined();
    expect(toRdHeaders({ a: b, e: Buffer.alloc(0) })).toEqual([{ a: b }, { e: Buffer.alloc(0) }]);
  });
});

describe('errors and options', () => {
  test('maps librdkafka errors to goka errors', () => {
    const mk = (code: number) => Object.assign(new Error(`code ${code}`), { code });
    expect(toGokaError(mk(-195), 'x', { brokers: ['b:1'] })).toBeInstanceOf(KafkaConnectionError);
    expect(toGokaError(mk(-185), 'x').message).toMatch(/did not answer/);
    const unknown = toGokaError(mk(3), 'reading', { topic: 'tt' });
    expect(unknown).toBeInstanceOf(UnknownTopicError);
    expect((unknown as UnknownTopicError).topic).toBe('tt');
    const other = toGokaError(mk(42), 'doing it');
    expect(other).toBeInstanceOf(GokaError);
    expect(other.message).toBe('doing it: code 42 (librdkafka code 42)');
    const goka = new GokaError('as is');
    expect(toGokaError(goka, 'x')).toBe(goka);
  });

  test('validates options and enables statistics for onStatistics', () => {
    expect(() => resolveOptions({ brokers: [] })).toThrow(/broker/);
    expect(() => resolveOptions({ brokers: ['b:1'], consumeBatchSize: 0 })).toThrow(/consumeBatchSize/);
    expect(resolveOptions({ brokers: ['b:1'], onStatistics: () => undefined }).config['statistics.interval.ms']).toBe(5000);
    expect(resolveOptions({ brokers: ['b:1'], onStatistics: () => undefined, producerConfig: { 'statistics.interval.ms': 100 } })
      .config['statistics.interval.ms']).toBeUndefined();
    expect(resolveOptions({ brokers: ['b:1'] }).config['statistics.interval.ms']).toBeUndefined();
  });
});

describe('corrupt batches', () => {
  it('are the binding\'s bad-message and bad-compression codes, and fail naming topic and partition', () => {
    expect(Code.BAD_COMPRESSION).toBe(rdkafka.CODES.ERRORS.ERR__BAD_COMPRESSION);
    expect(Code.BAD_MSG).toBe(rdkafka.CODES.ERRORS.ERR__BAD_MSG);
    // What the binding's consume hands over: an error with librdkafka's code and its text, nothing else.
    const err = Object.assign(new Error('Local: Invalid compressed data'), { code: -198, origin: 'local' });
    expect(isCorruptBatch(err)).toBe(true);
    expect(isCorruptBatch(Object.assign(new Error('Local: Broker transport failure'), { code: -195 }))).toBe(false);
    const one = corruptBatchError(err, 'orders', [3]);
    expect(one).toBeInstanceOf(DecompressionError);
    expect(one).toMatchObject({ topic: 'orders', partition: 3, codec: 'unknown' });
    expect(one.message).toContain('topic "orders", partition 3');
    expect(one.message).toContain('Invalid compressed data');
    expect(corruptBatchError(err, 'orders', [0, 1]).partition).toBe(-1);
  });
});

describe('connection watch', () => {
  function fakeConsumer(metadataError: Error | null): { consumer: KafkaConsumer; probes: () => number } {
    let probes = 0;
    const consumer = {
      isConnected: () => true,
      getMetadata: (_o: unknown, cb: (err: Error | null, md?: unknown) => void) => {
        probes++;
        setTimeout(() => cb(metadataError, metadataError ? undefined : { topics: [] }), 10);
      },
    } as unknown as KafkaConsumer;
    return { consumer, probes: () => probes };
  }
  const allDown = Object.assign(new Error('all brokers down'), { code: -187, errno: -187, origin: 'local' });

  test('reports a lost connection when the probe after "all brokers down" fails', async () => {
    const { consumer, probes } = fakeConsumer(Object.assign(new Error('timed out'), { code: -185 }));
    const lost: Error[] = [];
    const watch = new ConnectionWatch(consumer, ['b:1'], 100, (e) => lost.push(e));
    watch.observe(allDown);
    watch.observe(allDown);
    watch.observe(Object.assign(new Error('other'), { code: -195, errno: -195, origin: 'local' }));
    await new Promise((r) => setTimeout(r, 50));
    expect(probes()).toBe(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toBeInstanceOf(KafkaConnectionError);
    expect(lost[0].message).toMatch(/b:1.*100 ms/);
  });

  test('stays quiet when the cluster answers the probe', async () => {
    const { consumer } = fakeConsumer(null);
    const lost: Error[] = [];
    new ConnectionWatch(consumer, ['b:1'], 100, (e) => lost.push(e)).observe(allDown);
    await new Promise((r) => setTimeout(r, 50));
    expect(lost).toEqual([]);
  });
});

describe('admin config requests', () => {
  test('refuse listeners other than PLAINTEXT with a clear error', async () => {
    const admin = new ConfluentAdmin(resolveOptions({ brokers: ['b:1'], config: { 'security.protocol': 'SASL_SSL' } }));
    await expect(admin.alterTopicConfig('t', { 'retention.ms': '1' })).rejects.toThrow(/PLAINTEXT listener.*sasl_ssl/);
  });
});

describe('producer configuration keeps every partition in send order', () => {
  const options = (extra: Record<string, unknown> = {}) => resolveOptions({ brokers: ['b:1'], ...extra });
  test('idempotence by default (librdkafka would reorder records of a partition on retries, and resend timed-out ones)', () => {
    expect(producerConfig(options(), {})).toMatchObject({ 'enable.idempotence': true });
  });
  test('with acks=1, which idempotence does not allow, one request in flight per connection', () => {
    const rd = producerConfig(options(), { acks: 1 });
    expect(rd['enable.idempotence']).toBeUndefined();
    expect(rd).toMatchObject({ acks: 1, 'max.in.flight.requests.per.connection': 1 });
  });
  test("the user's own librdkafka settings win", () => {
    const rd = producerConfig(options({ producerConfig: { 'enable.idempotence': false } }), {});
    expect(rd['enable.idempotence']).toBe(false);
    expect(rd['max.in.flight.requests.per.connection']).toBeUndefined();
  });
});
