import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDouble, type StartedDouble } from '../start-double.ts';
import { basicAuth, bearerAuth, call, type TestAuth } from './api-test-client.ts';

type Note = Record<string, unknown> & { id: number; etag: string; title: string };

let double: StartedDouble;
let alice: TestAuth;
let bob: TestAuth;
let clock = Date.UTC(2026, 0, 1);
beforeAll(async () => {
  double = await startDouble({ now: () => clock });
  alice = basicAuth(double, 'alice');
  bob = basicAuth(double, 'bob');
});
afterAll(async () => {
  await double.stop();
});

const api = '/index.php/apps/notes/api/v1';
const create = async (auth: TestAuth, json: unknown): Promise<Note> => {
  const r = await call(double, `${api}/notes`, { method: 'POST', auth, json });
  expect(r.status).toBe(200);
  return r.body as Note;
};

describe('Notes API v1', () => {
  it('creates, reads, updates and deletes a note with the fields and headers of the app', async () => {
    const note = await create(alice, { title: 'Shopping', category: 'Home/Lists', content: '# Shopping\n- milk', favorite: true });
    expect(note).toMatchObject({ title: 'Shopping', category: 'Home/Lists', content: '# Shopping\n- milk', favorite: true, readonly: false, internalPath: '/Notes/Home/Lists/Shopping.md', error: false, errorType: '' });
    expect(note.etag).toMatch(/^[0-9a-f]{32}$/);
    expect(note['modified']).toBe(Math.floor(clock / 1000));

    const got = await call(double, `${api}/notes/${note.id}`, { auth: alice });
    expect(got.status).toBe(200);
    expect(got.headers.get('etag')).toBe(`"${note.etag}"`);
    expect(got.headers.get('x-notes-api-versions')).toBe('0.2, 1.3, 1.4');
    expect(got.body).toEqual(note);

    const notModified = await call(double, `${api}/notes/${note.id}`, { auth: alice, headers: { 'If-None-Match': `"${note.etag}"` } });
    expect(notModified.status).toBe(304);

    clock += 60_000;
    const updated = await call(double, `${api}/notes/${note.id}`, { method: 'PUT', auth: alice, headers: { 'If-Match': `"${note.etag}"` }, json: { content: 'oat milk' } });
    expect(updated.status).toBe(200);
    const after = updated.body as Note;
    expect(after).toMatchObject({ id: note.id, title: 'Shopping', content: 'oat milk', modified: Math.floor(clock / 1000) });
    expect(after.etag).not.toBe(note.etag);

    const stale = await call(double, `${api}/notes/${note.id}`, { method: 'PUT', auth: alice, headers: { 'If-Match': `"${note.etag}"` }, json: { content: 'lost update' } });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ id: note.id, content: 'oat milk', etag: after.etag });

    const moved = await call(double, `${api}/notes/${note.id}`, { method: 'PUT', auth: alice, json: { title: 'Groceries', category: 'Errands' } });
    expect(moved.body).toMatchObject({ title: 'Groceries', category: 'Errands', internalPath: '/Notes/Errands/Groceries.md' });

    const deleted = await call(double, `${api}/notes/${note.id}`, { method: 'DELETE', auth: alice });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual([]);
    const gone = await call(double, `${api}/notes/${note.id}`, { auth: alice });
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ errorType: 'Exception' });
    expect((await call(double, `${api}/notes/${note.id}`, { method: 'DELETE', auth: alice })).status).toBe(404);
    expect((await call(double, `${api}/notes/${note.id}`, { method: 'PUT', auth: alice, json: { content: 'x' } })).status).toBe(404);
  });

  it('names notes as the app does: "New note", numbered duplicates, sanitised titles', async () => {
    const a = await create(alice, { content: 'no title' });
    const b = await create(alice, {});
    const c = await create(alice, { title: 'a/b: "c"?' });
    expect([a.title, b.title, c.title]).toEqual(['New note', 'New note (2)', 'ab c']);
    expect(b.id).toBeGreaterThan(a.id);
    const modified = await create(alice, { title: 'Dated', modified: 1700000000 });
    expect(modified['modified']).toBe(1700000000);
  });

  it('keeps notes apart per user', async () => {
    const mine = await create(alice, { title: 'Private' });
    const other = await call(double, `${api}/notes/${mine.id}`, { auth: bob });
    expect(other.status).toBe(404);
    const list = await call(double, `${api}/notes`, { auth: bob });
    expect((list.body as Note[]).map((n) => n.id)).not.toContain(mine.id);
    expect((await call(double, `${api}/notes/${mine.id}`, { method: 'DELETE', auth: bob })).status).toBe(404);
  });

  it('lists by category, excludes fields, prunes and answers in chunks', async () => {
    const other = await startDouble({ now: () => clock });
    try {
      const carol = basicAuth(other, 'alice');
      const make = async (json: unknown): Promise<Note> => (await call(other, `${api}/notes`, { method: 'POST', auth: carol, json })).body as Note;
      const n1 = await make({ title: 'one', category: 'Work', content: 'first' });
      clock += 1000;
      const n2 = await make({ title: 'two', category: 'Work', content: 'second' });
      clock += 1000;
      const n3 = await make({ title: 'three', content: 'third' });

      const work = await call(other, `${api}/notes?category=Work&exclude=content,etag`, { auth: carol });
      const workNotes = work.body as Note[];
      expect(workNotes.map((n) => n.id)).toEqual([n1.id, n2.id]);
      expect(workNotes[0]!['content']).toBeUndefined();
      expect(work.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
      expect(work.headers.get('x-notes-chunk-cursor')).toBeNull();
      expect(work.headers.get('last-modified')).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);

      const pruned = await call(other, `${api}/notes?pruneBefore=${Math.floor(clock / 1000)}`, { auth: carol });
      expect(pruned.body).toEqual([expect.objectContaining({ id: n3.id, title: 'three' }), { id: n1.id }, { id: n2.id }]);

      const first = await call(other, `${api}/notes?chunkSize=2`, { auth: carol });
      expect((first.body as Note[]).map((n) => n.id)).toEqual([n1.id, n2.id]);
      const cursor = first.headers.get('x-notes-chunk-cursor');
      expect(cursor).toMatch(/^\d+-\d+-\d+$/);
      expect(first.headers.get('x-notes-chunk-pending')).toBe('1');
      const second = await call(other, `${api}/notes?chunkSize=2&chunkCursor=${cursor}`, { auth: carol });
      expect(second.body).toEqual([expect.objectContaining({ id: n3.id }), { id: n1.id }, { id: n2.id }]);
      expect(second.headers.get('x-notes-chunk-cursor')).toBeNull();
    } finally {
      await other.stop();
    }
  });

  it('reads and writes the settings', async () => {
    const initial = await call(double, `${api}/settings`, { auth: bob });
    expect(initial.body).toEqual({ fileSuffix: '.md', notesPath: 'Notes', noteMode: 'rich' });
    const set = await call(double, `${api}/settings`, { method: 'PUT', auth: bob, json: { fileSuffix: '.org', notesPath: 'Docs/../Notizen', noteMode: 'bogus', unknown: 1 } });
    expect(set.body).toEqual({ fileSuffix: '.org', notesPath: 'Notizen', noteMode: 'rich' });
    const note = await create(bob, { title: 'Suffix' });
    expect(note['internalPath']).toBe('/Notizen/Suffix.org');
  });

  it('answers 400 for unknown API paths and 401 without a login', async () => {
    const unknown = await call(double, `${api}/notes/abc`, { auth: alice });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual([]);
    const anonymous = await call(double, `${api}/notes`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ message: 'CORS requires basic auth' });
    const wrongPassword = await call(double, `${api}/notes`, { auth: { basic: ['alice', 'wrong'] } });
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.body).toEqual({ message: 'CORS requires basic auth' });
  });

  it('echoes Origin for CORS and answers preflights', async () => {
    const r = await call(double, `${api}/notes`, { auth: alice, headers: { Origin: 'https://client.example' } });
    expect(r.headers.get('access-control-allow-origin')).toBe('https://client.example');
    const preflight = await call(double, `${api}/notes`, { method: 'OPTIONS', headers: { Origin: 'https://client.example' } });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('PUT, POST, GET, DELETE, PATCH');
  });

  it('goes away when the app is disabled', async () => {
    const other = await startDouble();
    try {
      await other.occ(['app:disable', 'notes']);
      const r = await call(other, `${api}/notes`, { auth: basicAuth(other, 'alice') });
      expect(r.status).toBe(404);
    } finally {
      await other.stop();
    }
  });

  it('accepts a bearer token only where the facts page says (unpatched: 401)', async () => {
    const r = await call(double, `${api}/notes`, { auth: await bearerAuth(double, 'alice') });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ message: 'CORS requires basic auth' });
  });
});
