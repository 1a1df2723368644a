import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDouble, type StartedDouble } from '../start-double.ts';
import { basicAuth, call, type TestAuth } from './api-test-client.ts';

type Json = Record<string, unknown> & { id: number };

let double: StartedDouble;
let alice: TestAuth;
let bob: TestAuth;
let clock = Date.UTC(2026, 2, 1, 12);
beforeAll(async () => {
  double = await startDouble({ now: () => clock });
  alice = basicAuth(double, 'alice');
  bob = basicAuth(double, 'bob');
});
afterAll(async () => {
  await double.stop();
});

const api = '/index.php/apps/deck/api/v1.0';
const post = async (path: string, auth: TestAuth, json: unknown): Promise<Json> => {
  const r = await call(double, `${api}${path}`, { method: 'POST', auth, json });
  expect(r.status).toBe(200);
  return r.body as Json;
};

describe('Deck API v1.0', () => {
  it('creates a board with the default labels and the owner as a user object', async () => {
    const board = await post('/boards', alice, { title: 'Project', color: 'ff0000' });
    expect(board).toMatchObject({
      title: 'Project',
      color: 'ff0000',
      archived: false,
      owner: { primaryKey: 'alice', uid: 'alice', displayname: 'Alice Liddell', type: 0 },
      acl: [],
      permissions: { PERMISSION_READ: true, PERMISSION_EDIT: true, PERMISSION_MANAGE: true, PERMISSION_SHARE: true },
      deletedAt: 0,
      lastModified: 0,
    });
    expect((board['labels'] as Json[]).map((l) => l['title'])).toEqual(['Finished', 'To review', 'Action needed', 'Later']);

    const got = await call(double, `${api}/boards/${board.id}`, { auth: alice });
    expect(got.status).toBe(200);
    const full = got.body as Json;
    expect(full['lastModified']).toBe(Math.floor(clock / 1000));
    expect(got.headers.get('etag')).toBe(`"${full['ETag'] as string}"`);
    expect(full['users']).toEqual([{ primaryKey: 'alice', uid: 'alice', displayname: 'Alice Liddell', type: 0 }]);
    expect((await call(double, `${api}/boards/${board.id}`, { auth: alice, headers: { 'If-None-Match': `"${full['ETag'] as string}"` } })).status).toBe(304);

    const list = await call(double, `${api}/boards`, { auth: alice });
    expect((list.body as Json[]).map((b) => b.id)).toContain(board.id);
    expect((list.body as Json[])[0]).toMatchObject({ shared: 0, stacks: [] });
  });

  it('keeps stacks and cards in order, with the card fields Deck returns', async () => {
    const board = await post('/boards', alice, { title: 'Kanban', color: '0082c9' });
    const todo = await post(`/boards/${board.id}/stacks`, alice, { title: 'To do', order: 1 });
    const done = await post(`/boards/${board.id}/stacks`, alice, { title: 'Done', order: 2 });
    expect(todo).toMatchObject({ title: 'To do', boardId: board.id, order: 1, deletedAt: 0 });
    expect(todo['cards']).toBeUndefined();

    clock += 1000;
    const card = await post(`/boards/${board.id}/stacks/${todo.id}/cards`, alice, { title: 'Write report', description: 'by Friday', duedate: '2026-03-01T15:00:00+00:00', order: 5 });
    expect(card).toMatchObject({
      title: 'Write report',
      description: 'by Friday',
      stackId: todo.id,
      type: 'plain',
      order: 5,
      owner: { uid: 'alice', displayname: 'Alice Liddell' },
      archived: false,
      done: null,
      duedate: '2026-03-01T15:00:00+00:00',
      labels: [],
      assignedUsers: [],
      overdue: 2,
      createdAt: Math.floor(clock / 1000),
    });
    const second = await post(`/boards/${board.id}/stacks/${todo.id}/cards`, alice, { title: 'Earlier', order: 1 });

    const stacks = await call(double, `${api}/boards/${board.id}/stacks`, { auth: alice });
    const [first, last] = stacks.body as Json[];
    expect([first!['title'], last!['title']]).toEqual(['To do', 'Done']);
    expect((first!['cards'] as Json[]).map((c) => c['title'])).toEqual(['Earlier', 'Write report']);
    expect(last!['cards']).toBeUndefined();

    clock += 1000;
    const moved = await call(double, `${api}/boards/${board.id}/stacks/${done.id}/cards/${second.id}`, { method: 'PUT', auth: alice, json: { title: 'Earlier', type: 'plain', owner: 'alice', order: 0 } });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ stackId: done.id, lastEditor: 'alice', lastModified: Math.floor(clock / 1000) });
    const doneStack = await call(double, `${api}/boards/${board.id}/stacks/${done.id}`, { auth: alice });
    expect(((doneStack.body as Json)['cards'] as Json[]).map((c) => c.id)).toEqual([second.id]);

    const fetched = await call(double, `${api}/boards/${board.id}/stacks/${todo.id}/cards/${card.id}`, { auth: alice });
    expect(fetched.body).toMatchObject({ id: card.id, title: 'Write report' });

    const deleted = await call(double, `${api}/boards/${board.id}/stacks/${todo.id}/cards/${card.id}`, { method: 'DELETE', auth: alice });
    expect(deleted.status).toBe(200);
    expect((deleted.body as Json)['deletedAt']).toBe(Math.floor(clock / 1000));
    const gone = await call(double, `${api}/boards/${board.id}/stacks/${todo.id}/cards/${card.id}`, { auth: alice });
    expect(gone.status).toBe(403);
    expect(gone.body).toEqual({ status: 403, message: 'Card is deleted' });
  });

  it('answers only changes after If-Modified-Since', async () => {
    const board = await post('/boards', bob, { title: 'Since', color: '000000' });
    const stack = await post(`/boards/${board.id}/stacks`, bob, { title: 'S', order: 0 });
    await post(`/boards/${board.id}/stacks/${stack.id}/cards`, bob, { title: 'old' });
    const since = new Date(clock).toUTCString();
    clock += 5000;
    await post(`/boards/${board.id}/stacks/${stack.id}/cards`, bob, { title: 'new' });
    const r = await call(double, `${api}/boards/${board.id}/stacks`, { auth: bob, headers: { 'If-Modified-Since': since } });
    expect(((r.body as Json[])[0]!['cards'] as Json[]).map((c) => c['title'])).toEqual(['new']);
    const bad = await call(double, `${api}/boards`, { auth: bob, headers: { 'If-Modified-Since': 'yesterday-ish' } });
    expect(bad.status).toBe(500);
    expect(bad.body).toEqual({ status: 500, message: 'Invalid If-Modified-Since header provided.' });
  });

  it('updates and deletes boards and stacks', async () => {
    const board = await post('/boards', alice, { title: 'Temp', color: 'aaaaaa' });
    const renamed = await call(double, `${api}/boards/${board.id}`, { method: 'PUT', auth: alice, json: { title: 'Renamed', color: 'bbbbbb', archived: false } });
    expect(renamed.body).toMatchObject({ title: 'Renamed', color: 'bbbbbb' });
    const stack = await post(`/boards/${board.id}/stacks`, alice, { title: 'Old', order: 3 });
    const updated = await call(double, `${api}/boards/${board.id}/stacks/${stack.id}`, { method: 'PUT', auth: alice, json: { title: 'New', order: 4 } });
    expect(updated.body).toMatchObject({ title: 'New', order: 4 });
    const removedStack = await call(double, `${api}/boards/${board.id}/stacks/${stack.id}`, { method: 'DELETE', auth: alice });
    expect((removedStack.body as Json)['deletedAt']).toBeGreaterThan(0);
    expect(((await call(double, `${api}/boards/${board.id}/stacks`, { auth: alice })).body as Json[]).length).toBe(0);

    const deleted = await call(double, `${api}/boards/${board.id}`, { method: 'DELETE', auth: alice });
    expect((deleted.body as Json)['deletedAt']).toBeGreaterThan(0);
    expect((await call(double, `${api}/boards/${board.id}`, { auth: alice })).status).toBe(403);
    expect(((await call(double, `${api}/boards`, { auth: alice })).body as Json[]).map((b) => b.id)).not.toContain(board.id);
  });

  it('refuses other users and missing entities with 403 "Permission denied"', async () => {
    const board = await post('/boards', alice, { title: 'Mine', color: '123456' });
    const stack = await post(`/boards/${board.id}/stacks`, alice, { title: 'S', order: 0 });
    for (const [method, path] of [
      ['GET', `/boards/${board.id}`],
      ['PUT', `/boards/${board.id}`],
      ['GET', `/boards/${board.id}/stacks`],
      ['POST', `/boards/${board.id}/stacks/${stack.id}/cards`],
      ['GET', '/boards/99999'],
    ] as const) {
      const r = await call(double, `${api}${path}`, { method, auth: bob, ...(method === 'GET' ? {} : { json: { title: 'x', color: '000000', order: 1 } }) });
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body).toEqual({ status: 403, message: 'Permission denied' });
    }
    expect(((await call(double, `${api}/boards`, { auth: bob })).body as Json[]).map((b) => b.id)).not.toContain(board.id);
  });

  it('validates input as Deck does', async () => {
    const empty = await call(double, `${api}/boards`, { method: 'POST', auth: alice, json: { title: '', color: 'ffffff' } });
    expect(empty.status).toBe(400);
    expect(empty.body).toEqual({ status: 400, message: 'title must be provided and must be not empty' });
    const long = await call(double, `${api}/boards`, { method: 'POST', auth: alice, json: { title: 'x', color: '1234567' } });
    expect(long.body).toEqual({ status: 400, message: 'color cannot be longer than 6 characters ' });
    const missing = await call(double, `${api}/boards`, { method: 'POST', auth: alice, json: { title: 'no color' } });
    expect(missing.status).toBe(500);
    expect((missing.body as Json)['message']).toMatch(/^Internal server error: Please contact the server administrator/);
  });

  it('needs a login: 401 "CORS requires basic auth" without credentials', async () => {
    const r = await call(double, `${api}/boards`);
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ message: 'CORS requires basic auth' });
  });
});
