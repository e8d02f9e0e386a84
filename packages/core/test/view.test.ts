import { KafkaConnectionError, StateError, UnknownTopicError, type ComponentState } from '@goka-ts/api';
import { fnv1aHasher, int64Codec, View } from '../src';
import { FaultyKafka } from './support/faulty_kafka';
import { recordingLogger } from './support/recording_logger';
import { until } from './support/scripted_group';

function tableWith(kafka: FaultyKafka, partitions: number, entries: [string, number | null][]): void {
  kafka.createTopic('t', partitions, { 'cleanup.policy': 'compact' });
  for (const [k, v] of entries) kafka.append('t', fnv1aHasher.partition(k, partitions), k, v === null ? null : String(v));
}

describe('View (in-memory client with injected faults)', () => {
  it('recovers, serves get/has/iterator, follows, reports states and stops', async () => {
    const kafka = new FaultyKafka();
    tableWith(kafka, 3, [['a', 1], ['b', 2], ['c', 3], ['a', 4], ['b', null]]);
    const view = new View('t', int64Codec, { client: kafka, hasher: fnv1aHasher });
    const states: ComponentState[] = [];
    const unsubscribe = view.onStateChange((s) => states.push(s));
    await expect(view.get('a')).rejects.toThrow(/not running; call run\(\) first/);
    const running = view.run();
    await view.waitRunning();
    expect(view.partitionCount).toBe(3);
    expect(await view.get('a')).toBe(4);
    expect(await view.get('b')).toBeUndefined();
    expect(await view.has('c')).toBe(true);
    const all: [string, number][] = [];
    for await (const entry of view.iterator()) all.push(entry);
    expect(all.sort()).toEqual([['a', 4], ['c', 3]]);
    kafka.append('t', fnv1aHasher.partition('d', 3), 'd', '9');
    await until("view value of 'd' is 9", async () => (await view.get('d')) === 9);
    const stats = view.stats();
    expect(stats).toMatchObject({ table: 't', state: 'running' });
    expect(Object.values(stats.partitions).reduce((n, p) => n + p.recovery.records, 0)).toBe(5);
    await expect(view.run()).rejects.toThrow(StateError);
    await view.stop();
    await running;
    expect(states).toEqual(['starting', 'recovering', 'running', 'stopped']);
    await expect(view.get('a')).rejects.toThrow(StateError);
    await expect(view.waitRunning()).rejects.toThrow(/is stopped/);
    unsubscribe();
    expect(kafka.openResources.size).toBe(0);
  });

  it('stops through an AbortSignal, even before it was running', async () => {
    const kafka = new FaultyKafka();
    tableWith(kafka, 1, [['a', 1]]);
    const view = new View('t', int64Codec, { client: kafka });
    const ac = new AbortController();
    const running = view.run(ac.signal);
    const waiting = view.waitRunning();
    ac.abort();
    await running;
    await expect(waiting).rejects.toThrow(/stopped before it was running/);
    expect(view.state).toBe('stopped');
    expect(kafka.openResources.size).toBe(0);
  });

  it('a missing topic rejects run with UnknownTopicError', async () => {
    const view = new View('none', int64Codec, { client: new FaultyKafka() });
    const waiting = view.waitRunning();
    await expect(view.run()).rejects.toThrow(UnknownTopicError);
    await expect(waiting).rejects.toThrow(UnknownTopicError);
    expect(view.state).toBe('failed');
  });

  it('without autoReconnect, a connection loss fails run', async () => {
    const kafka = new FaultyKafka();
    tableWith(kafka, 2, [['a', 1]]);
    const view = new View('t', int64Codec, { client: kafka });
    const running = view.run();
    await view.waitRunning();
    kafka.disconnect();
    await expect(running).rejects.toBeInstanceOf(KafkaConnectionError);
    expect(view.state).toBe('failed');
    expect(kafka.openResources.size).toBe(0);
  });

  it('with autoReconnect, reconnects with backoff and continues from the applied offsets', async () => {
    const kafka = new FaultyKafka();
    kafka.batchSize = 2;
    const entries: [string, number][] = Array.from({ length: 10 }, (_, i) => [`k${i}`, i]);
    kafka.createTopic('t', 1);
    for (const [k, v] of entries) kafka.append('t', 0, k, String(v));
    const logger = recordingLogger();
    const view = new View('t', int64Codec, { client: kafka, autoReconnect: { initialBackoffMs: 5, maxBackoffMs: 20 }, logger });
    const states: ComponentState[] = [];
    view.onStateChange((s) => states.push(s));
    // Recovery breaks after one batch, then the broker is unreachable twice.
    kafka.failReaderRuns = 1;
    kafka.failAfterBatches = 1;
    const origReader = kafka.partitionReader.bind(kafka);
    let readerCalls = 0;
    kafka.partitionReader = (config) => {
      if (++readerCalls === 1) kafka.failAdminConnects = 2;
      return origReader(config);
    };
    const running = view.run();
    await view.waitRunning();
    expect(kafka.readerStarts.map((s) => s.partitions[0].from)).toEqual([0, 2, 10]);
    expect(await view.get('k9')).toBe(9);
    expect(logger.lines.filter((l) => l.message.includes('reconnecting')).map((l) => l.fields?.attempt)).toEqual([1, 2, 3]);

    // A connection loss while following: reconnects, and records written meanwhile arrive.
    kafka.disconnect();
    kafka.append('t', 0, 'late', '42');
    // The record can be readable a turn before the new reader reports it caught up.
    await until("'late' is 42 and the view running", async () => (await view.get('late')) === 42 && view.state === 'running');
    await view.stop();
    await running;
    expect(states.filter((s) => s === 'running').length).toBe(2);
    expect(states.at(-1)).toBe('stopped');
    expect(kafka.openResources.size).toBe(0);
  });

  it('with autoReconnect, stop during the backoff wait ends at once', async () => {
    const kafka = new FaultyKafka();
    kafka.failAdminConnects = 1;
    const view = new View('t', int64Codec, { client: kafka, autoReconnect: { initialBackoffMs: 60_000, maxBackoffMs: 60_000 }, logger: recordingLogger() });
    const running = view.run();
    await until('every failing admin connect used up', () => kafka.failAdminConnects === 0);
    const started = Date.now();
    await view.stop();
    await running;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(view.state).toBe('stopped');
  });

  it('non-connection errors are fatal even with autoReconnect', async () => {
    const kafka = new FaultyKafka();
    tableWith(kafka, 1, [['a', 1]]);
    kafka.append('t', 0, 'bad', 'not a number');
    const view = new View('t', int64Codec, { client: kafka, autoReconnect: true });
    const running = view.run();
    await view.waitRunning();
    await expect(view.get('bad')).rejects.toThrow(/cannot decode the value of key "bad" \(partition 0\) with codec "int64"/);
    await view.stop();
    await running;
    const broken = new View('gone', int64Codec, { client: kafka, autoReconnect: true });
    await expect(broken.run()).rejects.toThrow(UnknownTopicError);
  });
});

describe('View storage failures', () => {
  it('a storage that cannot open fails run and closes the partitions that did open', async () => {
    const kafka = new FaultyKafka();
    kafka.createTopic('t', 3);
    const { memoryStorage } = await import('@goka-ts/storage-memory');
    const closed: number[] = [];
    const view = new View('t', int64Codec, {
      client: kafka,
      storage: (topic, partition) => {
        const s = memoryStorage()(topic, partition) as import('@goka-ts/api').Storage;
        if (partition === 1) s.open = async () => { throw new Error('disk on fire'); };
        const close = s.close.bind(s);
        s.close = async () => { closed.push(partition); await close(); };
        return s;
      },
    });
    await expect(view.run()).rejects.toThrow('disk on fire');
    expect(closed.sort()).toEqual([0, 2]);
    expect(view.state).toBe('failed');
    expect(kafka.openResources.size).toBe(0);
  });
});
