/**
 * A joined table is read for the message's key from the *same partition number* as the input, so
 * a join with a different partition count would silently read the wrong keys. run() must refuse
 * such a group up front, naming the topics and counts so the operator knows what to repartition.
 */
import { GokaError } from '@goka-ts/api';
import { int64Codec, stringCodec } from '../src/codecs/codecs';
import { defineGroup } from '../src/graph/define_group';
import { silentLogger } from '../src/logger';
import { Processor } from '../src/processor/processor';
import { FaultyKafka } from './support/faulty_kafka';
import { ScriptedKafka, until } from './support/scripted_group';

const graph = () =>
  defineGroup('joiner', {
    inputs: { clicks: { codec: stringCodec, handler: (ctx) => ctx.setValue(ctx.join('users') ?? 0) } },
    persist: int64Codec,
    joins: { users: int64Codec },
  });

describe('Processor: co-partitioning of inputs and joined tables', () => {
  it('run() rejects when a joined table has a different partition count, naming both topics and counts', async () => {
    // Plain FaultyKafka: it has no group consumer, so a missing check fails fast with a different error.
    const kafka = new FaultyKafka();
    kafka.createTopic('clicks', 4);
    kafka.createTopic('users', 3, { 'cleanup.policy': 'compact' });
    const processor = new Processor(graph(), { client: kafka, logger: silentLogger });

    const error: unknown = await processor.run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GokaError);
    const message = (error as Error).message;
    expect(message).toContain('co-partitioned');
    expect(message).toContain('"clicks" has 4');
    expect(message).toContain('"users" has 3');
    expect(processor.state).toBe('failed');
    // Refused before it changed anything: no group table created, nothing left open.
    expect(kafka.topics.has('joiner-table')).toBe(false);
    expect(kafka.openResources.size).toBe(0);
  });

  it('equal partition counts pass the check and the processor runs', async () => {
    // Control case: the rejection above is about the counts, not about joins as such.
    const kafka = new ScriptedKafka();
    kafka.createTopic('clicks', 4);
    kafka.createTopic('users', 4, { 'cleanup.policy': 'compact' });
    const processor = new Processor(graph(), { client: kafka, logger: silentLogger });
    const running = processor.run();
    await until('the consumer runs', () => kafka.consumer.handler !== undefined);
    await kafka.consumer.assign([0, 1, 2, 3]);
    await processor.waitRunning();
    expect(kafka.topic('joiner-table').partitions).toHaveLength(4);
    await processor.stop();
    await running;
  });
});
