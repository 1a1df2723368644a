import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect } from '@playwright/test';
import { LOGIN_SELECTORS, submitForm } from './browser-login.ts';

// A login form whose submit button can never be clicked (covered by an overlay), as a page under load that
// has already moved on: the page's own script submits the form. The click times out; the flow progressed.
const PAGES: Record<string, string> = {
  '/covered-moves-on':
    '<form name="login" method="post" action="/redirect"><input name="user"><button type="submit">Log in</button></form>' +
    '<div style="position:fixed;inset:0;background:#fff"></div><script>setTimeout(() => document.forms.login.submit(), 300)</script>',
  '/covered-stays': '<form name="login" method="post" action="/redirect"><input name="user"><button type="submit">Log in</button></form><div style="position:fixed;inset:0;background:#fff"></div>',
  '/plain': '<form name="login" method="post" action="/redirect"><input name="user"><button type="submit">Log in</button></form>',
  '/redirect': '<div id="oidc-redirect">redirect page</div>',
};

let server: Server;
let base = '';
test.beforeAll(async () => {
  server = createServer((req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<!DOCTYPE html>${PAGES[new URL(req.url ?? '/', 'http://x').pathname] ?? ''}`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

const onLoginPage = (url: string): boolean => new URL(url).pathname !== '/redirect';

test('a normal submit waits for the navigation', async ({ page }) => {
  await page.goto(`${base}/plain`);
  await submitForm(page, LOGIN_SELECTORS.submit, 5000, () => !onLoginPage(page.url()));
  await expect(page.locator('#oidc-redirect')).toBeVisible();
});

test('a click that cannot happen is no error when the page moved on to the redirect page', async ({ page }) => {
  await page.goto(`${base}/covered-moves-on`);
  await submitForm(page, LOGIN_SELECTORS.submit, 3000, () => !onLoginPage(page.url()));
  expect(new URL(page.url()).pathname).toBe('/redirect');
});

test('a click that cannot happen on a page that stays is an error within the given time, not a library default', async ({ page }) => {
  await page.goto(`${base}/covered-stays`);
  const started = Date.now();
  await expect(submitForm(page, LOGIN_SELECTORS.submit, 1500, () => !onLoginPage(page.url()))).rejects.toThrow(/Timeout 1500ms exceeded/);
  expect(Date.now() - started).toBeLessThan(10_000);
});
