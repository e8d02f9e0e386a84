/**
 * Processor.stats() is what monitoring reads: the input delay (time from a record's timestamp to
 * its processing) shows a processor falling behind, and output bytes show what it writes. Both must
 * follow the messages actually handled: the delay of the *last* processed message, and the UTF-8
 * key + value bytes of every emit (not string lengths).
 */
import { stringCodec } from '../src/codecs/codecs';
import { defineGroup } from '../src/graph/define_group';
import { silentLogger } from '../src/logger';
import { Processor } from '../src/processor/processor';
import type { Producer } from '@goka-ts/api';
import { ManualProducer } from './support/manual_producer';
import { batchOf, ScriptedKafka, until } from './support/scripted_group';

describe('Processor stats: input delay and output bytes', () => {
  it('reports delayMs from the last message timestamp and the key + value bytes of emits', async () => {
    const kafka = new ScriptedKafka();
    kafka.createTopic('in', 2);
    kafka.createTopic('out', 3);
    const graph = defineGroup('stats', {
      inputs: {
        in: {
          codec: stringCodec,
          handler: (ctx, message) => {
            ctx.emit('out', ctx.key, message);
            if (ctx.key === 'ü') ctx.emit('out', 'gone', null); // a tombstone: key bytes only
          },
        },
      },
      outputs: { out: stringCodec },
    });
    const processor = new Processor(graph, { client: kafka, logger: silentLogger, commitIntervalMs: 20 });
    const running = processor.run();
    await until('the consumer runs', () => kafka.consumer.handler !== undefined);
    await kafka.consumer.assign([0, 1]);
    await processor.waitRunning();

    // Timestamps far in the past, so the delay is clearly derived from them; the first one is much
    // older than the last, so using the wrong message shows.
    const before = Date.now();
    const firstTs = before - 600_000;
    const lastTs = before - 5_000;
    const batch = batchOf('in', 1, 7, [
      { key: 'a', value: 'hello', timestamp: firstTs },
      { key: 'ü', value: 'é€', timestamp: lastTs },
    ]);
    await kafka.consumer.handler!.onBatch({ ...batch, highWatermark: 12 });
    const after = Date.now();

    const stats = processor.stats();
    const input = stats.partitions[1].input.in;
    // Processing happened between `before` and `after`, so the delay is bounded by the clock readings.
    expect(input.delayMs).toBeGreaterThanOrEqual(before - lastTs);
    expect(input.delayMs).toBeLessThanOrEqual(after - lastTs);
    // 'a'+'hello' = 6 bytes, 'ü'+'é€' = 2 + 5 UTF-8 bytes.
    expect(input).toMatchObject({ count: 2, bytes: 13, lastOffset: 8, lag: 3 });
    // Partition 0 processed nothing: no delay to report.
    expect(stats.partitions[0].input.in).toMatchObject({ count: 0, delayMs: 0 });

    // Three emits: 6 + 7 + 'gone' (4, no value) bytes; partition 0 emitted nothing. Counted when acknowledged.
    await until('the emits are acknowledged', () => processor.stats().partitions[1].output.out?.count === 3);
    expect(processor.stats().partitions[1].output.out).toEqual({ count: 3, bytes: 17 });
    expect(processor.stats().partitions[0].output.out).toBeUndefined();

    await processor.stop();
    await running;
    // The counted bytes are those that reached the topic.
    const written = kafka.topic('out').partitions.flat();
    expect(written).toHaveLength(3);
    expect(written.reduce((n, m) => n + (m.key?.length ?? 0) + (m.value?.length ?? 0), 0)).toBe(17);
  });

  it('sends the emits of a batch of callbacks as one sendBatch and counts them once Kafka acknowledged it', async () => {
    const producer = new ManualProducer();
    const kafka = new (class extends ScriptedKafka {
      override producer(): Producer {
        return producer;
      }
    })();
    kafka.createTopic('in', 1);
    kafka.createTopic('out', 1);
    const graph = defineGroup('acked', {
      inputs: { in: { codec: stringCodec, handler: (ctx, message) => ctx.emit('out', ctx.key, message) } },
      outputs: { out: stringCodec },
    });
    const processor = new Processor(graph, { client: kafka, logger: silentLogger, commitIntervalMs: 20 });
    const running = processor.run();
    await until('the consumer runs', () => kafka.consumer.handler !== undefined);
    await kafka.consumer.assign([0]);
    await processor.waitRunning();
    await kafka.consumer.handler!.onBatch(batchOf('in', 0, 0, [{ key: 'k', value: 'v1' }, { key: 'k', value: 'v2' }]));
    await until('the emits are sent', () => producer.pending.length === 2);
    expect(producer.batches).toEqual([2]);
    expect(processor.stats().partitions[0].output.out).toEqual({ count: 0, bytes: 0 });
    producer.ack(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Half a batch acknowledged is no acknowledgement: the batch completes as one.
    expect(processor.stats().partitions[0].output.out).toEqual({ count: 0, bytes: 0 });
    producer.autoAck = true;
    producer.ack();
    await until('both emits are counted', () => processor.stats().partitions[0].output.out?.count === 2);
    expect(processor.stats().partitions[0].output.out).toEqual({ count: 2, bytes: 6 });
    await processor.stop();
    await running;
  });
});
