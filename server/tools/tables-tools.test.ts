import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_META_KEY } from '../mcp-server-factory.ts';
import { callOk, callTool, startServerStack, type ServerStack } from '../server-test-kit.ts';

interface Row {
  id: number;
  values: Record<string, unknown>;
  createdBy: string;
}

describe('Tables tools (against the Nextcloud double)', () => {
  let stack: ServerStack;
  let alice: Client;
  let tableId: number;

  /** Sets up a table as alice through the double's OCS API (Basic auth, as the Tables web UI's API would). */
  const ocs = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${stack.double.url}/ocs/v2.php/apps/tables/api/2${path}?format=json`, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from('alice:alice-password').toString('base64')}`, 'OCS-APIRequest': 'true', 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { ocs: { data: Record<string, unknown> } }).ocs.data;
  };

  beforeAll(async () => {
    stack = await startServerStack();
    alice = await stack.connect(await stack.token('alice'));
    tableId = Number((await ocs('/tables', { title: 'Books', emoji: '📚' }))['id']);
    await ocs('/columns/text', { baseNodeType: 'table', baseNodeId: tableId, title: 'Title', subtype: 'line', mandatory: true });
    await ocs('/columns/number', { baseNodeType: 'table', baseNodeId: tableId, title: 'Year', mandatory: false });
  });
  afterAll(() => stack.stop());

  it('lists tables, inserts rows by column title or id, and reads them back', async () => {
    const { tables } = await callOk<{ tables: { id: number; title: string; emoji: string | null; owner: string; rowsCount: number | null }[] }>(alice, 'tables_list');
    expect(tables).toEqual([expect.objectContaining({ id: tableId, title: 'Books', emoji: '📚', owner: 'alice', rowsCount: 0 })]);

    const empty = await callOk<{ columns: { id: number; title: string; type: string; mandatory: boolean }[]; rows: Row[] }>(alice, 'tables_rows_read', { tableId });
    expect(empty.rows).toEqual([]);
    expect(empty.columns.map((c) => [c.title, c.type, c.mandatory])).toEqual([
      ['Title', 'text', true],
      ['Year', 'number', false],
    ]);
    const yearId = empty.columns.find((c) => c.title === 'Year')!.id;

    const row = await callOk<Row>(alice, 'tables_row_insert', { tableId, values: { Title: 'Dune', [String(yearId)]: 1965 } });
    expect(row).toMatchObject({ values: { Title: 'Dune', Year: 1965 }, createdBy: 'alice' });
    await callOk(alice, 'tables_row_insert', { tableId, values: { Title: 'Solaris', Year: 1961 } });

    const read = await callOk<{ rows: Row[] }>(alice, 'tables_rows_read', { tableId });
    expect(read.rows.map((r) => r.values)).toEqual([
      { Title: 'Dune', Year: 1965 },
      { Title: 'Solaris', Year: 1961 },
    ]);
    const page = await callOk<{ rows: Row[] }>(alice, 'tables_rows_read', { tableId, limit: 1, offset: 1 });
    expect(page.rows.map((r) => r.values['Title'])).toEqual(['Solaris']);
  });

  it('checks columns before inserting, and reports tables that are not there or not yours', async () => {
    const unknown = await callTool(alice, 'tables_row_insert', { tableId, values: { Author: 'Lem' } });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toBe(`table ${tableId} has no column 'Author': its columns are 'Title', 'Year'`);
    expect((await callTool(alice, 'tables_row_insert', { tableId, values: { Year: 2000 } })).text).toBe("mandatory columns need a value: 'Title'");
    const bob = await stack.connect(await stack.token('bob'));
    expect((await callOk<{ tables: unknown[] }>(bob, 'tables_list')).tables).toEqual([]);
    const foreign = await callTool(bob, 'tables_rows_read', { tableId });
    expect(foreign.isError).toBe(true);
    expect(foreign._meta?.[ERROR_META_KEY]).toMatchObject({ code: 'ERR_NEXTCLOUD_HTTP' });
    expect(foreign.text).toMatch(/^Nextcloud answered (403|404)/);
    const missing = await callTool(alice, 'tables_rows_read', { tableId: 999999 });
    expect(missing.isError).toBe(true);
  });
});
