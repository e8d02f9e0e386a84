import { defineGroup, int64Codec, Processor, stringCodec, View } from '@goka-ts/core';
import { Tester } from '@goka-ts/tester';
import { MonitorServer, type MonitorServerOptions } from '../src';

/** The token of the monitors the tests start. */
export const TOKEN = 'test-token-0123456789abcdef';

/** Counts clicks per user. */
export const clicks = defineGroup('clicks', {
  inputs: { clicks: { codec: stringCodec, handler: (ctx) => ctx.setValue((ctx.value() ?? 0) + 1) } },
  persist: int64Codec,
});

/** A running processor and view on the Tester, some clicks, and a monitor serving both. */
export async function startMonitored(actions: (server: MonitorServer) => void = () => undefined, options: MonitorServerOptions = { token: TOKEN }) {
  const t = new Tester({ partitions: 3 });
  const processor = new Processor(clicks, t.processorOptions());
  await t.start(processor);
  const view = new View('clicks-table', int64Codec, t.viewOptions());
  await t.start(view);
  for (const [user, n] of [['ann', 3], ['ben', 1]] as const) for (let i = 0; i < n; i++) await t.feed('clicks', user, '/home');
  const server = new MonitorServer({ title: 'test monitor', ...options }).addProcessor(processor).addView(view);
  actions(server);
  const base = await server.listen();
  return {
    t,
    processor,
    view,
    server,
    base,
    async close() {
      await server.close();
      await t.close();
    },
  };
}
