import { afterEach, describe, expect, it } from 'vitest';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { startDouble, type StartDoubleOptions, type StartedDouble } from '../start-double.ts';
import { obtainAuthorizationCode, registerClient, type AuthorizationResult, type CodeFlowOptions } from './code-flow.ts';
import { oidcSigningKey } from './oidc-keys.ts';
import { oidcStore } from './oidc-store.ts';

let double: StartedDouble | undefined;
let clock = Date.parse('2026-07-01T09:00:00Z');
afterEach(async () => {
  await double?.stop();
  double = undefined;
});

async function start(options: StartDoubleOptions = {}): Promise<StartedDouble> {
  clock = Date.parse('2026-07-01T09:00:00Z');
  double = await startDouble({ now: () => clock, appConfigCacheTtlMs: 0, ...options });
  return double;
}

function authorize(options: Partial<CodeFlowOptions> = {}): Promise<AuthorizationResult> {
  return obtainAuthorizationCode({ baseUrl: double!.url, user: 'alice', password: 'alice-password', ...options });
}

async function token(form: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${double!.url}/index.php/apps/oidc/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString() });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

function codeForm(auth: AuthorizationResult, extra: Record<string, string> = {}): Record<string, string> {
  return { grant_type: 'authorization_code', code: auth.code!, redirect_uri: auth.redirectUri, client_id: auth.client.clientId, client_secret: auth.client.clientSecret, ...(auth.codeVerifier ? { code_verifier: auth.codeVerifier } : {}), ...extra };
}

async function userinfo(accessToken: string, init: RequestInit = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${double!.url}/index.php/apps/oidc/userinfo`, { headers: { Authorization: `Bearer ${accessToken}` }, ...init });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function verify(jwt: string, audience: string): Promise<JWTPayload> {
  return (await jwtVerify(jwt, createLocalJWKSet({ keys: [oidcSigningKey(double!.state).jwk] }), { issuer: double!.url, audience, currentDate: new Date(clock) })).payload;
}

describe('/token with authorization_code', () => {
  it('answers an opaque access token, expires_in 900, an RS256 ID token with the nonce and no at_hash', async () => {
    await start({ nextcloud: 34, oidc: '2.0.9' });
    const auth = await authorize({ scope: 'openid profile email' });
    const answer = await token(codeForm(auth));
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    expect(answer.json['access_token']).toMatch(/^[A-Za-z0-9]{72}$/);
    expect(answer.json).not.toHaveProperty('refresh_token');
    const idToken = String(answer.json['id_token']);
    expect(decodeProtectedHeader(idToken)).toMatchObject({ typ: 'JWT', alg: 'RS256', kid: oidcSigningKey(double!.state).kid });
    const claims = await verify(idToken, auth.client.clientId);
    expect(claims).toMatchObject({ sub: 'alice', azp: auth.client.clientId, nonce: auth.nonce, acr: '0' });
    expect(claims).not.toHaveProperty('at_hash');
    // oidc 2.0 puts scope claims into this ID token only when the claims parameter asks.
    expect(claims).not.toHaveProperty('email');
    expect(oidcStore(double!.state).validAccessToken(String(answer.json['access_token']))?.uid).toBe('alice');
  });

  it('before oidc 2.0 the ID token carries preferred_username, scope and the scope claims', async () => {
    await start({ nextcloud: 32, oidc: '1.16.6' });
    const auth = await authorize({ scope: 'openid profile email' });
    const claims = await verify(String((await token(codeForm(auth))).json['id_token']), auth.client.clientId);
    expect(claims).toMatchObject({ preferred_username: 'alice', scope: 'openid profile email', email: 'alice@example.test', name: 'Alice Liddell', family_name: 'Liddell', given_name: 'Alice', middle_name: '' });
  });

  it('refuses a wrong secret, a missing client and an unknown grant type', async () => {
    await start({ nextcloud: 34, oidc: '2.0.9' });
    const auth = await authorize();
    expect(await token(codeForm(auth, { client_secret: 'wrong' }))).toEqual({ status: 400, json: { error: 'invalid_client', error_description: 'Client authentication failed.' } });
    const { client_id: _id, client_secret: _secret, ...withoutClient } = codeForm(auth);
    expect(await token(withoutClient)).toEqual({ status: 400, json: { error: 'invalid_client', error_description: 'Missing client_id.' } });
    expect((await token(codeForm(auth, { grant_type: 'password' }))).json['error']).toBe('invalid_grant');
    const other = await registerClient(double!.url, { redirect_uris: ['http://127.0.0.1:9/other'] });
    expect(await token(codeForm(auth, { client_id: other.clientId, client_secret: other.clientSecret }))).toEqual({ status: 400, json: { error: 'invalid_grant', error_description: 'Grant is not valid for this client.' } });
    expect((await token(codeForm(auth))).status).toBe(200);
  });

  it('PKCE: no verifier or a wrong one is 400 invalid_grant and deletes the code', async () => {
    await start();
    const missing = await authorize();
    expect(await token(codeForm(missing, { code_verifier: '' }))).toEqual({ status: 400, json: { error: 'invalid_grant', error_description: 'code_verifier required for PKCE flow.' } });
    expect((await token(codeForm(missing))).status).toBe(400);
    const wrong = await authorize();
    expect(await token(codeForm(wrong, { code_verifier: 'x'.repeat(43) }))).toEqual({ status: 400, json: { error: 'invalid_grant', error_description: 'Invalid code_verifier.' } });
    expect((await token(codeForm(wrong))).status).toBe(400);
    const plain = await authorize({ pkce: 'plain' });
    expect((await token(codeForm(plain))).status).toBe(200);
    const none = await authorize({ pkce: false });
    expect((await token(codeForm(none))).status).toBe(200);
  });

  it('a dynamic client past client_expire_time gets expired_client until the clean-up removes it', async () => {
    await start();
    await double!.occ(['config:app:set', 'oidc', 'expire_time', '--value=7200']);
    const auth = await authorize();
    clock += 3601_000;
    expect(await token(codeForm(auth))).toEqual({ status: 400, json: { error: 'expired_client', error_description: 'Client expired.' } });
  });

  it('a code lives expire_time seconds', async () => {
    await start();
    const auth = await authorize();
    clock += 901_000;
    expect(await token(codeForm(auth))).toEqual({ status: 400, json: { error: 'invalid_grant', error_description: 'Access token already expired.' } });
  });

  it('oidc 2.0.9: reusing a code is 400 and revokes the opaque token issued from it', async () => {
    await start({ nextcloud: 34, oidc: '2.0.9' });
    const auth = await authorize();
    const first = await token(codeForm(auth));
    const accessToken = String(first.json['access_token']);
    expect((await userinfo(accessToken)).status).toBe(200);
    expect(await token(codeForm(auth))).toEqual({ status: 400, json: { error: 'invalid_grant', error_description: 'Authorization code has already been used.' } });
    expect(oidcStore(double!.state).validAccessToken(accessToken)).toBeUndefined();
    expect(await userinfo(accessToken)).toEqual({ status: 400, json: { error: 'invalid_request', error_description: 'Could not find provided bearer token.' } });
  });

  it('oidc 2.0.9: a JWT issued from a reused code stays valid for user_oidc', async () => {
    await start({ nextcloud: 34, oidc: '2.0.9' });
    const auth = await authorize({ tokenType: 'jwt' });
    const accessToken = String((await token(codeForm(auth))).json['access_token']);
    expect((await token(codeForm(auth))).status).toBe(400);
    expect(oidcStore(double!.state).validAccessToken(accessToken)?.uid).toBe('alice');
  });

  it('oidc 1.16.6: reusing a code is 400 and the token stays valid', async () => {
    await start({ nextcloud: 32, oidc: '1.16.6' });
    const auth = await authorize();
    const accessToken = String((await token(codeForm(auth))).json['access_token']);
    expect(await token(codeForm(auth))).toEqual({ status: 400, json: { error: 'invalid_request', error_description: 'Could not find access token for code or refresh_token.' } });
    expect(oidcStore(double!.state).validAccessToken(accessToken)?.uid).toBe('alice');
    expect((await userinfo(accessToken)).status).toBe(200);
  });

  it('client_secret_basic works in every oidc version; credentials are url-decoded from 2.0.8 (H2CK/oidc#685)', async () => {
    const basic = (id: string, secret: string): Record<string, string> => ({ Authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` });
    const encoded = (auth: AuthorizationResult): Record<string, string> => basic(encodeURIComponent(auth.client.clientId), encodeURIComponent(auth.client.clientSecret));
    const form = (auth: AuthorizationResult): Record<string, string> => ({ grant_type: 'authorization_code', code: auth.code!, code_verifier: auth.codeVerifier!, redirect_uri: auth.redirectUri });
    // Observed on 1.16.6 with NC 32.0.1: 200 and tokens.
    for (const [nextcloud, oidc] of [[32, '1.16.6'], [34, '2.0.7'], [34, '2.0.9']] as const) {
      await start({ nextcloud, oidc });
      const a = await authorize();
      const answer = await token(form(a), encoded(a));
      expect(answer.status, oidc).toBe(200);
      expect(typeof answer.json['access_token'], oidc).toBe('string');
      await double!.stop();
      double = undefined;
    }
    // A secret with a character RFC 6749 §2.3.1 encodes ('+' -> %2B) authenticates only where the app decodes it.
    for (const [oidc, status] of [['2.0.7', 400], ['2.0.8', 200]] as const) {
      await start({ nextcloud: 34, oidc });
      const a = await authorize();
      oidcStore(double!.state).clients.get(a.client.clientId)!.clientSecret = `${a.client.clientSecret}+`;
      const answer = await token(form(a), basic(a.client.clientId, encodeURIComponent(`${a.client.clientSecret}+`)));
      expect(answer.status, oidc).toBe(status);
      if (status === 400) expect(answer.json).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed.' });
      await double!.stop();
      double = undefined;
    }
  });

  it('the issuer follows the host the token was requested through', async () => {
    await start({ nextcloud: 34, oidc: '2.0.9' });
    const auth = await authorize({ tokenType: 'jwt' });
    const answer = await token(codeForm(auth));
    const payload = JSON.parse(Buffer.from(String(answer.json['access_token']).split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(payload['iss']).toBe(double!.url);
  });
});

describe('JWT access tokens', () => {
  it('oidc 2.0: RFC 9068 with typ at+JWT, aud = client id, preferred_username, scope and claims', async () => {
    await start({ nextcloud: 34, oidc: '2.0.9' });
    const auth = await authorize({ tokenType: 'jwt', scope: 'openid email groups' });
    const accessToken = String((await token(codeForm(auth))).json['access_token']);
    expect(decodeProtectedHeader(accessToken)).toMatchObject({ typ: 'at+JWT', alg: 'RS256' });
    const claims = await verify(accessToken, auth.client.clientId);
    expect(claims).toMatchObject({ sub: 'alice', client_id: auth.client.clientId, azp: auth.client.clientId, preferred_username: 'alice', scope: 'openid email groups', email: 'alice@example.test', groups: ['users'] });
    expect(claims.exp! - claims.iat!).toBe(900);
    expect(claims.jti).toMatch(/^\d+$/);
  });

  it('takes resource as audience', async () => {
    await start({ nextcloud: 34, oidc: '2.0.9' });
    const auth = await authorize({ tokenType: 'jwt', resource: 'https://mcp.example.test/mcp' });
    expect((await verify(String((await token(codeForm(auth))).json['access_token']), 'https://mcp.example.test/mcp')).sub).toBe('alice');
  });

  it('oidc 1.16.6 has no preferred_username; 1.11 uses https://rs.local/ as default audience', async () => {
    await start({ nextcloud: 32, oidc: '1.16.6' });
    const a = await authorize({ tokenType: 'jwt' });
    const claims = await verify(String((await token(codeForm(a))).json['access_token']), a.client.clientId);
    expect(claims).not.toHaveProperty('preferred_username');
    await double!.stop();
    await start({ nextcloud: 32, oidc: '1.11.0' });
    const b = await authorize({ tokenType: 'jwt' });
    expect((await verify(String((await token(codeForm(b))).json['access_token']), 'https://rs.local/')).client_id).toBe(b.client.clientId);
  });

  it('the default token type applies to clients without a token type of their own', async () => {
    await start({ tokenType: 'jwt' });
    const created = await double!.occ(['oidc:create', 'static', 'http://127.0.0.1:9/callback']);
    const client = JSON.parse(created.stdout) as { client_id: string; client_secret: string; token_type: string };
    expect(client.token_type).toBe('jwt');
    const auth = await authorize({ client: { clientId: client.client_id, clientSecret: client.client_secret } });
    expect(String((await token(codeForm(auth))).json['access_token']).split('.')).toHaveLength(3);
  });
});

describe('/token with refresh_token', () => {
  it('oidc 1.12+: a refresh token only with offline_access or provide_refresh_token_always', async () => {
    await start({ nextcloud: 32, oidc: '1.12.0' });
    expect(await token(codeForm(await authorize({ scope: 'openid' })))).toSatisfy((a: { json: Record<string, unknown> }) => !('refresh_token' in a.json));
    const offline = await token(codeForm(await authorize({ scope: 'openid offline_access' })));
    expect(offline.json['refresh_token']).toMatch(/^[A-Za-z0-9]{128}$/);
    expect(offline.json['refresh_expires_in']).toBe(900);
    await double!.occ(['config:app:set', 'oidc', 'provide_refresh_token_always', '--value=true']);
    expect((await token(codeForm(await authorize({ scope: 'openid' })))).json).toHaveProperty('refresh_token');
  });

  it('oidc 1.11: always a refresh token', async () => {
    await start({ nextcloud: 32, oidc: '1.11.0' });
    expect((await token(codeForm(await authorize({ scope: 'openid' })))).json).toHaveProperty('refresh_token');
  });

  it('rotates: the new pair works, the old refresh token and the old opaque access token do not', async () => {
    await start({ nextcloud: 34, oidc: '2.0.9' });
    const auth = await authorize({ scope: 'openid offline_access' });
    const first = (await token(codeForm(auth))).json;
    clock += 60_000;
    const refresh = (form: Record<string, string>): ReturnType<typeof token> => token({ grant_type: 'refresh_token', client_id: auth.client.clientId, client_secret: auth.client.clientSecret, ...form });
    const second = await refresh({ refresh_token: String(first['refresh_token']) });
    expect(second.status).toBe(200);
    expect(second.json['refresh_token']).not.toBe(first['refresh_token']);
    expect((await userinfo(String(first['access_token']))).status).toBe(400);
    expect((await userinfo(String(second.json['access_token']))).status).toBe(200);
    expect((await refresh({ refresh_token: String(first['refresh_token']) })).json['error']).toBe('invalid_grant');
    clock += 1801_000;
    expect(await refresh({ refresh_token: String(second.json['refresh_token']) })).toEqual({ status: 400, json: { error: 'invalid_grant', error_description: 'Refresh token is expired.' } });
  });
});

describe('token lifetime at user_oidc', () => {
  it('expires_in is 900 but the token is accepted until about twice that', async () => {
    await start();
    const accessToken = String((await token(codeForm(await authorize()))).json['access_token']);
    const store = oidcStore(double!.state);
    clock += 1799_000;
    expect(store.validAccessToken(accessToken)).toBeDefined();
    clock += 2_000;
    expect(store.validAccessToken(accessToken)).toBeUndefined();
  });
});

describe('/userinfo', () => {
  it('answers sub and preferred_username always, more by scope', async () => {
    await start({ nextcloud: 34, oidc: '2.0.9' });
    const minimal = await userinfo(String((await token(codeForm(await authorize({ scope: 'openid' })))).json['access_token']));
    expect(minimal).toEqual({ status: 200, json: { sub: 'alice', preferred_username: 'alice', scope: 'openid' } });
    const email = await userinfo(String((await token(codeForm(await authorize({ scope: 'openid email' })))).json['access_token']));
    expect(email.json).toEqual({ sub: 'alice', preferred_username: 'alice', scope: 'openid email', email: 'alice@example.test', email_verified: false });
    const full = (await userinfo(String((await token(codeForm(await authorize({ scope: 'openid profile roles groups' })))).json['access_token']))).json;
    expect(full).toMatchObject({ name: 'Alice Liddell', given_name: 'Alice', family_name: 'Liddell', roles: ['users'], groups: ['users'], picture: `${double!.url}/avatar/alice/64` });
    expect(full).not.toHaveProperty('email');
  });

  it('takes the token from a POST body too; no token, an unknown or an expired one is 400', async () => {
    await start();
    const accessToken = String((await token(codeForm(await authorize({ scope: 'openid' })))).json['access_token']);
    const post = await fetch(`${double!.url}/index.php/apps/oidc/userinfo`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `access_token=${accessToken}` });
    expect(post.status).toBe(200);
    expect(await userinfo('', { headers: {} })).toEqual({ status: 400, json: { error: 'invalid_request', error_description: 'No bearer token found in request.' } });
    expect((await userinfo('x'.repeat(72))).status).toBe(400);
    clock += 1801_000;
    // user_oidc's bearer check runs first and deletes the expired row, so the app no longer finds it.
    expect(await userinfo(accessToken)).toEqual({ status: 400, json: { error: 'invalid_request', error_description: 'Could not find provided bearer token.' } });
    await double!.occ(['config:system:delete', 'user_oidc', 'oidc_provider_bearer_validation']);
    const fresh = String((await token(codeForm(await authorize({ scope: 'openid' })))).json['access_token']);
    clock += 1801_000;
    expect(await userinfo(fresh)).toEqual({ status: 400, json: { error: 'invalid_grant', error_description: 'Access token already expired.' } });
  });
});

describe('/introspect', () => {
  async function introspect(form: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${double!.url}/index.php/apps/oidc/introspect`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString() });
    return { status: response.status, json: (await response.json().catch(() => ({}))) as Record<string, unknown> };
  }

  it('tells the owning client about its active token, other clients nothing', async () => {
    await start({ nextcloud: 34, oidc: '2.0.9' });
    const auth = await authorize({ scope: 'openid email' });
    const accessToken = String((await token(codeForm(auth))).json['access_token']);
    const answer = await introspect({ token: accessToken, client_id: auth.client.clientId, client_secret: auth.client.clientSecret });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ active: true, scope: 'openid email', client_id: auth.client.clientId, username: 'alice', sub: 'alice', token_type: 'Bearer', aud: auth.client.clientId });
    expect(answer.json['exp']).toBe(Math.floor(clock / 1000) + 1800);
    const other = await registerClient(double!.url, { redirect_uris: ['http://127.0.0.1:9/x'] });
    expect((await introspect({ token: accessToken, client_id: other.clientId, client_secret: other.clientSecret })).json).toEqual({ active: false });
    const basic = `Basic ${Buffer.from(`${auth.client.clientId}:${auth.client.clientSecret}`).toString('base64')}`;
    expect((await introspect({ token: accessToken }, { Authorization: basic })).json['active']).toBe(true);
    expect((await introspect({ token: 'nope', client_id: auth.client.clientId, client_secret: auth.client.clientSecret })).json).toEqual({ active: false });
  });

  it('needs client credentials and a token', async () => {
    await start({ nextcloud: 34, oidc: '2.0.9' });
    const auth = await authorize();
    expect(await introspect({ token: 'x', client_id: auth.client.clientId, client_secret: 'wrong' })).toEqual({ status: 401, json: { error: 'invalid_client', error_description: 'Client authentication failed.' } });
    expect(await introspect({ client_id: auth.client.clientId, client_secret: auth.client.clientSecret })).toEqual({ status: 400, json: { error: 'invalid_request', error_description: 'Token parameter is required.' } });
  });

  it('does not exist before oidc 1.11', async () => {
    await start({ nextcloud: 32, oidc: '1.10.0' });
    expect((await introspect({ token: 'x' })).status).toBe(404);
  });
});
