/**
 * The pages in a real browser (Debian's Chromium, driven by playwright-core): the monitor lists the
 * components, a processor page shows its partitions, the query page looks a key up, and the actions
 * page starts and stops an action.
 */
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './chromium';
import { startMonitored, TOKEN } from './fixture';

describe('monitor pages in Chromium', () => {
  let m: Awaited<ReturnType<typeof startMonitored>>;
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    m = await startMonitored((server) =>
      server.addAction('wait', {
        description: 'runs until stopped',
        run: (_value, signal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
      }),
    );
    browser = await launchChromium();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await m?.close();
  });

  it('the index lists the processor and the view with their states, and links to a processor page with its partitions', async () => {
    await page.goto(m.base + '/');
    await page.getByRole('link', { name: 'clicks', exact: true }).waitFor();
    const rows = await page.locator('#processors tr').allInnerTexts();
    expect(rows[1]).toMatch(/clicks\s+running\s+3/);
    expect((await page.locator('#views tr').allInnerTexts())[1]).toMatch(/clicks-table\s+running\s+3/);

    await page.getByRole('link', { name: 'clicks', exact: true }).click();
    await page.waitForURL('**/processors/clicks');
    await page.locator('#partitions tr').nth(3).waitFor();
    const cells = await page.locator('#partitions tr td:nth-child(3)').allInnerTexts();
    expect(cells.map(Number).reduce((a, b) => a + b, 0)).toBe(4); // messages over the 3 partitions
    expect(await page.locator('#state').innerText()).toBe('running');
  });

  it('the query page shows a value from the view and from the processor', async () => {
    await page.goto(m.base + '/query');
    await page.locator('#source option').nth(1).waitFor({ state: 'attached' });
    await page.locator('#source').selectOption('view:clicks-table');
    await page.locator('#key').fill('ann');
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.waitForFunction(() => document.getElementById('result')!.textContent !== '');
    expect(await page.locator('#result').innerText()).toBe('3');

    await page.locator('#source').selectOption('processor:clicks');
    await page.locator('#key').fill('<img src=x onerror=alert(1)>');
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.waitForFunction(() => document.getElementById('result')!.textContent !== '');
    expect(await page.locator('#result').innerText()).toBe('not found');
    expect(await page.locator('main img').count()).toBe(0);
  });

  it('the actions page starts an action with a value and stops it', async () => {
    await page.goto(m.base + '/actions');
    await page.locator('#token').fill(TOKEN);
    await page.getByRole('button', { name: 'Use' }).click();
    const input = page.locator('input[data-action="wait"]');
    await input.waitFor();
    await input.fill('replay from 42');
    await page.locator('button[data-start="wait"]').click();
    await page.waitForFunction(() => document.querySelector('[data-state="wait"]')?.textContent === 'running');
    expect(await page.locator('#actions').innerText()).toContain('replay from 42');
    await page.locator('button[data-stop="wait"]').click();
    await page.waitForFunction(() => document.querySelector('[data-state="wait"]')?.textContent === 'stopped');
  });
});
