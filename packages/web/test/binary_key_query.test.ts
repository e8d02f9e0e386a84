import { binaryKeys, defineGroup, int64Codec, Processor, stringCodec, View } from '@goka-ts/core';
import { Tester } from '@goka-ts/tester';
import { MonitorServer } from '../src';

const counting = defineGroup('binary-counts', {
  keys: binaryKeys,
  inputs: { hits: { codec: stringCodec, handler: (ctx) => ctx.setValue((ctx.value() ?? 0) + 1) } },
  persist: int64Codec,
});

// Keys that are not UTF-8 (ff fe and ff fd once merged into one) are asked for by their bytes in hex.
describe('a query by the key bytes (keyHex)', () => {
  const t = new Tester({ partitions: 3, keys: binaryKeys });
  let server: MonitorServer;
  let base: string;

  beforeAll(async () => {
    const processor = new Processor(counting, t.processorOptions());
    await t.start(processor);
    for (const hex of ['fffe', 'fffd', 'fffe', '706c61696e']) await t.feed('hits', Buffer.from(hex, 'hex').toString('latin1'), 'x');
    const binaryView = View.of(counting, t.viewOptions());
    await t.start(binaryView);
    const textView = new View('binary-counts-table', int64Codec, t.viewOptions({ keys: undefined, onError: 'skip' as const }));
    await t.start(textView);
    server = new MonitorServer().addProcessor(processor).addView(binaryView);
    base = await server.listen();
    textServer = new MonitorServer().addView(textView);
    textBase = await textServer.listen();
  });
  let textServer: MonitorServer;
  let textBase: string;
  afterAll(async () => {
    await server?.close();
    await textServer?.close();
    await t.close();
  });

  const query = async (at: string, source: string, params: string) => {
    const res = await fetch(`${at}/api/query?source=${source}&${params}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it.each(['processor:binary-counts', 'view:binary-counts-table'])('%s finds each key by its bytes, apart from the other', async (source) => {
    expect(await query(base, source, 'keyHex=fffe')).toEqual({ status: 200, body: { found: true, value: 2 } });
    expect(await query(base, source, 'keyHex=FFFD')).toEqual({ status: 200, body: { found: true, value: 1 } });
    expect(await query(base, source, 'keyHex=fffc')).toEqual({ status: 200, body: { found: false } });
    expect(await query(base, source, 'keyHex=efbfbdefbfbd')).toEqual({ status: 200, body: { found: false } });
    // Text still works for keys that are text.
    expect(await query(base, source, 'key=plain')).toEqual({ status: 200, body: { found: true, value: 1 } });
  });

  it.each([
    ['keyHex=fff', /must be hex digits/],
    ['keyHex=zz', /must be hex digits/],
    ['keyHex=fffe&key=x', /give the key once/],
    ['key=%E2%82%AC', /cannot be written with the table's key codec "binary": .*char above/],
    ['', /missing query parameter "key"/],
  ])('answers 400 for %s', async (params, error) => {
    const { status, body } = await query(base, 'view:binary-counts-table', params);
    expect(status).toBe(400);
    expect(body.error).toMatch(error);
  });

  it('a view with UTF-8 keys refuses bytes that are not UTF-8 with a 400 instead of looking up U+FFFD', async () => {
    const { status, body } = await query(textBase, 'view:binary-counts-table', 'keyHex=fffe');
    expect(status).toBe(400);
    expect(body.error).toMatch(/key fffe cannot be read with the table's key codec "utf8": key is not valid UTF-8/);
    expect(await query(textBase, 'view:binary-counts-table', `keyHex=${Buffer.from('plain').toString('hex')}`)).toEqual({ status: 200, body: { found: true, value: 1 } });
  });
});
