import { MessageError, type Codec } from '@goka-ts/api';
import { defineGroup, Processor, stringCodec } from '@goka-ts/core';
import type { ProcessorOptions } from '@goka-ts/core';
import { memoryStorage } from '@goka-ts/storage-memory';
import { clients, fastConsumer, start, stopStarted, TestCluster, testLogger, uniqueName, waitFor } from '@goka-ts/test-support';

describe.each(clients)('Processor: failures (%s)', (factory) => {
  let cluster: TestCluster;
  beforeAll(() => {
    cluster = new TestCluster(factory);
  });
  afterEach(() => stopStarted());
  afterAll(() => cluster.close());

  const options = (): ProcessorOptions => ({
    client: cluster.client,
    storage: memoryStorage(),
    startFrom: 'oldest',
    consumer: fastConsumer,
    commitIntervalMs: 200,
    logger: testLogger,
  });

  it('stops on ctx.fail with a MessageError, commits nothing from the failed message on, and processes it after a fix', async () => {
    const input = await cluster.createTopic(uniqueName('fail-in'), 1);
    const group = uniqueName('fail');
    cluster.ownGroup(group);
    let broken = true;
    const seen: string[] = [];
    const graph = defineGroup(group, {
      inputs: {
        [input]: {
          codec: stringCodec,
          handler: (ctx, msg) => {
            if (broken && msg === 'poison') ctx.fail(new Error('poison pill'));
            seen.push(msg);
            ctx.setValue(msg);
          },
        },
      },
      persist: stringCodec,
    });
    await cluster.produce(input, ['a', 'b', 'poison', 'c', 'd'].map((value) => ({ key: 'k', value })));

    const processor = new Processor(graph, options());
    const error = await processor.run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MessageError);
    expect((error as Error).message).toBe(`group "${group}", topic "${input}", partition 0, offset 2: ctx.fail: poison pill`);
    expect(((error as Error).cause as Error).message).toBe('poison pill');
    expect(processor.state).toBe('failed');
    expect(seen).toEqual(['a', 'b']);
    expect(await cluster.committed(group, input)).toEqual([{ topic: input, partition: 0, offset: 2 }]);

    // Fixed: the same processor runs again and continues with the failed message.
    broken = false;
    const again = start(processor);
    await waitFor('the rest committed', async () => (await cluster.committed(group, input))[0].offset === 5);
    expect(seen).toEqual(['a', 'b', 'poison', 'c', 'd']);
    expect(await processor.get('k')).toBe('d');
    await again.stop();
    expect(await again.outcome).toEqual({});
    expect(processor.state).toBe('stopped');
  });

  it('fails on an undecodable message instead of skipping it, and processes it once the codec is fixed', async () => {
    const input = await cluster.createTopic(uniqueName('decode-in'), 1);
    const group = uniqueName('decode');
    cluster.ownGroup(group);
    await cluster.produce(input, ['1', 'two', '3'].map((value) => ({ key: 'k', value })));
    const strict: Codec<number> = {
      name: 'digits',
      encode: (n) => Buffer.from(String(n)),
      decode: (b) => {
        if (!/^\d+$/.test(b.toString())) throw new Error(`not digits: ${b.toString()}`);
        return Number(b.toString());
      },
    };
    const seen: number[] = [];
    const graph = (codec: Codec<number>) =>
      defineGroup(group, { inputs: { [input]: { codec, handler: (_ctx, n) => void seen.push(n) } } });

    const failing = start(new Processor(graph(strict), options()));
    const { error } = await failing.outcome;
    expect(error).toBeInstanceOf(MessageError);
    expect((error as Error).message).toBe(`group "${group}", topic "${input}", partition 0, offset 1: cannot decode the message with codec "digits": not digits: two`);
    expect(seen).toEqual([1]);
    expect((await cluster.committed(group, input))[0].offset).toBe(1);

    const lenient: Codec<number> = { ...strict, name: 'words', decode: (b) => (b.toString() === 'two' ? 2 : strict.decode(b)) };
    const fixed = start(new Processor(graph(lenient), options()));
    await waitFor('the rest committed', async () => (await cluster.committed(group, input))[0].offset === 3);
    expect(seen).toEqual([1, 2, 3]);
    await fixed.stop();
  });

  it('fails with a clear error when a callback writes a value its table codec cannot encode', async () => {
    const input = await cluster.createTopic(uniqueName('encode-in'), 1);
    const group = uniqueName('encode');
    cluster.ownGroup(group);
    const graph = defineGroup(group, {
      inputs: { [input]: { codec: stringCodec, handler: (ctx) => ctx.setValue(42 as unknown as string) } },
      persist: stringCodec,
    });
    await cluster.produce(input, [{ key: 'k', value: 'x' }]);
    const { error } = await start(new Processor(graph, options())).outcome;
    expect((error as Error).message).toBe(
      `group "${group}", topic "${input}", partition 0, offset 0: ctx.setValue(): cannot encode the value with codec "string" of table "${group}-table": string codec: expected a string, got 42`,
    );
    expect(await cluster.committed(group, input)).toEqual([{ topic: input, partition: 0, offset: -1 }]);
  });
});
