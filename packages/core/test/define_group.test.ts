import type { Codec } from '@goka-ts/api';
import { defineGroup, GraphError } from '../src';

// Minimal codecs so this file depends on nothing but the graph.
const str: Codec<string> = { name: 'string', encode: (v) => Buffer.from(v), decode: (b) => b.toString() };
const num: Codec<number> = { name: 'int', encode: (v) => Buffer.from(String(v)), decode: (b) => Number(b.toString()) };
const json = <T>(): Codec<T> => ({ name: 'json', encode: (v) => Buffer.from(JSON.stringify(v)), decode: (b) => JSON.parse(b.toString()) as T });

interface Click { user: string; n: number }
const noop = () => undefined;

describe('defineGroup', () => {
  it('derives table and loop topics and lists every input', () => {
    const g = defineGroup('clicks', {
      inputs: { 'user-clicks': { codec: json<Click>(), handler: noop } },
      streams: { both: { topics: ['a', 'b'], codec: str, handler: noop } },
      persist: num,
      loop: { codec: str, handler: noop },
      outputs: { alerts: str },
    });
    expect(g.tableTopic).toBe('clicks-table');
    expect(g.loopTopic).toBe('clicks-loop');
    expect(g.inputs.map((i) => `${i.kind}:${i.topic}`)).toEqual(['input:user-clicks', 'input:a', 'input:b', 'loop:clicks-loop']);
    expect([...g.outputs.keys()]).toEqual(['alerts']);
  });

  it('takes custom suffixes', () => {
    const g = defineGroup('g', { inputs: { i: { codec: str, handler: noop } }, persist: str, loop: { codec: str, handler: noop } }, { suffixes: { table: '.state', loop: '.self' } });
    expect([g.tableTopic, g.loopTopic]).toEqual(['g.state', 'g.self']);
  });

  it.each([
    ['no input', () => defineGroup('g', { persist: str }), /at least one input/],
    ['input on own table', () => defineGroup('g', { inputs: { 'g-table': { codec: str, handler: noop } } }), /own table topic; use persist/],
    ['join on own table', () => defineGroup('g', { inputs: { i: { codec: str, handler: noop } }, joins: { 'g-table': str } }), /own table or loop topic/],
    ['output on own loop', () => defineGroup('g', { inputs: { i: { codec: str, handler: noop } }, outputs: { 'g-loop': str } }), /own table or loop topic/],
    ['visitor without persist', () => defineGroup('g', { inputs: { i: { codec: str, handler: noop } }, visitors: { v: noop } }), /visitor "v" needs a group table: add `persist`/],
    ['topic twice', () => defineGroup('g', { inputs: { a: { codec: str, handler: noop } }, streams: { s: { topics: ['a'], codec: str, handler: noop } } }), /consumed twice/],
    ['input is also a join', () => defineGroup('g', { inputs: { a: { codec: str, handler: noop } }, joins: { a: str } }), /both an input and a join/],
    ['joined and looked up', () => defineGroup('g', { inputs: { a: { codec: str, handler: noop } }, joins: { t: str }, lookups: { t: str } }), /both joined and looked up/],
    ['bad topic name', () => defineGroup('g', { inputs: { 'a b': { codec: str, handler: noop } } }), /not a valid Kafka topic name/],
    ['bad group name', () => defineGroup('', { inputs: { a: { codec: str, handler: noop } } }), /group name must be non-empty/],
  ])('rejects %s with a message that says how to fix it', (_name, build, message) => {
    expect(build).toThrow(GraphError);
    expect(build).toThrow(message);
  });

  it('types callbacks from the codecs (checked by tsc on this file)', () => {
    const g = defineGroup('typed', {
      inputs: {
        'user-clicks': {
          codec: json<Click>(),
          handler: async (ctx, click) => {
            const n: number = click.n;
            ctx.setValue((ctx.value() ?? 0) + n);
            ctx.emit('alerts', click.user, 'many clicks');
            // @ts-expect-error the alerts codec takes strings
            ctx.emit('alerts', click.user, 3);
            // @ts-expect-error undeclared output topic
            ctx.emit('nope', click.user, 'x');
            // @ts-expect-error the table codec takes numbers
            ctx.setValue('s');
            const user: string | undefined = ctx.join('users');
            // @ts-expect-error joined values are strings
            const wrong: number | undefined = ctx.join('users');
            const tr: { lang: string } | undefined = await ctx.lookup('translations', 'de');
            ctx.loopback(click.user, { again: true });
            // @ts-expect-error loop codec takes { again: boolean }
            ctx.loopback(click.user, 'x');
            void [user, wrong, tr];
          },
        },
      },
      persist: num,
      outputs: { alerts: str },
      joins: { users: str },
      lookups: { translations: json<{ lang: string }>() },
      loop: { codec: json<{ again: boolean }>(), handler: (ctx, m) => { const again: boolean = m.again; void again; } },
    });
    const stateless = defineGroup('stateless', {
      inputs: { i: { codec: str, handler: (ctx) => {
        // @ts-expect-error no persist: there is no table to write
        ctx.setValue('x');
      } } },
    });
    expect(g.group).toBe('typed');
    expect(stateless.tableTopic).toBeUndefined();
  });
});
