import { afterEach, describe, expect, it } from 'vitest';
import { ERROR_META_KEY } from './mcp-server-factory.ts';
import { callOk, callTool, startServerStack, type ServerStack } from './server-test-kit.ts';

/**
 * The facts page's bearer table, through the MCP server: app-framework APIs marked `@CORS` (Notes, Deck,
 * Tables v1) answer 401 "CORS requires basic auth" to a bearer token unless user_oidc is patched
 * (nextcloud/user_oidc#1221) or the request carries `OCS-APIRequest: true` (Nextcloud >= 31).
 */
describe('the CORS hint (against the Nextcloud double)', () => {
  let stack: ServerStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('names the patch and the header when Notes, Deck and Tables v1 refuse the token (patch none, header off)', async () => {
    stack = await startServerStack({ double: { nextcloud: 32, patch: 'none' }, flags: { 'no-ocs-api-request': true } });
    const alice = await stack.connect(await stack.token('alice'));
    const created = await fetch(`${stack.double.url}/ocs/v2.php/apps/tables/api/2/tables?format=json`, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from('alice:alice-password').toString('base64')}`, 'OCS-APIRequest': 'true', 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ title: 'T' }),
    });
    const tableId = Number(((await created.json()) as { ocs: { data: { id: number } } }).ocs.data.id);
    for (const [tool, args, path] of [
      ['notes_list', {}, '/index.php/apps/notes/api/v1/notes'],
      ['notes_create', { content: 'x' }, '/index.php/apps/notes/api/v1/notes'],
      ['deck_boards_list', {}, '/index.php/apps/deck/api/v1.0/boards'],
      ['tables_rows_read', { tableId }, `/index.php/apps/tables/api/1/tables/${tableId}/rows`],
    ] as const) {
      const result = await callTool(alice, tool, args);
      expect(result.isError, tool).toBe(true);
      expect(result.text).toContain(`Nextcloud answered 401 to ${tool === 'notes_create' ? 'POST' : 'GET'} ${path}: CORS requires basic auth`);
      expect(result.text).toContain('nextcloud/user_oidc#1221');
      expect(result.text).toContain("sending 'OCS-APIRequest: true' fixes it on Nextcloud >= 31");
      expect(result._meta?.[ERROR_META_KEY]).toMatchObject({ status: 401, nextcloudMessage: 'CORS requires basic auth', hint: expect.stringContaining('user_oidc patch') });
    }
    // OCS and DAV never go through CORSMiddleware.
    expect((await callOk<{ tables: { id: number }[] }>(alice, 'tables_list')).tables.map((t) => t.id)).toEqual([tableId]);
    expect((await callOk<{ user: { id: string } }>(alice, 'nextcloud_capabilities')).user.id).toBe('alice');
    await callOk(alice, 'files_list', {});
    await callOk(alice, 'calendars_list');
  });

  it('works with the user_oidc patch and no header', async () => {
    stack = await startServerStack({ double: { nextcloud: 32, patch: 'user_oidc-app-api' }, flags: { 'no-ocs-api-request': true } });
    const alice = await stack.connect(await stack.token('alice'));
    await callOk(alice, 'notes_create', { content: 'patched' });
    expect((await callOk<{ notes: unknown[] }>(alice, 'notes_list')).notes).toHaveLength(1);
    expect((await callOk<{ boards: unknown[] }>(alice, 'deck_boards_list')).boards).toEqual([]);
  });

  it('works with the header and no patch (Nextcloud >= 31)', async () => {
    stack = await startServerStack({ double: { nextcloud: 31, patch: 'none' } });
    const alice = await stack.connect(await stack.token('alice', { format: 'jwt' }));
    await callOk(alice, 'notes_create', { content: 'header' });
    expect((await callOk<{ notes: unknown[] }>(alice, 'notes_list')).notes).toHaveLength(1);
    expect((await callOk<{ boards: unknown[] }>(alice, 'deck_boards_list')).boards).toEqual([]);
  });

  it('says the header alone is not enough when it is already sent and Notes still refuses', async () => {
    stack = await startServerStack({ double: { nextcloud: 32, patch: 'none' } });
    // A request without the header reproduces the refusal; the hint then depends only on the server's setting.
    const { NextcloudClient } = await import('./nextcloud-client.ts');
    const { createLogger } = await import('./redacting-logger.ts');
    const client = new NextcloudClient({ baseUrl: stack.double.url, credentials: { kind: 'bearer', token: await stack.token('alice') }, uid: 'alice', ocsApiRequest: false, timeoutMs: 5000, logger: createLogger({ level: 'silent' }) });
    const error = await client.request({ path: '/index.php/apps/notes/api/v1/notes', api: 'notes' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_NEXTCLOUD_HTTP', status: 401, hint: expect.stringContaining('--no-ocs-api-request') });
    const { corsHint } = await import('./nextcloud-client.ts');
    expect(corsHint(true)).toContain('already sends');
  });
});
