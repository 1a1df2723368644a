import { afterEach, describe, expect, it } from 'vitest';
import { startDouble, type StartDoubleOptions, type StartedDouble } from '../start-double.ts';
import { obtainAuthorizationCode, pkcePair, registerClient, type FlowClient } from './code-flow.ts';
import { HttpSession } from './http-test-kit.ts';
import { oidcStore } from './oidc-store.ts';

const CALLBACK = 'http://127.0.0.1:9/callback';
let double: StartedDouble | undefined;
afterEach(async () => {
  await double?.stop();
  double = undefined;
});

async function setup(options: StartDoubleOptions = {}, clientBody: Record<string, unknown> = {}): Promise<{ s: HttpSession; client: FlowClient }> {
  double = await startDouble(options);
  const client = await registerClient(double.url, { client_name: 'Test client', redirect_uris: [CALLBACK], ...clientBody });
  return { s: new HttpSession(double.url), client };
}

function authorizePath(client: FlowClient, extra: Record<string, string> = {}): string {
  return `/index.php/apps/oidc/authorize?${new URLSearchParams({ client_id: client.clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid profile email', state: 'st-123', ...extra })}`;
}

describe('/authorize before login', () => {
  it('sends the browser to the login page with the redirect page as redirect_url (no query in 1.11) and keeps the parameters in the session', async () => {
    const { s, client } = await setup({ nextcloud: 32, oidc: '1.11.0' });
    const answer = await s.get(authorizePath(client, { nonce: 'n-1' }));
    expect(answer.status).toBe(303);
    expect(answer.location).toBe(`${double!.url}/index.php/login?redirect_url=%2Findex.php%2Fapps%2Foidc%2Fredirect`);
    const session = [...double!.state.sessions.values()].find((x) => x.values.has('oidc_client_id'))!;
    expect(session.values.get('oidc_client_id')).toBe(client.clientId);
    expect(session.values.get('oidc_state')).toBe('st-123');
    expect(session.values.get('oidc_nonce')).toBe('n-1');
    await s.login('alice', 'alice-password', '/index.php/apps/oidc/redirect');
    const page = await s.get('/index.php/apps/oidc/redirect');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="oidc-redirect"></div>');
    expect(page.body).toContain("window.location.replace(OC.generateUrl('apps/oidc/authorize')");
    // What the script does: /authorize without a query; the parameters come from the session.
    const code = await s.get('/index.php/apps/oidc/authorize');
    expect(code.location).toMatch(new RegExp(`^${CALLBACK}\\?state=st-123&code=[A-Za-z0-9]{128}$`));
  });

  it('from oidc 1.16.3 carries the parameters in the redirect page URL and its data attributes', async () => {
    const { s, client } = await setup({ nextcloud: 32, oidc: '1.16.6' });
    const answer = await s.get(authorizePath(client));
    const redirectUrl = new URL(answer.location!).searchParams.get('redirect_url')!;
    expect(redirectUrl).toBe(`/index.php/apps/oidc/redirect?client_id=${client.clientId}&state=st-123&response_type=code&redirect_uri=${encodeURIComponent(CALLBACK)}&scope=openid%20profile%20email`);
    const login = await s.login('alice', 'alice-password', redirectUrl);
    const page = await s.get(login.location!);
    expect(page.body).toContain(`data-client-id="${client.clientId}"`);
    expect(page.body).toContain('data-state="st-123"');
  });

  it('the redirect page needs a login', async () => {
    const { s } = await setup();
    expect((await s.get('/index.php/apps/oidc/redirect')).location).toBe(`${double!.url}/index.php/login?redirect_url=%2Findex.php%2Fapps%2Foidc%2Fredirect`);
  });
});

describe('/authorize when logged in', () => {
  async function loggedIn(options: StartDoubleOptions = {}, clientBody: Record<string, unknown> = {}): Promise<{ s: HttpSession; client: FlowClient }> {
    const ctx = await setup(options, clientBody);
    await ctx.s.login('alice', 'alice-password');
    return ctx;
  }

  it('answers 303 to redirect_uri?state=...&code=... and stores the code with its request', async () => {
    const { s, client } = await loggedIn();
    const answer = await s.get(authorizePath(client, { nonce: 'n-9', resource: 'https://mcp.example.test/' }));
    expect(answer.status).toBe(303);
    const url = new URL(answer.location!);
    expect(url.searchParams.get('state')).toBe('st-123');
    const code = oidcStore(double!.state).codes.get(url.searchParams.get('code')!)!;
    expect(code).toMatchObject({ clientId: client.clientId, uid: 'alice', scope: 'openid profile email', redirectUri: CALLBACK, nonce: 'n-9', resource: 'https://mcp.example.test/' });
  });

  it('shows an error page and does not redirect for an unknown client or a redirect_uri that is not registered exactly', async () => {
    const { s, client } = await loggedIn();
    const unknown = await s.get(authorizePath({ clientId: 'nope', clientSecret: '' }));
    expect(unknown.status).toBe(200);
    expect(unknown.location).toBeUndefined();
    expect(unknown.body).toContain('Your client is not authorized to connect.');
    for (const uri of [`${CALLBACK}/`, 'http://127.0.0.1:9/callback?x=1', 'http://localhost:9/callback']) {
      const mismatch = await s.get(authorizePath(client, { redirect_uri: uri }));
      expect(mismatch.status, uri).toBe(200);
      expect(mismatch.location).toBeUndefined();
      expect(mismatch.body).toContain('The received redirect URI is not accepted to connect.');
    }
  });

  it('answers unsupported_response_type for a missing or implicit response_type', async () => {
    const { s, client } = await loggedIn({ nextcloud: 34, oidc: '2.0.9' });
    const missing = new URL((await s.get(authorizePath(client, { response_type: '' }))).location!);
    expect(missing.searchParams.get('error')).toBe('unsupported_response_type');
    expect(missing.searchParams.get('error_description')).toBe('Missing response_type');
    expect(missing.searchParams.get('state')).toBe('st-123');
    const implicit = new URL((await s.get(authorizePath(client, { response_type: 'id_token', nonce: 'n' }))).location!);
    expect(implicit.searchParams.get('error')).toBe('unsupported_response_type');
  });

  it('filters the scope by the client allowed scopes, falling back to the default scope', async () => {
    const { s, client } = await loggedIn({}, { scope: 'openid email' });
    const a = new URL((await s.get(authorizePath(client, { scope: 'openid profile EMAIL' }))).location!);
    expect(oidcStore(double!.state).codes.get(a.searchParams.get('code')!)!.scope).toBe('openid email');
    const b = new URL((await s.get(authorizePath(client, { scope: 'profile' }))).location!);
    expect(oidcStore(double!.state).codes.get(b.searchParams.get('code')!)!.scope).toBe('openid profile email roles');
  });

  it('checks PKCE parameters from oidc 1.10: a bad challenge or method goes back with invalid_request', async () => {
    const { s, client } = await loggedIn({ nextcloud: 32, oidc: '1.10.0' });
    const short = new URL((await s.get(authorizePath(client, { code_challenge: 'too-short' }))).location!);
    expect(short.searchParams.get('error')).toBe('invalid_request');
    expect(short.searchParams.get('error_description')).toBe('Invalid code_challenge format');
    expect(short.searchParams.get('state')).toBe('st-123');
    const method = new URL((await s.get(authorizePath(client, { code_challenge: pkcePair('S256').challenge, code_challenge_method: 'S512' }))).location!);
    expect(method.searchParams.get('error_description')).toBe('Unsupported code_challenge_method');
    const good = new URL((await s.get(authorizePath(client, { code_challenge: pkcePair('S256').challenge }))).location!);
    expect(oidcStore(double!.state).codes.get(good.searchParams.get('code')!)!.codeChallengeMethod).toBe('S256');
  });

  it('ignores PKCE parameters before oidc 1.10', async () => {
    const { s, client } = await loggedIn({ nextcloud: 31, oidc: '1.8.5' });
    const answer = new URL((await s.get(authorizePath(client, { code_challenge: 'too-short', code_challenge_method: 'S512' }))).location!);
    expect(answer.searchParams.get('error')).toBeNull();
    expect(oidcStore(double!.state).codes.get(answer.searchParams.get('code')!)!.codeChallenge).toBeUndefined();
  });

  it('validates the claims parameter from oidc 2.0', async () => {
    const { s, client } = await loggedIn({ nextcloud: 34, oidc: '2.0.9' });
    const bad = new URL((await s.get(authorizePath(client, { claims: '{"userinfo":[1]}' }))).location!);
    expect(bad.searchParams.get('error')).toBe('invalid_request');
    expect(bad.searchParams.get('error_description')).toBe('Invalid claims parameter.');
    const good = new URL((await s.get(authorizePath(client, { claims: '{"id_token":{"email":null}}' }))).location!);
    expect(good.searchParams.get('code')).toMatch(/^[A-Za-z0-9]{128}$/);
  });

  it('answers with response_mode=fragment (2.0) and form_post (2.0.2)', async () => {
    const { s, client } = await loggedIn({ nextcloud: 34, oidc: '2.0.9' });
    const fragment = await s.get(authorizePath(client, { response_mode: 'fragment' }));
    expect(fragment.location).toMatch(new RegExp(`^${CALLBACK}#state=st-123&code=`));
    const form = await s.get(authorizePath(client, { response_mode: 'form_post' }));
    expect(form.status).toBe(200);
    expect(form.body).toContain(`action="${CALLBACK}"`);
    expect(form.body).toContain('name="code"');
  });
});

describe('consent page', () => {
  async function toConsent(options: StartDoubleOptions): Promise<{ s: HttpSession; client: FlowClient; page: string }> {
    const ctx = await setup(options);
    await ctx.s.login('alice', 'alice-password');
    const answer = await ctx.s.get(authorizePath(ctx.client));
    expect(answer.status).toBe(303);
    expect(answer.location).toBe(`${double!.url}/index.php/apps/oidc/consent`);
    const page = await ctx.s.get(answer.location!);
    expect(page.status).toBe(200);
    return { ...ctx, page: page.body };
  }

  it('is shown with allow_user_settings=enabled (oidc >= 1.11) and rendered by its script', async () => {
    const { client, page } = await toConsent({ nextcloud: 32, oidc: '1.11.0', consent: true });
    expect(page).toContain(`<div id="oidc-consent" data-client-name="Test client" data-scopes="openid profile email" data-client-id="${client.clientId}"></div>`);
    expect(page).not.toContain('oidc-consent-container"');
    expect(page).toContain("'Application Authorization Request'");
  });

  it('Allow (grant with the requesttoken header) leads to the code; the consent is remembered for 90 days', async () => {
    let now = Date.parse('2026-06-01T12:00:00Z');
    const { s, client, page } = await toConsent({ nextcloud: 32, oidc: '1.16.6', consent: true, now: () => now, appConfigCacheTtlMs: 0 });
    const token = HttpSession.requestToken(page);
    const refused = await s.postForm('/index.php/apps/oidc/consent/grant', { scopes: 'openid profile email' }, { Accept: 'application/json' });
    expect(refused.status).toBe(412);
    expect(JSON.parse(refused.body)).toEqual({ message: 'CSRF check failed' });
    const granted = await s.postForm('/index.php/apps/oidc/consent/grant', { scopes: 'openid email' }, { requesttoken: token });
    expect(granted.status).toBe(303);
    expect(granted.location).toContain('/index.php/apps/oidc/authorize?client_id=');
    expect(new URL(granted.location!).searchParams.get('scope')).toBe('openid email');
    const code = await s.get(granted.location!);
    expect(code.location).toMatch(new RegExp(`^${CALLBACK}\\?state=st-123&code=`));
    expect(oidcStore(double!.state).codes.get(new URL(code.location!).searchParams.get('code')!)!.scope).toBe('openid email');
    // Consent given for the requested scopes is remembered...
    const store = oidcStore(double!.state);
    expect(store.consent('alice', client.clientId)).toMatchObject({ scopesGranted: 'openid email' });
    store.consent('alice', client.clientId)!.scopesGranted = 'openid profile email';
    expect((await s.get(authorizePath(client))).location).toMatch(new RegExp(`^${CALLBACK}\\?`));
    // ...for 90 days (the dynamic client is kept alive that long here).
    await double!.occ(['config:app:set', 'oidc', 'client_expire_time', '--value=99999999']);
    now += 89 * 24 * 3600 * 1000;
    expect((await s.get(authorizePath(client))).location).toMatch(new RegExp(`^${CALLBACK}\\?`));
    now += 2 * 24 * 3600 * 1000;
    expect((await s.get(authorizePath(client))).location).toBe(`${double!.url}/index.php/apps/oidc/consent`);
  });

  it('Deny sends access_denied with the state to the redirect URI', async () => {
    const { s, page } = await toConsent({ nextcloud: 32, oidc: '1.16.6', consent: true });
    const denied = await s.send('/index.php/apps/oidc/consent/deny', { method: 'POST', headers: { requesttoken: HttpSession.requestToken(page) } });
    expect(denied.status).toBe(303);
    expect(denied.location).toBe(`${CALLBACK}?error=access_denied&error_description=User%20denied%20consent&state=st-123`);
  });

  it('oidc 1.16.2 answers the grant with 500', async () => {
    const { s, page } = await toConsent({ nextcloud: 32, oidc: '1.16.2', consent: true });
    const granted = await s.postForm('/index.php/apps/oidc/consent/grant', { scopes: 'openid' }, { requesttoken: HttpSession.requestToken(page) });
    expect(granted.status).toBe(500);
  });

  it('is not shown without allow_user_settings=enabled, nor before oidc 1.11', async () => {
    const { s, client } = await setup({ nextcloud: 32, oidc: '1.16.6' });
    await s.login('alice', 'alice-password');
    expect((await s.get(authorizePath(client))).location).toMatch(new RegExp(`^${CALLBACK}\\?`));
    await double!.stop();
    const old = await setup({ nextcloud: 32, oidc: '1.10.0', consent: true });
    await old.s.login('alice', 'alice-password');
    expect((await old.s.get(authorizePath(old.client))).location).toMatch(new RegExp(`^${CALLBACK}\\?`));
    expect((await old.s.get('/index.php/apps/oidc/consent')).status).toBe(404);
  });

  it('answers 500 when no consent is pending (the app renders a template core lacks)', async () => {
    const { s } = await setup({ consent: true });
    await s.login('alice', 'alice-password');
    expect((await s.get('/index.php/apps/oidc/consent')).status).toBe(500);
  });

  it('the scripted flow allows the consent like the Allow button', async () => {
    double = await startDouble({ consent: true });
    const result = await obtainAuthorizationCode({ baseUrl: double.url, user: 'bob', password: 'bob-password', redirectUri: CALLBACK });
    expect(result.consentShown).toBe(true);
    expect(result.code).toMatch(/^[A-Za-z0-9]{128}$/);
    expect(new URL(result.callbackUrl).searchParams.get('state')).toBe(result.state);
  });
});
