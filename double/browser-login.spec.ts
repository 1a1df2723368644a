import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect, type Page } from '@playwright/test';
import { startDouble, type StartDoubleOptions, type StartedDouble } from './start-double.ts';
import { pkcePair, registerClient, type FlowClient } from './oidc/code-flow.ts';
import { FIRST_RUN_WIZARD_CLOSE_DELAY_MS } from './pages/first-run-wizard.ts';

/** A client's redirect endpoint on 127.0.0.1 that records what reaches it. */
interface Callback {
  url: string;
  requests: { method: string; url: string }[];
  close(): Promise<void>;
}

/** Starts a callback server; with `cors` it answers CORS preflights and requests as a permissive server would. */
async function startCallback(cors = false): Promise<Callback> {
  const requests: { method: string; url: string }[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    requests.push({ method: req.method ?? 'GET', url: req.url ?? '/' });
    const corsHeaders: Record<string, string> = cors ? { 'Access-Control-Allow-Origin': req.headers.origin ?? '*', 'Access-Control-Allow-Headers': 'requesttoken, content-type', 'Access-Control-Allow-Methods': 'GET' } : {};
    if (req.method === 'OPTIONS') {
      res.writeHead(204, corsHeaders).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...corsHeaders }).end('<!DOCTYPE html><title>callback</title><p>Signed in. You can close this window.</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/callback`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Setup {
  double: StartedDouble;
  callback: Callback;
  client: FlowClient;
  authorizeUrl: string;
  state: string;
}

async function setup(options: StartDoubleOptions, cors = false): Promise<Setup> {
  const double = await startDouble(options);
  const callback = await startCallback(cors);
  const client = await registerClient(double.url, { client_name: 'Playwright MCP client', redirect_uris: [callback.url] });
  const state = `state-${Date.now()}`;
  const { challenge } = pkcePair('S256');
  const query = new URLSearchParams({ client_id: client.clientId, redirect_uri: callback.url, response_type: 'code', scope: 'openid profile email', state, nonce: 'nonce-1', code_challenge: challenge, code_challenge_method: 'S256' });
  return { double, callback, client, authorizeUrl: `${double.url}/index.php/apps/oidc/authorize?${query}`, state };
}

async function teardown(s: Setup | undefined): Promise<void> {
  await s?.callback.close();
  await s?.double.stop();
}

/** Fills the script-built login form (facts page, "The browser login", step 2). */
async function logIn(page: Page, user: string, password: string): Promise<void> {
  await page.waitForURL(/\/index\.php\/login\?/);
  const form = page.locator('form[name="login"]');
  await expect(form.locator('input[name="user"]')).toBeVisible();
  await form.locator('input[name="user"]').fill(user);
  await form.locator('input[name="password"]').fill(password);
  await form.locator('button[type="submit"]').click();
}

function codeAndState(url: string): { code: string | null; state: string | null; error: string | null } {
  const u = new URL(url);
  return { code: u.searchParams.get('code'), state: u.searchParams.get('state'), error: u.searchParams.get('error') };
}

test.describe('browser login at the Nextcloud double', () => {
  let s: Setup | undefined;
  test.afterEach(async () => {
    await teardown(s);
    s = undefined;
  });

  test('without consent page (NC 34, oidc 2.0.9): login page, redirect page, code at the callback', async ({ page }) => {
    s = await setup({ nextcloud: 34, oidc: '2.0.9' });
    const seen: string[] = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) seen.push(new URL(frame.url()).pathname);
    });
    await page.goto(s.authorizeUrl);
    await logIn(page, 'alice', 'alice-password');
    await page.waitForURL((url) => url.href.startsWith(s!.callback.url));
    const answer = codeAndState(page.url());
    expect(answer.code).toMatch(/^[A-Za-z0-9]{128}$/);
    expect(answer.state).toBe(s.state);
    expect(seen).toContain('/index.php/apps/oidc/redirect');
  });

  test('with consent page (NC 32, oidc 1.16.6): Allow ends with the code and the state at the callback', async ({ page }) => {
    s = await setup({ nextcloud: 32, oidc: '1.16.6', consent: true });
    await page.goto(s.authorizeUrl);
    await logIn(page, 'alice', 'alice-password');
    await page.waitForURL(/\/index\.php\/apps\/oidc\/consent$/);
    const container = page.locator('#oidc-consent #oidc-consent-container');
    await expect(container.getByRole('heading', { name: 'Application Authorization Request' })).toBeVisible();
    await expect(page.locator('#scope-openid')).toBeChecked();
    await expect(page.locator('#scope-openid')).toBeDisabled();
    await expect(page.locator('#scope-profile')).toBeChecked();
    await expect(page.locator('#scope-email')).toBeChecked();
    await page.locator('#scope-profile').uncheck();
    await page.locator('.consent-actions button.primary').click();
    await page.waitForURL((url) => url.href.startsWith(s!.callback.url));
    const answer = codeAndState(page.url());
    expect(answer.code).toMatch(/^[A-Za-z0-9]{128}$/);
    expect(answer.state).toBe(s.state);
  });

  test('with consent page (oidc 1.11.0, parameters only in the session): Allow ends with the code', async ({ page }) => {
    s = await setup({ nextcloud: 32, oidc: '1.11.0', consent: true });
    await page.goto(s.authorizeUrl);
    await logIn(page, 'bob', 'bob-password');
    await page.locator('.consent-actions button.primary').click();
    await page.waitForURL((url) => url.href.startsWith(s!.callback.url));
    expect(codeAndState(page.url()).state).toBe(s.state);
  });

  test('Deny with a CORS-enabled callback ends at redirect_uri?error=access_denied&state=...', async ({ page }) => {
    s = await setup({ nextcloud: 32, oidc: '1.16.6', consent: true }, true);
    await page.goto(s.authorizeUrl);
    await logIn(page, 'alice', 'alice-password');
    await page.locator('.consent-actions button.secondary').click();
    await page.waitForURL((url) => url.href.startsWith(s!.callback.url));
    expect(codeAndState(page.url())).toEqual({ code: null, state: s.state, error: 'access_denied' });
  });

  test('Deny with a plain callback: the page script cannot follow the answer and ends at Nextcloud', async ({ page }) => {
    s = await setup({ nextcloud: 32, oidc: '1.16.6', consent: true });
    await page.goto(s.authorizeUrl);
    await logIn(page, 'alice', 'alice-password');
    await page.locator('.consent-actions button.secondary').click();
    await page.waitForURL(/\/index\.php\/apps\/dashboard\/$/);
    // The deny answer was a redirect to the callback that fetch could not follow across origins: the
    // callback only saw the CORS preflight (the page sends a requesttoken header), never the error.
    const denied = s.callback.requests.filter((r) => r.url.includes('error=access_denied'));
    expect(denied.map((r) => r.method)).toEqual(['OPTIONS']);
  });

  test('first run wizard: a modal over the consent page that takes the clicks, no close button before the intro', async ({ page }) => {
    s = await setup({ nextcloud: 32, oidc: '1.16.6', consent: true });
    await s.double.occ(['app:enable', 'firstrunwizard']);
    await page.goto(s.authorizeUrl);
    await logIn(page, 'alice', 'alice-password');
    await page.waitForURL(/\/index\.php\/apps\/oidc\/consent$/);
    await expect(page.locator('#firstrunwizard')).toBeVisible();
    const allow = page.locator('.consent-actions button.primary');
    await expect(allow).toBeAttached();
    const box = (await allow.boundingBox())!;
    const topmostInsideWizard = await page.evaluate(([x, y]) => document.elementFromPoint(x!, y!)?.closest('#firstrunwizard') !== null, [box.x + box.width / 2, box.y + box.height / 2]);
    expect(topmostInsideWizard).toBe(true);
    expect(FIRST_RUN_WIZARD_CLOSE_DELAY_MS).toBeGreaterThanOrEqual(5000);
    await expect(page.locator('#firstrunwizard button[aria-label="Close"]')).toHaveCount(0);
  });
});
