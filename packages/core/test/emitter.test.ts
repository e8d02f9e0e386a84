import { StateError, UnknownTopicError } from '@goka-ts/api';
import { Emitter, fnv1aHasher, jsonCodec, murmur2Hasher, stringCodec } from '../src';
import { FaultyKafka } from './support/faulty_kafka';

describe('Emitter (fake client)', () => {
  it('partitions with the hasher, merges headers, and counts', async () => {
    const kafka = new FaultyKafka();
    kafka.createTopic('s', 7);
    for (const hasher of [murmur2Hasher, fnv1aHasher]) {
      const emitter = new Emitter('s', jsonCodec<{ n: number }>(), { client: kafka, hasher, defaultHeaders: { a: Buffer.from('1'), b: Buffer.from('2') } });
      for (let i = 0; i < 20; i++) {
        const result = await emitter.emit(`key-${i}`, { n: i }, { headers: { b: Buffer.from('x') } });
        expect(result.partition).toBe(hasher.partition(`key-${i}`, 7));
        const record = kafka.topic('s').partitions[result.partition][result.offset];
        expect(record.value?.toString()).toBe(JSON.stringify({ n: i }));
        expect(record.headers).toEqual({ a: Buffer.from('1'), b: Buffer.from('x') });
      }
      const tomb = await emitter.emitSync('gone', null);
      expect(kafka.topic('s').partitions[tomb.partition][tomb.offset].value).toBeNull();
      expect(emitter.stats()).toMatchObject({ state: 'running', emitted: 21, failed: 0 });
      await emitter.finish();
      expect(emitter.state).toBe('stopped');
    }
    expect(kafka.openResources.size).toBe(0);
  });

  it('rejects emits after finish with StateError; emits before finish complete', async () => {
    const kafka = new FaultyKafka();
    kafka.createTopic('s', 2);
    const emitter = new Emitter('s', stringCodec, { client: kafka });
    const early = emitter.emit('k', 'v');
    const finished = emitter.finish();
    await expect(early).resolves.toMatchObject({ topic: 's', offset: 0 });
    await finished;
    await expect(emitter.emit('k', 'v')).rejects.toThrow(new StateError('emitter for topic "s" is finished'));
    await expect(emitter.emitSync('k', 'v')).rejects.toBeInstanceOf(StateError);
    await emitter.finish();
    expect(kafka.openResources.size).toBe(0);
  });

  it('a missing topic rejects with UnknownTopicError and is retried on the next emit', async () => {
    const kafka = new FaultyKafka();
    const emitter = new Emitter('missing', stringCodec, { client: kafka });
    await expect(emitter.emit('k', 'v')).rejects.toThrow(UnknownTopicError);
    await expect(emitter.emit('k', 'v')).rejects.toThrow(/topic "missing" does not exist: an emitter never creates topics/);
    expect(kafka.topics.has('missing')).toBe(false);
    kafka.createTopic('missing', 1);
    await expect(emitter.emit('k', 'v')).resolves.toMatchObject({ partition: 0, offset: 0 });
    await emitter.finish();
  });

  it('encoding errors reject the emit and are counted', async () => {
    const kafka = new FaultyKafka();
    kafka.createTopic('s', 1);
    const emitter = new Emitter('s', stringCodec, { client: kafka });
    await expect(emitter.emit('k', 5 as unknown as string)).rejects.toThrow(/expected a string/);
    await expect(emitter.emit('k', 6 as unknown as string)).rejects.toThrow(/expected a string/);
    expect(emitter.stats().failed).toBe(2);
    await emitter.finish();
  });
});
