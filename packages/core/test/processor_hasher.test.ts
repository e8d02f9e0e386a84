/**
 * The `hasher` processor option is the one partitioning for emits and Processor.get(): a group run
 * with fnv1a (to share topics with Go/Goka services) must not fall back to the murmur2 default
 * anywhere, or its outputs land where other consumers do not look for them.
 */
import { StateError } from '@goka-ts/api';
import { int64Codec, stringCodec } from '../src/codecs/codecs';
import { defineGroup } from '../src/graph/define_group';
import { fnv1aHasher } from '../src/hashers/fnv1a';
import { murmur2Hasher } from '../src/hashers/murmur2';
import { silentLogger } from '../src/logger';
import { Processor } from '../src/processor/processor';
import { batchOf, ScriptedKafka, until } from './support/scripted_group';

const IN_PARTITIONS = 4;
const OUT_PARTITIONS = 8;
const candidates = Array.from({ length: 200 }, (_, i) => `user-${i}`);
const fnv = (key: string, n: number) => fnv1aHasher.partition(key, n);
const murmur = (key: string, n: number) => murmur2Hasher.partition(key, n);

async function start(kafka: ScriptedKafka, partitions: number[]) {
  const graph = defineGroup('hashed', {
    inputs: {
      in: {
        codec: stringCodec,
        handler: (ctx) => {
          ctx.setValue((ctx.value() ?? 0) + 1);
          ctx.emit('out', ctx.key, `seen ${ctx.key}`);
        },
      },
    },
    persist: int64Codec,
    outputs: { out: stringCodec },
  });
  const processor = new Processor(graph, { client: kafka, hasher: fnv1aHasher, logger: silentLogger, commitIntervalMs: 20 });
  const running = processor.run();
  await until('the consumer runs', () => kafka.consumer.handler !== undefined);
  await kafka.consumer.assign(partitions);
  await processor.waitRunning();
  return { processor, running };
}

function setupKafka(): ScriptedKafka {
  const kafka = new ScriptedKafka();
  kafka.createTopic('in', IN_PARTITIONS);
  kafka.createTopic('out', OUT_PARTITIONS);
  return kafka;
}

describe('Processor with the fnv1a hasher', () => {
  it('ctx.emit writes each key to the output partition fnv1a picks', async () => {
    // Only keys murmur2 would put elsewhere prove the option is used (not the default).
    const keys = candidates.filter((k) => fnv(k, OUT_PARTITIONS) !== murmur(k, OUT_PARTITIONS)).slice(0, 5);
    expect(keys).toHaveLength(5);

    const kafka = setupKafka();
    const { processor, running } = await start(kafka, [0, 1, 2, 3]);
    // Each input record sits in the partition an fnv1a emitter would have chosen for it.
    const offsets = new Map<number, number>();
    for (const key of keys) {
      const p = fnv(key, IN_PARTITIONS);
      const first = offsets.get(p) ?? 0;
      offsets.set(p, first + 1);
      await kafka.consumer.handler!.onBatch(batchOf('in', p, first, [{ key, value: 'x' }]));
    }
    // A graceful stop waits for every emit to be acknowledged.
    await processor.stop();
    await running;

    const out = kafka.topic('out').partitions;
    for (const key of keys) {
      const where = out.flatMap((log, partition) => log.filter((m) => m.key?.toString() === key).map(() => partition));
      expect({ key, where }).toEqual({ key, where: [fnv(key, OUT_PARTITIONS)] });
    }
    expect(out.flat()).toHaveLength(keys.length);
  });

  it('processor.get routes keys to owned partitions by fnv1a, not murmur2', async () => {
    // `owned` is the only assigned partition. `mine` belongs to it under fnv1a only; `other`
    // belongs to it under murmur2 only: a murmur2 router would get both answers wrong.
    const mine = candidates.find((k) => fnv(k, IN_PARTITIONS) !== murmur(k, IN_PARTITIONS))!;
    const owned = fnv(mine, IN_PARTITIONS);
    const other = candidates.find((k) => murmur(k, IN_PARTITIONS) === owned && fnv(k, IN_PARTITIONS) !== owned)!;
    expect(mine).toBeDefined();
    expect(other).toBeDefined();

    const kafka = setupKafka();
    const { processor, running } = await start(kafka, [owned]);
    await kafka.consumer.handler!.onBatch(batchOf('in', owned, 0, [{ key: mine, value: 'x' }, { key: mine, value: 'x' }]));

    expect(await processor.get(mine)).toBe(2);
    const rejected = processor.get(other);
    await expect(rejected).rejects.toBeInstanceOf(StateError);
    await expect(rejected).rejects.toThrow(`belongs to partition ${fnv(other, IN_PARTITIONS)}, which this instance does not own (owned: ${owned})`);

    await processor.stop();
    await running;
    // The table write stays in the input's partition (the hasher only decides emits and reads).
    expect(kafka.topic('hashed-table').partitions[owned].map((m) => m.key?.toString())).toEqual([mine]);
  });
});
