import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_META_KEY } from '../mcp-server-factory.ts';
import { callOk, callTool, startServerStack, type ServerStack } from '../server-test-kit.ts';

interface Board {
  id: number;
  title: string;
  color: string;
  archived: boolean;
  owner: string;
  canEdit: boolean;
}
interface Card {
  id: number;
  stackId: number;
  title: string;
  description: string;
  duedate: string | null;
  order: number;
  archived: boolean;
}
interface Stack {
  id: number;
  boardId: number;
  title: string;
  order: number;
  cards: Card[];
}

describe('Deck tools (against the Nextcloud double)', () => {
  let stack: ServerStack;
  let alice: Client;

  beforeAll(async () => {
    stack = await startServerStack();
    alice = await stack.connect(await stack.token('alice'));
  });
  afterAll(() => stack.stop());

  it('creates, lists, updates and deletes boards', async () => {
    const board = await callOk<Board>(alice, 'deck_board_create', { title: 'Launch', color: 'ff0000' });
    expect(board).toMatchObject({ title: 'Launch', color: 'ff0000', archived: false, owner: 'alice' });
    expect((await callOk<{ boards: Board[] }>(alice, 'deck_boards_list')).boards).toContainEqual(expect.objectContaining({ id: board.id, title: 'Launch', canEdit: true }));
    const renamed = await callOk<Board>(alice, 'deck_board_update', { boardId: board.id, title: 'Launch 2' });
    expect(renamed).toMatchObject({ id: board.id, title: 'Launch 2', color: 'ff0000' });
    await callOk(alice, 'deck_board_update', { boardId: board.id, archived: true });
    expect((await callOk<{ boards: Board[] }>(alice, 'deck_boards_list')).boards.map((b) => b.id)).not.toContain(board.id);
    expect((await callOk<{ boards: Board[] }>(alice, 'deck_boards_list', { includeArchived: true })).boards).toContainEqual(expect.objectContaining({ id: board.id, archived: true }));
    expect(await callOk(alice, 'deck_board_delete', { boardId: board.id })).toEqual({ id: board.id, deleted: true });
  });

  it('creates, lists, updates and deletes stacks and cards', async () => {
    const board = await callOk<Board>(alice, 'deck_board_create', { title: 'Sprint' });
    const todo = await callOk<Stack>(alice, 'deck_stack_create', { boardId: board.id, title: 'To do', order: 1 });
    const done = await callOk<Stack>(alice, 'deck_stack_create', { boardId: board.id, title: 'Done', order: 2 });
    expect(todo).toMatchObject({ boardId: board.id, title: 'To do', order: 1, cards: [] });
    const renamed = await callOk<Stack>(alice, 'deck_stack_update', { boardId: board.id, stackId: todo.id, title: 'Backlog' });
    expect(renamed).toMatchObject({ id: todo.id, title: 'Backlog', order: 1 });

    const card = await callOk<Card>(alice, 'deck_card_create', { boardId: board.id, stackId: todo.id, title: 'Write docs', description: 'README section', duedate: '2026-05-01T12:00:00Z' });
    expect(card).toMatchObject({ stackId: todo.id, title: 'Write docs', description: 'README section', archived: false });
    expect(new Date(card.duedate!).toISOString()).toBe('2026-05-01T12:00:00.000Z');
    await callOk(alice, 'deck_card_create', { boardId: board.id, stackId: todo.id, title: 'Second' });

    const stacks = await callOk<{ stacks: Stack[] }>(alice, 'deck_stacks_list', { boardId: board.id });
    expect(stacks.stacks.map((s) => [s.title, s.cards.map((c) => c.title).sort()])).toEqual([
      ['Backlog', ['Second', 'Write docs']],
      ['Done', []],
    ]);
    expect((await callOk<{ cards: Card[] }>(alice, 'deck_cards_list', { boardId: board.id, stackId: done.id })).cards).toEqual([]);

    const moved = await callOk<Card>(alice, 'deck_card_update', { boardId: board.id, stackId: todo.id, cardId: card.id, toStackId: done.id, title: 'Write the docs', duedate: null });
    expect(moved).toMatchObject({ id: card.id, stackId: done.id, title: 'Write the docs', description: 'README section', duedate: null });
    expect((await callOk<{ cards: Card[] }>(alice, 'deck_cards_list', { boardId: board.id, stackId: done.id })).cards.map((c) => c.title)).toEqual(['Write the docs']);
    expect((await callOk<{ cards: Card[] }>(alice, 'deck_cards_list', { boardId: board.id })).cards).toHaveLength(2);

    expect(await callOk(alice, 'deck_card_delete', { boardId: board.id, stackId: done.id, cardId: card.id })).toEqual({ id: card.id, deleted: true });
    expect((await callOk<{ cards: Card[] }>(alice, 'deck_cards_list', { boardId: board.id, stackId: done.id })).cards).toEqual([]);
    expect(await callOk(alice, 'deck_stack_delete', { boardId: board.id, stackId: done.id })).toEqual({ id: done.id, deleted: true });
    expect((await callOk<{ stacks: Stack[] }>(alice, 'deck_stacks_list', { boardId: board.id })).stacks.map((s) => s.title)).toEqual(['Backlog']);
  });

  it("refuses other users' boards with Deck's 403 and reports bad input", async () => {
    const bob = await stack.connect(await stack.token('bob'));
    const bobs = await callOk<Board>(bob, 'deck_board_create', { title: 'Bob private' });
    const peek = await callTool(alice, 'deck_stacks_list', { boardId: bobs.id });
    expect(peek.isError).toBe(true);
    expect(peek.text).toMatch(/^Nextcloud answered 403 to GET \/index\.php\/apps\/deck\/api\/v1\.0\/boards\/\d+\/stacks: Permission denied/);
    expect(peek._meta?.[ERROR_META_KEY]).toMatchObject({ status: 403, nextcloudMessage: 'Permission denied' });
    expect((await callOk<{ boards: Board[] }>(alice, 'deck_boards_list')).boards.map((b) => b.id)).not.toContain(bobs.id);
    expect((await callTool(alice, 'deck_board_delete', { boardId: bobs.id })).isError).toBe(true);
    expect((await callOk<{ boards: Board[] }>(bob, 'deck_boards_list')).boards.map((b) => b.id)).toContain(bobs.id);

    expect((await callTool(alice, 'deck_board_create', { title: 'x', color: 'red' })).text).toMatch(/six hex digits/);
    expect((await callTool(alice, 'deck_board_update', { boardId: bobs.id })).text).toBe('deck_board_update needs at least one field to change');
    const board = await callOk<Board>(alice, 'deck_board_create', { title: 'Errors' });
    expect((await callTool(alice, 'deck_cards_list', { boardId: board.id, stackId: 999999 })).text).toMatch(/has no stack 999999/);
    expect((await callTool(alice, 'deck_card_create', { boardId: board.id, stackId: 1, title: 'x', duedate: 'someday' })).text).toMatch(/not an ISO 8601 date/);
  });
});
