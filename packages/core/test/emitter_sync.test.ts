/**
 * Emitter.emitSync is for callers that need the acknowledgement now (request/response paths):
 * it must flush the producer after queueing the record instead of waiting out the linger time. The
 * fake producer below models a long linger by never sending on its own: records leave only on
 * flush() (or close()), so an emitSync that did not flush would never resolve.
 */
import type { Producer, ProducerConfig, ProduceResult, ProducerRecord } from '@goka-ts/api';
import { stringCodec } from '../src/codecs/codecs';
import { Emitter } from '../src/emitter';
import { murmur2Hasher } from '../src/hashers/murmur2';
import { FaultyKafka } from './support/faulty_kafka';
import { settle } from './support/manual_producer';

/** Records wait for flush() as they would for a linger that never elapses during the test. */
class LingeringKafka extends FaultyKafka {
  readonly configs: (ProducerConfig | undefined)[] = [];
  readonly queued: { record: ProducerRecord; resolve(r: ProduceResult): void }[] = [];
  /** Per flush() call: how many records were queued when it was called. */
  readonly flushes: number[] = [];

  override producer(config?: ProducerConfig): Producer {
    this.configs.push(config);
    const deliver = () => {
      for (const { record, resolve } of this.queued.splice(0)) {
        const offset = this.append(record.topic, record.partition, record.key?.toString() ?? null, record.value, record.headers);
        resolve({ topic: record.topic, partition: record.partition, offset });
      }
    };
    return {
      connect: async () => {},
      send: (record) => new Promise<ProduceResult>((resolve) => this.queued.push({ record, resolve })),
      sendBatch: async (records) => ({ results: await Promise.all(records.map((record) => new Promise<ProduceResult>((resolve) => this.queued.push({ record, resolve })))) }),
      flush: async () => {
        this.flushes.push(this.queued.length);
        deliver();
      },
      close: async () => deliver(),
    };
  }
}

/** 'pending' unless `promise` settles within a few event-loop turns (no wall clock involved). */
async function outcome<T>(promise: Promise<T>): Promise<T | 'pending'> {
  return Promise.race([promise, settle(20).then(() => 'pending' as const)]);
}

describe('Emitter.emitSync', () => {
  it('flushes the producer so it resolves with the acked offset despite a 60 s linger', async () => {
    const kafka = new LingeringKafka();
    kafka.createTopic('s', 4);
    // Existing records, so the acknowledged offset is not trivially 0.
    const partition = murmur2Hasher.partition('k', 4);
    kafka.append('s', partition, 'old', 'x');
    kafka.append('s', partition, 'old', 'y');
    const emitter = new Emitter('s', stringCodec, { client: kafka, producer: { lingerMs: 60_000 } });

    // Control: a plain emit waits for the linger (here: forever), so the fake does model lingering.
    const lingering = emitter.emit('k', 'first');
    expect(await outcome(lingering)).toBe('pending');
    expect(kafka.flushes).toEqual([]);

    const result = await outcome(emitter.emitSync('k', 'second'));
    expect(result).toEqual({ topic: 's', partition, offset: 3 });
    // One flush, called after the record was queued (with both records waiting), before any linger.
    expect(kafka.flushes).toEqual([2]);
    expect(kafka.configs).toEqual([{ lingerMs: 60_000 }]);
    // The flush also sent the earlier record, in order.
    await expect(lingering).resolves.toEqual({ topic: 's', partition, offset: 2 });
    expect(kafka.topic('s').partitions[partition].map((m) => m.value?.toString())).toEqual(['x', 'y', 'first', 'second']);
    expect(emitter.stats()).toMatchObject({ emitted: 2, failed: 0, bytes: 'kfirst'.length + 'ksecond'.length });

    await emitter.finish();
  });

  it('flushes also when it is the first call (the emitter connects on it)', async () => {
    const kafka = new LingeringKafka();
    kafka.createTopic('s', 1);
    const emitter = new Emitter('s', stringCodec, { client: kafka, producer: { lingerMs: 60_000 } });
    expect(await outcome(emitter.emitSync('k', 'v'))).toEqual({ topic: 's', partition: 0, offset: 0 });
    expect(kafka.flushes).toEqual([1]);
    await emitter.finish();
  });
});
