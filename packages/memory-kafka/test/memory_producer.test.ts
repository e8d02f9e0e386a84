import { StateError, UnknownTopicError } from '@goka-ts/api';
import { MemoryKafka } from '../src';
import { kafkaWith } from './helpers';

describe('MemoryKafka producer', () => {
  it('assigns consecutive offsets per partition and keeps key, value, headers and timestamp', async () => {
    const kafka = await kafkaWith({ events: 2 });
    const producer = kafka.producer();
    const results = await Promise.all([
      producer.send({ topic: 'events', partition: 0, key: Buffer.from('a'), value: Buffer.from('1'), headers: { h: Buffer.from('x') }, timestamp: 1234 }),
      producer.send({ topic: 'events', partition: 1, key: Buffer.from('b'), value: Buffer.from('2') }),
      producer.send({ topic: 'events', partition: 0, key: null, value: null }),
    ]);
    expect(results).toEqual([
      { topic: 'events', partition: 0, offset: 0 },
      { topic: 'events', partition: 1, offset: 0 },
      { topic: 'events', partition: 0, offset: 1 },
    ]);
    const [first, tombstone] = kafka.broker.topic('events')!.log(0)!.all();
    expect(first.key?.toString()).toBe('a');
    expect(first.value?.toString()).toBe('1');
    expect(first.headers.h.toString()).toBe('x');
    expect(first.timestamp).toBe(1234);
    expect(tombstone.key).toBeNull();
    expect(tombstone.value).toBeNull();
    expect(Math.abs(tombstone.timestamp - Date.now())).toBeLessThan(5000);
    await producer.close();
  });

  it('copies buffers so that later changes by the caller do not alter the log', async () => {
    const kafka = await kafkaWith({ t: 1 });
    const producer = kafka.producer();
    const value = Buffer.from('abc');
    const sent = producer.send({ topic: 't', partition: 0, key: null, value });
    value.write('zzz');
    await sent;
    expect(kafka.broker.topic('t')!.log(0)!.all()[0].value?.toString()).toBe('abc');
    await producer.close();
  });

  it('rejects only the records for a missing topic or partition', async () => {
    const kafka = await kafkaWith({ t: 2 });
    const producer = kafka.producer();
    const good = producer.send({ topic: 't', partition: 1, key: null, value: Buffer.from('ok') });
    const missingTopic = producer.send({ topic: 'nope', partition: 0, key: null, value: null });
    const missingPartition = producer.send({ topic: 't', partition: 2, key: null, value: null });
    await expect(good).resolves.toEqual({ topic: 't', partition: 1, offset: 0 });
    await expect(missingTopic).rejects.toBeInstanceOf(UnknownTopicError);
    await expect(missingPartition).rejects.toThrow(/no partition 2/);
    await producer.close();
  });

  it('auto-creates topics on produce only when asked to', async () => {
    const kafka = new MemoryKafka({ autoCreateTopics: { partitions: 3 } });
    const producer = kafka.producer();
    await producer.send({ topic: 'fresh', partition: 2, key: null, value: Buffer.from('x') });
    expect((await kafka.admin().describeTopic('fresh'))?.partitions).toBe(3);
    await producer.close();
  });

  it('flush waits for every record sent so far; close rejects later sends with StateError', async () => {
    const kafka = await kafkaWith({ t: 1 });
    const producer = kafka.producer();
    void producer.send({ topic: 't', partition: 0, key: null, value: Buffer.from('1') });
    void producer.send({ topic: 't', partition: 0, key: null, value: Buffer.from('2') });
    expect(kafka.isIdle()).toBe(false);
    await producer.flush();
    expect(kafka.broker.topic('t')!.log(0)!.highWatermark).toBe(2);
    expect(kafka.isIdle()).toBe(true);
    await producer.close();
    await expect(producer.send({ topic: 't', partition: 0, key: null, value: null })).rejects.toBeInstanceOf(StateError);
    await expect(producer.connect()).rejects.toBeInstanceOf(StateError);
  });
});
