/**
 * The harness's OAuth and browser tests as one vitest suite, so that the same tests run against the
 * Nextcloud double (harness/oauth-flows.test.ts) and, unchanged, against a real Nextcloud
 * (harness/external-instance.test.ts). Test support only: imported by test files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserSession } from './browser/browser-login.ts';
import { traceText } from './browser/redact-trace.ts';
import { PROBE_CHECKS, bearerProbe, expectedProbe, probeMatches } from './bearer-probe.ts';
import { HarnessError } from './harness-error.ts';
import { browserLoginFlow } from './login-flow.ts';
import { startIncludedMcpServer } from './mcp/included-mcp-server.ts';
import { McpSession, mcpWithoutToken } from './mcp/mcp-session.ts';
import type { StartedNextcloud } from './nextcloud-instance.ts';
import { CallbackServer } from './oauth/callback-server.ts';
import { OAuthClient, type AuthorizationRequest } from './oauth/oauth-client.ts';

/** Negative, zero or positive as version `a` is before, equal to or after `b` (`x.y.z`). */
function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

async function rejection(promise: Promise<unknown>): Promise<HarnessError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HarnessError);
  return error as HarnessError;
}

/** Options of the suite. */
export interface OAuthFlowSuiteOptions {
  /** Milliseconds per browser test (real Nextcloud needs 10-17 s per login on 2 cores). */
  timeoutMs: number;
  /** Where kept traces go. */
  outputDir: string;
}

/**
 * Defines the suite: browser login with and without consent, Deny, PKCE S256/plain/none, wrong and
 * missing verifier, DCR register/delete and DCR off, static clients, refresh with offline_access,
 * introspection, a refused login, an unregistered redirect_uri, traces without secrets, and the bearer
 * probe. `start` gives the prepared instance (consent off, DCR on, protections off); the suite changes
 * consent and DCR with `setAppConfig` (occ, confirmed over HTTP) and puts them back.
 */
export function describeOAuthFlows(title: string, start: () => Promise<StartedNextcloud>, options: OAuthFlowSuiteOptions): void {
  describe(title, () => {
    let nc: StartedNextcloud;
    let browser: BrowserSession;
    let callbacks: CallbackServer;
    let client: OAuthClient;
    const atLeast = (version: string): boolean => compareVersions(nc.variant.oidc, version) >= 0;
    const login = async (request: AuthorizationRequest, consent: 'allow' | 'deny' = 'allow', uid?: string) => browser.login(nc.user(uid), request, callbacks, { consent, timeoutMs: options.timeoutMs });

    beforeAll(async () => {
      nc = await start();
      browser = await BrowserSession.launch(nc.secrets);
      callbacks = await CallbackServer.start();
      client = await OAuthClient.register(nc, { redirectUris: [callbacks.redirectUri] });
    }, 600_000);
    afterAll(async () => {
      await client?.delete().catch(() => undefined);
      await callbacks?.close();
      await browser?.close();
      await nc?.stop();
    }, 120_000);

    it('logs in without a consent page (PKCE S256, state and nonce checked) and reads userinfo', { timeout: options.timeoutMs }, async () => {
      await browser.forget(nc.user());
      const request = await client.authorizationRequest({ pkce: 'S256', scope: 'openid profile email' });
      expect(request.url.searchParams.get('code_challenge_method')).toBe('S256');
      expect(request.url.origin).toBe(new URL(nc.publicUrl).origin);
      const seen = await login(request);
      expect(seen.loginFormShown).toBe(true);
      expect(seen.consentShown).toBe(false);
      expect(seen.callback.code).toMatch(/^[A-Za-z0-9]+$/);
      const tokens = await client.exchangeCode(seen.callback, request);
      expect(tokens.tokenType.toLowerCase()).toBe('bearer');
      expect(tokens.expiresIn).toBeGreaterThan(0);
      expect(tokens.idTokenClaims?.['nonce']).toBe(request.nonce);
      const userinfo = await client.userinfo(tokens.accessToken, String(tokens.idTokenClaims?.['sub']));
      expect(userinfo['preferred_username'] ?? userinfo.sub).toBe(nc.user().uid);
      // The same context is still logged in: the next authorization goes straight to the redirect URI.
      const again = await login(await client.authorizationRequest());
      expect(again.loginFormShown).toBe(false);
      expect(again.callback.code).toBeDefined();
    });

    it('answers the consent page: Allow gives a code, Deny gives access_denied', { timeout: options.timeoutMs * 2 }, async () => {
      if (!atLeast('1.11.0')) return;
      await nc.setAppConfig('oidc', 'allow_user_settings', 'enabled');
      try {
        const consentClient = await OAuthClient.register(nc, { redirectUris: [callbacks.redirectUri] });
        try {
          const denied = await login(await consentClient.authorizationRequest(), 'deny');
          expect(denied.consentShown).toBe(true);
          expect(denied.callback.error).toBe('access_denied');
          expect(denied.callback.code).toBeUndefined();
          const request = await consentClient.authorizationRequest();
          const allowed = await login(request, 'allow');
          expect(allowed.consentShown).toBe(true);
          const tokens = await consentClient.exchangeCode(allowed.callback, request);
          expect((await consentClient.userinfo(tokens.accessToken)).sub).toBeTruthy();
        } finally {
          await consentClient.delete();
        }
      } finally {
        await nc.setAppConfig('oidc', 'allow_user_settings', undefined);
      }
    });

    it('exchanges codes with PKCE plain and without PKCE', { timeout: options.timeoutMs }, async () => {
      for (const pkce of ['plain', 'none'] as const) {
        const request = await client.authorizationRequest({ pkce });
        expect(request.url.searchParams.get('code_challenge')).toBe(pkce === 'plain' ? request.codeVerifier! : null);
        const seen = await login(request);
        const tokens = await client.exchangeCode(seen.callback, request);
        expect(tokens.accessToken.length).toBeGreaterThan(20);
      }
    });

    it('refuses a wrong or missing code_verifier with invalid_grant and deletes the code', { timeout: options.timeoutMs }, async () => {
      if (!atLeast('1.10.0')) return;
      const request = await client.authorizationRequest({ pkce: 'S256' });
      const seen = await login(request);
      const wrong = await rejection(client.exchangeCode(seen.callback, request, { codeVerifier: `${request.codeVerifier!.slice(0, -1)}${request.codeVerifier!.endsWith('A') ? 'B' : 'A'}` }));
      expect(wrong.code).toBe('ERR_TOKEN');
      expect(wrong.detail).toMatchObject({ status: 400, error: 'invalid_grant' });
      // The code is gone after the failed check: even the right verifier gets 400 now.
      const after = await rejection(client.exchangeCode(seen.callback, request));
      expect(after.detail['status']).toBe(400);
      expect(['invalid_grant', 'invalid_request']).toContain(after.detail['error']);
      const request2 = await client.authorizationRequest({ pkce: 'S256' });
      const seen2 = await login(request2);
      const missing = await rejection(client.exchangeCode(seen2.callback, request2, { codeVerifier: null }));
      expect(missing.detail).toMatchObject({ status: 400, error: 'invalid_grant' });
    });

    it('registers a client dynamically and deletes it (RFC 7591, RFC 7592)', { timeout: options.timeoutMs }, async () => {
      const registered = await OAuthClient.register(nc, { redirectUris: [callbacks.redirectUri], clientName: 'nc-oauth-lab dcr test' });
      const r = registered.registration;
      expect(r.kind).toBe('dynamic');
      expect(r.clientSecret).toBeTruthy();
      expect(registered.config.clientMetadata()['token_endpoint_auth_method']).toBe('client_secret_post');
      if (!atLeast('1.11.0')) {
        await registered.delete();
        return;
      }
      expect(r.registrationClientUri).toContain(r.clientId);
      const read = await fetch(r.registrationClientUri!, { headers: { Authorization: `Bearer ${r.registrationAccessToken}` } });
      expect(read.status).toBe(200);
      expect(((await read.json()) as { client_id: string }).client_id).toBe(r.clientId);
      await registered.delete();
      const gone = await fetch(r.registrationClientUri!, { headers: { Authorization: `Bearer ${r.registrationAccessToken}` } });
      expect(gone.status).toBe(401);
      await registered.delete();
    });

    it('says dynamic_registration_not_allowed when DCR is off', { timeout: options.timeoutMs }, async () => {
      await nc.setAppConfig('oidc', 'dynamic_client_registration', undefined);
      try {
        const off = await rejection(OAuthClient.register(nc, { redirectUris: [callbacks.redirectUri] }));
        expect(off.code).toBe('ERR_DCR');
        expect(off.detail).toMatchObject({ status: 400, error: 'dynamic_registration_not_allowed' });
      } finally {
        await nc.setAppConfig('oidc', 'dynamic_client_registration', 'true');
      }
    });

    it('logs in with a static client made by occ oidc:create and removes it', { timeout: options.timeoutMs }, async () => {
      const made = await OAuthClient.createStatic(nc, { redirectUris: [callbacks.redirectUri] });
      expect(made.registration.kind).toBe('static');
      try {
        const request = await made.authorizationRequest();
        const tokens = await made.exchangeCode((await login(request)).callback, request);
        expect(tokens.accessToken).toBeTruthy();
      } finally {
        await made.delete();
      }
      const list = await nc.occ(['oidc:list']);
      expect(list.stdout).not.toContain(made.registration.clientId);
    });

    it('refreshes with offline_access (oidc >= 1.12: only then a refresh token)', { timeout: options.timeoutMs }, async () => {
      const request = await client.authorizationRequest({ scope: 'openid profile offline_access' });
      const tokens = await client.exchangeCode((await login(request)).callback, request);
      expect(tokens.refreshToken).toBeTruthy();
      const refreshed = await client.refresh(tokens.refreshToken!);
      expect(refreshed.accessToken).not.toBe(tokens.accessToken);
      expect((await client.userinfo(refreshed.accessToken)).sub).toBeTruthy();
      const plain = await client.authorizationRequest({ scope: 'openid profile' });
      const without = await client.exchangeCode((await login(plain)).callback, plain);
      expect(Boolean(without.refreshToken)).toBe(!atLeast('1.12.0'));
    });

    it('introspects a token when discovery advertises it (oidc >= 1.11)', { timeout: options.timeoutMs }, async () => {
      expect(client.supportsIntrospection).toBe(atLeast('1.11.0'));
      if (!client.supportsIntrospection) {
        expect((await rejection(client.introspect('x'))).code).toBe('ERR_INTROSPECTION');
        return;
      }
      const request = await client.authorizationRequest();
      const tokens = await client.exchangeCode((await login(request)).callback, request);
      const active = await client.introspect(tokens.accessToken);
      expect(active.active).toBe(true);
      expect(String(active.scope)).toContain('openid');
      expect((await client.introspect('not-a-token-of-this-server')).active).toBe(false);
    });

    it('reports a refused login with the page message', { timeout: options.timeoutMs }, async () => {
      const user = nc.user();
      await browser.forget(user);
      const request = await client.authorizationRequest();
      const refused = await rejection(browser.login({ uid: user.uid, password: `${user.password}-wrong` }, request, callbacks, { timeoutMs: options.timeoutMs }));
      expect(refused.code).toBe('ERR_LOGIN_REJECTED');
      expect(refused.message).toMatch(/Wrong login or password/);
      expect(refused.message).not.toContain(user.password);
    });

    it('reports the error page of an unregistered redirect_uri', { timeout: options.timeoutMs }, async () => {
      const request = await client.authorizationRequest({ redirectUri: `${callbacks.redirectUri}/not-registered` });
      const error = await rejection(login(request));
      expect(error.code).toBe('ERR_AUTHORIZE_ERROR_PAGE');
      expect(error.message).toMatch(/redirect URI/i);
    });

    it('keeps a trace and a screenshot with no password, code, token or session cookie in them', { timeout: options.timeoutMs }, async () => {
      const user = nc.user();
      await browser.forget(user);
      const request = await client.authorizationRequest();
      const seen = await browser.login(user, request, callbacks, { outputDir: options.outputDir, artifacts: 'on', timeoutMs: options.timeoutMs });
      const tokens = await client.exchangeCode(seen.callback, request);
      const traces = seen.artifacts.filter((a) => a.endsWith('.zip'));
      expect(traces.length).toBe(2);
      expect(seen.artifacts.some((a) => a.endsWith('screenshot.png'))).toBe(true);
      const text = (await Promise.all(traces.map(traceText))).join('\n');
      expect(text).toContain(user.uid);
      expect(text).not.toContain(user.password);
      expect(text).not.toContain(seen.callback.code!);
      expect(text).not.toContain(tokens.accessToken);
      expect(text).toMatch(/code=\*\*\*/);
      expect(text).not.toMatch(/"name":"Cookie","value":"(?!\*\*\*)/i);
      expect(nc.secrets.leaks(text)).toBe(false);
    });

    it('drives the included MCP server with the token (and gets 401 with resource metadata without one)', { timeout: options.timeoutMs }, async () => {
      const flow = await browserLoginFlow(nc, { browser, callbacks, existingClient: client, timeoutMs: options.timeoutMs });
      const mcp = await startIncludedMcpServer(nc);
      try {
        const anonymous = await mcpWithoutToken(mcp.url);
        expect(anonymous.status).toBe(401);
        expect(anonymous.resourceMetadata).toMatch(/\/\.well-known\/oauth-protected-resource/);
        const session = await McpSession.connect(mcp.url, { token: flow.tokens.accessToken, secrets: nc.secrets });
        try {
          const tools = (await session.listTools()).map((t) => t.name);
          expect(tools).toEqual(expect.arrayContaining(['nextcloud_capabilities', 'notes_list', 'files_list']));
          const notes = await session.callTool('notes_list');
          // The server sends OCS-APIRequest, so Notes answers on NC >= 31 with or without the patch.
          expect(notes.isError ?? false).toBe(nc.variant.nextcloudMajor < 31 && nc.variant.patch === 'none');
        } finally {
          await session.close();
        }
        expect(mcp.log.join('\n')).not.toContain(flow.tokens.accessToken);
      } finally {
        await mcp.stop();
      }
    });

    it("reproduces the facts page's bearer table for the variant", { timeout: options.timeoutMs }, async () => {
      const flow = await browserLoginFlow(nc, { browser, callbacks, existingClient: client, timeoutMs: options.timeoutMs });
      const rows = await bearerProbe({ baseUrl: nc.baseUrl, token: flow.tokens.accessToken, uid: flow.user.uid, secrets: nc.secrets });
      expect(rows.map((r) => r.check)).toEqual([...PROBE_CHECKS]);
      const differing = rows.filter((row) => !probeMatches(row, expectedProbe(row.check, { nextcloudMajor: nc.variant.nextcloudMajor, patch: nc.variant.patch })));
      expect(differing).toEqual([]);
    });
  });
}
