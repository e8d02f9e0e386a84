// Compile-time tests of the graph's table typing and View.of: `pnpm typecheck` (tsc over src and
// test) fails on a misuse that compiles or a correct use that does not; jest runs the rest.
import { defineGroup, int64Codec, jsonCodec, murmur2Hasher, stringCodec, View, type GroupGraph } from '../src';
import { FaultyKafka } from './support/faulty_kafka';

const counter = defineGroup('counter', {
  inputs: { clicks: { codec: stringCodec, handler: (ctx) => ctx.setValue((ctx.value() ?? 0) + 1) } },
  persist: int64Codec,
});
const stateless = defineGroup('forwarder', {
  inputs: { words: { codec: stringCodec, handler: (ctx, word) => ctx.emit('echo', ctx.key, word) } },
  outputs: { echo: stringCodec },
});

describe('graph table types', () => {
  it('types tableTopic and tableCodec as present exactly when persist is given', () => {
    const topic: string = counter.tableTopic;
    const codecName: string = counter.tableCodec.name;
    const none: undefined = stateless.tableTopic;
    // @ts-expect-error a graph without persist has no table topic
    const wrong: string = stateless.tableTopic;
    expect([topic, codecName, none, wrong]).toEqual(['counter-table', 'int64', undefined, undefined]);
  });

  it('leaves the table of a graph whose table type is unknown optional', () => {
    const tableOf = (graph: GroupGraph): string => {
      // @ts-expect-error an untyped graph may have no table
      const unsure: string = graph.tableTopic;
      return unsure ?? 'none';
    };
    expect(tableOf(stateless as unknown as GroupGraph)).toBe('none');
  });

  it('View.of builds a view of the graph table, typed and decoded by its persist codec', async () => {
    const kafka = new FaultyKafka();
    kafka.createTopic('counter-table', 2, { 'cleanup.policy': 'compact' });
    kafka.append('counter-table', murmur2Hasher.partition('alice', 2), 'alice', '3');
    const view = View.of(counter, { client: kafka });
    const running = view.run();
    await view.waitRunning();
    const count: number | undefined = await view.get('alice');
    // @ts-expect-error the table holds numbers
    const text: string | undefined = await view.get('alice');
    expect([view.table, count, text]).toEqual(['counter-table', 3, 3]);
    await view.stop();
    await running;
  });

  it('View.of refuses a graph without a table, at compile time and at run time', () => {
    const kafka = new FaultyKafka();
    // @ts-expect-error a graph without persist has no table to view
    expect(() => View.of(stateless, { client: kafka })).toThrow('group "forwarder" has no table: View.of needs a graph with `persist`');
    const json = defineGroup('profiles', { inputs: { names: { codec: stringCodec, handler: (ctx, name) => ctx.setValue({ name }) } }, persist: jsonCodec<{ name: string }>() });
    const profiles: View<{ name: string }> = View.of(json, { client: kafka });
    // @ts-expect-error the view's values are profiles, not numbers
    const numbers: View<number> = View.of(json, { client: kafka });
    expect([profiles.table, numbers.table]).toEqual(['profiles-table', 'profiles-table']);
  });
});
