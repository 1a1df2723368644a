import { createHash } from 'node:crypto';
import type { Hono } from 'hono';
import type { DoubleState } from '../double-state.ts';
import type { DoubleContext, DoubleEnv } from '../request-context.ts';
import { accountStore } from './account-store.ts';
import { corsApiRoute, jsonAnswer, phpJson, preflightedCors, type ApiCall, type ControllerAnswer } from './app-framework.ts';
import { notesStore, NotesError, type NoteRecord, type NotesStore } from './notes-store.ts';

/** `Application::$API_VERSIONS` of the Notes app, sent in `X-Notes-API-Versions` on every API answer. */
const API_VERSIONS = '0.2, 1.3, 1.4';
const BASE = '/apps/notes/api/v1';

/** The fields `exclude` can drop from a note. */
const EXCLUDABLE = ['id', 'title', 'modified', 'category', 'favorite', 'readonly', 'content'] as const;

/** `Helper::getNoteData`: the note as the API returns it, without the `exclude`d fields, plus its ETag. */
function noteData(store: NotesStore, uid: string, note: NoteRecord, exclude: readonly string[] = []): Record<string, unknown> {
  const etag = store.etagOf(note);
  const notesPath = store.publicSettings(uid).notesPath;
  const all: Record<string, unknown> = { id: note.id, title: note.title, modified: note.modified, category: note.category, favorite: note.favorite, readonly: false };
  const data: Record<string, unknown> = {};
  for (const key of EXCLUDABLE.slice(0, 6)) if (!exclude.includes(key)) data[key] = all[key];
  data['internalPath'] = `/${[notesPath, note.category, `${note.title}${note.suffix}`].filter((p) => p !== '').join('/')}`;
  data['shareTypes'] = [];
  data['isShared'] = false;
  data['error'] = false;
  data['errorType'] = '';
  if (!exclude.includes('content')) data['content'] = note.content;
  data['etag'] = etag;
  return data;
}

/** `Helper::handleErrorResponse`: every answer carries `X-Notes-API-Versions`; a missing note is 404 `{"errorType":"Exception"}`. */
function notesAnswer(c: DoubleContext, data: unknown, answer: ControllerAnswer & { cors?: boolean } = {}): Response {
  return jsonAnswer(c, data, { cors: true, ...answer, headers: { ...answer.headers, 'X-Notes-API-Versions': API_VERSIONS } });
}

async function handleErrors(c: DoubleContext, respond: () => Response | Promise<Response>): Promise<Response> {
  try {
    return await respond();
  } catch (error) {
    if (error instanceof NotesError) return notesAnswer(c, { errorType: 'Exception' }, { status: 404 });
    throw error;
  }
}

/** A ChunkCursor (`<timeStart>-<noteLastUpdate>-<noteId>`), or null for anything else. */
function parseChunkCursor(text: string | null): { timeStart: number; lastUpdate: number; noteId: number } | null {
  const m = text ? /^(\d+)-(\d+)-(\d+)$/.exec(text) : null;
  return m ? { timeStart: Number(m[1]), lastUpdate: Number(m[2]), noteId: Number(m[3]) } : null;
}

/**
 * `NotesApiController::index` with `Helper::getNotesAndCategories`: notes of a category (if given), without
 * those changed before `pruneBefore`, sorted by last change and id, cut into chunks of `chunkSize` after
 * `chunkCursor`. A chunk that leaves notes pending answers `X-Notes-Chunk-Cursor` and
 * `X-Notes-Chunk-Pending`; the last chunk also lists every other note of the selection as `{id}`.
 */
function index(store: NotesStore, { c, user, params }: ApiCall): Response {
  const category = params.string('category', null);
  const exclude = params.string('exclude', '').split(',');
  const pruneBefore = params.int('pruneBefore', 0);
  const chunkSize = params.int('chunkSize', 0);
  const cursor = parseChunkCursor(params.string('chunkCursor', null));
  const lastUpdate = cursor?.timeStart ?? Math.floor(c.get('rc').state.now() / 1000);
  let all = store.list(user.uid);
  for (const note of all) store.etagOf(note);
  if (category !== null) all = all.filter((n) => n.category === category);
  const full = all
    .filter((n) => !(pruneBefore && n.lastUpdate < pruneBefore))
    .filter((n) => !cursor || !(n.lastUpdate < cursor.lastUpdate || (n.lastUpdate === cursor.lastUpdate && n.id <= cursor.noteId)))
    .sort((a, b) => a.lastUpdate - b.lastUpdate || a.id - b.id);
  const chunk = chunkSize ? full.slice(0, chunkSize) : full;
  const pending = full.length - chunk.length;
  const lastOfChunk = chunk.at(-1);
  const nextCursor = pending && lastOfChunk ? `${lastUpdate}-${lastOfChunk.lastUpdate}-${lastOfChunk.id}` : null;
  const notesData = new Map<number, Record<string, unknown>>(chunk.map((n) => [n.id, noteData(store, user.uid, n, exclude)]));
  // ETag over the chunk's data, as PHP's json_encode of the id-keyed array sees it.
  const etag = createHash('md5').update(phpJson(Object.fromEntries(notesData))).digest('hex');
  const list: Record<string, unknown>[] = [...notesData.values()];
  if (!nextCursor) for (const note of all) if (!notesData.has(note.id)) list.push({ id: note.id });
  const headers: Record<string, string> = {};
  if (nextCursor) {
    headers['X-Notes-Chunk-Cursor'] = nextCursor;
    headers['X-Notes-Chunk-Pending'] = String(pending);
  }
  return notesAnswer(c, list, { etag, lastModified: lastUpdate, headers });
}

/** The Notes API v1 (`NotesApiController`, `@NoAdminRequired @CORS @NoCSRFRequired`), under `/apps/notes/api/v1/`. */
export function registerNotesRoutes(app: Hono<DoubleEnv>, state: DoubleState): void {
  const store = notesStore(state);
  const route = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, handler: (call: ApiCall) => Response): void =>
    corsApiRoute(app, state, 'notes', method, path, (call) => {
      accountStore(state).touchLogin(call.user);
      return handleErrors(call.c, () => handler(call));
    });

  route('GET', `${BASE}/notes`, (call) => index(store, call));

  route('GET', `${BASE}/notes/:id{[0-9]+}`, ({ c, user, params }) => {
    const note = store.get(user.uid, params.int('id'));
    const data = noteData(store, user.uid, note, params.string('exclude', '').split(','));
    return notesAnswer(c, data, { etag: String(data['etag']) });
  });

  route('POST', `${BASE}/notes`, ({ c, user, params }) => {
    const note = store.create(user.uid, {
      category: params.string('category', ''),
      title: params.string('title', ''),
      content: params.string('content', ''),
      modified: params.int('modified', 0),
      favorite: params.bool('favorite', false),
    });
    return notesAnswer(c, noteData(store, user.uid, note));
  });

  route('PUT', `${BASE}/notes/:id{[0-9]+}`, ({ c, user, params }) => {
    const id = params.int('id');
    const note = store.get(user.uid, id);
    // Helper::getNoteWithETagCheck: If-Match lists quoted ETags; none matching is 412 with the current note.
    const ifMatch = c.req.header('if-match');
    if (ifMatch) {
      const etag = `"${store.etagOf(note)}"`;
      if (!ifMatch.split(/,\s*/).includes(etag)) return notesAnswer(c, noteData(store, user.uid, note), { status: 412 });
    }
    const updated = store.update(user.uid, id, {
      content: params.string('content', null),
      modified: params.int('modified', null),
      title: params.string('title', null),
      category: params.string('category', null),
      favorite: params.bool('favorite', null),
    });
    return notesAnswer(c, noteData(store, user.uid, updated));
  });

  route('DELETE', `${BASE}/notes/:id{[0-9]+}`, ({ c, user, params }) => {
    store.delete(user.uid, params.int('id'));
    return notesAnswer(c, []);
  });

  route('GET', `${BASE}/settings`, ({ c, user }) => notesAnswer(c, store.publicSettings(user.uid)));

  route('PUT', `${BASE}/settings`, ({ c, user, params }) => {
    store.setPublicSettings(user.uid, { ...params.values });
    return notesAnswer(c, store.publicSettings(user.uid));
  });

  // notes_api#preflighted_cors.
  app.options(`/apps/notes/api/:apiVersion{v0\\.2|v1}/*`, (c, next) => (state.isEnabled('notes') ? preflightedCors(c) : next()));

  // notes_api#fail: any other GET under /api/ is 400 `[]` (no @CORS: only the login check).
  app.get('/apps/notes/api/*', (c, next) => {
    if (!state.isEnabled('notes')) return next();
    if (!c.get('rc').user) return jsonAnswer(c, { message: 'Current user is not logged in' }, { status: 401 });
    return notesAnswer(c, [], { status: 400, cors: false });
  });
}
