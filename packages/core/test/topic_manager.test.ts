import { TopicMismatchError, UnknownTopicError } from '@goka-ts/api';
import { TopicManager } from '../src/topics/topic_manager';
import { FaultyKafka } from './support/faulty_kafka';
import { recordingLogger } from './support/recording_logger';

describe('TopicManager', () => {
  it('creates compacted tables and streams with configured replication and retention', async () => {
    const kafka = new FaultyKafka();
    const tm = await TopicManager.connect(kafka, { tableReplication: 1, streamReplication: 1, streamRetentionMs: 3_600_000 });
    await tm.ensureTable('t', 4);
    await tm.ensureStream('s', 2);
    expect(kafka.topic('t')).toMatchObject({ replicationFactor: 1, config: { 'cleanup.policy': 'compact' } });
    expect(kafka.topic('t').partitions).toHaveLength(4);
    expect(kafka.topic('s').config['retention.ms']).toBe('3600000');
    expect(await tm.partitionCount('s')).toBe(2);
    // Existing and matching: nothing happens.
    await tm.ensureTable('t', 4);
    await tm.close();
    expect(kafka.openResources.size).toBe(0);
  });

  it('partitionCount of a missing topic rejects with UnknownTopicError', async () => {
    const tm = await TopicManager.connect(new FaultyKafka());
    await expect(tm.partitionCount('nope')).rejects.toBeInstanceOf(UnknownTopicError);
    await tm.close();
  });

  it('names every difference and applies the policy', async () => {
    const kafka = new FaultyKafka();
    kafka.createTopic('bad', 3, { 'cleanup.policy': 'delete' }, 1);
    const fail = new TopicManager(kafka.admin(), { mismatch: 'fail', tableReplication: 2 });
    const err = await fail.ensureTable('bad', 4).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TopicMismatchError);
    expect((err as TopicMismatchError).differences).toEqual([
      'has 3 partitions, expected 4',
      'replication factor is 1, expected 2',
      'cleanup.policy is "delete", a table needs "compact" (otherwise retention deletes table content)',
    ]);
    const logger = recordingLogger();
    await new TopicManager(kafka.admin(), { mismatch: 'warn', logger }).ensureTable('bad', 4);
    expect(logger.lines).toEqual([expect.objectContaining({ level: 'warn', message: expect.stringMatching(/"bad".*3 partitions.*cleanup.policy/) })]);
    const quiet = recordingLogger();
    await new TopicManager(kafka.admin(), { mismatch: 'ignore', logger: quiet }).ensureTable('bad', 4);
    expect(quiet.lines.filter((l) => l.level !== 'debug')).toEqual([]);
    expect(kafka.topic('bad').config['cleanup.policy']).toBe('delete');
  });

  it('by default fails on partition counts and warns on the rest', async () => {
    const kafka = new FaultyKafka();
    kafka.createTopic('x', 3);
    const logger = recordingLogger();
    const tm = new TopicManager(kafka.admin(), { logger });
    await tm.ensureTable('x', 3);
    expect(logger.lines.map((l) => l.level)).toEqual(['warn']);
    await expect(tm.ensureTable('x', 2)).rejects.toThrow(/has 3 partitions, expected 2; cleanup.policy/);
    await expect(tm.ensureStream('x', 2)).rejects.toThrow(TopicMismatchError);
    await tm.ensureStream('x', 3);
  });

  it('validates arguments', () => {
    const admin = new FaultyKafka().admin();
    expect(() => new TopicManager(admin, { tableReplication: 0 })).toThrow(/tableReplication/);
    expect(() => new TopicManager(admin, { streamRetentionMs: -5 })).toThrow(/streamRetentionMs/);
    return expect(new TopicManager(admin).ensureTable('t', 0)).rejects.toThrow(/positive integer partition count/);
  });
});
