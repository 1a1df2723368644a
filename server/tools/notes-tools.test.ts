import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_META_KEY } from '../mcp-server-factory.ts';
import { callOk, callTool, startServerStack, type ServerStack } from '../server-test-kit.ts';

interface Note {
  id: number;
  etag: string;
  title: string;
  category: string;
  content?: string;
  favorite: boolean;
}

describe('capabilities and notes tools (against the Nextcloud double)', () => {
  let stack: ServerStack;
  let alice: Client;

  beforeAll(async () => {
    stack = await startServerStack({ double: { nextcloud: 32 } });
    alice = await stack.connect(await stack.token('alice'));
  });
  afterAll(() => stack.stop());

  it('lists every tool with input and output schemas', async () => {
    const { tools } = await alice.listTools();
    expect(tools).toHaveLength(37);
    for (const tool of tools) {
      expect(tool.description, tool.name).toBeTruthy();
      expect(tool.inputSchema.type, tool.name).toBe('object');
      expect(tool.outputSchema?.type, tool.name).toBe('object');
    }
    expect(tools.find((t) => t.name === 'notes_delete')?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(tools.find((t) => t.name === 'notes_list')?.annotations).toMatchObject({ readOnlyHint: true });
  });

  it('nextcloud_capabilities names the caller and the version', async () => {
    const caps = await callOk<{ user: { id: string; email: string }; version: { string: string; major: number }; capabilities: Record<string, unknown> }>(alice, 'nextcloud_capabilities');
    expect(caps.user).toMatchObject({ id: 'alice', email: 'alice@example.test' });
    expect(caps.version).toMatchObject({ major: 32, string: '32.0.1' });
    expect(caps.capabilities).toHaveProperty('notes');
  });

  it('creates, reads, lists, searches, updates and deletes a note', async () => {
    const created = await callOk<Note>(alice, 'notes_create', { title: 'Groceries', content: 'milk\neggs\nsaffron', category: 'Home' });
    expect(created).toMatchObject({ title: 'Groceries', category: 'Home', content: 'milk\neggs\nsaffron', favorite: false });
    expect(created.etag).toMatch(/^[0-9a-f]{32}$/);
    await callOk(alice, 'notes_create', { title: 'Work plan', content: 'ship the saffron release' });

    const got = await callOk<Note>(alice, 'notes_get', { id: created.id });
    expect(got).toEqual(created);

    const listed = await callOk<{ notes: Note[]; nextCursor: string | null }>(alice, 'notes_list');
    expect(listed.notes.map((n) => n.title).sort()).toEqual(['Groceries', 'Work plan']);
    expect(listed.notes[0]).not.toHaveProperty('content');
    expect(listed.nextCursor).toBeNull();
    const home = await callOk<{ notes: Note[] }>(alice, 'notes_list', { category: 'Home', includeContent: true });
    expect(home.notes).toEqual([expect.objectContaining({ title: 'Groceries', content: 'milk\neggs\nsaffron' })]);

    const first = await callOk<{ notes: Note[]; nextCursor: string | null }>(alice, 'notes_list', { limit: 1 });
    expect(first.notes).toHaveLength(1);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await callOk<{ notes: Note[]; nextCursor: string | null }>(alice, 'notes_list', { limit: 1, cursor: first.nextCursor });
    expect(second.notes).toHaveLength(1);
    expect(second.notes[0]!.id).not.toBe(first.notes[0]!.id);
    expect(second.nextCursor).toBeNull();

    const search = await callOk<{ notes: (Note & { excerpt: string })[]; total: number }>(alice, 'notes_search', { query: 'SAFFRON' });
    expect(search.total).toBe(2);
    expect(search.notes[0]!.excerpt.toLowerCase()).toContain('saffron');
    const inTitle = await callOk<{ notes: Note[]; total: number }>(alice, 'notes_search', { query: 'plan' });
    expect(inTitle.notes.map((n) => n.title)).toEqual(['Work plan']);
    expect((await callOk<{ total: number }>(alice, 'notes_search', { query: 'nothing like this' })).total).toBe(0);

    const updated = await callOk<Note>(alice, 'notes_update', { id: created.id, etag: created.etag, content: 'milk\neggs', favorite: true });
    expect(updated).toMatchObject({ id: created.id, content: 'milk\neggs', favorite: true, title: 'Groceries' });
    expect(updated.etag).not.toBe(created.etag);

    const deleted = await callOk(alice, 'notes_delete', { id: created.id });
    expect(deleted).toEqual({ id: created.id, deleted: true });
    const gone = await callTool(alice, 'notes_get', { id: created.id });
    expect(gone.isError).toBe(true);
    expect(gone.text).toMatch(/^Nextcloud answered 404 to GET \/index\.php\/apps\/notes\/api\/v1\/notes\/\d+/);
    expect(gone._meta?.[ERROR_META_KEY]).toMatchObject({ code: 'ERR_NEXTCLOUD_HTTP', status: 404 });
  });

  it('refuses an update against a stale etag (412) and says how to recover', async () => {
    const note = await callOk<Note>(alice, 'notes_create', { title: 'Shared', content: 'v1' });
    await callOk(alice, 'notes_update', { id: note.id, content: 'v2' });
    const stale = await callTool(alice, 'notes_update', { id: note.id, etag: note.etag, content: 'v3' });
    expect(stale.isError).toBe(true);
    expect(stale.text).toMatch(/changed since etag .* read it again, merge/);
    expect(stale._meta?.[ERROR_META_KEY]).toMatchObject({ status: 412 });
    expect((await callOk<Note>(alice, 'notes_get', { id: note.id })).content).toBe('v2');
  });

  it('reports bad input and missing notes as tool errors', async () => {
    const empty = await callTool(alice, 'notes_update', { id: 1 });
    expect(empty.isError).toBe(true);
    expect(empty.text).toBe('notes_update needs at least one of title, content, category, favorite');
    const missing = await callTool(alice, 'notes_delete', { id: 987654 });
    expect(missing.isError).toBe(true);
    expect(missing._meta?.[ERROR_META_KEY]).toMatchObject({ status: 404 });
    const badArgs = await callTool(alice, 'notes_get', { id: 'seven' });
    expect(badArgs.isError).toBe(true);
    expect(badArgs.text).toMatch(/Invalid arguments|Input validation/);
  });

  it("does not show one user's notes to another", async () => {
    const bob = await stack.connect(await stack.token('bob'));
    const secret = await callOk<Note>(alice, 'notes_create', { title: 'Alice only', content: 'diary' });
    expect((await callOk<{ notes: Note[] }>(bob, 'notes_list')).notes.map((n) => n.title)).not.toContain('Alice only');
    const peek = await callTool(bob, 'notes_get', { id: secret.id });
    expect(peek.isError).toBe(true);
    expect(peek._meta?.[ERROR_META_KEY]).toMatchObject({ status: 404 });
  });
});
