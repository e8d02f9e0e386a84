/**
 * ctx.delete() must write a tombstone (null value) to the group table topic, so compaction removes
 * the key and a recovering instance (or a View) no longer sees it; and every read after it, in the
 * same callback, in later messages and through Processor.get(), must see the key as gone.
 */
import { int64Codec, stringCodec } from '../src/codecs/codecs';
import { defineGroup } from '../src/graph/define_group';
import { silentLogger } from '../src/logger';
import { PartitionTable } from '../src/table/partition_table';
import { Processor } from '../src/processor/processor';
import { memoryStorage } from '@goka-ts/storage-memory';
import { batchOf, ScriptedKafka, until } from './support/scripted_group';

describe('ctx.delete()', () => {
  it('writes a tombstone to the table topic, and value() / get() return undefined afterwards', async () => {
    const kafka = new ScriptedKafka();
    kafka.createTopic('in', 1);
    const seen: { key: string; op: string; value: number | undefined }[] = [];
    const graph = defineGroup('del', {
      inputs: {
        in: {
          codec: stringCodec,
          handler: (ctx, op) => {
            if (op === 'del') ctx.delete();
            else if (op !== 'peek') ctx.setValue(Number(op));
            seen.push({ key: ctx.key, op, value: ctx.value() });
          },
        },
      },
      persist: int64Codec,
    });
    const processor = new Processor(graph, { client: kafka, logger: silentLogger, commitIntervalMs: 20 });
    const running = processor.run();
    await until('the consumer runs', () => kafka.consumer.handler !== undefined);
    await kafka.consumer.assign([0]);
    await processor.waitRunning();
    const table = () => kafka.topic('del-table').partitions[0].map((m) => ({ key: m.key?.toString(), value: m.value === null ? null : int64Codec.decode(m.value) }));

    // Written and sent first (writes of one commit interval coalesce, so the set must go out before the delete).
    await kafka.consumer.handler!.onBatch(batchOf('in', 0, 0, [{ key: 'a', value: '5' }, { key: 'b', value: '7' }]));
    await until('the set values reach the table topic', () => table().length === 2);

    await kafka.consumer.handler!.onBatch(batchOf('in', 0, 2, [{ key: 'a', value: 'del' }, { key: 'a', value: 'peek' }]));
    // Read back in the deleting callback itself and by the next message of the key.
    expect(seen.slice(2)).toEqual([
      { key: 'a', op: 'del', value: undefined },
      { key: 'a', op: 'peek', value: undefined },
    ]);
    // Processor.get sees the delete before it is acknowledged (buffered) ...
    expect(await processor.get('a')).toBeUndefined();
    expect(await processor.get('b')).toBe(7);
    await until('the tombstone reaches the table topic', () => table().length === 3);
    // ... and once it was applied to local storage (offsets commit only after that) and dropped from
    // the write buffer (pruned when the next batch starts), get() reads storage: still gone.
    await until('the input offsets are committed', () => kafka.consumer.commits.some((c) => c.some((o) => o.offset === 4)));
    await kafka.consumer.handler!.onBatch(batchOf('in', 0, 4, [{ key: 'b', value: 'peek' }]));
    expect(await processor.get('a')).toBeUndefined();
    expect(await processor.get('b')).toBe(7);

    await processor.stop();
    await running;
    expect(table()).toEqual([
      { key: 'a', value: 5 },
      { key: 'b', value: 7 },
      { key: 'a', value: null },
    ]);

    // A fresh recovery of the table topic (what a new owner does) no longer has the key.
    const recovered = new PartitionTable({ topic: 'del-table', partition: 0, client: kafka, storage: memoryStorage(), logger: silentLogger });
    await recovered.open();
    await recovered.recover();
    expect(await recovered.storage.get('a')).toBeUndefined();
    expect(await recovered.storage.get('b')).toEqual(int64Codec.encode(7));
    await recovered.close();
  });
});
