import type { Hono } from 'hono';
import type { DoubleState } from '../double-state.ts';
import type { DoubleContext, DoubleEnv } from '../request-context.ts';
import { accountStore } from './account-store.ts';
import { corsApiRoute, internalServerError, jsonAnswer, OCS_INTERNAL_ERROR, OcsException, ocsRoute, preflightedCors, type ApiCall, type OcsAnswer, type OcsCall } from './app-framework.ts';
import type { Params } from './request-params.ts';
import { COLUMN_TYPES, tablesStore, TablesError, type NewColumn, type RowCell, type TablesColumn, type TablesRow, type TablesStore, type TablesTable } from './tables-store.ts';

/** The generic messages of the OCS API's AOCSController. */
const OCS_MESSAGES = {
  permission: 'A permission error occurred. More details can be found in the logs. Please reach out to your administration.',
  notFound: 'A not found error occurred. More details can be found in the logs. Please reach out to your administration.',
  internal: 'An unexpected error occurred. More details can be found in the logs. Please reach out to your administration.',
};

/** A table as `Table::jsonSerialize` gives it to its owner. */
function tableJson(store: TablesStore, state: DoubleState, table: TablesTable): Record<string, unknown> {
  return {
    id: table.id,
    title: table.title,
    emoji: table.emoji,
    ownership: table.ownership,
    ownerDisplayName: state.users.get(table.ownership)?.displayName ?? table.ownership,
    createdBy: table.createdBy,
    createdAt: table.createdAt,
    lastEditBy: table.lastEditBy,
    lastEditAt: table.lastEditAt,
    archived: table.archived,
    isShared: false,
    favorite: false,
    onSharePermissions: null,
    hasShares: false,
    rowsCount: store.rowsOf(table.id).length,
    columnsCount: store.columnsOf(table.id).length,
    description: table.description,
    views: [],
    columnOrder: [],
    sort: [],
  };
}

/** A column as `Column::jsonSerialize` gives it. */
function columnJson(state: DoubleState, column: TablesColumn): Record<string, unknown> {
  const name = (uid: string): string => state.users.get(uid)?.displayName ?? uid;
  return {
    id: column.id,
    uuid: column.uuid,
    tableId: column.tableId,
    title: column.title,
    technicalName: column.technicalName,
    createdBy: column.createdBy,
    createdByDisplayName: name(column.createdBy),
    createdAt: column.createdAt,
    lastEditBy: column.lastEditBy,
    lastEditByDisplayName: name(column.lastEditBy),
    lastEditAt: column.lastEditAt,
    viewColumnInformation: null,
    type: column.type,
    subtype: column.subtype,
    mandatory: column.mandatory,
    description: column.description,
    numberDefault: column.numberDefault,
    numberMin: column.numberMin,
    numberMax: column.numberMax,
    numberDecimals: column.numberDecimals,
    numberPrefix: column.numberPrefix,
    numberSuffix: column.numberSuffix,
    textDefault: column.textDefault,
    textAllowedPattern: column.textAllowedPattern,
    textMaxLength: column.textMaxLength,
    textUnique: column.textUnique,
    selectionOptions: column.selectionOptions,
    selectionDefault: column.selectionDefault,
    datetimeDefault: column.datetimeDefault,
    usergroupDefault: column.usergroupDefault ? (JSON.parse(column.usergroupDefault) as unknown) : [],
    usergroupMultipleItems: column.usergroupMultipleItems,
    usergroupSelectUsers: column.usergroupSelectUsers,
    usergroupSelectGroups: column.usergroupSelectGroups,
    usergroupSelectTeams: column.usergroupSelectTeams,
    showUserStatus: column.showUserStatus,
    customSettings: column.customSettings,
  };
}

/** A row as `Row2::jsonSerialize` gives it, with `dataByAlias` keyed by the columns' technical names. */
function rowJson(store: TablesStore, row: TablesRow): Record<string, unknown> {
  const byAlias: Record<string, RowCell> = {};
  for (const cell of row.data) byAlias[store.columns.get(cell.columnId)?.technicalName ?? `column_${cell.columnId}`] = { columnId: cell.columnId, value: cell.value };
  return {
    id: row.id,
    tableId: row.tableId,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    lastEditBy: row.lastEditBy,
    lastEditAt: row.lastEditAt,
    data: row.data,
    // PHP encodes an empty array as [].
    dataByAlias: row.data.length === 0 ? [] : byAlias,
  };
}

/** A node id as PermissionMiddleware reads it: not numeric is an InternalError nobody handles. */
function nodeId(params: Params, name: string): number {
  const raw = params.raw(name);
  if (raw === undefined || raw === null || raw === '' || Number.isNaN(Number(raw))) throw new TablesError('ERR_TABLES_UNHANDLED', 'Invalid node ID');
  return Math.trunc(Number(raw));
}

/** The `data` of a new row: a JSON object (or its text) of column id to value, as cells. */
function rowCells(data: unknown): RowCell[] | null {
  let parsed = data;
  if (typeof parsed === 'string') {
    try {
      parsed = JSON.parse(parsed);
    } catch {
      parsed = null;
    }
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  return Object.entries(parsed).map(([key, value]) => ({ columnId: Math.trunc(Number(key)) || 0, value: value as unknown }));
}

/** The parameters of a new column, common to the v1 and v2 APIs. */
function columnInput(params: Params, type: string): NewColumn {
  return {
    title: params.string('title'),
    technicalName: params.string('technicalName', null),
    type,
    subtype: params.string('subtype', null),
    mandatory: params.bool('mandatory', false),
    description: params.string('description', null),
    numberDefault: params.float('numberDefault'),
    numberMin: params.float('numberMin'),
    numberMax: params.float('numberMax'),
    numberDecimals: params.int('numberDecimals', null),
    numberPrefix: params.string('numberPrefix', null),
    numberSuffix: params.string('numberSuffix', null),
    textDefault: params.string('textDefault', null),
    textAllowedPattern: params.string('textAllowedPattern', null),
    textMaxLength: params.int('textMaxLength', null),
    textUnique: params.bool('textUnique', null),
    selectionOptions: params.string('selectionOptions', ''),
    selectionDefault: params.string('selectionDefault', null),
    datetimeDefault: params.string('datetimeDefault', null),
  };
}

/** The v1 API's answer to a TablesError: `{message}` with the status its controllers use. */
function v1Error(c: DoubleContext, error: TablesError): Response {
  switch (error.code) {
    case 'ERR_TABLES_NOT_FOUND':
      // PermissionMiddleware's DataResponse is not rendered: 404 with an empty body.
      return c.body(null, 404, c.req.header('origin') ? { 'Access-Control-Allow-Origin': c.req.header('origin')! } : {});
    case 'ERR_TABLES_FORBIDDEN':
      return jsonAnswer(c, { message: error.message }, { status: 403, cors: true });
    case 'ERR_TABLES_BAD_REQUEST':
      return jsonAnswer(c, { message: error.message }, { status: 400, cors: true });
    case 'ERR_TABLES_MISSING':
      return jsonAnswer(c, { message: error.message }, { status: 404, cors: true });
    case 'ERR_TABLES_INTERNAL':
      return jsonAnswer(c, { message: error.message }, { status: 500, cors: true });
    default:
      return internalServerError(c);
  }
}

/** The OCS API's answer to a TablesError, with AOCSController's generic messages. */
function ocsError(c: DoubleContext, error: TablesError): OcsAnswer | Response {
  switch (error.code) {
    case 'ERR_TABLES_NOT_FOUND':
      return c.body(null, 404);
    case 'ERR_TABLES_FORBIDDEN':
      return { data: { message: OCS_MESSAGES.permission }, status: 403 };
    case 'ERR_TABLES_BAD_REQUEST':
      return { data: { message: error.message }, status: 400 };
    case 'ERR_TABLES_MISSING':
      return { data: { message: OCS_MESSAGES.notFound }, status: 404 };
    case 'ERR_TABLES_INTERNAL':
      return { data: { message: OCS_MESSAGES.internal }, status: 500 };
    default:
      throw new OcsException(OCS_INTERNAL_ERROR, 996, { cause: error });
  }
}

/** The Tables app: the OCS API v2 under `/ocs/v2.php/apps/tables/api/2/` and the `@CORS` API v1 under `/apps/tables/api/1/`. */
export function registerTablesRoutes(app: Hono<DoubleEnv>, state: DoubleState): void {
  const store = tablesStore(state);

  const v1 = (method: 'GET' | 'POST', path: string, handler: (call: ApiCall) => Response): void =>
    corsApiRoute(app, state, 'tables', method, `/apps/tables/api/1${path}`, (call) => {
      accountStore(state).touchLogin(call.user);
      try {
        return handler(call);
      } catch (error) {
        if (error instanceof TablesError) return v1Error(call.c, error);
        throw error;
      }
    });
  const ok = (c: DoubleContext, data: unknown): Response => jsonAnswer(c, data, { cors: true });

  v1('GET', '/tables', ({ c, user }) => ok(c, store.tablesOf(user.uid).map((t) => tableJson(store, state, t))));

  v1('POST', '/tables', ({ c, user, params }) => {
    const table = store.createTable(user.uid, params.string('title'), params.string('emoji', null), '');
    return ok(c, tableJson(store, state, table));
  });

  v1('GET', '/tables/:tableId', ({ c, user, params }) => ok(c, tableJson(store, state, store.accessibleTable(user.uid, nodeId(params, 'tableId')))));

  // indexTableColumns has no RequirePermission: ColumnService refuses with a PermissionError.
  v1('GET', '/tables/:tableId/columns', ({ c, user, params }) => {
    const tableId = nodeId(params, 'tableId');
    const table = store.tables.get(tableId);
    if (!table || table.ownership !== user.uid) throw new TablesError('ERR_TABLES_FORBIDDEN', `no read access to table id = ${tableId}`);
    return ok(c, store.columnsOf(tableId).map((col) => columnJson(state, col)));
  });

  v1('POST', '/tables/:tableId/columns', ({ c, user, params }) => {
    const tableId = nodeId(params, 'tableId');
    store.accessibleTable(user.uid, tableId);
    const type = params.string('type');
    if (!(COLUMN_TYPES as readonly string[]).includes(type)) throw new TablesError('ERR_TABLES_BAD_REQUEST', `"${type}" is not a valid backing value for enum OCA\\Tables\\Constants\\ColumnType`);
    const input = { ...columnInput(params, type), mandatory: params.bool('mandatory') };
    return ok(c, columnJson(state, store.createColumn(user.uid, tableId, input)));
  });

  v1('GET', '/tables/:tableId/rows', ({ c, user, params }) => {
    const table = store.accessibleTable(user.uid, nodeId(params, 'tableId'));
    const offset = params.int('offset', null) ?? 0;
    const limit = params.int('limit', null);
    const rows = store.rowsOf(table.id).slice(offset, limit === null ? undefined : offset + limit);
    return ok(c, rows.map((r) => rowJson(store, r)));
  });

  v1('POST', '/tables/:tableId/rows', ({ c, user, params }) => {
    const table = store.accessibleTable(user.uid, nodeId(params, 'tableId'));
    const cells = rowCells(params.raw('data'));
    if (!cells) return jsonAnswer(c, { message: 'Could not create row.' }, { status: 500, cors: true });
    return ok(c, rowJson(store, store.createRow(user.uid, table.id, cells)));
  });

  v1('GET', '/rows/:rowId', ({ c, user, params }) => {
    const rowId = params.int('rowId');
    const row = store.rows.get(rowId);
    if (!row) throw new TablesError('ERR_TABLES_MISSING', `OCA\\Tables\\Service\\RowService - find: Row ${rowId} not found`);
    if (store.tables.get(row.tableId)?.ownership !== user.uid) throw new TablesError('ERR_TABLES_FORBIDDEN', `PermissionError: can not read row with id ${rowId}`);
    return ok(c, rowJson(store, row));
  });

  app.options('/apps/tables/api/:version{[12]}/*', (c, next) => (state.isEnabled('tables') ? preflightedCors(c) : next()));

  // The OCS API v2 (AOCSController: @NoAdminRequired, CSRF checked).
  const v2 = (method: 'GET' | 'POST', path: string, handler: (call: OcsCall) => OcsAnswer | Response): void =>
    ocsRoute(app, state, method, `/apps/tables/api/2${path}`, { app: 'tables' }, (call) => {
      if (call.user) accountStore(state).touchLogin(call.user);
      try {
        return handler(call);
      } catch (error) {
        if (error instanceof TablesError) return ocsError(call.c, error);
        throw error;
      }
    });

  v2('GET', '/tables', ({ user }) => ({ data: store.tablesOf(user!.uid).map((t) => tableJson(store, state, t)) }));

  v2('GET', '/tables/:id', ({ user, params }) => ({ data: tableJson(store, state, store.accessibleTable(user!.uid, nodeId(params, 'id'))) }));

  v2('POST', '/tables', ({ user, params }) => {
    const table = store.createTable(user!.uid, params.string('title'), params.string('emoji', null), params.string('description', null));
    return { data: tableJson(store, state, table) };
  });

  v2('GET', '/columns/:nodeType/:nodeId', ({ user, params }) => {
    const id = nodeId(params, 'nodeId');
    const type = params.string('nodeType');
    if (type === 'view' || type === 'views') throw new TablesError('ERR_TABLES_NOT_FOUND', '');
    if (type !== 'table' && type !== 'tables') throw new TablesError('ERR_TABLES_UNHANDLED', 'Invalid node type');
    const table = store.accessibleTable(user!.uid, id);
    return { data: store.columnsOf(table.id).map((col) => columnJson(state, col)) };
  });

  for (const type of ['number', 'text', 'selection', 'datetime', 'usergroup'] as const) {
    v2('POST', `/columns/${type}`, ({ user, params }) => {
      // RequirePermission(typeParam: 'baseNodeType'): without the parameter its name is taken as the type.
      const baseNodeType = params.string('baseNodeType', null) ?? 'baseNodeType';
      if (baseNodeType === 'view' || baseNodeType === 'views') throw new TablesError('ERR_TABLES_NOT_FOUND', '');
      if (baseNodeType !== 'table' && baseNodeType !== 'tables') throw new TablesError('ERR_TABLES_UNHANDLED', 'Invalid node type');
      const table = store.accessibleTable(user!.uid, nodeId(params, 'baseNodeId'));
      return { data: columnJson(state, store.createColumn(user!.uid, table.id, columnInput(params, type))) };
    });
  }

  v2('POST', '/:nodeCollection{tables|views}/:nodeId{[0-9]+}/rows', ({ user, params }) => {
    if (params.string('nodeCollection') === 'views') throw new TablesError('ERR_TABLES_NOT_FOUND', '');
    const table = store.accessibleTable(user!.uid, nodeId(params, 'nodeId'));
    const cells = rowCells(params.raw('data'));
    if (!cells) return { data: { message: 'Cannot create row: data input is invalid.' }, status: 400 };
    return { data: rowJson(store, store.createRow(user!.uid, table.id, cells)) };
  });
}
