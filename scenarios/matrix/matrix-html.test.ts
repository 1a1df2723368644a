import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumLaunchOptions } from '../../harness/chromium-launch-options.ts';
import { CLASSIFICATIONS } from './classify-cell.ts';
import { CLASS_COLORS, matrixHtml } from './matrix-html.ts';
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

  it('renders the coloured grid, the providers and the double banner, self-contained', { timeout: 60_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const url = pathToFileURL(join(dir, 'matrix.html')).href;
    await page.goto(url);

    // one cell per check x variant, as many of each class as the matrix has
    await expect(page.locator('td.cell').count()).resolves.toBe(matrix.checks.length * matrix.variants.length);
    for (const c of CLASSIFICATIONS) {
      const cells = page.locator(`td.cell[data-classification="${c}"]`);
      await expect(cells.count()).resolves.toBe(matrix.summary.counts[c]);
      const colours = await cells.evaluateAll((els) => els.map((el) => getComputedStyle(el).backgroundColor));
      expect(new Set(colours), c).toEqual(new Set(colours.length > 0 ? [rgb(CLASS_COLORS[c])] : []));
    }
    expect(new Set(Object.values(CLASS_COLORS)).size).toBe(CLASSIFICATIONS.length);

    // each variant header shows its provider
    const providers = await page.locator('th.variant .provider').allTextContents();
    expect(providers).toEqual(['double', 'double', 'docker']);

    // cells show expected and observed, and link to upstream or to their log
    const notes = page.locator('td.cell[data-check="bearer.notes.get"][data-variant="nc32-oidc1.16.6-uo8.10.1-none-nohdr"]');
    await expect(notes.locator('.exp').textContent()).resolves.toBe('expected: fail');
    await expect(notes.locator('.obs').textContent()).resolves.toBe('observed: failed 401 CORS requires basic auth');
    await expect(notes.locator('a.why').getAttribute('href')).resolves.toBe('https://github.com/nextcloud/user_oidc/pull/1221');
    await expect(notes.locator('a.why').textContent()).resolves.toBe('upstream: nextcloud/user_oidc#1221');
    const error = page.locator('td.cell[data-check="mcp.initialize"]').first();
    await expect(error.locator('a.artifact').getAttribute('href')).resolves.toBe('logs/nc32-oidc1.16.6-uo8.10.1-none-nohdr/mcp.log');

    // the banner says it is the double, and stays in view when the page scrolls
    const banner = page.locator('#double-banner');
    await expect(banner.isVisible()).resolves.toBe(true);
    await expect(banner.textContent()).resolves.toMatch(/^Run against the Nextcloud double: a test double of Nextcloud/);
    await page.screenshot({ path: join(dir, 'matrix.png'), fullPage: true });
    await page.mouse.wheel(0, 2000);
    await page.waitForFunction(() => window.scrollY > 0);
    const box = await banner.boundingBox();
    expect(box?.y).toBe(0);
    await page.screenshot({ path: join(dir, 'matrix-scrolled.png') });

    // self-contained: the page loaded nothing but itself
    expect(requests).toEqual([url]);
    await page.close();
  });

  it('has no banner when no variant used the double', { timeout: 30_000 }, async () => {
    const page = await browser.newPage();
    await page.setContent(matrixHtml(syntheticMatrix({ variants: [{ variant: { nextcloud: 34, oidc: '2.0.9', userOidc: '8.10.1', patch: 'none', ocsHeader: true }, provider: 'external' }] })));
    await expect(page.locator('#double-banner').count()).resolves.toBe(0);
    await expect(page.locator('th.variant .provider').allTextContents()).resolves.toEqual(['external']);
    await page.close();
  });
});
