import { afterEach, describe, expect, it } from 'vitest';
import { startDouble, type StartDoubleOptions, type StartedDouble } from '../start-double.ts';
import { DCR_MAX_CLIENTS } from './dcr-routes.ts';
import { oidcStore } from './oidc-store.ts';

let double: StartedDouble | undefined;
afterEach(async () => {
  await double?.stop();
  double = undefined;
});

async function register(body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${double!.url}/index.php/apps/oidc/register`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

async function start(options: StartDoubleOptions = {}): Promise<StartedDouble> {
  double = await startDouble(options);
  return double;
}

describe('dynamic client registration', () => {
  it('is refused with 400 dynamic_registration_not_allowed while off', async () => {
    await start({ dcr: false });
    const answer = await register({ redirect_uris: ['http://127.0.0.1:9/cb'] });
    expect(answer).toEqual({ status: 400, json: { error: 'dynamic_registration_not_allowed', error_description: 'Dynamic Client Registration is disabled.' } });
  });

  it('registers a confidential client_secret_post client with 201 and the RFC 7591/7592 fields', async () => {
    await start({ nextcloud: 32, oidc: '1.16.6' });
    const before = Math.floor(Date.now() / 1000);
    const answer = await register({ client_name: 'My MCP client', redirect_uris: ['http://127.0.0.1:9/cb'], token_endpoint_auth_method: 'none' });
    expect(answer.status).toBe(201);
    const j = answer.json;
    expect(j['client_id']).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(j['client_secret']).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(j['registration_access_token']).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(j).toMatchObject({
      client_name: 'My MCP client',
      registration_client_uri: `${double!.url}/index.php/apps/oidc/register/${String(j['client_id'])}`,
      redirect_uris: ['http://127.0.0.1:9/cb'],
      token_endpoint_auth_method: 'client_secret_post',
      response_types: ['code'],
      grant_types: ['authorization_code'],
      id_token_signed_response_alg: 'RS256',
      application_type: 'web',
      scope: '',
      token_type: 'opaque',
    });
    expect(j['client_id_issued_at']).toBeGreaterThanOrEqual(before);
    expect(j['client_secret_expires_at']).toBe((j['client_id_issued_at'] as number) + 3600);
    expect(oidcStore(double!.state).clients.get(String(j['client_id']))).toMatchObject({ type: 'confidential', dynamic: true });
  });

  it('names a client without client_name after the caller', async () => {
    await start();
    expect((await register({ redirect_uris: ['http://127.0.0.1:9/cb'] })).json['client_name']).toBe('DCR-127.0.0.1');
  });

  it('requires redirect_uris', async () => {
    await start();
    const expected = { status: 400, json: { error: 'no_redirect_uris_provided', error_description: 'Dynamic Client Registration requires redirect_uris to be set.' } };
    expect(await register({ client_name: 'x' })).toEqual(expected);
    expect(await register({ redirect_uris: [] })).toEqual(expected);
    expect(await register({ redirect_uris: 'http://127.0.0.1:9/cb' })).toEqual(expected);
  });

  it('takes scope as the allowed scopes, checking its characters and cutting it to 512', async () => {
    await start();
    expect((await register({ redirect_uris: ['http://127.0.0.1:9/cb'], scope: ' openid mcp:read https://x.test/a_b-c ' })).json['scope']).toBe('openid mcp:read https://x.test/a_b-c');
    const bad = await register({ redirect_uris: ['http://127.0.0.1:9/cb'], scope: 'openid "quoted"' });
    expect(bad.status).toBe(400);
    expect(bad.json['error']).toBe('invalid_scope');
    expect(String((await register({ redirect_uris: ['http://127.0.0.1:9/cb'], scope: 'a'.repeat(600) })).json['scope'])).toHaveLength(512);
  });

  it('honours token_type; an unknown value falls back to default_token_type, a missing one is opaque', async () => {
    await start({ tokenType: 'jwt' });
    expect((await register({ redirect_uris: ['http://127.0.0.1:9/cb'], token_type: 'jwt' })).json['token_type']).toBe('jwt');
    expect((await register({ redirect_uris: ['http://127.0.0.1:9/cb'], token_type: 'Bearer' })).json['token_type']).toBe('jwt');
    expect((await register({ redirect_uris: ['http://127.0.0.1:9/cb'] })).json['token_type']).toBe('opaque');
  });

  it('before oidc 1.11 has no registration token, scope or token_type', async () => {
    await start({ nextcloud: 32, oidc: '1.10.0' });
    const answer = await register({ redirect_uris: ['http://127.0.0.1:9/cb'], token_type: 'jwt', scope: 'openid' });
    expect(answer.status).toBe(201);
    expect(answer.json).not.toHaveProperty('registration_access_token');
    expect(answer.json).not.toHaveProperty('registration_client_uri');
    expect(answer.json).not.toHaveProperty('token_type');
    expect(oidcStore(double!.state).clients.get(String(answer.json['client_id']))?.tokenType).toBe('opaque');
    expect((await fetch(`${double!.url}/index.php/apps/oidc/register/${String(answer.json['client_id'])}`)).status).toBe(404);
  });

  it('deletes dynamic clients after client_expire_time', async () => {
    let now = Date.parse('2026-05-01T08:00:00Z');
    await start({ now: () => now });
    await double!.occ(['config:app:set', 'oidc', 'client_expire_time', '--value=600']);
    const first = await register({ redirect_uris: ['http://127.0.0.1:9/cb'] });
    expect(first.json['client_secret_expires_at']).toBe((first.json['client_id_issued_at'] as number) + 600);
    const store = oidcStore(double!.state);
    now += 600_000;
    await register({ redirect_uris: ['http://127.0.0.1:9/cb'] });
    expect(store.clients.has(String(first.json['client_id']))).toBe(true);
    now += 2_000;
    await register({ redirect_uris: ['http://127.0.0.1:9/cb'] });
    expect(store.clients.has(String(first.json['client_id']))).toBe(false);
  });

  it('rate limits an address to 10 registrations per 60 s while rate limiting is on', async () => {
    let now = Date.parse('2026-05-01T08:00:00Z');
    await start({ now: () => now });
    await double!.occ(['config:system:set', 'ratelimit.protection.enabled', '--value=true', '--type=boolean']);
    for (let i = 0; i < 10; i++) expect((await register({ redirect_uris: ['http://127.0.0.1:9/cb'] })).status).toBe(201);
    expect(await register({ redirect_uris: ['http://127.0.0.1:9/cb'] })).toEqual({ status: 429, json: [] as unknown as Record<string, unknown> });
    now += 61_000;
    expect((await register({ redirect_uris: ['http://127.0.0.1:9/cb'] })).status).toBe(201);
    await double!.occ(['config:system:set', 'ratelimit.protection.enabled', '--value=false', '--type=boolean']);
    for (let i = 0; i < 12; i++) expect((await register({ redirect_uris: ['http://127.0.0.1:9/cb'] })).status).toBe(201);
  });

  it('refuses registrations while more than 100 dynamic clients exist', async () => {
    await start();
    const store = oidcStore(double!.state);
    for (let i = 0; i < DCR_MAX_CLIENTS; i++) store.createClient({ name: `c${i}`, redirectUris: ['http://127.0.0.1:9/cb'], dynamic: true });
    expect((await register({ redirect_uris: ['http://127.0.0.1:9/cb'] })).status).toBe(201);
    expect(await register({ redirect_uris: ['http://127.0.0.1:9/cb'] })).toEqual({ status: 400, json: { error: 'max_num_clients_exceeded', error_description: 'Maximum number of dynamic registered clients exceeded.' } });
    expect(store.dynamicClientCount()).toBe(DCR_MAX_CLIENTS + 1);
  });

  it('answers 404 while the oidc app is disabled', async () => {
    await start({ configure: false });
    const response = await fetch(`${double!.url}/index.php/apps/oidc/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"redirect_uris":["http://127.0.0.1:9/cb"]}' });
    expect(response.status).toBe(404);
  });
});

describe('RFC 7592 client management', () => {
  async function registered(): Promise<Record<string, unknown>> {
    return (await register({ client_name: 'managed', redirect_uris: ['http://127.0.0.1:9/cb'], scope: 'openid' })).json;
  }
  const call = (method: string, uri: string, token?: string, body?: unknown): Promise<Response> =>
    fetch(uri, { method, headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });

  it('reads, updates (rotating the token) and deletes a client with its registration access token', async () => {
    let now = Date.parse('2026-05-01T08:00:00Z');
    await start({ now: () => now });
    const client = await registered();
    const uri = String(client['registration_client_uri']);
    const read = await call('GET', uri, String(client['registration_access_token']));
    expect(read.status).toBe(200);
    const config = (await read.json()) as Record<string, unknown>;
    expect(config).toMatchObject({ client_id: client['client_id'], client_secret: client['client_secret'], client_name: 'managed', redirect_uris: ['http://127.0.0.1:9/cb'], scope: 'openid', token_endpoint_auth_method: 'client_secret_post' });
    expect(config).not.toHaveProperty('registration_access_token');

    const updated = await call('PUT', uri, String(client['registration_access_token']), { client_name: 'renamed', redirect_uris: ['http://127.0.0.1:9/other'], scope: 'openid email' });
    expect(updated.status).toBe(200);
    const after = (await updated.json()) as Record<string, unknown>;
    expect(after).toMatchObject({ client_name: 'renamed', redirect_uris: ['http://127.0.0.1:9/other'], scope: 'openid email' });
    expect(after['registration_access_token']).not.toBe(client['registration_access_token']);
    // The old token works for a 60 s grace period.
    expect((await call('GET', uri, String(client['registration_access_token']))).status).toBe(200);
    now += 61_000;
    expect((await call('GET', uri, String(client['registration_access_token']))).status).toBe(401);

    const deleted = await call('DELETE', uri, String(after['registration_access_token']));
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');
    expect(oidcStore(double!.state).clients.has(String(client['client_id']))).toBe(false);
    expect((await call('GET', uri, String(after['registration_access_token']))).status).toBe(401);
  });

  it('refuses missing, wrong and foreign tokens and static clients', async () => {
    await start();
    const a = await registered();
    const b = await registered();
    const uriA = String(a['registration_client_uri']);
    const missing = await call('GET', uriA);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ error: 'invalid_token', error_description: 'Invalid or missing registration access token.' });
    expect((await call('GET', uriA, 'x'.repeat(64))).status).toBe(401);
    const foreign = await call('GET', uriA, String(b['registration_access_token']));
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as Record<string, unknown>)['error']).toBe('unauthorized_client');
    const staticClient = oidcStore(double!.state).createClient({ name: 'static', redirectUris: ['http://127.0.0.1:9/cb'] });
    oidcStore(double!.state).registrationTokens.set('t'.repeat(64), { token: 't'.repeat(64), clientId: staticClient.clientId, createdAt: 0, expiresAt: null });
    const notDynamic = await call('DELETE', `${double!.url}/index.php/apps/oidc/register/${staticClient.clientId}`, 't'.repeat(64));
    expect(notDynamic.status).toBe(403);
    expect(((await notDynamic.json()) as Record<string, unknown>)['error']).toBe('invalid_client');
  });
});
