import { randomUUID } from 'node:crypto';
import type { DoubleState } from '../double-state.ts';
import { phpBool, phpFloat } from './request-params.ts';

/** A table of the Tables app; the double has no shares, so only its owner can reach it. */
export interface TablesTable {
  id: number;
  title: string;
  emoji: string | null;
  description: string;
  ownership: string;
  createdBy: string;
  /** `Y-m-d H:i:s` in UTC, as the app stores it. */
  createdAt: string;
  lastEditBy: string;
  lastEditAt: string;
  archived: boolean;
}

/** A selection option of a column. */
export interface SelectionOption {
  id: number;
  label: string;
}

/** The column types of the Tables app (`ColumnType`). */
export const COLUMN_TYPES = ['number', 'text', 'selection', 'datetime', 'usergroup', 'relation'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** A column of a table. */
export interface TablesColumn {
  id: number;
  uuid: string;
  tableId: number;
  title: string;
  technicalName: string;
  type: ColumnType;
  subtype: string;
  mandatory: boolean;
  description: string;
  createdBy: string;
  createdAt: string;
  lastEditBy: string;
  lastEditAt: string;
  numberDefault: number | null;
  numberMin: number | null;
  numberMax: number | null;
  numberDecimals: number | null;
  numberPrefix: string;
  numberSuffix: string;
  textDefault: string | null;
  textAllowedPattern: string | null;
  textMaxLength: number | null;
  textUnique: boolean | null;
  selectionOptions: SelectionOption[] | null;
  selectionDefault: string | null;
  datetimeDefault: string | null;
  usergroupDefault: string | null;
  usergroupMultipleItems: boolean | null;
  usergroupSelectUsers: boolean | null;
  usergroupSelectGroups: boolean | null;
  usergroupSelectTeams: boolean | null;
  showUserStatus: boolean | null;
  customSettings: Record<string, unknown>;
}

/** One cell of a row. */
export interface RowCell {
  columnId: number;
  value: unknown;
}

/** A row of a table (`Row2`). */
export interface TablesRow {
  id: number;
  tableId: number;
  createdBy: string;
  createdAt: string;
  lastEditBy: string;
  lastEditAt: string;
  data: RowCell[];
}

/**
 * The Tables app's errors, as its controllers tell them apart: `ERR_TABLES_NOT_FOUND` is the permission
 * middleware's answer for a node the user cannot reach (404, empty body), `ERR_TABLES_FORBIDDEN` a
 * PermissionError, `ERR_TABLES_BAD_REQUEST` a BadRequestError or invalid argument, `ERR_TABLES_MISSING` a
 * NotFoundError with a message, `ERR_TABLES_INTERNAL` an InternalError and `ERR_TABLES_UNHANDLED` an
 * exception no controller catches (Nextcloud's plain 500).
 */
export class TablesError extends Error {
  readonly code: 'ERR_TABLES_NOT_FOUND' | 'ERR_TABLES_FORBIDDEN' | 'ERR_TABLES_BAD_REQUEST' | 'ERR_TABLES_MISSING' | 'ERR_TABLES_INTERNAL' | 'ERR_TABLES_UNHANDLED';
  constructor(code: TablesError['code'], message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TablesError';
    this.code = code;
  }
}

/** `ValueObject\Title`: trimmed, not empty, at most 200 bytes. */
export function tablesTitle(title: string): string {
  const normalized = title.replace(/^[\s\p{Z}]+|[\s\p{Z}]+$/gu, '');
  if (normalized === '') throw new TablesError('ERR_TABLES_BAD_REQUEST', 'Title is missing.');
  if (Buffer.byteLength(normalized) > 200) throw new TablesError('ERR_TABLES_BAD_REQUEST', 'Title exceed maximum length of 200 bytes');
  return normalized;
}

/** The input of a new column (`ColumnDto`). */
export interface NewColumn {
  title: string;
  technicalName?: string | null;
  type: string;
  subtype?: string | null;
  mandatory?: boolean;
  description?: string | null;
  numberDefault?: number | null;
  numberMin?: number | null;
  numberMax?: number | null;
  numberDecimals?: number | null;
  numberPrefix?: string | null;
  numberSuffix?: string | null;
  textDefault?: string | null;
  textAllowedPattern?: string | null;
  textMaxLength?: number | null;
  textUnique?: boolean | null;
  selectionOptions?: string | null;
  selectionDefault?: string | null;
  datetimeDefault?: string | null;
  usergroupDefault?: string | null;
  usergroupMultipleItems?: boolean | null;
  usergroupSelectUsers?: boolean | null;
  usergroupSelectGroups?: boolean | null;
  usergroupSelectTeams?: boolean | null;
  showUserStatus?: boolean | null;
}

/** `SelectionOptions::createFromInputJsonString`. */
function selectionOptions(json: string | null | undefined): SelectionOption[] | null {
  if (json === null || json === undefined || json === 'null') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json === '' ? '[]' : json);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) throw new TablesError('ERR_TABLES_UNHANDLED', 'Provided selectionOption is not a valid JSON string');
  return Object.values(parsed).map((o: unknown) => {
    const option = (o ?? {}) as Record<string, unknown>;
    if (option['id'] === undefined || Number.isNaN(Number(option['id']))) throw new TablesError('ERR_TABLES_UNHANDLED', 'Only integer keys are allowed for options');
    if (option['label'] === undefined) throw new TablesError('ERR_TABLES_UNHANDLED', 'Option label is missing');
    return { id: Math.trunc(Number(option['id'])), label: String(option['label']) };
  });
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** A date of a Tables column value: the given text when it has one of the formats of the column's subtype, '' when it is another readable date, null when it is none. */
function datetimeValue(value: unknown, subtype: string): string | null {
  if (value === null || value === '') return '';
  const text = String(value);
  const formats: Record<string, RegExp[]> = {
    date: [/^\d{4}-\d{2}-\d{2}$/],
    time: [/^\d{2}:\d{2}$/],
    '': [/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/],
  };
  const readable = subtype === 'time' ? /^\d{1,2}:\d{2}(:\d{2})?$/.test(text) : !Number.isNaN(Date.parse(text));
  if (!readable) return null;
  if (!(formats[subtype] ?? formats['']!).some((f) => f.test(text))) return '';
  if (subtype === '' && text.includes('T')) {
    const d = new Date(text);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  }
  return text;
}

/**
 * A row value as the column type's business class parses it (`parseValueByColumnType`): numbers as floats,
 * selections as the option id (null when no option has it), dates in the app's format, text as given.
 */
export function parseCellValue(column: TablesColumn, value: unknown): unknown {
  switch (column.type) {
    case 'number': {
      // NumberBusiness: `!$value || floatval($value)` can be parsed, then `floatval`; anything else is null.
      if (value === null) return null;
      const n = phpFloat(value);
      return phpBool(value) && n === 0 ? null : n;
    }
    case 'selection': {
      if (column.subtype === 'check') return value === true || value === 'true';
      if (column.subtype === 'multi') return Array.isArray(value) ? value.map(Number).filter((id) => column.selectionOptions?.some((o) => o.id === id)) : null;
      const id = Number(value);
      if (value === null || value === '' || !Number.isInteger(id)) return null;
      return column.selectionOptions?.some((o) => o.id === id) ? id : null;
    }
    case 'datetime':
      return datetimeValue(value, column.subtype);
    default:
      return value;
  }
}

/** The Tables app's data inside the double; ids increase across users. */
export class TablesStore {
  readonly tables = new Map<number, TablesTable>();
  readonly columns = new Map<number, TablesColumn>();
  readonly rows = new Map<number, TablesRow>();
  private nextId = { table: 1, column: 1, row: 1 };

  constructor(private readonly state: DoubleState) {}

  /** `(new DateTime())->format('Y-m-d H:i:s')` in UTC. */
  timestamp(): string {
    const d = new Date(this.state.now());
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  }

  /** PermissionMiddleware's pre-test: a table the user cannot reach is a 404 with an empty body. */
  accessibleTable(uid: string, tableId: number): TablesTable {
    const table = this.tables.get(tableId);
    if (!table || table.ownership !== uid) throw new TablesError('ERR_TABLES_NOT_FOUND', '');
    return table;
  }

  tablesOf(uid: string): TablesTable[] {
    return [...this.tables.values()].filter((t) => t.ownership === uid);
  }

  columnsOf(tableId: number): TablesColumn[] {
    return [...this.columns.values()].filter((c) => c.tableId === tableId);
  }

  rowsOf(tableId: number): TablesRow[] {
    return [...this.rows.values()].filter((r) => r.tableId === tableId);
  }

  /** Tables' `UserDeletedListener`: the tables a deleted user owned go with their columns and rows. */
  deleteUser(uid: string): void {
    for (const table of this.tablesOf(uid)) {
      for (const column of this.columnsOf(table.id)) this.columns.delete(column.id);
      for (const row of this.rowsOf(table.id)) this.rows.delete(row.id);
      this.tables.delete(table.id);
    }
  }

  /** `TableService::create` (templates other than `custom` are not modelled and give an empty table). */
  createTable(uid: string, title: string, emoji: string | null, description: string | null): TablesTable {
    const now = this.timestamp();
    const table: TablesTable = { id: this.nextId.table++, title: tablesTitle(title), emoji: emoji || null, description: description ?? '', ownership: uid, createdBy: uid, createdAt: now, lastEditBy: uid, lastEditAt: now, archived: false };
    this.tables.set(table.id, table);
    return table;
  }

  /** `ColumnService::create`: a unique title (` (1)`, ` (2)`...), `column_<id>` as default technical name. */
  createColumn(uid: string, tableId: number, input: NewColumn): TablesColumn {
    if (!(COLUMN_TYPES as readonly string[]).includes(input.type)) throw new TablesError('ERR_TABLES_BAD_REQUEST', `Column type ${input.type} does not exist.`);
    const title = tablesTitle(input.title);
    const table = this.tables.get(tableId);
    if (!table) throw new TablesError('ERR_TABLES_NOT_FOUND', '');
    if (table.ownership !== uid) throw new TablesError('ERR_TABLES_FORBIDDEN', `create column for the table id = ${tableId} is not allowed.`);
    const existing = this.columnsOf(tableId).map((c) => c.title);
    let unique = title;
    for (let i = 1; existing.includes(unique); i++) unique = `${title} (${i})`;
    const options = selectionOptions(input.selectionOptions ?? '[]');
    const now = this.timestamp();
    const id = this.nextId.column++;
    const column: TablesColumn = {
      id,
      uuid: randomUUID(),
      tableId,
      title: unique,
      technicalName: input.technicalName || `column_${id}`,
      type: input.type as ColumnType,
      subtype: input.subtype ?? '',
      mandatory: input.mandatory ?? false,
      description: input.description ?? '',
      createdBy: uid,
      createdAt: now,
      lastEditBy: uid,
      lastEditAt: now,
      numberDefault: input.numberDefault ?? null,
      numberMin: input.numberMin ?? null,
      numberMax: input.numberMax ?? null,
      numberDecimals: input.numberDecimals ?? null,
      numberPrefix: input.numberPrefix ?? '',
      numberSuffix: input.numberSuffix ?? '',
      textDefault: input.textDefault ?? null,
      textAllowedPattern: input.textAllowedPattern ?? null,
      textMaxLength: input.textMaxLength ?? null,
      textUnique: input.textUnique ?? null,
      selectionOptions: options,
      selectionDefault: input.selectionDefault ?? null,
      datetimeDefault: input.datetimeDefault ?? null,
      usergroupDefault: input.usergroupDefault ?? null,
      usergroupMultipleItems: input.usergroupMultipleItems ?? null,
      usergroupSelectUsers: input.usergroupSelectUsers ?? null,
      usergroupSelectGroups: input.usergroupSelectGroups ?? null,
      usergroupSelectTeams: input.usergroupSelectTeams ?? null,
      showUserStatus: input.showUserStatus ?? null,
      customSettings: {},
    };
    this.columns.set(id, column);
    return column;
  }

  /**
   * `RowService::create` for a table: cells of other tables' columns are an InternalError, values are checked
   * against the column's limits and parsed by type, mandatory columns must have a value.
   */
  createRow(uid: string, tableId: number, cells: RowCell[]): TablesRow {
    const table = this.tables.get(tableId);
    if (!table) throw new TablesError('ERR_TABLES_MISSING', 'Given table could not be found. More details can be found in the log.');
    if (table.ownership !== uid) throw new TablesError('ERR_TABLES_FORBIDDEN', `create row at the table id = ${tableId} is not allowed.`);
    const columns = this.columnsOf(tableId);
    const data: RowCell[] = [];
    for (const cell of cells) {
      if (cell.columnId >= -5 && cell.columnId <= -1) continue;
      const column = columns.find((c) => c.id === cell.columnId);
      if (!column) throw new TablesError('ERR_TABLES_INTERNAL', `Column with id ${cell.columnId} is not part of table with id ${tableId}`);
      const value = cell.value;
      if (column.textMaxLength !== null && typeof value === 'string' && [...value].length > column.textMaxLength) {
        throw new TablesError('ERR_TABLES_BAD_REQUEST', `Value for column ${column.title} exceeds maximum length of ${column.textMaxLength}`);
      }
      const numeric = typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)));
      if (column.numberMin !== null && numeric && Number(value) < column.numberMin) throw new TablesError('ERR_TABLES_BAD_REQUEST', `Value for column ${column.title} is less than minimum allowed value of ${column.numberMin}`);
      if (column.numberMax !== null && numeric && Number(value) > column.numberMax) throw new TablesError('ERR_TABLES_BAD_REQUEST', `Value for column ${column.title} exceeds maximum allowed value of ${column.numberMax}`);
      if (column.type === 'text' && column.textUnique && this.rowsOf(tableId).some((r) => r.data.some((d) => d.columnId === column.id && d.value === value))) {
        throw new TablesError('ERR_TABLES_BAD_REQUEST', `Column "${column.title}" contains a non-unique value.`);
      }
      const parsed = parseCellValue(column, value);
      const existing = data.find((d) => d.columnId === column.id);
      if (existing) existing.value = parsed;
      else data.push({ columnId: column.id, value: parsed });
    }
    for (const column of columns.filter((c) => c.mandatory)) {
      const cell = data.find((d) => d.columnId === column.id);
      if (!cell) throw new TablesError('ERR_TABLES_BAD_REQUEST', `Mandatory column "${column.title}" cannot be empty.`);
      if (cell.value === null || cell.value === '') throw new TablesError('ERR_TABLES_BAD_REQUEST', `Mandatory column "${column.title}" cannot be empty or invalid.`);
    }
    const now = this.timestamp();
    const row: TablesRow = { id: this.nextId.row++, tableId, createdBy: uid, createdAt: now, lastEditBy: uid, lastEditAt: now, data };
    this.rows.set(row.id, row);
    table.lastEditAt = now;
    table.lastEditBy = uid;
    return row;
  }
}

/** The TablesStore of a double. */
export function tablesStore(state: DoubleState): TablesStore {
  return state.store('tables', () => new TablesStore(state));
}
