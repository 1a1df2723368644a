// The included MCP server in front of the variant's Nextcloud: initialize and tools/list with the user's
// access token, a round trip through the tools of each app, and a request without a token (MCP
// authorization spec; RFC 9728 §5.1, RFC 6750 §3).
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { McpSession, basicAuthorization, mcpWithoutToken, type StartedNextcloud, type TestUser } from '../../harness/index.ts';
import { ERROR_META_KEY } from '../../server/index.ts';
import type { CheckId } from '../checks.ts';
import { test, type MatrixMcpServer } from '../fixtures/matrix-fixtures.ts';
import { httpObserve } from '../fixtures/observe-http.ts';
import { errorObservation } from '../fixtures/oauth-steps.ts';
import type { CheckObservation } from '../record-check.ts';
import { withChecks } from '../record-check.ts';

/** The tools a round trip needs, one group per app. */
const ROUND_TRIP_TOOLS = ['notes_create', 'notes_get', 'notes_delete', 'files_write', 'files_list', 'files_read', 'files_delete', 'events_create', 'events_list', 'events_delete', 'contacts_create', 'contacts_list', 'contacts_delete', 'deck_board_create', 'deck_stack_create', 'deck_card_create', 'deck_cards_list', 'deck_board_delete', 'tables_list', 'tables_row_insert', 'tables_rows_read'];

/** A tool step failed: its name, the HTTP status Nextcloud gave and the tool's message. */
class StepFailed extends Error {
  readonly code = 'ERR_STEP_FAILED';
  constructor(
    readonly tool: string,
    readonly observation: CheckObservation,
  ) {
    super(`${tool}: ${observation.message ?? 'failed'}`);
    this.name = 'StepFailed';
  }
}

/** Calls a tool and returns its structured output; a tool error becomes a StepFailed with Nextcloud's status. */
async function call<T = Record<string, unknown>>(session: McpSession, tool: string, args: Record<string, unknown> = {}): Promise<T> {
  let result: CallToolResult;
  try {
    result = await session.callTool(tool, args);
  } catch (error) {
    throw new StepFailed(tool, errorObservation(error));
  }
  if (result.isError) {
    const meta = (result._meta?.[ERROR_META_KEY] ?? {}) as { status?: unknown; nextcloudMessage?: unknown };
    const text = result.content.map((c) => (c.type === 'text' ? c.text : '')).join(' ').split('\n')[0]!;
    throw new StepFailed(tool, { ...(typeof meta.status === 'number' ? { status: meta.status } : {}), message: `${tool}: ${typeof meta.nextcloudMessage === 'string' ? meta.nextcloudMessage : text}` });
  }
  return (result.structuredContent ?? {}) as T;
}

/** Runs a round trip with a session of the user's token; records the check from how it ended. */
async function roundTrip(
  id: CheckId,
  mcp: MatrixMcpServer,
  token: string,
  nextcloud: StartedNextcloud,
  check: (id: CheckId, passed: boolean, observed?: CheckObservation) => Promise<void>,
  steps: (session: McpSession) => Promise<string>,
): Promise<void> {
  let session: McpSession;
  try {
    session = await McpSession.connect(mcp.url, { token, secrets: nextcloud.secrets, clientName: 'nc-oauth-lab matrix' });
  } catch (error) {
    await check(id, false, { ...errorObservation(error), message: `initialize failed: ${errorObservation(error).message ?? ''}` });
    return;
  }
  try {
    const summary = await steps(session);
    await check(id, true, { message: summary });
  } catch (error) {
    if (!(error instanceof StepFailed)) throw error;
    await check(id, false, error.observation);
  } finally {
    await session.close();
  }
}

/** A label that tells the run's objects apart. */
function label(what: string): string {
  return `nc-oauth-lab matrix ${what} ${Date.now().toString(36)}`;
}

/** The included MCP server: initialize, tools/list, round trips, no token. Declares the tests; the list (matrix.list.ts) calls it inside a describe. */
export function mcpScenarios(): void {
  test('MCP initialize and tools/list', withChecks('mcp.initialize', 'mcp.tools.list'), async ({ nextcloud, logins, mcpServer, check }) => {
    const { tokens } = await logins.tokens();
    let session: McpSession;
    try {
      session = await McpSession.connect(mcpServer.url, { token: tokens.accessToken, secrets: nextcloud.secrets, clientName: 'nc-oauth-lab matrix' });
    } catch (error) {
      await check('mcp.initialize', false, errorObservation(error));
      await check('mcp.tools.list', false, { message: 'no session: initialize failed' });
      return;
    }
    try {
      const info = session.serverInfo;
      await check('mcp.initialize', true, { message: `initialized ${info?.name ?? '?'} ${info?.version ?? ''}`.trim() });
      try {
        const names = (await session.listTools()).map((t) => t.name);
        const missing = ROUND_TRIP_TOOLS.filter((t) => !names.includes(t));
        await check('mcp.tools.list', missing.length === 0, { message: missing.length === 0 ? `${names.length} tools` : `missing ${missing.join(', ')}` });
      } catch (error) {
        await check('mcp.tools.list', false, errorObservation(error));
      }
    } finally {
      await session.close();
    }
  });

  test('MCP round trip: Notes', withChecks('mcp.notes.roundtrip'), async ({ nextcloud, logins, mcpServer, check }) => {
    const { tokens } = await logins.tokens();
    await roundTrip('mcp.notes.roundtrip', mcpServer, tokens.accessToken, nextcloud, check, async (s) => {
      const title = label('note');
      const created = await call<{ id: number }>(s, 'notes_create', { title, content: 'Written through the MCP server.' });
      const read = await call<{ title: string; content: string }>(s, 'notes_get', { id: created.id });
      await call(s, 'notes_delete', { id: created.id });
      if (read.title !== title) throw new StepFailed('notes_get', { message: `notes_get read back '${read.title}', not the note just created` });
      return 'created, read back and deleted a note';
    });
  });

  test('MCP round trip: Files', withChecks('mcp.files.roundtrip'), async ({ nextcloud, logins, mcpServer, check }) => {
    const { tokens } = await logins.tokens();
    await roundTrip('mcp.files.roundtrip', mcpServer, tokens.accessToken, nextcloud, check, async (s) => {
      const name = `${label('file').replace(/ /g, '-')}.txt`;
      const content = 'Written through the MCP server.';
      await call(s, 'files_write', { path: name, content });
      const listing = await call<{ entries: { name: string }[] }>(s, 'files_list', { path: '/' });
      const read = await call<{ content?: string }>(s, 'files_read', { path: name });
      await call(s, 'files_delete', { path: name });
      if (!listing.entries.some((e) => e.name === name)) throw new StepFailed('files_list', { message: `files_list does not show ${name}` });
      if (read.content !== content) throw new StepFailed('files_read', { message: 'files_read gave other content than was written' });
      return 'wrote, listed, read back and deleted a file';
    });
  });

  test('MCP round trip: Calendar', withChecks('mcp.calendar.roundtrip'), async ({ nextcloud, logins, mcpServer, check }) => {
    const { tokens } = await logins.tokens();
    await roundTrip('mcp.calendar.roundtrip', mcpServer, tokens.accessToken, nextcloud, check, async (s) => {
      const calendars = await call<{ calendars: { id: string }[] }>(s, 'calendars_list');
      const calendar = calendars.calendars[0]?.id;
      if (!calendar) throw new StepFailed('calendars_list', { message: 'the user has no calendar' });
      const summary = label('event');
      const created = await call<{ id: string; etag: string | null }>(s, 'events_create', { calendar, summary, start: '2031-03-04T10:00:00Z', end: '2031-03-04T11:00:00Z' });
      const listed = await call<{ events: { summary?: string | null }[] }>(s, 'events_list', { calendar, from: '2031-03-04T00:00:00Z', to: '2031-03-05T00:00:00Z' });
      await call(s, 'events_delete', { calendar, id: created.id });
      if (!listed.events.some((e) => e.summary === summary)) throw new StepFailed('events_list', { message: 'events_list does not show the event in its time range' });
      return 'created an event, listed it by time range, deleted it';
    });
  });

  test('MCP round trip: Contacts', withChecks('mcp.contacts.roundtrip'), async ({ nextcloud, logins, mcpServer, check }) => {
    const { tokens } = await logins.tokens();
    await roundTrip('mcp.contacts.roundtrip', mcpServer, tokens.accessToken, nextcloud, check, async (s) => {
      const books = await call<{ addressBooks: { id: string }[] }>(s, 'addressbooks_list');
      const addressbook = books.addressBooks[0]?.id;
      if (!addressbook) throw new StepFailed('addressbooks_list', { message: 'the user has no address book' });
      const fullName = label('contact');
      const created = await call<{ id: string }>(s, 'contacts_create', { addressbook, fullName, emails: ['matrix@example.test'] });
      const listed = await call<{ contacts: { fullName?: string | null }[] }>(s, 'contacts_list', { addressbook });
      await call(s, 'contacts_delete', { addressbook, id: created.id });
      if (!listed.contacts.some((c) => c.fullName === fullName)) throw new StepFailed('contacts_list', { message: 'contacts_list does not show the contact' });
      return 'created a contact, listed it, deleted it';
    });
  });

  test('MCP round trip: Deck', withChecks('mcp.deck.roundtrip'), async ({ nextcloud, logins, mcpServer, check }) => {
    const { tokens } = await logins.tokens();
    await roundTrip('mcp.deck.roundtrip', mcpServer, tokens.accessToken, nextcloud, check, async (s) => {
      const board = await call<{ id: number }>(s, 'deck_board_create', { title: label('board'), color: '0082c9' });
      try {
        const stack = await call<{ id: number }>(s, 'deck_stack_create', { boardId: board.id, title: 'To do' });
        const title = label('card');
        await call(s, 'deck_card_create', { boardId: board.id, stackId: stack.id, title });
        const cards = await call<{ cards: { title: string }[] }>(s, 'deck_cards_list', { boardId: board.id, stackId: stack.id });
        if (!cards.cards.some((c) => c.title === title)) throw new StepFailed('deck_cards_list', { message: 'deck_cards_list does not show the card' });
      } finally {
        await call(s, 'deck_board_delete', { boardId: board.id }).catch(() => undefined);
      }
      return 'created a board, a stack and a card, read them back, deleted the board';
    });
  });

  /** A table with one text column for `user`, made through Tables' OCS API with the user's password. */
  async function makeTable(nextcloud: StartedNextcloud, user: TestUser): Promise<{ id: number; column: string }> {
    const headers = { Authorization: basicAuthorization(user), 'Content-Type': 'application/json' };
    const base = `${nextcloud.baseUrl}/ocs/v2.php/apps/tables/api/2`;
    const table = await httpObserve(`${base}/tables`, { method: 'POST', ocs: true, headers, body: JSON.stringify({ title: label('table') }) });
    const id = (table.json as { ocs?: { data?: { id?: unknown } } } | undefined)?.ocs?.data?.id;
    if (typeof id !== 'number') throw new Error(`could not make a table for the round trip: ${table.status} ${table.message}`);
    const column = 'Name';
    const made = await httpObserve(`${base}/columns/text`, { method: 'POST', ocs: true, headers, body: JSON.stringify({ baseNodeId: id, baseNodeType: 'table', title: column, subtype: 'line' }) });
    if (made.status !== 200) throw new Error(`could not add a column to the table: ${made.status} ${made.message}`);
    return { id, column };
  }

  test('MCP round trip: Tables', withChecks('mcp.tables.roundtrip'), async ({ nextcloud, logins, mcpServer, check }) => {
    const { tokens, user } = await logins.tokens();
    const table = await makeTable(nextcloud, user);
    await roundTrip('mcp.tables.roundtrip', mcpServer, tokens.accessToken, nextcloud, check, async (s) => {
      const tables = await call<{ tables: { id: number }[] }>(s, 'tables_list');
      if (!tables.tables.some((t) => t.id === table.id)) throw new StepFailed('tables_list', { message: 'tables_list does not show the table' });
      const value = label('row');
      await call(s, 'tables_row_insert', { tableId: table.id, values: { [table.column]: value } });
      const rows = await call<{ rows: { values: Record<string, unknown> }[] }>(s, 'tables_rows_read', { tableId: table.id });
      if (!rows.rows.some((r) => r.values[table.column] === value)) throw new StepFailed('tables_rows_read', { message: 'tables_rows_read does not show the row' });
      return 'listed tables, inserted a row, read it back';
    });
  });

  test('MCP without a token', withChecks('mcp.unauthorized'), async ({ logins, mcpServer, check }) => {
    const answer = await mcpWithoutToken(mcpServer.url);
    if (answer.status !== 401 || !answer.resourceMetadata) {
      await check('mcp.unauthorized', false, { status: answer.status, message: answer.wwwAuthenticate ? `WWW-Authenticate without resource_metadata: ${answer.wwwAuthenticate}` : 'no WWW-Authenticate challenge' });
      return;
    }
    const metadata = await httpObserve(answer.resourceMetadata);
    const servers = (metadata.json as { authorization_servers?: unknown } | undefined)?.authorization_servers;
    const issuer = logins.client.metadata.issuer;
    const named = Array.isArray(servers) && servers.some((s) => String(s).replace(/\/$/, '') === issuer.replace(/\/$/, ''));
    await check('mcp.unauthorized', metadata.status === 200 && named, {
      status: answer.status,
      message: metadata.status !== 200 ? `the resource metadata answered ${metadata.status}` : named ? '401 with resource_metadata naming the Nextcloud issuer' : `authorization_servers ${JSON.stringify(servers)} does not name the Nextcloud issuer ${issuer}`,
    });
  });
}
