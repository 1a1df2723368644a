import { readFileSync } from 'node:fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { z } from 'zod';
import { NextcloudError, type NextcloudClient } from './nextcloud-client.ts';
import type { Logger } from './redacting-logger.ts';
import type { Principal } from './token-validator.ts';
import { CALENDAR_TOOLS } from './tools/calendar-tools.ts';
import { CAPABILITIES_TOOLS } from './tools/capabilities-tools.ts';
import { CONTACTS_TOOLS } from './tools/contacts-tools.ts';
import { DECK_TOOLS } from './tools/deck-tools.ts';
import { FILES_TOOLS } from './tools/files-tools.ts';
import { NOTES_TOOLS } from './tools/notes-tools.ts';
import { TABLES_TOOLS } from './tools/tables-tools.ts';
import { ToolInputError, type ToolContext, type ToolDefinition } from './tools/tool-definition.ts';

/** Built zod objects of each tool's schemas, made once: building them per request costs more than the request. */
const SCHEMAS = new WeakMap<ToolDefinition, { input: z.ZodObject; output: z.ZodObject }>();

function schemasOf(tool: ToolDefinition): { input: z.ZodObject; output: z.ZodObject } {
  let schemas = SCHEMAS.get(tool);
  if (!schemas) {
    schemas = { input: z.object(tool.input), output: z.object(tool.output) };
    SCHEMAS.set(tool, schemas);
  }
  return schemas;
}

/** One JSON Schema validator for every per-request server (a new Ajv per request would cost milliseconds each). */
const VALIDATOR = new AjvJsonSchemaValidator();

/** Every tool of the server, in `tools/list` order. */
export const ALL_TOOLS: readonly ToolDefinition[] = [...CAPABILITIES_TOOLS, ...NOTES_TOOLS, ...FILES_TOOLS, ...CALENDAR_TOOLS, ...CONTACTS_TOOLS, ...DECK_TOOLS, ...TABLES_TOOLS];

/** Name and version the server reports in `initialize` (from package.json). */
export const SERVER_INFO: { name: string; version: string } = (() => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
  return { name: 'nc-oauth-lab-mcp', version: pkg.version ?? '0.0.0' };
})();

/** The `_meta` key under which a tool error carries its details (status, Nextcloud's message, hint). */
export const ERROR_META_KEY = 'nc-oauth-lab/error';

const INSTRUCTIONS = [
  'Tools for one Nextcloud user: notes, files (WebDAV), calendars (CalDAV), contacts (CardDAV), Deck boards and Tables.',
  'List tools give the ids the other tools take. Paths of files_* are relative to your Nextcloud files root.',
  'Pass the etag you read to notes_update / events_update to refuse the update when someone changed the item meanwhile.',
  'A tool error names the HTTP status and the message Nextcloud sent, and, when known, what fixes it.',
].join(' ');

/** What one MCP request's server acts with. */
export interface SessionContext {
  principal: Principal;
  nextcloud: NextcloudClient;
  logger: Logger;
}

/** A tool error as MCP wants it (`isError`), with the status, Nextcloud's message and the hint in the text and in `_meta`. */
export function toolErrorResult(error: unknown, logger: Logger, tool: string): CallToolResult {
  if (error instanceof NextcloudError) {
    const details = { code: error.code, ...(error.status !== undefined ? { status: error.status } : {}), ...(error.nextcloudMessage ? { nextcloudMessage: error.nextcloudMessage } : {}), ...(error.hint ? { hint: error.hint } : {}) };
    logger.warn('tool failed at Nextcloud', { tool, ...details, method: error.method, path: error.path });
    return { isError: true, content: [{ type: 'text', text: error.hint ? `${error.message}\n${error.hint}` : error.message }], _meta: { [ERROR_META_KEY]: details } };
  }
  if (error instanceof ToolInputError) {
    return { isError: true, content: [{ type: 'text', text: error.message }], _meta: { [ERROR_META_KEY]: { code: error.code } } };
  }
  logger.error('tool crashed', { tool, error });
  return { isError: true, content: [{ type: 'text', text: `internal error in ${tool}: ${(error as Error)?.message ?? String(error)}` }], _meta: { [ERROR_META_KEY]: { code: 'ERR_INTERNAL' } } };
}

/**
 * An MCP server for one request (or one stdio session): every tool bound to the caller's Nextcloud client,
 * two resources (the caller's account and the capabilities) and one prompt.
 */
export function createMcpServer(session: SessionContext): McpServer {
  const server = new McpServer(SERVER_INFO, { capabilities: { logging: {} }, instructions: INSTRUCTIONS, jsonSchemaValidator: VALIDATOR });
  const ctx: ToolContext = { nextcloud: session.nextcloud, principal: session.principal, logger: session.logger };
  for (const tool of ALL_TOOLS) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: schemasOf(tool).input,
        outputSchema: schemasOf(tool).output,
        annotations: { title: tool.title, readOnlyHint: tool.access === 'read', openWorldHint: true, ...(tool.access === 'write' ? { idempotentHint: false } : {}), ...tool.annotations },
      },
      async (args: Record<string, unknown>, extra): Promise<CallToolResult> => {
        try {
          const output = (await tool.run(ctx, args as never)) as Record<string, unknown>;
          return { content: [{ type: 'text', text: JSON.stringify(output) }], structuredContent: output };
        } catch (error) {
          const result = toolErrorResult(error, session.logger, tool.name);
          if (error instanceof NextcloudError) {
            await extra
              .sendNotification({ method: 'notifications/message', params: { level: 'warning', logger: 'nextcloud', data: { tool: tool.name, ...(result._meta?.[ERROR_META_KEY] as object) } } })
              .catch(() => undefined);
          }
          return result;
        }
      },
    );
  }

  server.registerResource(
    'nextcloud-account',
    'nextcloud://account',
    { title: 'Your Nextcloud account', description: 'The account this server acts for (OCS cloud/user): id, display name, email, quota.', mimeType: 'application/json' },
    async (uri) => {
      const user = await session.nextcloud.ocs<Record<string, unknown>>({ path: '/ocs/v2.php/cloud/user' });
      const account = { id: user['id'], displayName: user['displayname'] ?? user['display-name'], email: user['email'] ?? null, quota: user['quota'] ?? null, groups: user['groups'] ?? [] };
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(account) }] };
    },
  );
  server.registerResource(
    'nextcloud-capabilities',
    'nextcloud://capabilities',
    { title: 'Nextcloud capabilities', description: "The server's version and the capabilities of its apps (OCS cloud/capabilities).", mimeType: 'application/json' },
    async (uri) => {
      const caps = await session.nextcloud.ocs<unknown>({ path: '/ocs/v2.php/cloud/capabilities' });
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(caps) }] };
    },
  );

  server.registerPrompt(
    'find-in-nextcloud',
    {
      title: 'Find something in Nextcloud',
      description: 'Look for a topic across your notes, files, calendar and Deck cards and summarise what is there.',
      argsSchema: { topic: z.string().describe('What to look for.') },
    },
    ({ topic }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text: `Find what my Nextcloud holds about "${topic}". Search my notes with notes_search, look through likely folders with files_list, check the coming month with calendars_list and events_list, and my Deck boards with deck_boards_list and deck_cards_list. Summarise what you found, naming each item (note id, file path, event, card) so I can open it.`,
          },
        },
      ],
    }),
  );
  return server;
}
