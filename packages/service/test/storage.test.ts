import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { defineGroup, int64Codec, stringCodec, TopicManager } from '@goka-ts/core';
import { redisStorage } from '@goka-ts/storage-redis';
import { redisPrefix, Service } from '../src';

// The storage flags on the embedded Kafka: each instance and component its own LevelDB directory, LRU on top, Redis.
const counter = (name: string) =>
  defineGroup(name, { inputs: { [`${name}-in`]: { codec: stringCodec, handler: (ctx) => ctx.setValue((ctx.value() ?? 0) + 1) } }, persist: int64Codec });

async function countOnce(service: Service, name: string): Promise<number | undefined> {
  const graph = counter(name);
  const manager = await TopicManager.connect(service.client);
  await manager.ensureStream(`${name}-in`, 2);
  await manager.close();
  service.processor(graph, { startFrom: 'oldest' });
  const view = service.viewOf(graph);
  const emitter = service.emitter(`${name}-in`, stringCodec);
  await service.start();
  try {
    await emitter.emitSync('k', 'x');
    for (let i = 0; i < 200 && (await view.get('k')) === undefined; i++) await new Promise((r) => setTimeout(r, 20));
    return view.get('k');
  } finally {
    await service.stop();
  }
}

describe('storage flags', () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'goka-service-'))));
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('keeps LevelDB tables under <storage-path>/<service>-<instance>, behind an LRU cache', async () => {
    const args = ['--storage', 'leveldb', '--storage-path', dir, '--lru-size', '100', '--heartbeat-interval', '0'];
    const a = await Service.create({ argv: [...args, '--instance', 'a'], env: {}, defaults: { service: 'lvl' } });
    const b = await Service.create({ argv: [...args, '--instance', 'b'], env: {}, defaults: { service: 'lvl' } });
    expect(await countOnce(a, 'lvl-a')).toBe(1);
    expect(await countOnce(b, 'lvl-b')).toBe(1);
    expect((await readdir(dir)).sort()).toEqual(['lvl-a', 'lvl-b']);
    expect((await readdir(path.join(dir, 'lvl-a'))).sort()).toEqual(['processor-lvl-a', 'view-lvl-a-table']);
    expect(await readdir(path.join(dir, 'lvl-a', 'processor-lvl-a'))).toContain('lvl-a-table.0');
  });

  it('keeps tables in Redis: a processor under the prefix its service\'s instances share, a view under its instance\'s own', async () => {
    const url = process.env.REDIS_URL;
    if (!url) throw new Error('REDIS_URL is not set (REDIS_URL=redis://127.0.0.1:6379)');
    const instance = `r${Date.now()}`;
    const group = `red-${Date.now()}`;
    const service = await Service.create({ argv: ['--storage', 'redis', '--redis-url', url, '--heartbeat-interval', '0', '--instance', instance], env: {}, defaults: { service: 'red' } });
    expect(await countOnce(service, group)).toBe(1);

    const stored = async (prefix: string) => {
      const found: number[] = [];
      for (const partition of [0, 1]) {
        const storage = await redisStorage({ url, prefix })(`${group}-table`, partition);
        await storage.open();
        try {
          const value = await storage.get('k');
          if (value) found.push(int64Codec.decode(value));
        } finally {
          await storage.close();
        }
      }
      return found;
    };
    expect(redisPrefix({ service: 'red', instance }, `processor-${group}`)).toBe(`goka:red:processor-${group}`);
    expect(redisPrefix({ service: 'red', instance: 'another' }, `processor-${group}`)).toBe(`goka:red:processor-${group}`);
    expect(redisPrefix({ service: 'red', instance }, `view-${group}-table`)).toBe(`goka:red-${instance}:view-${group}-table`);
    expect(await stored(`goka:red:processor-${group}`)).toEqual([1]);
    expect(await stored(`goka:red-${instance}:view-${group}-table`)).toEqual([1]);
    expect(await stored(`goka:red-${instance}:processor-${group}`)).toEqual([]);
  });
});
