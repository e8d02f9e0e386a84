import { Processor } from '@goka-ts/core';
import { Tester } from '@goka-ts/tester';
import { main } from '../src/clicks/main';
import { clickCodec, clicksGroup, userClicksCodec, type UserClicks } from '../src/clicks/group';
import { createClicksServer } from '../src/clicks/server';
import { closeServer, listen } from '../src/http';
import { waitFor } from '../src/wait';
import { embeddedEnv } from './support/run';

it('the clicks group counts per user and keeps the last page', async () => {
  const t = new Tester();
  await t.start(new Processor(clicksGroup('clicks', 'user-clicks'), t.processorOptions()));
  await t.feed('user-clicks', 'u1', { page: '/a' }, { codec: clickCodec });
  await t.feed('user-clicks', 'u1', { page: '/b' }, { codec: clickCodec });
  expect(await t.tableValue('clicks-table', 'u1', userClicksCodec)).toEqual({ clicks: 2, lastPage: '/b' });
  await t.close();
});

describe('the clicks server', () => {
  const values = new Map<string, UserClicks>([['u1', { clicks: 3, lastPage: '/x' }]]);
  const server = createClicksServer({ get: async (user) => values.get(user) });
  let base: string;
  beforeAll(async () => (base = `http://127.0.0.1:${await listen(server, 0)}`));
  afterAll(() => closeServer(server));

  it.each([
    ['GET', '/u1', 200, { user: 'u1', clicks: 3, lastPage: '/x' }],
    ['GET', '/u2', 404, { error: 'no clicks for user "u2"' }],
    ['GET', '/a%20b', 400, { error: 'user must be 1-64 letters, digits, ".", "_" or "-", got "a b"' }],
    ['GET', '/u1/more', 404, { error: 'no route for /u1/more; use GET /:user' }],
    ['POST', '/u1', 405, { error: 'method POST is not allowed here; use GET' }],
  ])('%s %s -> %d', async (method, path, status, body) => {
    const response = await fetch(base + path, { method });
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual(body);
  });
});

it('the clicks main with --serve emits clicks and serves them until the signal', async () => {
  const lines: string[] = [];
  const controller = new AbortController();
  const running = main({ argv: ['--serve'], env: embeddedEnv({ PORT: '0' }), out: (line) => lines.push(line), signal: controller.signal });
  try {
    let url: string | undefined;
    await waitFor('the server', () => (url = lines.map((line) => /e\.g\. (\S+)/.exec(line)?.[1]).find(Boolean)) !== undefined);
    // A click a second: the first arrives after about a second.
    await waitFor('a click of user-1', async () => (await fetch(url!.replace('user-0', 'user-1'))).status === 200, { timeoutMs: 10_000 });
  } finally {
    controller.abort();
    await running;
  }
});
