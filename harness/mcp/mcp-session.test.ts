import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HarnessError } from '../harness-error.ts';
import { McpSession, mcpWithoutToken } from './mcp-session.ts';

/**
 * A small resource server made with the SDK's own server side: stateless Streamable HTTP, one tool that
 * echoes the Authorization header it was called with, and 401 + WWW-Authenticate without the right token.
 */
let server: Server;
let url: string;
const seen: (string | undefined)[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const authorization = req.headers.authorization;
    seen.push(authorization);
    if (authorization !== 'Bearer good-token') {
      res.writeHead(401, { 'WWW-Authenticate': `Bearer error="invalid_token", resource_metadata="${url.replace('/mcp', '/.well-known/oauth-protected-resource/mcp')}"` }).end();
      return;
    }
    const mcp = new McpServer({ name: 'test-resource-server', version: '1.2.3' });
    mcp.registerTool('whoami', { description: 'Says who called.', inputSchema: { greeting: z.string() } }, async ({ greeting }) => ({ content: [{ type: 'text', text: `${greeting}, ${authorization.slice(0, 6)}` }] }));
    mcp.registerTool('fails', { description: 'Always a tool error.' }, async () => ({ content: [{ type: 'text', text: 'no' }], isError: true }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => void transport.close());
    void mcp.connect(transport).then(() => transport.handleRequest(req, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('McpSession', () => {
  it('sends the bearer token on every request and calls tools', async () => {
    seen.length = 0;
    const session = await McpSession.connect(url, { token: 'good-token' });
    try {
      expect(session.serverInfo).toMatchObject({ name: 'test-resource-server', version: '1.2.3' });
      expect((await session.listTools()).map((t) => t.name).sort()).toEqual(['fails', 'whoami']);
      const result = await session.callTool('whoami', { greeting: 'hello' });
      expect(result.content).toEqual([{ type: 'text', text: 'hello, Bearer' }]);
      expect((await session.callTool('fails')).isError).toBe(true);
    } finally {
      await session.close();
    }
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(seen.every((h) => h === 'Bearer good-token')).toBe(true);
  });

  it('turns a refused token into ERR_MCP with the status, without the token in the message', async () => {
    const error = await McpSession.connect(url, { token: 'bad-token-value' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as HarnessError).code).toBe('ERR_MCP');
    expect((error as HarnessError).detail['status']).toBe(401);
    expect((error as HarnessError).message).not.toContain('bad-token-value');
  });

  it('reads the challenge of a request without a token', async () => {
    const answer = await mcpWithoutToken(url);
    expect(answer.status).toBe(401);
    expect(answer.resourceMetadata).toBe(url.replace('/mcp', '/.well-known/oauth-protected-resource/mcp'));
    expect(answer.wwwAuthenticate).toMatch(/^Bearer error="invalid_token"/);
  });

  it('says when nothing answers', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const error = await McpSession.connect(`http://127.0.0.1:${port}/mcp`, { token: 'good-token' }).catch((e: unknown) => e);
    expect((error as HarnessError).message).toBe(`cannot reach the MCP server at http://127.0.0.1:${port}/mcp: ECONNREFUSED`);
  });
});
