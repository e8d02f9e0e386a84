import { int64Codec, Processor, View } from '@goka-ts/core';
import { Tester } from '@goka-ts/tester';
import { MonitorServer } from '../src';
import { clicks } from './fixture';

// A value in the table that its codec (int64) cannot read: stored before the processor recovers it,
// so both the processor's table and the view hold the same bytes.
describe('a query of a value the table codec cannot decode', () => {
  const t = new Tester({ partitions: 3 });
  let server: MonitorServer;
  let base: string;

  beforeAll(async () => {
    await t.setTableValue('clicks-table', 'broken', Buffer.from('not a number'));
    await t.setTableValue('clicks-table', 'fine', '7');
    const processor = new Processor(clicks, t.processorOptions());
    await t.start(processor);
    const view = new View('clicks-table', int64Codec, t.viewOptions());
    await t.start(view);
    server = new MonitorServer().addProcessor(processor).addView(view);
    base = await server.listen();
  });
  afterAll(async () => {
    await server?.close();
    await t.close();
  });

  const query = async (source: string, key: string) => {
    const res = await fetch(`${base}/api/query?source=${source}&key=${key}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it.each(['processor:clicks', 'view:clicks-table'])('%s answers 500 naming key, table, partition, codec and cause', async (source) => {
    const partition = t.partitionOf('clicks-table', 'broken');
    const { status, body } = await query(source, 'broken');
    expect(status).toBe(500);
    expect(body.undecodable).toEqual({ table: 'clicks-table', partition, key: 'broken', codec: 'int64', cause: 'int64 codec: "not a number" is not a decimal integer' });
    expect(body.error).toMatch(new RegExp(`cannot decode the value of key "broken" \\(partition ${partition}\\) with codec "int64": int64 codec: "not a number"`));
  });

  it('answers the same way for both, apart from who read the value', async () => {
    const fromProcessor = await query('processor:clicks', 'broken');
    const fromView = await query('view:clicks-table', 'broken');
    expect(fromProcessor.body.undecodable).toEqual(fromView.body.undecodable);
    expect(fromProcessor.body.error).toMatch(/^processor "clicks": /);
    expect(fromView.body.error).toMatch(/^view of table "clicks-table": /);
  });

  it('still answers readable and missing keys', async () => {
    for (const source of ['processor:clicks', 'view:clicks-table']) {
      expect(await query(source, 'fine')).toEqual({ status: 200, body: { found: true, value: 7 } });
      expect(await query(source, 'nobody')).toEqual({ status: 200, body: { found: false } });
    }
  });
});
