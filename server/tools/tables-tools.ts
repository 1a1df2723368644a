import { z } from 'zod';
import type { NextcloudClient } from '../nextcloud-client.ts';
import { defineTool, ToolInputError, type ToolDefinition } from './tool-definition.ts';

/**
 * The Tables APIs (nextcloud/tables `appinfo/routes.php`): OCS API v2 for tables, columns and new rows;
 * reading rows exists only in the `@CORS` app-framework API v1.
 */
const OCS = '/ocs/v2.php/apps/tables/api/2';
const V1 = '/index.php/apps/tables/api/1';

type Json = Record<string, unknown>;

const cellValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.unknown()), z.record(z.string(), z.unknown())]);

const columnShape = z.object({ id: z.number(), title: z.string(), type: z.string(), subtype: z.string().nullable(), mandatory: z.boolean() });
const rowShape = z.object({
  id: z.number(),
  values: z.record(z.string(), z.unknown()).describe('Cell values by column title.'),
  createdBy: z.string(),
  lastEditAt: z.string().nullable(),
});

async function columnsOf(nc: NextcloudClient, tableId: number): Promise<z.infer<typeof columnShape>[]> {
  const columns = await nc.ocs<Json[]>({ path: `${OCS}/columns/table/${tableId}` });
  return columns.map((c) => ({
    id: Number(c['id']),
    title: String(c['title'] ?? ''),
    type: String(c['type'] ?? ''),
    subtype: typeof c['subtype'] === 'string' && c['subtype'] !== '' ? c['subtype'] : null,
    mandatory: c['mandatory'] === true,
  }));
}

function rowOf(row: Json, titles: Map<number, string>): z.infer<typeof rowShape> {
  const values: Record<string, unknown> = {};
  const cells = Array.isArray(row['data']) ? (row['data'] as Json[]) : [];
  for (const cell of cells) {
    const columnId = Number(cell['columnId']);
    values[titles.get(columnId) ?? `column ${columnId}`] = cell['value'] ?? null;
  }
  return { id: Number(row['id']), values, createdBy: String(row['createdBy'] ?? ''), lastEditAt: typeof row['lastEditAt'] === 'string' ? row['lastEditAt'] : null };
}

/** `tables_list`: the caller's tables (OCS `GET /api/2/tables`). */
export const tablesListTool = defineTool({
  name: 'tables_list',
  title: 'List tables',
  description: 'List your Nextcloud Tables tables.',
  access: 'read',
  input: {},
  output: {
    tables: z.array(z.object({ id: z.number(), title: z.string(), emoji: z.string().nullable(), description: z.string().nullable(), owner: z.string(), rowsCount: z.number().nullable(), archived: z.boolean() })),
  },
  async run({ nextcloud }) {
    const tables = await nextcloud.ocs<Json[]>({ path: `${OCS}/tables` });
    return {
      tables: tables.map((t) => ({
        id: Number(t['id']),
        title: String(t['title'] ?? ''),
        emoji: typeof t['emoji'] === 'string' && t['emoji'] !== '' ? t['emoji'] : null,
        description: typeof t['description'] === 'string' && t['description'] !== '' ? t['description'] : null,
        owner: String(t['ownership'] ?? ''),
        rowsCount: typeof t['rowsCount'] === 'number' ? t['rowsCount'] : null,
        archived: t['archived'] === true,
      })),
    };
  },
});

/** `tables_rows_read`: a table's columns and rows (v1 `GET /tables/{id}/rows` with `limit`/`offset`). */
export const tablesRowsReadTool = defineTool({
  name: 'tables_rows_read',
  title: 'Read table rows',
  description: "Read a table's columns and rows; values are keyed by column title.",
  access: 'read',
  input: { tableId: z.number().int().min(1), limit: z.number().int().min(1).max(1000).default(100), offset: z.number().int().min(0).default(0) },
  output: { columns: z.array(columnShape), rows: z.array(rowShape) },
  async run({ nextcloud }, args) {
    const columns = await columnsOf(nextcloud, args.tableId);
    const titles = new Map(columns.map((c) => [c.id, c.title]));
    const { data } = await nextcloud.json<Json[]>({ path: `${V1}/tables/${args.tableId}/rows`, api: 'tables-v1', query: { limit: args.limit, offset: args.offset } });
    return { columns, rows: (data ?? []).map((r) => rowOf(r, titles)) };
  },
});

/** `tables_row_insert`: a new row (OCS `POST /api/2/tables/{id}/rows`), values keyed by column title or id. */
export const tablesRowInsertTool = defineTool({
  name: 'tables_row_insert',
  title: 'Insert a table row',
  description: 'Add a row to a table. values maps column titles (or column ids) to cell values.',
  access: 'write',
  input: { tableId: z.number().int().min(1), values: z.record(z.string(), cellValue) },
  output: rowShape.shape,
  async run({ nextcloud }, args) {
    const columns = await columnsOf(nextcloud, args.tableId);
    const data: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(args.values)) {
      const column = columns.find((c) => c.title === key) ?? columns.find((c) => String(c.id) === key);
      if (!column) throw new ToolInputError(`table ${args.tableId} has no column '${key}': its columns are ${columns.map((c) => `'${c.title}'`).join(', ') || 'none'}`);
      data[String(column.id)] = value;
    }
    const missing = columns.filter((c) => c.mandatory && !(String(c.id) in data));
    if (missing.length > 0) throw new ToolInputError(`mandatory columns need a value: ${missing.map((c) => `'${c.title}'`).join(', ')}`);
    const row = await nextcloud.ocs<Json>({ method: 'POST', path: `${OCS}/tables/${args.tableId}/rows`, json: { data } });
    return rowOf(row, new Map(columns.map((c) => [c.id, c.title])));
  },
});

/** The Tables tools. */
export const TABLES_TOOLS: readonly ToolDefinition[] = [tablesListTool, tablesRowsReadTool, tablesRowInsertTool];
