/**
 * Security of the web surface: tokens (401/403), the cross-origin refusal of protected requests,
 * the Host check (421), security headers and the CSP of every page over HTTP; and in Chromium, markup
 * in the title, keys, values, action and component names (on the index, query, actions and fleet pages)
 * shows as text and executes nothing.
 */
import http from 'node:http';
import { silentLogger, stringCodec, View } from '@goka-ts/core';
import { Tester } from '@goka-ts/tester';
import type { Browser, Page } from 'playwright-core';
import { waitFor } from '@goka-ts/conformance';
import { MonitorServer } from '../src';
import { launchChromium } from './chromium';
import { heartbeat, heartbeatTopic } from './heartbeat_topic';

const TOKEN = 'security-token-0123456789';
/** Sets `window.__pwned` if any page ever parses it as HTML. */
const MARKUP = '<img src=x onerror="window.__pwned=1">';
const SCRIPT = '</script><script>window.__pwned=2</script>';

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A raw request, so `Host`, `Origin` and `Sec-Fetch-Site` are sent exactly as given. */
function request(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(base + path, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('security of the web surface', () => {
  let t: Tester;
  let beats: Awaited<ReturnType<typeof heartbeatTopic>>;
  let monitor: MonitorServer;
  let bare: MonitorServer;
  let base: string;
  let bareBase: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    t = new Tester({ partitions: 2 });
    const notes = new View('notes', stringCodec, t.viewOptions());
    await t.start(notes);
    await t.setTableValue('notes', MARKUP, MARKUP + SCRIPT, stringCodec);
    await t.waitIdle();

    beats = await heartbeatTopic('fleet-security');
    await beats.beat(heartbeat({ service: MARKUP, instance: MARKUP, name: MARKUP, topics: { inputs: [MARKUP], outputs: [SCRIPT], joins: [], lookups: [] } }));

    monitor = new MonitorServer({ title: MARKUP, token: TOKEN, fleet: { client: beats.client, topic: beats.topic, logger: silentLogger } })
      .addView(notes)
      .addAction(MARKUP, { description: MARKUP, run: (_value, signal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })) })
      .route('GET', '/debug/secret', (_req, res) => void res.end('secret'))
      .route('GET', '/healthz', (_req, res) => void res.end('ok'), { requireToken: false });
    base = await monitor.listen();
    bare = new MonitorServer().addView(notes).addAction('a', { run: () => undefined });
    bareBase = await bare.listen();
    browser = await launchChromium();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await bare?.close();
    await monitor?.close();
    await beats?.close();
    await t?.close();
  });

  const start = `/api/actions/${encodeURIComponent(MARKUP)}/start`;
  const stop = `/api/actions/${encodeURIComponent(MARKUP)}/stop`;
  const json = { 'Content-Type': 'application/json' };

  describe('over HTTP', () => {
    it('refuses actions and protected routes without a token (401) or with a wrong one (401), and everything when no token is configured (403)', async () => {
      const missing = await request(base, 'POST', start, json, '{}');
      expect(missing.status).toBe(401);
      expect(missing.headers['www-authenticate']).toMatch(/^Bearer /);
      expect((await request(base, 'POST', start, { ...json, Authorization: 'Bearer wrong-token-0123456789' }, '{}')).status).toBe(401);
      expect((await request(base, 'POST', start, { ...json, 'X-Goka-Token': 'wrong' }, '{}')).status).toBe(401);
      expect((await request(base, 'GET', '/debug/secret')).status).toBe(401);
      expect((await request(base, 'GET', '/debug/secret', { Authorization: `Bearer ${TOKEN}` })).body).toBe('secret');
      expect((await request(base, 'GET', '/healthz')).body).toBe('ok');

      const unconfigured = await request(bareBase, 'POST', '/api/actions/a/start', { ...json, Authorization: `Bearer ${TOKEN}` }, '{}');
      expect(unconfigured.status).toBe(403);
      expect(unconfigured.body).toContain('no token configured');
      expect(() => new MonitorServer({ token: 'short' })).toThrow(/at least 16 characters/);
    });

    it('accepts the token as Bearer or X-Goka-Token from the same origin', async () => {
      const origin = { Origin: base, 'Sec-Fetch-Site': 'same-origin' };
      expect((await request(base, 'POST', start, { ...json, ...origin, Authorization: `Bearer ${TOKEN}` }, '{"value":"v"}')).status).toBe(200);
      expect((await request(base, 'POST', stop, { ...json, ...origin, 'X-Goka-Token': TOKEN })).status).toBe(200);
    });

    it('refuses a cross-origin POST even with the right token (403)', async () => {
      const auth = { ...json, Authorization: `Bearer ${TOKEN}` };
      for (const headers of <Record<string, string>[]>[{ Origin: 'http://evil.example' }, { Origin: 'null' }, { 'Sec-Fetch-Site': 'cross-site' }, { 'Sec-Fetch-Site': 'same-site' }]) {
        const answer = await request(base, 'POST', start, { ...auth, ...headers }, '{}');
        expect([JSON.stringify(headers), answer.status]).toEqual([JSON.stringify(headers), 403]);
      }
      expect((await request(base, 'GET', '/api/actions')).body).not.toContain('"running"');
    });

    it('answers only to its loopback host names (421 for others, against DNS rebinding)', async () => {
      const port = new URL(base).port;
      for (const host of [`evil.example:${port}`, `127.0.0.1.evil.example:${port}`]) {
        expect((await request(base, 'GET', '/api/components', { Host: host })).status).toBe(421);
      }
      expect((await request(base, 'GET', '/api/fleet', { Host: `evil.example:${port}` })).status).toBe(421);
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) expect((await request(base, 'GET', '/api/components', { Host: host })).status).toBe(200);
    });

    it('sends a hash-based CSP and the security headers with every page, and escapes markup in JSON', async () => {
      for (const path of ['/', '/query', '/actions', '/fleet', '/views/notes']) {
        const answer = await request(base, 'GET', path);
        expect([path, answer.status]).toEqual([path, 200]);
        const csp = String(answer.headers['content-security-policy']);
        expect(csp).toContain("default-src 'none'");
        expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).not.toContain('unsafe-inline');
        expect(answer.headers).toMatchObject({ 'x-frame-options': 'DENY', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
        expect(answer.body).not.toContain(MARKUP);
      }
      const query = await request(base, 'GET', `/api/query?source=view:notes&key=${encodeURIComponent(MARKUP)}`);
      expect(query.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(query.body).not.toMatch(/[<>&]/);
      expect(JSON.parse(query.body)).toEqual({ found: true, value: MARKUP + SCRIPT });
      const fleet = await waitFor('the markup heartbeat', async () => {
        const answer = await request(base, 'GET', '/api/fleet');
        return answer.body.includes('"nodes":[{') && answer;
      }, 15_000, { intervalMs: 100, retryErrors: true });
      expect(fleet.body).not.toMatch(/[<>&]/);
      expect(fleet.body).toContain('\\u003cimg src=x onerror=');
    });
  });

  describe('in Chromium', () => {
    const pwned = () => page.evaluate(() => (window as { __pwned?: number }).__pwned);

    it('shows markup in the title, keys and values as text on the index and query pages', async () => {
      await page.goto(base + '/');
      await page.locator('#views a').first().waitFor();
      expect(await page.title()).toBe(MARKUP);
      expect(await page.locator('#heading').innerText()).toBe(MARKUP);

      await page.goto(base + '/query');
      await page.locator('#source option').first().waitFor({ state: 'attached' });
      await page.locator('#source').selectOption('view:notes');
      await page.locator('#key').fill(MARKUP);
      await page.getByRole('button', { name: 'Look up' }).click();
      await page.waitForFunction(() => document.getElementById('result')!.textContent !== '');
      expect(JSON.parse(await page.locator('#result').innerText())).toBe(MARKUP + SCRIPT);
      expect(await page.locator('main img, main script').count()).toBe(0);
      expect(await pwned()).toBeUndefined();
    });

    it('shows an action named, described and started with markup as text', async () => {
      await page.goto(base + '/actions');
      await page.locator('#token').fill(TOKEN);
      await page.getByRole('button', { name: 'Use' }).click();
      const input = page.locator('#actions input');
      await input.waitFor();
      await input.fill(MARKUP + SCRIPT);
      await page.locator('#actions button', { hasText: 'Start' }).click();
      await page.waitForFunction(() => document.querySelector('#actions [data-state]')?.textContent === 'running');
      const row = await page.locator('#actions tr').nth(1).locator('td').allInnerTexts();
      expect(row.slice(0, 4)).toEqual([MARKUP, MARKUP, 'running', MARKUP + SCRIPT]);
      await page.locator('#actions button', { hasText: 'Stop' }).click();
      await page.waitForFunction(() => document.querySelector('#actions [data-state]')?.textContent === 'stopped');
      expect(await page.locator('main img, main script').count()).toBe(0);
      expect(await pwned()).toBeUndefined();
    });

    it('shows markup in service, instance, component and topic names of heartbeats as text on the fleet page', async () => {
      await page.goto(base + '/fleet');
      const node = page.locator('#graph g.component');
      await node.waitFor({ state: 'attached' });
      expect(await node.getAttribute('data-node')).toBe(`${MARKUP}/processor/${MARKUP}`);
      expect(await node.locator('text.title').textContent()).toBe(`processor ${MARKUP}`);
      expect(await page.locator('#graph g.topic text').allTextContents()).toEqual([SCRIPT, MARKUP]);
      expect(await page.locator('#instances td').first().innerText()).toBe(MARKUP);
      expect(await page.locator('img, script:not(:first-of-type)').count()).toBe(0);
      expect(await page.locator('script').count()).toBe(1);
      expect(await pwned()).toBeUndefined();
    });
  });
});
