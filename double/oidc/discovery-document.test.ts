import { afterEach, describe, expect, it } from 'vitest';
import { startDouble, type StartDoubleOptions, type StartedDouble } from '../start-double.ts';
import { getWithHost } from './http-test-kit.ts';

let double: StartedDouble | undefined;
afterEach(async () => {
  await double?.stop();
  double = undefined;
});

async function discovery(options: StartDoubleOptions, path = '/.well-known/openid-configuration'): Promise<Record<string, unknown>> {
  double = await startDouble(options);
  const response = await fetch(`${double.url}${path}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

describe('discovery', () => {
  it('answers at both paths, with and without /index.php, the same document', async () => {
    double = await startDouble({ nextcloud: 32, oidc: '1.16.6' });
    const bodies = await Promise.all(
      ['/.well-known/openid-configuration', '/index.php/.well-known/openid-configuration', '/apps/oidc/openid-configuration', '/index.php/apps/oidc/openid-configuration'].map(async (p) => {
        const r = await fetch(`${double!.url}${p}`);
        expect(r.status, p).toBe(200);
        expect(r.headers.get('access-control-allow-origin')).toBe('*');
        return r.text();
      }),
    );
    expect(new Set(bodies).size).toBe(1);
    const doc = JSON.parse(bodies[0]!) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer: double.url,
      authorization_endpoint: `${double.url}/index.php/apps/oidc/authorize`,
      token_endpoint: `${double.url}/index.php/apps/oidc/token`,
      userinfo_endpoint: `${double.url}/index.php/apps/oidc/userinfo`,
      jwks_uri: `${double.url}/index.php/apps/oidc/jwks`,
      end_session_endpoint: `${double.url}/index.php/apps/oidc/logout`,
      id_token_signing_alg_values_supported: ['RS256', 'HS256'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      response_types_supported: ['code', 'code id_token', 'id_token'],
    });
    // PHP's json_encode escapes slashes.
    expect(bodies[0]).toContain('http:\\/\\/');
  });

  it('builds issuer and endpoints from the Host the request came through', async () => {
    double = await startDouble();
    const answer = await getWithHost(double.url, '/index.php/.well-known/openid-configuration', 'cloud.example.test:8443');
    const doc = JSON.parse(answer.body) as Record<string, unknown>;
    expect(doc['issuer']).toBe('http://cloud.example.test:8443');
    expect(doc['token_endpoint']).toBe('http://cloud.example.test:8443/index.php/apps/oidc/token');
  });

  it('oidc 1.8.x advertises no PKCE, no introspection, no offline_access', async () => {
    const doc = await discovery({ nextcloud: 31, oidc: '1.8.5' });
    expect(doc).not.toHaveProperty('code_challenge_methods_supported');
    expect(doc).not.toHaveProperty('introspection_endpoint');
    expect(doc['scopes_supported']).toEqual(['openid', 'profile', 'email', 'roles', 'groups']);
    expect(doc).toHaveProperty('registration_endpoint');
  });

  it('oidc 1.10 advertises PKCE S256 and plain but no introspection', async () => {
    const doc = await discovery({ nextcloud: 32, oidc: '1.10.0' });
    expect(doc['code_challenge_methods_supported']).toEqual(['S256', 'plain']);
    expect(doc).not.toHaveProperty('introspection_endpoint');
  });

  it('oidc 1.11 adds introspection; 1.12 adds offline_access; 2.0 the refresh grant and the claims parameter', async () => {
    const v111 = await discovery({ nextcloud: 32, oidc: '1.11.0' });
    expect(v111['introspection_endpoint']).toBe(`${double!.url}/index.php/apps/oidc/introspect`);
    expect(v111['introspection_endpoint_auth_methods_supported']).toEqual(['client_secret_post', 'client_secret_basic']);
    expect(v111['scopes_supported']).not.toContain('offline_access');
    await double!.stop();
    const v112 = await discovery({ nextcloud: 32, oidc: '1.12.0' });
    expect(v112['scopes_supported']).toContain('offline_access');
    expect(v112['grant_types_supported']).toEqual(['authorization_code', 'implicit']);
    expect(v112).not.toHaveProperty('claims_parameter_supported');
    await double!.stop();
    const v209 = await discovery({ nextcloud: 34, oidc: '2.0.9' });
    expect(v209['grant_types_supported']).toEqual(['authorization_code', 'implicit', 'refresh_token']);
    expect(v209['response_modes_supported']).toEqual(['query', 'fragment', 'form_post']);
    expect(v209['claims_parameter_supported']).toBe(true);
  });

  it('lists registration_endpoint only while dynamic_client_registration is the string true', async () => {
    double = await startDouble({ dcr: false, appConfigCacheTtlMs: 0 });
    const get = async (): Promise<Record<string, unknown>> => (await (await fetch(`${double!.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(await get()).not.toHaveProperty('registration_endpoint');
    await double.occ(['config:app:set', 'oidc', 'dynamic_client_registration', '--value=1']);
    expect(await get()).not.toHaveProperty('registration_endpoint');
    await double.occ(['config:app:set', 'oidc', 'dynamic_client_registration', '--value=true']);
    expect((await get())['registration_endpoint']).toBe(`${double.url}/index.php/apps/oidc/register`);
  });

  it('sees a DCR change made through occ only when the web process\'s app config cache expires (NC >= 32 with a local cache)', async () => {
    const registered = async (): Promise<boolean> => 'registration_endpoint' in ((await (await fetch(`${double!.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>);
    double = await startDouble({ nextcloud: 34, appConfigCacheTtlMs: 400 });
    expect(await registered()).toBe(true);
    await double.occ(['config:app:delete', 'oidc', 'dynamic_client_registration']);
    expect(await registered()).toBe(true);
    const refused = await fetch(`${double.url}/index.php/apps/oidc/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:9/cb'] }) });
    expect(refused.status).toBe(201);
    await new Promise((r) => setTimeout(r, 450));
    expect(await registered()).toBe(false);
    // cache_app_config=false: every request reads the database.
    await double.occ(['config:system:set', 'cache_app_config', '--value=false', '--type=boolean']);
    await double.occ(['config:app:set', 'oidc', 'dynamic_client_registration', '--value=true']);
    expect(await registered()).toBe(true);
    await double.stop();
    // The default is Nextcloud's 3 s; NC 31 has no such cache.
    double = await startDouble({ nextcloud: 34 });
    expect(double.state.appConfigCacheTtlMs).toBe(3000);
    expect(double.state.webCachesAppConfig()).toBe(true);
    await double.occ(['config:system:delete', 'memcache.local']);
    expect(double.state.webCachesAppConfig()).toBe(false);
    await double.stop();
    double = await startDouble({ nextcloud: 31 });
    expect(double.state.webCachesAppConfig()).toBe(false);
  });

  it('adds the scopes clients allow (oidc >= 1.11)', async () => {
    double = await startDouble({ nextcloud: 32, oidc: '1.16.6' });
    await double.occ(['oidc:create', 'MCP', 'http://127.0.0.1:9/cb', '--allowed_scopes', 'openid mcp:tools']);
    const doc = (await (await fetch(`${double.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(doc['scopes_supported']).toContain('mcp:tools');
  });

  it('is 404 while the oidc app is disabled', async () => {
    double = await startDouble({ configure: false });
    const wellKnown = await fetch(`${double.url}/.well-known/openid-configuration`);
    expect(wellKnown.status).toBe(404);
    expect(await wellKnown.json()).toEqual({ message: 'openid-configuration not supported' });
    expect((await fetch(`${double.url}/index.php/apps/oidc/openid-configuration`)).status).toBe(404);
    await double.occ(['app:enable', 'oidc']);
    expect((await fetch(`${double.url}/index.php/apps/oidc/openid-configuration`)).status).toBe(200);
  });

  it('publishes one RS256 key at /jwks', async () => {
    double = await startDouble();
    const response = await fetch(`${double.url}/index.php/apps/oidc/jwks`);
    const jwks = (await response.json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256', key_ops: ['verify'], e: 'AQAB' });
    expect(jwks.keys[0]!['kid']).toBe(double.state.getAppValue('oidc', 'kid'));
  });
});
