import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDouble, type StartedDouble } from '../start-double.ts';
import { basicAuth, bearerAuth, call, OCS_JSON, type TestAuth } from './api-test-client.ts';

type Json = Record<string, unknown> & { id: number };
const ocsData = (body: unknown): Json => (body as { ocs: { data: Json } }).ocs.data;
const ocsMeta = (body: unknown): Record<string, unknown> => (body as { ocs: { meta: Record<string, unknown> } }).ocs.meta;

let double: StartedDouble;
let alice: TestAuth;
let bob: TestAuth;
beforeAll(async () => {
  double = await startDouble({ now: () => Date.UTC(2026, 4, 2, 9, 30, 15) });
  alice = basicAuth(double, 'alice');
  bob = basicAuth(double, 'bob');
});
afterAll(async () => {
  await double.stop();
});

const ocs2 = '/ocs/v2.php/apps/tables/api/2';
const v1 = '/index.php/apps/tables/api/1';

async function newTable(auth: TestAuth, title: string): Promise<Json> {
  const r = await call(double, `${ocs2}/tables`, { method: 'POST', headers: OCS_JSON, auth, json: { title, emoji: '📋', description: 'test table' } });
  expect(r.status).toBe(200);
  return ocsData(r.body);
}

describe('Tables OCS API v2', () => {
  it('creates, lists and reads tables of the user', async () => {
    const table = await newTable(alice, '  Inventory ');
    expect(table).toMatchObject({ title: 'Inventory', emoji: '📋', description: 'test table', ownership: 'alice', ownerDisplayName: 'Alice Liddell', createdBy: 'alice', createdAt: '2026-05-02 09:30:15', archived: false, isShared: false, rowsCount: 0, columnsCount: 0, views: [] });
    const list = await call(double, `${ocs2}/tables`, { headers: OCS_JSON, auth: alice });
    expect((ocsData(list.body) as unknown as Json[]).map((t) => t.id)).toContain(table.id);
    const one = await call(double, `${ocs2}/tables/${table.id}`, { headers: OCS_JSON, auth: alice });
    expect(ocsData(one.body)).toMatchObject({ id: table.id, title: 'Inventory' });
    const v1List = await call(double, `${ocs2.replace('/ocs/v2.php', '/ocs/v1.php')}/tables`, { headers: OCS_JSON, auth: alice });
    expect(ocsMeta(v1List.body)['statuscode']).toBe(100);
  });

  it('answers 400 with the message for a bad title and 404 for tables of others', async () => {
    const empty = await call(double, `${ocs2}/tables`, { method: 'POST', headers: OCS_JSON, auth: alice, json: { title: '   ' } });
    expect(empty.status).toBe(400);
    expect(ocsMeta(empty.body)).toEqual({ status: 'failure', statuscode: 400, message: '' });
    expect(ocsData(empty.body)).toEqual({ message: 'Title is missing.' });
    const missingTitle = await call(double, `${ocs2}/tables`, { method: 'POST', headers: OCS_JSON, auth: alice, json: {} });
    expect(missingTitle.status).toBe(500);
    expect(ocsMeta(missingTitle.body)['statuscode']).toBe(996);

    const table = await newTable(alice, 'Secret');
    const other = await call(double, `${ocs2}/tables/${table.id}`, { headers: OCS_JSON, auth: bob });
    expect(other.status).toBe(404);
    expect(other.text).toBe('');
    const list = await call(double, `${ocs2}/tables`, { headers: OCS_JSON, auth: bob });
    expect((ocsData(list.body) as unknown as Json[]).map((t) => t.id)).not.toContain(table.id);
  });

  it('creates typed columns and rows, parsing values by column type', async () => {
    const table = await newTable(alice, 'Tasks');
    const column = async (type: string, json: Record<string, unknown>): Promise<Json> => {
      const r = await call(double, `${ocs2}/columns/${type}`, { method: 'POST', headers: OCS_JSON, auth: alice, json: { baseNodeId: table.id, baseNodeType: 'table', ...json } });
      expect(r.status).toBe(200);
      return ocsData(r.body);
    };
    const name = await column('text', { title: 'Name', subtype: 'line', mandatory: true, textMaxLength: 20 });
    const effort = await column('number', { title: 'Effort', numberMin: 0, numberMax: 10 });
    const status = await column('selection', { title: 'Status', selectionOptions: JSON.stringify([{ id: 1, label: 'open' }, { id: 2, label: 'done' }]) });
    const due = await column('datetime', { title: 'Due' });
    const dup = await column('text', { title: 'Name' });
    expect(name).toMatchObject({ title: 'Name', type: 'text', subtype: 'line', mandatory: true, tableId: table.id, technicalName: `column_${name.id}`, textMaxLength: 20, createdByDisplayName: 'Alice Liddell' });
    expect(status['selectionOptions']).toEqual([{ id: 1, label: 'open' }, { id: 2, label: 'done' }]);
    expect(dup['title']).toBe('Name (1)');

    const columns = await call(double, `${ocs2}/columns/table/${table.id}`, { headers: OCS_JSON, auth: alice });
    expect((ocsData(columns.body) as unknown as Json[]).map((c) => c['title'])).toEqual(['Name', 'Effort', 'Status', 'Due', 'Name (1)']);

    const row = await call(double, `${ocs2}/tables/${table.id}/rows`, {
      method: 'POST',
      headers: OCS_JSON,
      auth: alice,
      json: { data: { [name.id]: 'Write tests', [effort.id]: '3', [status.id]: 2, [due.id]: '2026-06-01 12:00' } },
    });
    expect(row.status).toBe(200);
    expect(ocsData(row.body)).toMatchObject({
      tableId: table.id,
      createdBy: 'alice',
      data: [
        { columnId: name.id, value: 'Write tests' },
        { columnId: effort.id, value: 3 },
        { columnId: status.id, value: 2 },
        { columnId: due.id, value: '2026-06-01 12:00' },
      ],
    });
    expect((ocsData(row.body)['dataByAlias'] as Record<string, unknown>)[`column_${name.id}`]).toEqual({ columnId: name.id, value: 'Write tests' });

    // The v1 API reads the same rows.
    const rows = await call(double, `${v1}/tables/${table.id}/rows`, { auth: alice });
    expect(rows.status).toBe(200);
    expect((rows.body as Json[]).map((r) => r.id)).toEqual([ocsData(row.body).id]);
    const tableAfter = await call(double, `${ocs2}/tables/${table.id}`, { headers: OCS_JSON, auth: alice });
    expect(ocsData(tableAfter.body)).toMatchObject({ rowsCount: 1, columnsCount: 5 });

    const post = (json: unknown) => call(double, `${ocs2}/tables/${table.id}/rows`, { method: 'POST', headers: OCS_JSON, auth: alice, json });
    const mandatory = await post({ data: { [effort.id]: 1 } });
    expect(mandatory.status).toBe(400);
    expect(ocsData(mandatory.body)).toEqual({ message: 'Mandatory column "Name" cannot be empty.' });
    const tooLong = await post({ data: { [name.id]: 'x'.repeat(21) } });
    expect(ocsData(tooLong.body)).toEqual({ message: 'Value for column Name exceeds maximum length of 20' });
    const tooBig = await post({ data: { [name.id]: 'ok', [effort.id]: 11 } });
    expect(ocsData(tooBig.body)).toEqual({ message: 'Value for column Effort exceeds maximum allowed value of 10' });
    const foreignColumn = await post({ data: { [name.id]: 'ok', 99999: 'x' } });
    expect(foreignColumn.status).toBe(500);
    expect(ocsData(foreignColumn.body)['message']).toMatch(/^An unexpected error occurred/);
    const invalid = await post({ data: 'not json' });
    expect(invalid.status).toBe(400);
    expect(ocsData(invalid.body)).toEqual({ message: 'Cannot create row: data input is invalid.' });
    const noBaseType = await call(double, `${ocs2}/columns/text`, { method: 'POST', headers: OCS_JSON, auth: alice, json: { baseNodeId: table.id, title: 'X' } });
    expect(noBaseType.status).toBe(500);
    const bobsRow = await call(double, `${ocs2}/tables/${table.id}/rows`, { method: 'POST', headers: OCS_JSON, auth: bob, json: { data: { [name.id]: 'x' } } });
    expect(bobsRow.status).toBe(404);
  });

  it('needs a login and the CSRF header of OCS', async () => {
    const anonymous = await call(double, `${ocs2}/tables`, { headers: OCS_JSON });
    expect(anonymous.status).toBe(401);
    expect(ocsMeta(anonymous.body)['statuscode']).toBe(997);
    const noHeader = await call(double, `${ocs2}/tables`, { auth: alice, headers: { Accept: 'application/json' } });
    expect(noHeader.status).toBe(412);
    const bearer = await call(double, `${ocs2}/tables`, { auth: await bearerAuth(double, 'alice'), headers: { Accept: 'application/json' } });
    expect(bearer.status).toBe(200);
  });
});

describe('Tables API v1 (@CORS)', () => {
  it('creates tables, columns and rows and reads them back', async () => {
    const created = await call(double, `${v1}/tables`, { method: 'POST', auth: bob, json: { title: 'Books' } });
    expect(created.status).toBe(200);
    const table = created.body as Json;
    expect(table).toMatchObject({ title: 'Books', ownership: 'bob', emoji: null });

    const col = await call(double, `${v1}/tables/${table.id}/columns`, { method: 'POST', auth: bob, json: { title: 'Pages', type: 'number', mandatory: false } });
    expect(col.status).toBe(200);
    const pages = col.body as Json;
    const badType = await call(double, `${v1}/tables/${table.id}/columns`, { method: 'POST', auth: bob, json: { title: 'X', type: 'colour', mandatory: false } });
    expect(badType.status).toBe(400);
    expect(badType.body).toEqual({ message: '"colour" is not a valid backing value for enum OCA\\Tables\\Constants\\ColumnType' });

    const row = await call(double, `${v1}/tables/${table.id}/rows`, { method: 'POST', auth: bob, json: { data: { [pages.id]: 'abc' } } });
    expect(row.status).toBe(200);
    expect((row.body as Json)['data']).toEqual([{ columnId: pages.id, value: null }]);
    const rowId = (row.body as Json).id;
    expect(((await call(double, `${v1}/rows/${rowId}`, { auth: bob })).body as Json).id).toBe(rowId);
    const foreignRow = await call(double, `${v1}/rows/${rowId}`, { auth: alice });
    expect(foreignRow.status).toBe(403);
    expect(foreignRow.body).toEqual({ message: `PermissionError: can not read row with id ${rowId}` });

    const columns = await call(double, `${v1}/tables/${table.id}/columns`, { auth: bob });
    expect((columns.body as Json[]).map((c) => c['title'])).toEqual(['Pages']);
    const foreignColumns = await call(double, `${v1}/tables/${table.id}/columns`, { auth: alice });
    expect(foreignColumns.status).toBe(403);
    expect(foreignColumns.body).toEqual({ message: `no read access to table id = ${table.id}` });
    const foreignRows = await call(double, `${v1}/tables/${table.id}/rows`, { auth: alice });
    expect(foreignRows.status).toBe(404);
    const noData = await call(double, `${v1}/tables/${table.id}/rows`, { method: 'POST', auth: bob, json: {} });
    expect(noData.status).toBe(500);
    expect(noData.body).toEqual({ message: 'Could not create row.' });
  });

  it('goes through CORSMiddleware: a bearer token alone is 401 on an unpatched instance', async () => {
    const r = await call(double, `${v1}/tables`, { auth: await bearerAuth(double, 'alice') });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ message: 'CORS requires basic auth' });
  });
});
