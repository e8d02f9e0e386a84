import type http from 'node:http';
import { Service } from '@goka-ts/service';
import { closeServer, listen } from '../src/http';
import { createMessagingServer } from '../src/messaging/api';
import { MessagingApp } from '../src/messaging/app';
import { messagingTopics } from '../src/messaging/topics';
import { countRecords } from '../src/progress';
import { waitFor } from '../src/wait';

// The HTTP API over the whole app on the embedded in-memory Kafka.
let service: Service;
let app: MessagingApp;
let server: http.Server;
let base: string;
const topics = messagingTopics('api-');

beforeAll(async () => {
  service = await Service.create({ argv: [], env: {}, defaults: { service: 'messaging-api' } });
  app = await MessagingApp.start({ service, topics, spamRule: { minSent: 100, maxSentRate: 1 } });
  server = createMessagingServer(app, { bodyLimitBytes: 1024 });
  base = `http://127.0.0.1:${await listen(server, 0)}`;
});

afterAll(async () => {
  await closeServer(server);
  await app.stop();
});

const post = (path: string, body: unknown, headers: Record<string, string> = { 'Content-Type': 'application/json' }) =>
  fetch(base + path, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
const getJson = async (path: string) => {
  const response = await fetch(base + path);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const feedOf = async (user: string) => (await getJson(`/${user}/feed`)).body.messages as { from: string; content: string; original?: string }[];

describe('messaging HTTP API', () => {
  it('sends, translates and shows messages in the feed', async () => {
    expect((await post('/translate', { word: 'Morning', translation: 'Morgen' })).status).toBe(202);
    await app.waitTranslation('morning', 'Morgen'); // also in the filter's copy of the table
    expect((await getJson('/translations')).body).toEqual({ morning: 'Morgen' });

    const response = await post('/send', { from: 'ann', to: 'ben', content: 'Good morning!' });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ accepted: true, topic: topics.sent });

    await waitFor('the message in the feed', async () => (await feedOf('ben')).length === 1);
    expect(await getJson('/ben/feed')).toEqual({
      status: 200,
      body: { user: 'ben', messages: [{ from: 'ann', to: 'ben', content: 'Good Morgen!', original: 'Good morning!' }] },
    });
    expect(await getJson('/nobody/feed')).toEqual({ status: 200, body: { user: 'nobody', messages: [] } });
  });

  it('blocks and unblocks a sender', async () => {
    expect((await post('/block', { user: 'troll' })).status).toBe(202);
    await app.waitBlockState('troll', true);
    expect(await getJson('/troll/blocked')).toEqual({ status: 200, body: { user: 'troll', blocked: true, reason: 'blocked through the API' } });

    const sent = await post('/send', { from: 'troll', to: 'cid', content: 'you are wrong' });
    expect(sent.status).toBe(202);
    await app.waitFiltered((await sent.json()) as { topic: string; partition: number; offset: number });
    await app.waitDelivered();
    expect(await feedOf('cid')).toEqual([]);

    expect((await post('/block', { user: 'troll', unblock: true })).status).toBe(202);
    await app.waitBlockState('troll', false);
    expect(await getJson('/troll/blocked')).toEqual({ status: 200, body: { user: 'troll', blocked: false } });
    await post('/send', { from: 'troll', to: 'cid', content: 'sorry' });
    await waitFor('the message after the unblock', async () => (await feedOf('cid')).length === 1);
    expect((await feedOf('cid'))[0].content).toBe('sorry');
  });

  describe('bad input gets a 4xx with a clear message and never reaches Kafka', () => {
    const streams = [topics.sent, topics.blockRequests, topics.translations];
    const counts = () => Promise.all(streams.map((topic) => countRecords(service.client, topic)));
    let before: number[];
    beforeAll(async () => (before = await counts()));

    it.each([
      ['/send', 'missing field', 400, { from: 'ann', to: 'ben' }, /missing field "content"/],
      ['/send', 'content of wrong type', 400, { from: 'ann', to: 'ben', content: 7 }, /"content" must be a string, got number/],
      ['/send', 'bad user name', 400, { from: 'ann', to: 'b/n', content: 'x' }, /"to" must be 1-64 letters/],
      ['/send', 'unknown field', 400, { from: 'ann', to: 'ben', content: 'x', cc: 'cid' }, /unknown field "cc"/],
      ['/send', 'an array', 400, [1, 2], /expected a JSON object/],
      ['/send', 'invalid JSON', 400, '{"from": "ann",', /not valid JSON/],
      ['/send', 'empty body', 400, '', /empty/],
      ['/send', 'body over the limit', 413, { from: 'ann', to: 'ben', content: 'x'.repeat(2000) }, /exceeds the limit of 1024 bytes/],
      ['/block', 'user of wrong type', 400, { user: 42 }, /"user" must be a string, got number/],
      ['/block', 'unblock of wrong type', 400, { user: 'x', unblock: 'no' }, /"unblock" must be a boolean/],
      ['/translate', 'phrase as word', 400, { word: 'two words', translation: 'x' }, /single word/],
      ['/translate', 'missing translation', 400, { word: 'hi' }, /missing field "translation"/],
    ])('POST %s with %s -> %d', async (path, _label, status, body, message) => {
      const response = await post(path, body);
      expect(response.status).toBe(status);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    });

    it('rejects a body that is not JSON by content type (415)', async () => {
      const response = await post('/send', 'from=ann', { 'Content-Type': 'application/x-www-form-urlencoded' });
      expect(response.status).toBe(415);
      expect(((await response.json()) as { error: string }).error).toMatch(/Content-Type: application\/json/);
    });

    it('answers unknown routes with 404, wrong methods with 405 and bad user names with 400', async () => {
      expect((await getJson('/nowhere')).status).toBe(404);
      expect((await getJson('/send')).status).toBe(405);
      expect((await post('/ann/feed', {})).status).toBe(405);
      const bad = await getJson('/a%20b/feed');
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatch(/"user" must be 1-64 letters/);
      expect((await getJson('/%E0%A4%A/feed')).status).toBe(400);
    });

    it('produced nothing for any of them', async () => {
      expect(await counts()).toEqual(before);
    });
  });
});
