import { serve, type ServerType } from '@hono/node-server';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { Hono } from 'hono';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OidcDiscovery } from './oidc-discovery.ts';
import { createLogger } from './redacting-logger.ts';
import { TokenCheckUnavailableError, TokenValidator, type TokenValidatorOptions } from './token-validator.ts';

/** The public issuer the tokens name; the validator reaches the issuer on its internal 127.0.0.1 URL. */
const PUBLIC_ISSUER = 'https://cloud.example.test';

interface FakeIssuer {
  url: string;
  key: CryptoKey;
  kid: string;
  /** Opaque tokens userinfo accepts, by token. */
  users: Map<string, { sub: string; scope?: string }>;
  calls: { userinfo: number; jwks: number };
  userinfoStatus?: number;
  server: ServerType;
}

async function startIssuer(): Promise<FakeIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const issuer = { key: privateKey, kid: 'test-key', users: new Map(), calls: { userinfo: 0, jwks: 0 } } as unknown as FakeIssuer;
  const app = new Hono();
  app.get('/index.php/apps/oidc/openid-configuration', (c) =>
    c.json({ issuer: PUBLIC_ISSUER, jwks_uri: `${PUBLIC_ISSUER}/index.php/apps/oidc/jwks`, userinfo_endpoint: `${PUBLIC_ISSUER}/index.php/apps/oidc/userinfo` }),
  );
  app.get('/index.php/apps/oidc/jwks', (c) => {
    issuer.calls.jwks += 1;
    return c.json({ keys: [jwk] });
  });
  app.get('/index.php/apps/oidc/userinfo', async (c) => {
    issuer.calls.userinfo += 1;
    await new Promise((r) => setTimeout(r, 20));
    if (issuer.userinfoStatus) return c.text('down', issuer.userinfoStatus as 500);
    const token = (c.req.header('authorization') ?? '').replace(/^Bearer /, '');
    const user = issuer.users.get(token);
    if (!user) return c.json({ error: 'invalid_request', error_description: 'Could not find provided bearer token.' }, 400);
    return c.json({ sub: user.sub, preferred_username: user.sub, ...(user.scope ? { scope: user.scope } : {}) });
  });
  issuer.server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  issuer.url = `http://127.0.0.1:${(issuer.server.address() as AddressInfo).port}`;
  return issuer;
}

describe('TokenValidator', () => {
  let issuer: FakeIssuer;
  let clock = Date.now();
  const logs: string[] = [];

  const validator = (overrides: Partial<TokenValidatorOptions> = {}): TokenValidator => {
    const logger = createLogger({ level: 'debug', write: (l) => logs.push(l) });
    const discovery = new OidcDiscovery({ nextcloudUrl: issuer.url, issuerUrl: PUBLIC_ISSUER, fetch: (i, init) => fetch(i, init), timeoutMs: 2000, logger });
    return new TokenValidator({ discovery, expectedIssuers: () => [PUBLIC_ISSUER], cacheTtlSeconds: 60, failureTtlSeconds: 5, fetch: (i, init) => fetch(i, init), timeoutMs: 2000, logger, now: () => clock, ...overrides });
  };

  const jwt = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, key: CryptoKey = issuer.key): Promise<string> => {
    const now = Math.floor(clock / 1000);
    return new SignJWT({ sub: 'alice', client_id: 'client-1', scope: 'openid profile', iss: PUBLIC_ISSUER, aud: 'client-1', iat: now, exp: now + 900, ...claims })
      .setProtectedHeader({ alg: 'RS256', typ: 'at+JWT', kid: issuer.kid, ...header })
      .sign(key);
  };

  const rejection = async (v: TokenValidator, token: string): Promise<Error> => {
    try {
      await v.validate(token);
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected the token to be rejected');
  };

  beforeAll(async () => {
    issuer = await startIssuer();
  });
  afterAll(() => new Promise<void>((resolve) => issuer.server.close(() => resolve())));
  beforeEach(() => {
    clock = Date.now();
    issuer.calls.userinfo = 0;
    issuer.userinfoStatus = undefined;
    issuer.users.clear();
  });

  it('accepts an RFC 9068 JWT by its signature, without asking userinfo, keys fetched through the internal URL', async () => {
    const v = validator();
    const principal = await v.validate(await jwt());
    expect(principal).toMatchObject({ uid: 'alice', scopes: ['openid', 'profile'], clientId: 'client-1', via: 'jwt' });
    expect(issuer.calls.userinfo).toBe(0);
    expect(issuer.calls.jwks).toBeGreaterThan(0);
    expect(v.stats.jwtVerifications).toBe(1);
  });

  it('rejects expired, foreign-issuer, foreign-key, non-access and unsigned JWTs with invalid_token', async () => {
    const v = validator();
    const expired = await jwt({ exp: Math.floor(clock / 1000) - 120 });
    expect(await rejection(v, expired)).toBeInstanceOf(InvalidTokenError);
    expect((await rejection(v, expired)).message).toMatch(/expired/);
    expect((await rejection(v, await jwt({ iss: 'https://evil.example.test' }))).message).toMatch(/issuer/);
    const other = await generateKeyPair('RS256');
    expect((await rejection(v, await jwt({}, {}, other.privateKey))).message).toMatch(/signature/);
    expect((await rejection(v, await jwt({}, { kid: 'unknown-kid' }, other.privateKey))).message).toMatch(/signature/);
    expect((await rejection(v, await jwt({}, { typ: 'JWT' }))).message).toMatch(/not an access token/);
    const [h, p] = (await jwt()).split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+JWT' })).toString('base64url')}.${p}.`;
    expect(h).toBeTruthy();
    expect((await rejection(v, none)).message).toMatch(/unsigned/);
  });

  it('checks aud only when configured', async () => {
    const token = await jwt({ aud: 'client-1' });
    await expect(validator().validate(token)).resolves.toMatchObject({ uid: 'alice' });
    expect((await rejection(validator({ audience: 'https://mcp.example.test/mcp' }), token)).message).toMatch(/aud/);
    await expect(validator({ audience: 'https://mcp.example.test/mcp' }).validate(await jwt({ aud: ['https://mcp.example.test/mcp'] }))).resolves.toMatchObject({ uid: 'alice' });
  });

  it('stops trusting a cached JWT at its exp', async () => {
    const v = validator();
    const token = await jwt({ exp: Math.floor(clock / 1000) + 60 });
    await v.validate(token);
    await v.validate(token);
    expect(v.stats.cacheHits).toBe(1);
    clock += 120_000;
    expect((await rejection(v, token)).message).toMatch(/expired/);
  });

  it('checks opaque tokens through userinfo once: 50 concurrent and 50 later checks make one call', async () => {
    issuer.users.set('opaque-token-1', { sub: 'bob', scope: 'openid email' });
    const v = validator();
    const all = await Promise.all(Array.from({ length: 50 }, () => v.validate('opaque-token-1')));
    for (let i = 0; i < 50; i++) await v.validate('opaque-token-1');
    expect(new Set(all.map((p) => p.uid))).toEqual(new Set(['bob']));
    expect(all[0]).toMatchObject({ uid: 'bob', scopes: ['openid', 'email'], via: 'userinfo' });
    expect(issuer.calls.userinfo).toBe(1);
    expect(v.stats.userinfoCalls).toBe(1);
  });

  it('asks userinfo again after the cache TTL', async () => {
    issuer.users.set('opaque-token-2', { sub: 'bob' });
    const v = validator({ cacheTtlSeconds: 30 });
    await v.validate('opaque-token-2');
    clock += 29_000;
    await v.validate('opaque-token-2');
    expect(issuer.calls.userinfo).toBe(1);
    clock += 2_000;
    await v.validate('opaque-token-2');
    expect(issuer.calls.userinfo).toBe(2);
  });

  it('remembers a rejected token for the failure TTL only', async () => {
    const v = validator();
    for (let i = 0; i < 10; i++) expect((await rejection(v, 'unknown-token')).message).toMatch(/Could not find provided bearer token/);
    expect(issuer.calls.userinfo).toBe(1);
    clock += 6_000;
    issuer.users.set('unknown-token', { sub: 'carol' });
    await expect(v.validate('unknown-token')).resolves.toMatchObject({ uid: 'carol' });
    expect(issuer.calls.userinfo).toBe(2);
  });

  it('answers unavailable (not invalid) when userinfo fails, and does not cache that', async () => {
    issuer.userinfoStatus = 502;
    issuer.users.set('opaque-token-3', { sub: 'bob' });
    const v = validator();
    expect(await rejection(v, 'opaque-token-3')).toBeInstanceOf(TokenCheckUnavailableError);
    issuer.userinfoStatus = undefined;
    await expect(v.validate('opaque-token-3')).resolves.toMatchObject({ uid: 'bob' });
  });

  it('checks HS256 JWTs (signed with a client secret) through userinfo and keeps their exp and scope', async () => {
    const now = Math.floor(clock / 1000);
    const token = await new SignJWT({ sub: 'alice', scope: 'openid notes', exp: now + 300, iss: PUBLIC_ISSUER }).setProtectedHeader({ alg: 'HS256', typ: 'at+JWT' }).sign(new TextEncoder().encode('client-secret-of-32-bytes-length!!'));
    issuer.users.set(token, { sub: 'alice' });
    const principal = await validator().validate(token);
    expect(principal).toMatchObject({ uid: 'alice', scopes: ['openid', 'notes'], expiresAt: now + 300, via: 'userinfo' });
    expect(issuer.calls.userinfo).toBe(1);
  });

  it('never logs a token', async () => {
    issuer.users.set('opaque-token-4-secret-value', { sub: 'bob' });
    const v = validator();
    await v.validate('opaque-token-4-secret-value');
    await rejection(v, 'opaque-token-5-secret-value');
    const token = await jwt();
    await v.validate(token);
    const text = logs.join('\n');
    expect(text).toContain('token accepted');
    expect(text).not.toContain('opaque-token-4-secret-value');
    expect(text).not.toContain('opaque-token-5-secret-value');
    expect(text).not.toContain(token);
  });
});
