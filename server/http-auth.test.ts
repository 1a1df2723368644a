import { OAuthProtectedResourceMetadataSchema } from '@modelcontextprotocol/sdk/shared/auth.js';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerStack, type ServerStack } from './server-test-kit.ts';

const INITIALIZE = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };

interface RawAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** POSTs JSON-RPC to the MCP endpoint and reads a JSON or SSE answer. */
async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    const data = text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)) as unknown);
    parsed = data.length === 1 ? data[0] : data;
  } else if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** POSTs with node:http, which (unlike fetch) sends the Host header it is given. */
function postWithHost(url: string, host: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers, Host: host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(JSON.stringify(INITIALIZE));
  });
}

const callTool = (name: string, args: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name, arguments: args } });

describe('OAuth resource server (against the Nextcloud double)', () => {
  let clock = Date.now();
  let stack: ServerStack;
  let metadataUrl: string;

  beforeAll(async () => {
    stack = await startServerStack({ double: { now: () => clock }, now: () => clock });
    metadataUrl = `${new URL(stack.server.url).origin}/.well-known/oauth-protected-resource/mcp`;
  });
  afterAll(() => stack.stop());

  it('serves RFC 9728 metadata at the path-suffixed and the root well-known URL, naming the Nextcloud issuer', async () => {
    const origin = new URL(stack.server.url).origin;
    for (const url of [metadataUrl, `${origin}/.well-known/oauth-protected-resource`]) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      const metadata = OAuthProtectedResourceMetadataSchema.parse(await res.json());
      expect(metadata).toMatchObject({ resource: stack.server.url, authorization_servers: [stack.double.url], bearer_methods_supported: ['header'], scopes_supported: ['openid', 'profile', 'email', 'offline_access'] });
    }
    const discovery = await fetch(`${stack.double.url}/.well-known/openid-configuration`);
    expect(((await discovery.json()) as { issuer: string }).issuer).toBe(stack.double.url);
  });

  it('answers a request without a token 401 with resource_metadata and scope, and no error code (RFC 6750 §3.1)', async () => {
    const res = await post(stack.server.url, INITIALIZE);
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate')!;
    expect(challenge).toBe(`Bearer scope="openid profile email offline_access", resource_metadata="${metadataUrl}"`);
    const basic = await post(stack.server.url, INITIALIZE, { Authorization: 'Basic YWxpY2U6YWxpY2UtcGFzc3dvcmQ=' });
    expect(basic.status).toBe(401);
    expect(basic.headers.get('www-authenticate')).not.toContain('error=');
  });

  it('answers an unknown token 401 invalid_token', async () => {
    const res = await post(stack.server.url, INITIALIZE, { Authorization: 'Bearer notarealtokenatall0123456789' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", error_description="Nextcloud does not accept the token: Could not find provided bearer token\.", scope="[^"]+", resource_metadata="/);
    expect(res.body).toMatchObject({ error: 'invalid_token' });
    const malformed = await post(stack.server.url, INITIALIZE, { Authorization: 'Bearer two words' });
    expect(malformed.status).toBe(401);
    expect(malformed.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('accepts opaque and JWT tokens of the oidc app', async () => {
    for (const format of ['opaque', 'jwt'] as const) {
      const token = await stack.token('alice', { format });
      const res = await post(stack.server.url, INITIALIZE, { Authorization: `Bearer ${token}` });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ result: { serverInfo: { name: 'nc-oauth-lab-mcp' } } });
    }
  });

  it('rejects expired tokens: a JWT by its exp, an opaque token when Nextcloud stops accepting it', async () => {
    const jwt = await stack.token('alice', { format: 'jwt' });
    const opaque = await stack.token('alice', { format: 'opaque' });
    expect((await post(stack.server.url, INITIALIZE, { Authorization: `Bearer ${jwt}` })).status).toBe(200);
    expect((await post(stack.server.url, INITIALIZE, { Authorization: `Bearer ${opaque}` })).status).toBe(200);
    clock += 2 * 3600 * 1000;
    try {
      const expiredJwt = await post(stack.server.url, INITIALIZE, { Authorization: `Bearer ${jwt}` });
      expect(expiredJwt.status).toBe(401);
      expect(expiredJwt.headers.get('www-authenticate')).toContain('error="invalid_token", error_description="the token has expired"');
      const expiredOpaque = await post(stack.server.url, INITIALIZE, { Authorization: `Bearer ${opaque}` });
      expect(expiredOpaque.status).toBe(401);
      expect(expiredOpaque.headers.get('www-authenticate')).toContain('error="invalid_token", error_description="Nextcloud does not accept the token:');
    } finally {
      clock = Date.now();
    }
  });

  it("rejects a JWT of another issuer, and one signed with a key that is not Nextcloud's", async () => {
    const realUrl = stack.double.state.baseUrl;
    stack.double.state.baseUrl = 'http://evil.example.test';
    let foreignIssuer: string;
    try {
      foreignIssuer = await stack.token('alice', { format: 'jwt' });
    } finally {
      stack.double.state.baseUrl = realUrl;
    }
    const wrongIss = await post(stack.server.url, INITIALIZE, { Authorization: `Bearer ${foreignIssuer}` });
    expect(wrongIss.status).toBe(401);
    expect(wrongIss.headers.get('www-authenticate')).toContain("error_description=\"the token's issuer is not this server's Nextcloud\"");

    const jwks = (await (await fetch(`${stack.double.url}/index.php/apps/oidc/jwks`)).json()) as { keys: { kid: string }[] };
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    expect((await exportJWK(publicKey)).kty).toBe('RSA');
    const now = Math.floor(clock / 1000);
    const forged = await new SignJWT({ sub: 'alice', scope: 'openid profile email', client_id: 'x', iss: stack.double.url, aud: 'x', iat: now, exp: now + 600 })
      .setProtectedHeader({ alg: 'RS256', typ: 'at+JWT', kid: jwks.keys[0]!.kid })
      .sign(privateKey);
    const res = await post(stack.server.url, INITIALIZE, { Authorization: `Bearer ${forged}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain("error_description=\"the token's signature does not verify with Nextcloud's keys\"");
  });

  it('refuses foreign Host and Origin headers (DNS rebinding) before anything else, and accepts its own', async () => {
    const token = await stack.token('alice');
    expect(await postWithHost(stack.server.url, 'evil.example.test', { Authorization: `Bearer ${token}` })).toBe(403);
    expect(await postWithHost(stack.server.url, 'evil.example.test', {})).toBe(403);
    const evilOrigin = await post(stack.server.url, INITIALIZE, { Authorization: `Bearer ${token}`, Origin: 'http://evil.example.test' });
    expect(evilOrigin.status).toBe(403);
    expect(evilOrigin.body).toMatchObject({ error: { message: expect.stringMatching(/Origin 'http:\/\/evil.example.test' is not allowed/) } });
    const port = new URL(stack.server.url).port;
    expect(await postWithHost(stack.server.url, `localhost:${port}`, { Authorization: `Bearer ${token}` })).toBe(200);
    const local = await post(stack.server.url, INITIALIZE, { Authorization: `Bearer ${token}`, Origin: `http://localhost:${port}` });
    expect(local.status).toBe(200);
    expect(local.headers.get('access-control-allow-origin')).toBe(`http://localhost:${port}`);
  });

  it('answers GET on the endpoint 405 (stateless server) once authenticated, and 401 before', async () => {
    const token = await stack.token('alice');
    expect((await fetch(stack.server.url)).status).toBe(401);
    const res = await fetch(stack.server.url, { headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST, OPTIONS');
  });
});

describe('public issuer and internal Nextcloud URL (against the Nextcloud double)', () => {
  it('accepts JWTs naming the public issuer while it reaches Nextcloud on its internal URL, and names the public issuer in its metadata', async () => {
    const publicIssuer = 'https://cloud.example.test';
    const stack = await startServerStack({ flags: { 'issuer-url': publicIssuer } });
    try {
      const internal = stack.double.state.baseUrl;
      stack.double.state.baseUrl = publicIssuer;
      let jwt: string;
      try {
        jwt = await stack.token('alice', { format: 'jwt' });
      } finally {
        stack.double.state.baseUrl = internal;
      }
      expect((await post(stack.server.url, INITIALIZE, { Authorization: `Bearer ${jwt}` })).status).toBe(200);
      const internalJwt = await stack.token('alice', { format: 'jwt' });
      const refused = await post(stack.server.url, INITIALIZE, { Authorization: `Bearer ${internalJwt}` });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toContain('issuer');
      const metadata = (await (await fetch(`${new URL(stack.server.url).origin}/.well-known/oauth-protected-resource/mcp`)).json()) as { authorization_servers: string[] };
      expect(metadata.authorization_servers).toEqual([publicIssuer]);
      expect(stack.requests.get('/index.php/apps/oidc/jwks')).toBeGreaterThan(0);
    } finally {
      await stack.stop();
    }
  });
});

describe('per-tool scopes (against the Nextcloud double)', () => {
  let stack: ServerStack;

  beforeAll(async () => {
    stack = await startServerStack({ flags: { 'write-scopes': 'openid notes:write', scopes: 'openid profile email notes:write' } });
  });
  afterAll(() => stack.stop());

  it('answers 403 insufficient_scope with the scopes to ask for when a token lacks a tool scope', async () => {
    for (const format of ['jwt', 'opaque'] as const) {
      const token = await stack.token('alice', { format, scope: 'openid profile email' });
      const read = await post(stack.server.url, callTool('notes_list'), { Authorization: `Bearer ${token}` });
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ result: { structuredContent: { notes: [] } } });
      const write = await post(stack.server.url, callTool('notes_create', { content: 'x' }), { Authorization: `Bearer ${token}` });
      expect(write.status).toBe(403);
      expect(write.headers.get('www-authenticate')).toMatch(/^Bearer error="insufficient_scope", error_description="The token lacks the scope this call needs: notes:write\.", scope="openid profile email notes:write", resource_metadata="/);
      expect(write.body).toMatchObject({ error: 'insufficient_scope' });
    }
  });

  it('lets a token with the scope write', async () => {
    const token = await stack.token('alice', { format: 'jwt', scope: 'openid notes:write' });
    const write = await post(stack.server.url, callTool('notes_create', { content: 'scoped' }), { Authorization: `Bearer ${token}` });
    expect(write.status).toBe(200);
    expect(write.body).toMatchObject({ result: { structuredContent: { content: 'scoped' } } });
  });

  it('does not check scopes it cannot see (opaque tokens of oidc < 1.12, whose userinfo has no scope)', async () => {
    const old = await startServerStack({ double: { nextcloud: 32, oidc: '1.11.0' }, flags: { 'write-scopes': 'openid notes:write', scopes: 'openid profile email notes:write' } });
    try {
      const token = await old.token('alice', { format: 'opaque', scope: 'openid profile email' });
      const write = await post(old.server.url, callTool('notes_create', { content: 'x' }), { Authorization: `Bearer ${token}` });
      expect(write.status).toBe(200);
    } finally {
      await old.stop();
    }
  });

  it('asks a token without openid for it under the default scopes', async () => {
    const strict = await startServerStack();
    try {
      const token = await strict.token('alice', { format: 'jwt', scope: 'profile email' });
      const res = await post(strict.server.url, callTool('notes_list'), { Authorization: `Bearer ${token}` });
      expect(res.status).toBe(403);
      expect(res.headers.get('www-authenticate')).toContain('scope="profile email openid"');
    } finally {
      await strict.stop();
    }
  });
});
