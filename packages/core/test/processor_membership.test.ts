/**
 * The processor publishes table writes only while a commit proves it still is the group member that
 * owns the partitions, and drops the unsent writes of partitions it lost: a member that resumes after
 * its session expired must not overwrite its successor's newer table values with stale ones.
 */
import { sleep } from '@goka-ts/conformance';
import { GokaError, type GroupConsumer, type KafkaMessage, type Producer, type TopicPartitionOffset } from '@goka-ts/api';
import { int64Codec, stringCodec } from '../src/codecs/codecs';
import { defineGroup } from '../src/graph/define_group';
import { Processor } from '../src/processor/processor';
import { FaultyKafka } from './support/faulty_kafka';
import { recordingLogger } from './support/recording_logger';
import { ManualProducer } from './support/manual_producer';
import { ScriptedConsumer, until } from './support/scripted_group';

/** The scripted group consumer whose commits can also be rejected, left unanswered or answered late. */
class MembershipConsumer extends ScriptedConsumer {
  rejectedCommits = 0;
  /** Commits fail as they do for a member the coordinator no longer knows. */
  rejectCommits = false;
  /** Commits never settle, as with a client that queues them while the coordinator is unreachable. */
  hangCommits = false;
  /** Commits are accepted but answered this late, as a process paused with a commit in flight reads them. */
  answerDelayMs = 0;

  override async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (this.hangCommits) return new Promise<void>(() => undefined);
    if (this.answerDelayMs > 0) await sleep(this.answerDelayMs);
    if (this.rejectCommits) {
      this.rejectedCommits++;
      throw new GokaError('commit failed: The coordinator is not aware of this member');
    }
    return super.commit(offsets);
  }
}

class MembershipKafka extends FaultyKafka {
  readonly consumer = new MembershipConsumer();
  /** When set, the processor's producer: acknowledgements are handed out by the test. */
  manual: ManualProducer | undefined;
  override groupConsumer(): GroupConsumer {
    return this.consumer;
  }
  override producer(): Producer {
    return this.manual ?? super.producer();
  }
}

function batch(keys: string[], first: number): { topic: string; partition: number; messages: KafkaMessage[]; highWatermark: number } {
  const messages = keys.map((key, i) => ({ topic: 'in', partition: 0, offset: first + i, key: Buffer.from(key), value: Buffer.from('x'), headers: {}, timestamp: 0 }));
  return { topic: 'in', partition: 0, messages, highWatermark: first + keys.length };
}

async function setup(sessionTimeoutMs?: number, manual?: ManualProducer) {
  const kafka = new MembershipKafka();
  kafka.manual = manual;
  kafka.createTopic('in', 1);
  const graph = defineGroup('count', {
    inputs: { in: { codec: stringCodec, handler: (ctx) => ctx.setValue((ctx.value() ?? 0) + 1) } },
    persist: int64Codec,
  });
  const logger = recordingLogger();
  const processor = new Processor(graph, { client: kafka, commitIntervalMs: 20, logger, consumer: { sessionTimeoutMs } });
  const running = processor.run();
  await until('the consumer runs', () => kafka.consumer.handler !== undefined);
  await kafka.consumer.assign([0]);
  const table = () => kafka.topic('count-table').partitions[0].map((m) => `${m.key}=${m.value}`);
  const lastCommit = () => kafka.consumer.commits.at(-1)?.find((o) => o.topic === 'in')?.offset;
  return { kafka, processor, running, table, lastCommit, logger };
}

describe('Processor: table writes need proven group membership', () => {
  it('holds table writes back while commits are rejected and sends them after the next successful commit', async () => {
    const { kafka, processor, running, table, lastCommit, logger } = await setup();
    kafka.consumer.rejectCommits = true;
    await kafka.consumer.handler!.onBatch(batch(['a', 'a', 'b'], 0));
    await until('a few rejected commits', () => kafka.consumer.rejectedCommits >= 3);
    expect(table()).toEqual([]);
    expect(logger.lines.some((l) => l.message.startsWith('table writes held back'))).toBe(true);

    kafka.consumer.rejectCommits = false;
    await until('the writes are sent and their offsets committed', () => lastCommit() === 3);
    expect(table()).toEqual(['a=2', 'b=1']);
    await processor.stop();
    await running;
  });

  it('drops the unsent writes of partitions lost to another member and commits nothing for them', async () => {
    const { kafka, processor, running, table, lastCommit, logger } = await setup();
    await kafka.consumer.handler!.onBatch(batch(['a', 'a'], 0));
    await until('the first writes committed', () => lastCommit() === 2);
    expect(table()).toEqual(['a=2']);

    // The session expired meanwhile: the coordinator rejects this member's commits.
    kafka.consumer.rejectCommits = true;
    await kafka.consumer.handler!.onBatch(batch(['a', 'a', 'a'], 2));
    await sleep(60);
    await kafka.consumer.revoke();
    expect(logger.lines.some((l) => l.message.startsWith('partitions were lost'))).toBe(true);

    // Reassigned (the consumer rejoined): nothing stale was written, nothing was committed, and the
    // table partition continues from what Kafka holds.
    kafka.consumer.rejectCommits = false;
    await sleep(60);
    expect(table()).toEqual(['a=2']);
    expect(lastCommit()).toBe(2);
    await kafka.consumer.assign([0]);
    await kafka.consumer.handler!.onBatch(batch(['a', 'a', 'a'], 2));
    await until('the reprocessed messages committed', () => lastCommit() === 5);
    expect(table()).toEqual(['a=2', 'a=5']);
    await processor.stop();
    await running;
  });

  it('a revocation whose commit gets no answer within the session timeout counts the partitions as lost instead of hanging', async () => {
    const { kafka, processor, running, table, lastCommit, logger } = await setup(150);
    await kafka.consumer.handler!.onBatch(batch(['a'], 0));
    await until('the first write committed', () => lastCommit() === 1);
    kafka.consumer.hangCommits = true;
    await kafka.consumer.handler!.onBatch(batch(['a', 'a'], 1));
    const started = Date.now();
    await kafka.consumer.revoke();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(logger.lines.some((l) => l.message.startsWith('partitions were lost'))).toBe(true);
    expect(table()).toEqual(['a=1']);
    kafka.consumer.hangCommits = false;
    await processor.stop();
    await running;
  });

  it('a lost partition does not wait for its table writes in flight, and neither applies nor reports them later', async () => {
    const producer = new ManualProducer();
    const { kafka, processor, running, lastCommit, logger } = await setup(undefined, producer);
    await kafka.consumer.handler!.onBatch(batch(['a', 'b'], 0));
    await until('the writes are sent (after a successful commit)', () => producer.pending.length === 2);
    kafka.consumer.rejectCommits = true;
    // The broker never answers these writes while the partition is revoked: the revocation must not wait for them.
    await kafka.consumer.revoke();
    expect(logger.lines.some((l) => l.message.startsWith('partitions were lost'))).toBe(true);
    producer.fail(new GokaError('Local: Message timed out'));
    await sleep(60);
    expect(processor.state).toBe('running');
    expect(lastCommit()).toBe(0); // only the membership check before the writes went out: nothing of them committed
    kafka.consumer.rejectCommits = false;
    producer.autoAck = true;
    producer.ack();
    await processor.stop();
    await running;
  });

  it('a revocation of a partition it still owns flushes and commits everything', async () => {
    const { kafka, processor, running, table, lastCommit } = await setup();
    await kafka.consumer.handler!.onBatch(batch(['a', 'b', 'a'], 0));
    await kafka.consumer.revoke();
    expect(table()).toEqual(['a=2', 'b=1']);
    expect(lastCommit()).toBe(3);
    await processor.stop();
    await running;
  });

  it('a commit answered after half the session timeout proves nothing: the writes wait for a timely one', async () => {
    const { kafka, processor, running, table, lastCommit, logger } = await setup(400);
    await kafka.consumer.handler!.onBatch(batch(['a'], 0));
    await until('the first write committed', () => lastCommit() === 1);
    // Accepted by the coordinator, but read 250 ms later (a paused process): its successor may own the partition by now.
    kafka.consumer.answerDelayMs = 250;
    await kafka.consumer.handler!.onBatch(batch(['a', 'a'], 1));
    await until('a late answer', () => logger.lines.some((l) => l.message.startsWith('a commit was answered too late')));
    expect(table()).toEqual(['a=1']);
    kafka.consumer.answerDelayMs = 0;
    await until('the writes are sent after a timely commit', () => lastCommit() === 3);
    expect(table()).toEqual(['a=1', 'a=3']);
    await processor.stop();
    await running;
  });

  it('writes that could not leave the process within the lease are kept and sent after the next proof', async () => {
    const producer = new ManualProducer();
    const { kafka, processor, running, lastCommit, logger } = await setup(200, producer);
    await kafka.consumer.handler!.onBatch(batch(['a', 'b'], 0));
    await until('the writes are handed to the producer', () => producer.pending.length === 2);
    const leaseEnd = producer.pending[0].record.notAfter!;
    expect(leaseEnd).toBeLessThanOrEqual(performance.now() + 100);
    // The process was paused with the records still queued: by the time they would go out, the lease is over.
    await sleep(Math.max(0, leaseEnd - performance.now()) + 20);
    producer.leave();
    expect(producer.pending).toHaveLength(0);
    expect(processor.state).toBe('running');
    await until('the operator is told', () => logger.lines.some((l) => l.message.startsWith('table writes missed the membership lease')));
    await until('the writes are sent again under a new lease', () => producer.pending.length === 2);
    expect(producer.pending[0].record.notAfter!).toBeGreaterThan(leaseEnd);
    expect(lastCommit()).toBe(0); // only position commits so far
    producer.autoAck = true;
    producer.ack();
    await until('their offsets committed', () => lastCommit() === 2);
    expect(producer.acked.map((r) => `${r.record.key}=${r.record.value}`)).toEqual(['a=1', 'b=1']);
    await processor.stop();
    await running;
  });
});
