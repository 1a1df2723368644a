import { afterEach, describe, expect, it } from 'vitest';
import { createLocalJWKSet, jwtVerify, decodeProtectedHeader } from 'jose';
import { startDouble, type StartedDouble } from '../start-double.ts';
import { issueAccessToken, OidcTokenError } from './issue-tokens.ts';
import { oidcStore } from './oidc-store.ts';
import { oidcSigningKey } from './oidc-keys.ts';

let double: StartedDouble | undefined;
afterEach(async () => {
  await double?.stop();
  double = undefined;
});

describe('issueAccessToken', () => {
  it('mints a 72-character opaque token that the store accepts, with an internal client', async () => {
    double = await startDouble();
    const record = await issueAccessToken(double.state, { uid: 'alice' });
    expect(record.token).toMatch(/^[A-Za-z0-9]{72}$/);
    expect(record.format).toBe('opaque');
    expect(record.scope).toBe('openid profile email roles');
    expect(record.expiresIn).toBe(900);
    const store = oidcStore(double.state);
    expect(store.validAccessToken(record.token)?.uid).toBe('alice');
    expect(store.clients.get(record.clientId)?.name).toBe('nc-oauth-lab internal client');
    const second = await issueAccessToken(double.state, { uid: 'bob' });
    expect(second.clientId).toBe(record.clientId);
  });

  it('mints an RFC 9068 JWT signed with the key published at /jwks', async () => {
    double = await startDouble({ nextcloud: 34, oidc: '2.0.9' });
    const record = await issueAccessToken(double.state, { uid: 'alice', format: 'jwt', scope: 'openid email groups', resource: 'https://mcp.example.test/' });
    expect(record.format).toBe('jwt');
    const jwks = createLocalJWKSet({ keys: [oidcSigningKey(double.state).jwk] });
    const { payload } = await jwtVerify(record.token, jwks, { issuer: double.url, audience: 'https://mcp.example.test/' });
    expect(decodeProtectedHeader(record.token)).toMatchObject({ typ: 'at+JWT', alg: 'RS256' });
    expect(payload).toMatchObject({ sub: 'alice', client_id: record.clientId, scope: 'openid email groups', preferred_username: 'alice', email: 'alice@example.test', groups: ['users'] });
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(oidcStore(double.state).validAccessToken(record.token)?.uid).toBe('alice');
  });

  it('rejects unknown users and clients with a coded error', async () => {
    double = await startDouble();
    await expect(issueAccessToken(double.state, { uid: 'nobody' })).rejects.toMatchObject({ code: 'ERR_OIDC_UNKNOWN_USER' });
    await expect(issueAccessToken(double.state, { uid: 'alice', clientId: 'nope' })).rejects.toBeInstanceOf(OidcTokenError);
  });

  it('expires with the store after about twice expire_time', async () => {
    let now = Date.parse('2026-03-01T10:00:00Z');
    double = await startDouble({ now: () => now });
    const record = await issueAccessToken(double.state, { uid: 'alice' });
    const store = oidcStore(double.state);
    now += 1799_000;
    expect(store.validAccessToken(record.token)).toBeDefined();
    now += 2_000;
    expect(store.validAccessToken(record.token)).toBeUndefined();
  });
});
