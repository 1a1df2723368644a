import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startServerStack } from '../server-test-kit.ts';
import { AUTH_CHECK_IDS, authorizationServerMetadataUrls, parseChallenge, runAuthChecks } from './auth-checks.ts';

async function tokens(stack: Awaited<ReturnType<typeof startServerStack>>, setClock: (ms: number) => void, now: number) {
  setClock(now - 3 * 3600 * 1000);
  const expiredToken = await stack.token('alice', { format: 'jwt' });
  setClock(now);
  return { validToken: await stack.token('alice', { format: 'jwt' }), expiredToken, underScopedToken: await stack.token('alice', { format: 'jwt', scope: 'profile' }) };
}

describe('parseChallenge and authorizationServerMetadataUrls', () => {
  it('parses RFC 9110 challenges with quoted and token values', () => {
    expect(parseChallenge('Bearer error="invalid_token", error_description="a \\"b\\"", resource_metadata="https://x/.well-known/oauth-protected-resource/mcp"')).toEqual({
      scheme: 'Bearer',
      params: { error: 'invalid_token', error_description: 'a "b"', resource_metadata: 'https://x/.well-known/oauth-protected-resource/mcp' },
    });
    expect(parseChallenge('Bearer realm=x')).toEqual({ scheme: 'Bearer', params: { realm: 'x' } });
    expect(parseChallenge(null)).toBeUndefined();
  });

  it('tries the URLs the MCP spec names, path-inserted for issuers with a path', () => {
    expect(authorizationServerMetadataUrls('https://cloud.example.test')).toEqual(['https://cloud.example.test/.well-known/oauth-authorization-server', 'https://cloud.example.test/.well-known/openid-configuration']);
    expect(authorizationServerMetadataUrls('https://example.test/nextcloud/')).toEqual([
      'https://example.test/.well-known/oauth-authorization-server/nextcloud',
      'https://example.test/.well-known/openid-configuration/nextcloud',
      'https://example.test/nextcloud/.well-known/openid-configuration',
    ]);
  });
});

describe('runAuthChecks (against the Nextcloud double)', () => {
  it('passes every check against the server in front of the double', async () => {
    let clock = Date.now();
    const stack = await startServerStack({ double: { now: () => clock }, now: () => clock, flags: { 'log-level': 'warn' } });
    try {
      const checks = await runAuthChecks({ serverUrl: stack.server.url, ...(await tokens(stack, (ms) => (clock = ms), Date.now())) });
      expect(checks.map((c) => c.id)).toEqual([...AUTH_CHECK_IDS]);
      expect(checks.filter((c) => c.status !== 'SUCCESS').map((c) => `${c.id}: ${c.errorMessage ?? ''}`)).toEqual([]);
      expect(checks.find((c) => c.id === 'nc-auth-as-metadata')?.details).toMatchObject({ tried: [{ status: 404 }, { status: 200 }] });
    } finally {
      await stack.stop();
    }
  });

  it('finds that oidc 1.9 advertises no PKCE (MCP clients refuse it), with the same check ids', async () => {
    let clock = Date.now();
    const stack = await startServerStack({ double: { nextcloud: 32, oidc: '1.9.0', now: () => clock }, now: () => clock, flags: { 'log-level': 'warn' } });
    try {
      const checks = await runAuthChecks({ serverUrl: stack.server.url, ...(await tokens(stack, (ms) => (clock = ms), Date.now())) });
      expect(checks.map((c) => c.id)).toEqual([...AUTH_CHECK_IDS]);
      expect(checks.find((c) => c.id === 'nc-auth-as-pkce-s256')).toMatchObject({ status: 'FAILURE' });
      expect(checks.filter((c) => c.status === 'FAILURE').map((c) => c.id)).toEqual(['nc-auth-as-pkce-s256']);
    } finally {
      await stack.stop();
    }
  });

  it('fails the checks of an endpoint that is not a resource server', async () => {
    const app = new Hono();
    app.all('*', (c) => c.json({ jsonrpc: '2.0', id: 1, result: {} }));
    const server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
      const checks = await runAuthChecks({ serverUrl: url, validToken: 'a', expiredToken: 'b', underScopedToken: 'c' });
      expect(checks.map((c) => c.id)).toEqual([...AUTH_CHECK_IDS]);
      const failed = checks.filter((c) => c.status !== 'SUCCESS').map((c) => c.id);
      expect(failed).toEqual(AUTH_CHECK_IDS.filter((id) => id !== 'nc-auth-valid-token-accepted'));
      expect(checks.find((c) => c.id === 'nc-auth-401-missing-token')?.errorMessage).toMatch(/answered 200, not 401/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
