import { GokaError, MessageError } from '@goka-ts/api';
import { int64Codec, murmur2Hasher, View } from '../src';
import { FaultyKafka } from './support/faulty_kafka';
import { recordingLogger } from './support/recording_logger';

/** A one-partition table whose second record is not an int64. */
function badTable(): FaultyKafka {
  const kafka = new FaultyKafka();
  kafka.createTopic('t', 1, { 'cleanup.policy': 'compact' });
  kafka.append('t', 0, 'a', '1');
  kafka.append('t', 0, 'a', 'not a number');
  kafka.append('t', 0, 'b', '2');
  return kafka;
}

describe('View onError (a table record the codec cannot decode)', () => {
  it("'fail' ends run() with a MessageError naming topic, partition, offset and key", async () => {
    const view = new View('t', int64Codec, { client: badTable(), onError: 'fail' });
    const running = view.run();
    await expect(running).rejects.toThrow(MessageError);
    await expect(running).rejects.toThrow(/^topic "t", partition 0, offset 1: cannot decode the value of key "a" with codec "int64"/);
    expect(view.state).toBe('failed');
  });

  it("'skip' logs the coordinates, counts the record and keeps the key's previous value, also while following", async () => {
    const kafka = badTable();
    const logger = recordingLogger();
    const view = new View('t', int64Codec, { client: kafka, onError: 'skip', logger });
    const running = view.run();
    await view.waitRunning();
    expect(await view.get('a')).toBe(1);
    expect(await view.get('b')).toBe(2);
    kafka.append('t', 0, 'b', '{}');
    kafka.append('t', 0, 'c', '3');
    for (let i = 0; i < 100 && (await view.get('c')) === undefined; i++) await new Promise((r) => setTimeout(r, 5));
    expect(await view.get('b')).toBe(2);
    expect(view.skippedRecords).toBe(2);
    const warnings = logger.lines.filter((l) => l.level === 'warn').map((l) => l.fields);
    expect(warnings).toEqual([
      expect.objectContaining({ topic: 't', partition: 0, offset: 1, key: 'a' }),
      expect.objectContaining({ topic: 't', partition: 0, offset: 3, key: 'b' }),
    ]);
    await view.stop();
    await running;
  });

  it('unset: stores records unread and get() throws for a bad value, naming key and partition', async () => {
    const kafka = new FaultyKafka();
    kafka.createTopic('t', 1, { 'cleanup.policy': 'compact' });
    kafka.append('t', murmur2Hasher.partition('a', 1), 'a', 'nope');
    const view = new View('t', int64Codec, { client: kafka });
    const running = view.run();
    await view.waitRunning();
    await expect(view.get('a')).rejects.toThrow(GokaError);
    await expect(view.get('a')).rejects.toThrow(/view of table "t": cannot decode the value of key "a" \(partition 0\) with codec "int64"/);
    await view.stop();
    await running;
  });

  it('rejects an unknown policy', () => {
    expect(() => new View('t', int64Codec, { client: new FaultyKafka(), onError: 'ignore' as never })).toThrow(/onError must be 'fail' or 'skip'/);
  });
});
