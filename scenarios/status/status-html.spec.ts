import { pathToFileURL } from 'node:url';
import { expect, test } from '@playwright/test';
import { loadUpstreamItems } from '../expectations/load-upstream-items.ts';
import { defaultSyntheticMatrix } from '../matrix/synthetic-matrix.ts';
import { writeStatusReports } from './write-status-reports.ts';

test('status.html: the double banner on top, and a claim\'s cell link opens that cell\'s details in the matrix page', async ({ page }, testInfo) => {
  const dir = testInfo.outputPath('status');
  const written = await writeStatusReports([{ path: testInfo.outputPath('matrix.json'), matrix: defaultSyntheticMatrix() }], loadUpstreamItems(), dir);
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(written.html).href);
  await expect(page.locator('#double-banner')).toHaveText(/^Built only from runs against the Nextcloud double/);
  await expect(page.locator('#double-banner')).toBeInViewport();

  const item = page.locator('h3', { hasText: 'nextcloud/user_oidc#1221' });
  await expect(item).toHaveCount(1);
  const chip = page.locator('#required-patches a.chip[data-check="bearer.notes.get"][data-variant="nc32-oidc1.16.6-uo8.10.1-none-nohdr"]').first();
  await chip.click();
  await expect(page).toHaveURL(/matrices\/1-matrix\.html#cell-nc32-oidc1\.16\.6-uo8\.10\.1-none-nohdr--bearer\.notes\.get$/);
  await expect(page.locator('#details h3')).toHaveText('bearer.notes.get · Notes GET with Bearer only');
  await expect(page.locator('#details')).toContainText('observedfailed 401 CORS requires basic auth');
  // nothing but local files was loaded
  expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
});
