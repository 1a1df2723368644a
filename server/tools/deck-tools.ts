import { z } from 'zod';
import type { NextcloudClient } from '../nextcloud-client.ts';
import { defineTool, ToolInputError, type ToolDefinition } from './tool-definition.ts';

/** Base of the Deck REST API v1.0 (nextcloud/deck `docs/API.md`): an app-framework API marked `@CORS`. */
const DECK = '/index.php/apps/deck/api/v1.0';

type Json = Record<string, unknown>;

const id = z.number().int().min(1);

function uidOf(owner: unknown): string {
  if (typeof owner === 'string') return owner;
  if (owner && typeof owner === 'object') return String((owner as Json)['uid'] ?? (owner as Json)['primaryKey'] ?? '');
  return '';
}

const boardShape = z.object({ id: z.number(), title: z.string(), color: z.string(), archived: z.boolean(), owner: z.string(), canEdit: z.boolean() });
const cardShape = z.object({
  id: z.number(),
  stackId: z.number(),
  title: z.string(),
  description: z.string(),
  duedate: z.string().nullable(),
  order: z.number(),
  archived: z.boolean(),
  owner: z.string(),
});
const stackShape = z.object({ id: z.number(), boardId: z.number(), title: z.string(), order: z.number(), cards: z.array(cardShape) });

function board(b: Json): z.infer<typeof boardShape> {
  const permissions = (b['permissions'] ?? {}) as Json;
  return {
    id: Number(b['id']),
    title: String(b['title'] ?? ''),
    color: String(b['color'] ?? ''),
    archived: b['archived'] === true,
    owner: uidOf(b['owner']),
    canEdit: permissions['PERMISSION_EDIT'] === true,
  };
}

function card(c: Json): z.infer<typeof cardShape> {
  return {
    id: Number(c['id']),
    stackId: Number(c['stackId']),
    title: String(c['title'] ?? ''),
    description: typeof c['description'] === 'string' ? c['description'] : '',
    duedate: typeof c['duedate'] === 'string' ? c['duedate'] : null,
    order: Number(c['order'] ?? 0),
    archived: c['archived'] === true,
    owner: uidOf(c['owner']),
  };
}

function stack(s: Json): z.infer<typeof stackShape> {
  const cards = Array.isArray(s['cards']) ? (s['cards'] as Json[]) : [];
  return { id: Number(s['id']), boardId: Number(s['boardId']), title: String(s['title'] ?? ''), order: Number(s['order'] ?? 0), cards: cards.map(card) };
}

async function deck<T>(nc: NextcloudClient, method: string, path: string, json?: unknown): Promise<T> {
  const res = await nc.json<T>({ method, path: `${DECK}${path}`, api: 'deck', ...(json !== undefined ? { json } : {}) });
  return res.data;
}

function needsChange(changes: Record<string, unknown>, tool: string): void {
  if (Object.values(changes).every((v) => v === undefined)) throw new ToolInputError(`${tool} needs at least one field to change`);
}

const color = z.string().regex(/^[0-9a-fA-F]{6}$/, 'a color is six hex digits, e.g. 0082c9');

/** `deck_boards_list`. */
export const deckBoardsListTool = defineTool({
  name: 'deck_boards_list',
  title: 'List Deck boards',
  description: 'List your Deck boards (and those shared with you).',
  access: 'read',
  input: { includeArchived: z.boolean().default(false) },
  output: { boards: z.array(boardShape) },
  async run({ nextcloud }, args) {
    const boards = (await deck<Json[]>(nextcloud, 'GET', '/boards')).map(board);
    return { boards: args.includeArchived ? boards : boards.filter((b) => !b.archived) };
  },
});

/** `deck_board_create`. */
export const deckBoardCreateTool = defineTool({
  name: 'deck_board_create',
  title: 'Create a Deck board',
  description: 'Create a Deck board.',
  access: 'write',
  input: { title: z.string().min(1).max(100), color: color.default('0082c9') },
  output: boardShape.shape,
  async run({ nextcloud }, args) {
    return board(await deck<Json>(nextcloud, 'POST', '/boards', { title: args.title, color: args.color }));
  },
});

/** `deck_board_update`: reads the board and sends it back changed (the API wants title, color and archived together). */
export const deckBoardUpdateTool = defineTool({
  name: 'deck_board_update',
  title: 'Update a Deck board',
  description: 'Rename, recolor, archive or unarchive a Deck board.',
  access: 'write',
  input: { boardId: id, title: z.string().min(1).max(100).optional(), color: color.optional(), archived: z.boolean().optional() },
  output: boardShape.shape,
  async run({ nextcloud }, args) {
    const { boardId, ...changes } = args;
    needsChange(changes, 'deck_board_update');
    const current = board(await deck<Json>(nextcloud, 'GET', `/boards/${boardId}`));
    const next = { title: changes.title ?? current.title, color: changes.color ?? current.color, archived: changes.archived ?? current.archived };
    return board(await deck<Json>(nextcloud, 'PUT', `/boards/${boardId}`, next));
  },
});

/** `deck_board_delete`. */
export const deckBoardDeleteTool = defineTool({
  name: 'deck_board_delete',
  title: 'Delete a Deck board',
  description: 'Delete a Deck board (Deck keeps it restorable for a while).',
  access: 'write',
  annotations: { destructiveHint: true },
  input: { boardId: id },
  output: { id: z.number(), deleted: z.boolean() },
  async run({ nextcloud }, args) {
    await deck<Json>(nextcloud, 'DELETE', `/boards/${args.boardId}`);
    return { id: args.boardId, deleted: true };
  },
});

/** `deck_stacks_list`: a board's stacks with their cards. */
export const deckStacksListTool = defineTool({
  name: 'deck_stacks_list',
  title: 'List Deck stacks',
  description: "List a board's stacks (columns) with their cards.",
  access: 'read',
  input: { boardId: id },
  output: { stacks: z.array(stackShape) },
  async run({ nextcloud }, args) {
    const stacks = (await deck<Json[]>(nextcloud, 'GET', `/boards/${args.boardId}/stacks`)).map(stack);
    return { stacks: stacks.sort((a, b) => a.order - b.order) };
  },
});

/** `deck_stack_create`. */
export const deckStackCreateTool = defineTool({
  name: 'deck_stack_create',
  title: 'Create a Deck stack',
  description: 'Create a stack (column) on a board.',
  access: 'write',
  input: { boardId: id, title: z.string().min(1).max(100), order: z.number().int().default(999) },
  output: stackShape.shape,
  async run({ nextcloud }, args) {
    return stack(await deck<Json>(nextcloud, 'POST', `/boards/${args.boardId}/stacks`, { title: args.title, order: args.order }));
  },
});

/** `deck_stack_update`. */
export const deckStackUpdateTool = defineTool({
  name: 'deck_stack_update',
  title: 'Update a Deck stack',
  description: 'Rename or reorder a stack.',
  access: 'write',
  input: { boardId: id, stackId: id, title: z.string().min(1).max(100).optional(), order: z.number().int().optional() },
  output: stackShape.shape,
  async run({ nextcloud }, args) {
    const { boardId, stackId, ...changes } = args;
    needsChange(changes, 'deck_stack_update');
    const current = stack(await deck<Json>(nextcloud, 'GET', `/boards/${boardId}/stacks/${stackId}`));
    return stack(await deck<Json>(nextcloud, 'PUT', `/boards/${boardId}/stacks/${stackId}`, { title: changes.title ?? current.title, order: changes.order ?? current.order }));
  },
});

/** `deck_stack_delete`. */
export const deckStackDeleteTool = defineTool({
  name: 'deck_stack_delete',
  title: 'Delete a Deck stack',
  description: 'Delete a stack with its cards.',
  access: 'write',
  annotations: { destructiveHint: true },
  input: { boardId: id, stackId: id },
  output: { id: z.number(), deleted: z.boolean() },
  async run({ nextcloud }, args) {
    await deck<Json>(nextcloud, 'DELETE', `/boards/${args.boardId}/stacks/${args.stackId}`);
    return { id: args.stackId, deleted: true };
  },
});

/** `deck_cards_list`: the cards of a board, or of one of its stacks. */
export const deckCardsListTool = defineTool({
  name: 'deck_cards_list',
  title: 'List Deck cards',
  description: 'List the cards of a board, or of one stack of it.',
  access: 'read',
  input: { boardId: id, stackId: id.optional() },
  output: { cards: z.array(cardShape) },
  async run({ nextcloud }, args) {
    const stacks = (await deck<Json[]>(nextcloud, 'GET', `/boards/${args.boardId}/stacks`)).map(stack);
    const chosen = args.stackId === undefined ? stacks : stacks.filter((s) => s.id === args.stackId);
    if (args.stackId !== undefined && chosen.length === 0) throw new ToolInputError(`board ${args.boardId} has no stack ${args.stackId}: see deck_stacks_list`);
    return { cards: chosen.flatMap((s) => s.cards.sort((a, b) => a.order - b.order)) };
  },
});

/** `deck_card_create`. */
export const deckCardCreateTool = defineTool({
  name: 'deck_card_create',
  title: 'Create a Deck card',
  description: 'Create a card in a stack.',
  access: 'write',
  input: {
    boardId: id,
    stackId: id,
    title: z.string().min(1).max(255),
    description: z.string().optional(),
    duedate: z.string().optional().describe('ISO 8601 due date.'),
    order: z.number().int().default(999),
  },
  output: cardShape.shape,
  async run({ nextcloud }, args) {
    if (args.duedate !== undefined && Number.isNaN(Date.parse(args.duedate))) throw new ToolInputError(`duedate '${args.duedate}' is not an ISO 8601 date`);
    const body = { title: args.title, type: 'plain', order: args.order, ...(args.description !== undefined ? { description: args.description } : {}), ...(args.duedate !== undefined ? { duedate: new Date(args.duedate).toISOString() } : {}) };
    return card(await deck<Json>(nextcloud, 'POST', `/boards/${args.boardId}/stacks/${args.stackId}/cards`, body));
  },
});

/** `deck_card_update`: reads the card and sends it back changed (the API wants title, type, owner and the rest together). */
export const deckCardUpdateTool = defineTool({
  name: 'deck_card_update',
  title: 'Update a Deck card',
  description: 'Change a card\'s title, description, due date, order, or archive it; toStackId moves it to another stack of the board.',
  access: 'write',
  input: {
    boardId: id,
    stackId: id,
    cardId: id,
    title: z.string().min(1).max(255).optional(),
    description: z.string().optional(),
    duedate: z.string().nullable().optional().describe('ISO 8601, or null to remove it.'),
    order: z.number().int().optional(),
    archived: z.boolean().optional(),
    toStackId: id.optional(),
  },
  output: cardShape.shape,
  async run({ nextcloud }, args) {
    const { boardId, stackId, cardId, toStackId, ...changes } = args;
    needsChange({ ...changes, toStackId }, 'deck_card_update');
    if (typeof changes.duedate === 'string' && Number.isNaN(Date.parse(changes.duedate))) throw new ToolInputError(`duedate '${changes.duedate}' is not an ISO 8601 date`);
    const raw = await deck<Json>(nextcloud, 'GET', `/boards/${boardId}/stacks/${stackId}/cards/${cardId}`);
    const current = card(raw);
    const duedate = changes.duedate === undefined ? current.duedate : changes.duedate === null ? null : new Date(changes.duedate).toISOString();
    const body = {
      title: changes.title ?? current.title,
      type: typeof raw['type'] === 'string' ? raw['type'] : 'plain',
      owner: current.owner || nextcloud.uid,
      description: changes.description ?? current.description,
      order: changes.order ?? current.order,
      duedate,
      ...(changes.archived !== undefined ? { archived: changes.archived } : {}),
    };
    return card(await deck<Json>(nextcloud, 'PUT', `/boards/${boardId}/stacks/${toStackId ?? stackId}/cards/${cardId}`, body));
  },
});

/** `deck_card_delete`. */
export const deckCardDeleteTool = defineTool({
  name: 'deck_card_delete',
  title: 'Delete a Deck card',
  description: 'Delete a card.',
  access: 'write',
  annotations: { destructiveHint: true },
  input: { boardId: id, stackId: id, cardId: id },
  output: { id: z.number(), deleted: z.boolean() },
  async run({ nextcloud }, args) {
    await deck<Json>(nextcloud, 'DELETE', `/boards/${args.boardId}/stacks/${args.stackId}/cards/${args.cardId}`);
    return { id: args.cardId, deleted: true };
  },
});

/** The Deck tools. */
export const DECK_TOOLS: readonly ToolDefinition[] = [
  deckBoardsListTool,
  deckBoardCreateTool,
  deckBoardUpdateTool,
  deckBoardDeleteTool,
  deckStacksListTool,
  deckStackCreateTool,
  deckStackUpdateTool,
  deckStackDeleteTool,
  deckCardsListTool,
  deckCardCreateTool,
  deckCardUpdateTool,
  deckCardDeleteTool,
];
