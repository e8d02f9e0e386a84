import net from 'node:net';
import { createClient } from 'redis';
import { StorageError } from '@goka-ts/api';
import type { Storage } from '@goka-ts/api';
import { redisStorage } from '../src';
import { deleteKeys, redisUrl, testPrefix } from './redis_env';
import { TestRedisServer, freePort } from './redis_server';

const buf = (s: string): Buffer => Buffer.from(s);
const url = redisUrl();
const prefix = testPrefix('redis');
const opened: Storage[] = [];

async function open(storage: Storage | Promise<Storage>): Promise<Storage> {
  const s = await storage;
  opened.push(s);
  await s.open();
  return s;
}

/** Runs `attempt`, expects a StorageError matching `message` within `withinMs`. */
async function expectFailure(attempt: () => Promise<unknown>, message: RegExp, withinMs: number): Promise<StorageError> {
  const start = Date.now();
  const err = await attempt().then(() => undefined, (e: unknown) => e);
  const took = Date.now() - start;
  if (!(err instanceof StorageError)) throw new Error(`expected a StorageError, got ${String(err)}`);
  expect(err.message).toMatch(message);
  expect(took).toBeLessThan(withinMs);
  return err;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

afterAll(() => deleteKeys(url, prefix));

describe('unreachable Redis', () => {
  it('fails open at once when nothing listens', async () => {
    const build = redisStorage({ url: 'redis://127.0.0.1:1', prefix });
    await expectFailure(() => open(build('t', 0)), /cannot connect to Redis at redis:\/\/127\.0\.0\.1:1/, 2000);
    // The next attempt tries again, and fails the same way.
    await expectFailure(() => open(build('t', 1)), /cannot connect/, 2000);
  });

  it('fails open within the connect timeout when the server never answers', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const build = redisStorage({ url: `redis://127.0.0.1:${port}`, prefix, connectTimeoutMs: 500 });
      await expectFailure(() => open(build('t', 0)), /cannot connect.*no answer within 500 ms/, 2000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('Redis of our own, lost while in use', () => {
  let server: TestRedisServer;

  beforeEach(async () => {
    server = new TestRedisServer(await freePort());
    await server.start();
  });

  afterEach(async () => {
    server.pause(false);
    await server.kill();
  });

  it('fails operations clearly within seconds when Redis dies, and reconnects a new client later', async () => {
    const build = redisStorage({ url: server.url, prefix, reconnectAttempts: 2 });
    const s = await open(build('t', 0));
    await s.set('k', buf('v'));
    const inFlight = s.writeBatch(Array.from({ length: 2000 }, (_, i) => ({ type: 'put' as const, key: `k${i}`, value: Buffer.alloc(100) })), 1);
    const inFlightResult = inFlight.then(() => undefined, (e: unknown) => e);
    await server.kill();
    const err = await inFlightResult;
    // The batch may have been answered just before the kill; if not, it failed clearly.
    if (err !== undefined) expect(err).toBeInstanceOf(StorageError);
    const lost = /unreachable or the connection was lost/;
    await expectFailure(() => s.get('k'), lost, 3000);
    await expectFailure(() => s.set('k', buf('w')), lost, 3000);
    await expectFailure(() => s.writeBatch([{ type: 'del', key: 'k' }], 2), lost, 3000);
    await expectFailure(() => s.getOffset(0), lost, 3000);
    await expectFailure(async () => {
      for await (const entry of s.iterator()) void entry;
    }, lost, 3000);
    // After the client gave up reconnecting (2 attempts), commands still fail at once.
    await new Promise((r) => setTimeout(r, 800));
    await expectFailure(() => s.has('k'), lost, 1000);
    await s.close();

    await server.start();
    const again = await open(build('t', 0));
    await again.set('k', buf('back'));
    expect(await again.get('k')).toEqual(buf('back'));
  });

  it('fails commands and batches within the command timeout when Redis stops answering', async () => {
    const build = redisStorage({ url: server.url, prefix, commandTimeoutMs: 400 });
    const s = await open(build('t', 0));
    await s.set('k', buf('v'));
    server.pause(true);
    await expectFailure(() => s.get('k'), /get failed: .*connection was lost \(no reply for 400 ms, connection dropped/, 2000);
    await expectFailure(() => s.writeBatch([{ type: 'put', key: 'a', value: buf('b') }], 3), /writeBatch failed: .*connection was lost/, 1000);
    const start = Date.now();
    await s.close();
    expect(Date.now() - start).toBeLessThan(2000);
  });
  it('bounds commands of a given client when Redis stops answering', async () => {
    const client = createClient({ url: server.url });
    client.on('error', () => undefined);
    await client.connect();
    try {
      const s = await open(redisStorage({ client, prefix, commandTimeoutMs: 300 })('t', 0));
      await s.set('k', buf('v'));
      server.pause(true);
      await expectFailure(() => s.has('k'), /has failed: .*connection was lost \(no reply from Redis within 300 ms/, 1500);
      await expectFailure(() => s.writeBatch([{ type: 'del', key: 'k' }]), /writeBatch failed: .*no reply from Redis within 30\d ms/, 1500);
      await s.close();
    } finally {
      client.destroy();
    }
  });
});

describe('layout and clients', () => {
  it('keeps a partition under <prefix>:{<topic>:<partition>} with its offset apart', async () => {
    const s = await open(redisStorage({ url, prefix })('layout', 4));
    await s.writeBatch([{ type: 'put', key: 'a', value: buf('1') }, { type: 'put', key: 'b', value: buf('2') }], 9);
    const raw = createClient({ url });
    raw.on('error', () => undefined);
    await raw.connect();
    try {
      const ns = `${prefix}:{layout:4}`;
      const keys: string[] = [];
      for await (const batch of raw.scanIterator({ MATCH: `${ns}:*` })) keys.push(...batch);
      expect(keys.sort()).toEqual([`${ns}:keys`, `${ns}:offset`, `${ns}:values`]);
      expect(await raw.zRange(`${ns}:keys`, 0, -1)).toEqual(['a', 'b']);
      expect(await raw.hGet(`${ns}:values`, 'b')).toBe('2');
      expect(await raw.get(`${ns}:offset`)).toBe('9');
    } finally {
      raw.destroy();
    }
  });

  it('keeps prefixes apart', async () => {
    const a = await open(redisStorage({ url, prefix: `${prefix}-a` })('t', 0));
    const b = await open(redisStorage({ url, prefix: `${prefix}-b` })('t', 0));
    await a.set('k', buf('a'));
    expect(await b.has('k')).toBe(false);
    await deleteKeys(url, `${prefix}-a`);
  });

  it('uses a given client and leaves it open', async () => {
    const client = createClient({ url });
    client.on('error', () => undefined);
    const build = redisStorage({ client, prefix });
    await expectFailure(() => open(build('given', 0)), /not connected/, 1000);
    await client.connect();
    try {
      const s = await open(build('given', 0));
      await s.set('k', buf('v'));
      expect(await s.get('k')).toEqual(buf('v'));
      await s.close();
      expect(client.isReady).toBe(true);
      expect(await client.hGet(`${prefix}:{given:0}:values`, 'k')).toBe('v');
    } finally {
      client.destroy();
    }
  });

  it('shares one client among the partitions of a builder and closes it with the last', async () => {
    const build = redisStorage(url);
    const p0 = await open(build(`${prefix}-shared`, 0));
    const p1 = await open(build(`${prefix}-shared`, 1));
    await p0.set('k', buf('0'));
    await p0.close();
    expect(await p1.has('k')).toBe(false);
    await p1.set('k', buf('1'));
    await p1.close();
    const again = await open(build(`${prefix}-shared`, 0));
    expect(await again.get('k')).toEqual(buf('0'));
    await again.writeBatch([{ type: 'del', key: 'k' }]);
    const cleanup = await open(build(`${prefix}-shared`, 1));
    await cleanup.delete('k');
  });

  it('needs exactly one of url and client', () => {
    expect(() => redisStorage({ prefix })).toThrow(StorageError);
  });
});
