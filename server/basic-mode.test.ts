import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDouble, type StartedDouble } from '../double/index.ts';
import { callOk, startServerStack } from './server-test-kit.ts';
import { ServerStartError } from './start-server.ts';

const BIN = fileURLToPath(new URL('../bin/nc-mcp-server.js', import.meta.url));

/** An app password for a user of the double, as a client gets it (OCS `core/getapppassword`). */
async function appPassword(double: StartedDouble, uid: string, password: string): Promise<string> {
  const res = await fetch(`${double.url}/ocs/v2.php/core/getapppassword?format=json`, { headers: { Authorization: `Basic ${Buffer.from(`${uid}:${password}`).toString('base64')}`, 'OCS-APIRequest': 'true' } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { ocs: { data: { apppassword: string } } }).ocs.data.apppassword;
}

describe('basic mode (against the Nextcloud double)', () => {
  let double: StartedDouble;
  let password: string;

  beforeAll(async () => {
    double = await startDouble({ nextcloud: 32 });
    password = await appPassword(double, 'alice', 'alice-password');
  });
  afterAll(() => double.stop());

  it('serves one user over HTTP without a token; Basic credentials pass CORSMiddleware even without the OCS header', async () => {
    let secret = '';
    const basic = await startServerStack({
      double: { nextcloud: 32, patch: 'none' },
      flags: { auth: 'basic', user: 'alice', 'no-ocs-api-request': true },
      env: async (d) => ({ NC_MCP_APP_PASSWORD: (secret = await appPassword(d, 'alice', 'alice-password')) }),
    });
    try {
      expect(secret).toMatch(/^[A-Za-z0-9]{72}$/);
      const client = await basic.connect();
      await callOk(client, 'notes_create', { title: 'Basic', content: 'via app password' });
      expect((await callOk<{ notes: { title: string }[] }>(client, 'notes_list')).notes.map((n) => n.title)).toEqual(['Basic']);
      expect((await callOk<{ user: { id: string } }>(client, 'nextcloud_capabilities')).user.id).toBe('alice');
      expect((await callOk<{ boards: unknown[] }>(client, 'deck_boards_list')).boards).toEqual([]);
      const metadata = await fetch(`${new URL(basic.server.url).origin}/.well-known/oauth-protected-resource`);
      expect(metadata.status).toBe(404);
      expect(basic.logs.some((l) => l.includes('"uid":"alice"'))).toBe(true);
      expect(basic.logs.join('\n')).not.toContain(secret);
    } finally {
      await basic.stop();
    }
  });

  it('refuses to start with credentials Nextcloud rejects, without printing the password', async () => {
    const error = await startServerStack({ flags: { auth: 'basic', user: 'alice' }, env: { NC_MCP_APP_PASSWORD: 'wrong-app-password-123' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerStartError);
    expect((error as ServerStartError).message).toBe("Nextcloud refused the basic credentials of 'alice': check NC_MCP_USER and the app password in NC_MCP_APP_PASSWORD");
    expect((error as Error).message).not.toContain('wrong-app-password-123');
  });

  it('runs over stdio from the nc-mcp-server bin with an app password, logging to stderr without it', async () => {
    const stderr: string[] = [];
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, '--auth', 'basic', '--transport', 'stdio', '--nextcloud-url', double.url, '--log-level', 'debug'],
      env: { PATH: process.env['PATH'] ?? '', NC_MCP_USER: 'alice', NC_MCP_APP_PASSWORD: password },
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
    const client = new Client({ name: 'stdio-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const created = (await client.callTool({ name: 'notes_create', arguments: { title: 'From stdio', content: 'hello' } })) as CallToolResult;
      expect(created.isError).toBeFalsy();
      expect(created.structuredContent).toMatchObject({ title: 'From stdio', content: 'hello' });
      const listed = (await client.callTool({ name: 'notes_list', arguments: {} })) as CallToolResult;
      expect((listed.structuredContent as { notes: { title: string }[] }).notes.map((n) => n.title)).toContain('From stdio');
    } finally {
      await client.close();
    }
    const log = stderr.join('');
    expect(log).toContain('MCP server on stdio');
    expect(log).toContain('nextcloud request');
    expect(log).not.toContain(password);
  }, 60_000);
});
