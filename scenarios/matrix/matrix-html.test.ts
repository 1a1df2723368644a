import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumLaunchOptions } from '../../harness/chromium-launch-options.ts';
import { CLASSIFICATIONS } from './classify-cell.ts';
import { CLASS_COLORS, cellAnchor, matrixHtml } from './matrix-html.ts';
import { matrixVerdict } from './matrix-verdict.ts';
import { syntheticMatrix } from './synthetic-matrix.ts';

/** `#c9f0d2` as Chromium reports a computed colour: `rgb(201, 240, 210)`. */
function rgb(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}

describe('matrix.html in Chromium', () => {
  const dir = join(process.cwd(), 'test-results', 'matrix-html');
  const matrix = syntheticMatrix();
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'matrix.html'), matrixHtml(matrix));
    browser = await chromium.launch(chromiumLaunchOptions());
  }, 60_000);
  afterAll(async () => browser?.close());

  it('renders the coloured grid with grouped headers, the headline and the double banner, self-contained', { timeout: 60_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const url = pathToFileURL(join(dir, 'matrix.html')).href;
    await page.goto(url);

    // the headline is the matrix verdict
    await expect(page.locator('#verdict').textContent()).resolves.toBe(matrixVerdict(matrix).headline);

    // one cell per check x variant, as many of each class as the matrix has, in its colour
    await expect(page.locator('#grid td.cell').count()).resolves.toBe(matrix.checks.length * matrix.variants.length);
    for (const c of CLASSIFICATIONS) {
      const cells = page.locator(`#grid td.cell[data-classification="${c}"]`);
      await expect(cells.count()).resolves.toBe(matrix.summary.counts[c]);
      const colours = await cells.evaluateAll((els) => els.map((el) => getComputedStyle(el).backgroundColor));
      expect(new Set(colours), c).toEqual(new Set(colours.length > 0 ? [rgb(CLASS_COLORS[c])] : []));
    }
    expect(new Set(Object.values(CLASS_COLORS)).size).toBe(CLASSIFICATIONS.length);

    // column headers grouped: Nextcloud with its provider, then oidc, user_oidc, patch, header mode
    const head = page.locator('#grid thead tr');
    await expect(head.count()).resolves.toBe(5);
    await expect(head.nth(0).locator('th').allTextContents()).resolves.toEqual(['Nextcloud', '32double', '34docker']);
    await expect(head.nth(0).locator('th').nth(1).getAttribute('colspan')).resolves.toBe('2');
    await expect(head.nth(3).locator('th').allTextContents()).resolves.toEqual(['patch', 'none', 'uo patch', 'none']);
    await expect(head.nth(4).locator('th[data-variant]').count()).resolves.toBe(3);

    // rows grouped by scenario area, with counts
    const bearer = page.locator('#grid tr.group[data-group="bearer"]');
    await expect(bearer.getAttribute('data-checks')).resolves.toBe(String(matrix.checks.filter((c) => c.id.startsWith('bearer.')).length));

    // a cell's details on click: expected, observed, upstream link; the log of an error cell
    const notesId = cellAnchor('bearer.notes.get', 'nc32-oidc1.16.6-uo8.10.1-none-nohdr');
    await page.locator(`#${notesId.replace(/\./g, '\\.')} a`).click();
    const details = page.locator('#details');
    await expect(details.isVisible()).resolves.toBe(true);
    await expect(details.textContent()).resolves.toContain('observedfailed 401 CORS requires basic auth');
    await expect(details.locator('a[href="https://github.com/nextcloud/user_oidc/pull/1221"]').first().textContent()).resolves.toBe('nextcloud/user_oidc#1221');
    expect(page.url()).toBe(`${url}#${notesId}`);
    await page.keyboard.press('Escape');
    await expect(details.isVisible()).resolves.toBe(false);
    await page.locator('#grid td.cell[data-check="mcp.initialize"] a').first().hover();
    await expect(details.locator('a[href="logs/nc32-oidc1.16.6-uo8.10.1-none-nohdr/mcp.log"]').count()).resolves.toBe(1);

    // the switch hides the rows whose cells are all as expected
    const visibleRows = async (): Promise<number> => page.locator('#grid tr.row:visible').count();
    await expect(visibleRows()).resolves.toBe(matrix.checks.length);
    await page.locator('#only-problems').check();
    const bad = new Set(matrix.cells.filter((c) => ['error', 'unexpected-fail', 'wrong-reason', 'stale'].includes(c.classification)).map((c) => c.check));
    await expect(visibleRows()).resolves.toBe(bad.size);
    await page.locator('#only-problems').uncheck();

    // the banner says it is the double, and stays in view when the page scrolls
    const banner = page.locator('#double-banner');
    await expect(banner.isVisible()).resolves.toBe(true);
    await expect(banner.textContent()).resolves.toMatch(/^Run against the Nextcloud double: a test double of Nextcloud/);
    await page.mouse.wheel(0, 2000);
    await page.waitForFunction(() => window.scrollY > 0);
    const box = await banner.boundingBox();
    expect(box?.y).toBe(0);

    // self-contained: the page loaded nothing but itself
    expect(requests).toEqual([url]);
    await page.close();
  });

  it('opens the details of the cell a link points to', { timeout: 30_000 }, async () => {
    const page = await browser.newPage();
    const id = cellAnchor('oauth.userinfo', 'nc34-oidc2.0.9-uo8.10.1-none-hdr');
    await page.goto(`${pathToFileURL(join(dir, 'matrix.html')).href}#${id}`);
    await expect(page.locator('#details h3').textContent()).resolves.toBe('oauth.userinfo · Userinfo');
    await expect(page.locator(`[id="${id}"]`).evaluate((el) => el.classList.contains('pinned'))).resolves.toBe(true);
    await page.close();
  });

  it('has no banner when no variant used the double', { timeout: 30_000 }, async () => {
    const page = await browser.newPage();
    await page.setContent(matrixHtml(syntheticMatrix({ variants: [{ variant: { nextcloud: 34, oidc: '2.0.9', userOidc: '8.10.1', patch: 'none', ocsHeader: true }, provider: 'external' }] })));
    await expect(page.locator('#double-banner').count()).resolves.toBe(0);
    await expect(page.locator('#grid thead .provider').allTextContents()).resolves.toEqual(['external']);
    await page.close();
  });
});
