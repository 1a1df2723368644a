import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { expect, test } from '@playwright/test';
import { matrixHtml } from './matrix-html.ts';
import { defaultSyntheticMatrix } from './synthetic-matrix.ts';

// The default matrix (every check x the 8 default variants), built synthetically so the spec needs no run.
const VIEWPORT = { width: 1400, height: 900 };

test.use({ viewport: VIEWPORT });

test('the default matrix reads at a glance: at most two screen heights, no horizontal scrolling, a text alternative for every cell', async ({ page }, testInfo) => {
  const matrix = defaultSyntheticMatrix();
  expect(matrix.checks.length).toBeGreaterThanOrEqual(51);
  expect(matrix.variants.length).toBe(8);
  const file = testInfo.outputPath('matrix.html');
  writeFileSync(file, matrixHtml(matrix));
  await page.goto(pathToFileURL(file).href);

  const grid = page.locator('#grid');
  const box = await grid.boundingBox();
  expect(box, 'the grid is rendered').not.toBeNull();
  expect(box!.height, 'grid height').toBeLessThanOrEqual(2 * VIEWPORT.height);

  const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(widths.scroll, 'no horizontal scrolling').toBeLessThanOrEqual(widths.client);
  expect(box!.x + box!.width).toBeLessThanOrEqual(VIEWPORT.width);

  const cells = page.locator('#grid td.cell');
  await expect(cells).toHaveCount(matrix.checks.length * matrix.variants.length);
  const names = await cells.evaluateAll((els) => els.map((el) => el.querySelector('a')?.getAttribute('aria-label') ?? el.textContent ?? ''));
  const missing = names.filter((n) => !/^\S+ on \S+: .+/.test(n));
  expect(missing, 'cells without a text alternative').toEqual([]);
  // the accessible name is what a screen reader reads, e.g. for an expected failure
  await expect(page.getByRole('link', { name: 'bearer.notes.get on nc32-oidc1.16.6-uo8.10.1-none-nohdr: expected fail' })).toHaveCount(1);

  // the picture at the top answers the main question per variant
  await expect(page.locator('.picture tr[data-api="notes"] td.how')).toHaveText('needs user_oidc-app-api or OCS-APIRequest: true');
  await expect(page.locator('.picture tr[data-api="ocs"] td.how')).toHaveText('works without patches');

  const screenshot = testInfo.outputPath('matrix-1400x900.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  await testInfo.attach('matrix at 1400x900', { path: screenshot, contentType: 'image/png' });
});
