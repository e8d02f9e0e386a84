/**
 * The fleet page in Chromium over a real heartbeat topic: heartbeats of two services with several
 * instances and components, written by a real producer, appear with their groups, topics and
 * edges; a stale instance is marked; a tombstone removes a component; a record that is not a
 * heartbeat is counted and changes nothing else.
 */
import { silentLogger } from '@goka-ts/core';
import type { Browser, Page } from 'playwright-core';
import { waitFor } from '@goka-ts/conformance';
import { MonitorServer } from '../src';
import { launchChromium } from './chromium';
import { heartbeat, heartbeatTopic } from './heartbeat_topic';

describe('fleet page in Chromium', () => {
  let beats: Awaited<ReturnType<typeof heartbeatTopic>>;
  let monitor: MonitorServer;
  let base: string;
  let browser: Browser;
  let page: Page;

  const orders = (instance: string, at = Date.now()) =>
    heartbeat({
      service: 'shop', instance, name: 'orders', at, intervalMs: 1000, partitions: instance === 'shop-1' ? [0, 1] : [2, 3], lag: 4,
      topics: { inputs: ['order-requests'], outputs: ['order-events'], loop: 'orders-loop', table: 'orders-table', joins: [], lookups: ['prices'] },
    });
  const requests = heartbeat({ service: 'shop', instance: 'shop-1', kind: 'emitter', name: 'order-requests', topics: { inputs: [], outputs: ['order-requests'], joins: [], lookups: [] } });
  const invoices = (instance: string) =>
    heartbeat({ service: 'billing', instance, name: 'invoices', topics: { inputs: ['order-events'], outputs: [], table: 'invoices-table', joins: ['orders-table'], lookups: [] } });
  const ordersView = heartbeat({ service: 'billing', instance: 'billing-1', kind: 'view', name: 'orders-table', state: 'recovering', topics: { inputs: [], outputs: [], table: 'orders-table', joins: [], lookups: [] } });

  beforeAll(async () => {
    beats = await heartbeatTopic('fleet-page');
    // shop-2 last beat a minute ago at a 1 s interval: stale.
    await beats.beat(orders('shop-1'), orders('shop-2', Date.now() - 60_000), requests, invoices('billing-1'), invoices('billing-2'), ordersView);
    await beats.raw('not-a-heartbeat', '<img src=x onerror="window.__pwned=1">');
    monitor = new MonitorServer({ title: 'fleet test', fleet: { client: beats.client, topic: beats.topic, logger: silentLogger } });
    base = await monitor.listen();
    browser = await launchChromium();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await monitor?.close();
    await beats?.close();
  });

  it('serves the graph as JSON: components with instances, topics, edges by kind, the skipped record', async () => {
    const fleet = await waitFor('both services on /api/fleet', async () => {
      const body = (await (await fetch(base + '/api/fleet')).json()) as { nodes: { id: string }[]; reader: { skippedRecords: number } };
      return body.nodes.length === 10 && body.reader.skippedRecords === 1 && body;
    }, 15_000, { intervalMs: 100, retryErrors: true });
    expect(fleet).toMatchObject({ reader: { topic: beats.topic, state: 'running', skippedRecords: 1 }, staleAfterIntervals: 3 });
    const nodes = (fleet as unknown as { nodes: { id: string; instances?: { instance: string; stale: boolean }[] }[] }).nodes;
    expect(nodes.map((n) => n.id)).toEqual([
      'billing/processor/invoices', 'billing/view/orders-table', 'shop/emitter/order-requests', 'shop/processor/orders',
      'topic/invoices-table', 'topic/order-events', 'topic/order-requests', 'topic/orders-loop', 'topic/orders-table', 'topic/prices',
    ]);
    expect(nodes.find((n) => n.id === 'shop/processor/orders')!.instances!.map((i) => [i.instance, i.stale])).toEqual([['shop-1', false], ['shop-2', true]]);
  });

  it('draws services, instances, topics and edges in SVG, marks the stale instance and counts the bad record', async () => {
    await page.goto(base + '/fleet');
    await page.locator('[data-node="billing/view/orders-table"]').waitFor({ state: 'attached' });
    expect(await page.locator('#skipped').innerText()).toBe('1');
    expect(await page.locator('#graph g.component').count()).toBe(4);
    expect(await page.locator('#graph g.topic').count()).toBe(6);
    const orders = page.locator('[data-node="shop/processor/orders"]');
    expect(await orders.locator('text.title').textContent()).toBe('processor orders');
    expect(await orders.getAttribute('class')).toContain('has-stale');
    expect(await orders.locator('[data-instance="shop-1"]').evaluate((e) => e.childNodes[0].textContent)).toBe('shop-1: running, partitions [0,1], lag 4');
    const stale = orders.locator('[data-instance="shop-2"]');
    expect(await stale.getAttribute('data-stale')).toBe('true');
    expect(await stale.getAttribute('class')).toBe('stale');
    expect(await stale.evaluate((e) => e.childNodes[0].textContent)).toContain('(stale)');
    expect(await page.locator('#instances tr.stale').allInnerTexts()).toEqual([expect.stringMatching(/shop\s+processor orders\s+shop-2\s+running/)]);
    expect(await page.locator('#summary').innerText()).toBe('4 components, 6 instances, 1 stale');

    const edges = await page.locator('#graph [data-edge]').evaluateAll((gs) => gs.map((g) => `${g.getAttribute('data-from')} -${g.getAttribute('data-edge')}-> ${g.getAttribute('data-to')}`));
    expect(edges).toEqual(expect.arrayContaining([
      'topic/order-requests -input-> shop/processor/orders',
      'shop/processor/orders -output-> topic/order-events',
      'shop/processor/orders -loop-> topic/orders-loop',
      'topic/orders-loop -loop-> shop/processor/orders',
      'shop/processor/orders -table-> topic/orders-table',
      'topic/prices -lookup-> shop/processor/orders',
      'topic/orders-table -join-> billing/processor/invoices',
      'topic/orders-table -table-> billing/view/orders-table',
      'shop/emitter/order-requests -output-> topic/order-requests',
    ]));
    expect(edges).toHaveLength(11);
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  it('drops a component on its tombstone and keeps going after another bad record', async () => {
    await beats.tombstone(ordersView);
    await beats.raw('also-bad', '{"version":2}');
    await page.waitForFunction(() => document.querySelector('[data-node="billing/view/orders-table"]') === null, undefined, { timeout: 10_000 });
    await page.waitForFunction(() => document.getElementById('skipped')!.textContent === '2', undefined, { timeout: 10_000 });
    expect(await page.locator('#graph g.component').count()).toBe(3);
    expect(await page.locator('[data-node="billing/processor/invoices"] [data-instance]').count()).toBe(2);
    expect(await page.locator('#reader-state').innerText()).toBe('running');
  });
});
