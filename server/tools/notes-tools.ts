import { z } from 'zod';
import { NextcloudError, type NextcloudClient } from '../nextcloud-client.ts';
import { defineTool, ToolInputError, type ToolDefinition } from './tool-definition.ts';

/** Base of the Notes API v1 (nextcloud/notes `docs/api/v1.md`); an app-framework API marked `@CORS`. */
const NOTES = '/index.php/apps/notes/api/v1';

/** A note as the Notes API sends it (API 1.2 attributes). */
interface ApiNote {
  id: number;
  etag?: string;
  readonly?: boolean;
  modified?: number;
  title?: string;
  category?: string;
  content?: string;
  favorite?: boolean;
}

const noteSummary = z.object({
  id: z.number().int(),
  etag: z.string().describe('Pass it to notes_update to refuse lost updates.'),
  title: z.string(),
  category: z.string(),
  favorite: z.boolean(),
  modified: z.number().int().describe('Unix time of the last change.'),
  readonly: z.boolean(),
});
const note = noteSummary.extend({ content: z.string() });

function summary(n: ApiNote): z.infer<typeof noteSummary> {
  return { id: n.id, etag: n.etag ?? '', title: n.title ?? '', category: n.category ?? '', favorite: n.favorite ?? false, modified: n.modified ?? 0, readonly: n.readonly ?? false };
}

function full(n: ApiNote): z.infer<typeof note> {
  return { ...summary(n), content: n.content ?? '' };
}

async function allNotes(nc: NextcloudClient, category: string | undefined, withContent: boolean): Promise<ApiNote[]> {
  const { data } = await nc.json<ApiNote[]>({ path: `${NOTES}/notes`, api: 'notes', query: { category, exclude: withContent ? undefined : 'content' } });
  // Pruned notes come as `{id}` only; they are not notes to show.
  return (data ?? []).filter((n) => typeof n.title === 'string');
}

/** `notes_list`: the caller's notes, optionally by category, in chunks (`chunkSize`/`chunkCursor`). */
export const notesListTool = defineTool({
  name: 'notes_list',
  title: 'List notes',
  description: 'List your notes (title, category, etag, modified), optionally in one category. With limit, the answer carries nextCursor for the next chunk.',
  access: 'read',
  input: {
    category: z.string().optional().describe('Only notes in this category ("" is uncategorised).'),
    limit: z.number().int().min(1).max(1000).optional().describe('At most this many notes (Notes API chunkSize).'),
    cursor: z.string().min(1).optional().describe('nextCursor of the previous answer.'),
    includeContent: z.boolean().default(false).describe('Include each note\'s content.'),
  },
  output: {
    notes: z.array(noteSummary.extend({ content: z.string().optional() })),
    nextCursor: z.string().nullable().describe('Cursor for the next chunk, null when this was the last.'),
  },
  async run({ nextcloud }, args) {
    const { data, headers } = await nextcloud.json<ApiNote[]>({
      path: `${NOTES}/notes`,
      api: 'notes',
      query: { category: args.category, exclude: args.includeContent ? undefined : 'content', chunkSize: args.limit, chunkCursor: args.cursor },
    });
    const notes = (data ?? []).filter((n) => typeof n.title === 'string').map((n) => (args.includeContent ? full(n) : summary(n)));
    return { notes, nextCursor: headers.get('x-notes-chunk-cursor') || null };
  },
});

/** `notes_get`: one note with its content. */
export const notesGetTool = defineTool({
  name: 'notes_get',
  title: 'Read a note',
  description: 'Read one note with its content and etag.',
  access: 'read',
  input: { id: z.number().int().min(1).describe('The note id.') },
  output: note.shape,
  async run({ nextcloud }, args) {
    const { data } = await nextcloud.json<ApiNote>({ path: `${NOTES}/notes/${args.id}`, api: 'notes' });
    return full(data);
  },
});

function excerpt(text: string, query: string): string {
  const i = text.toLowerCase().indexOf(query.toLowerCase());
  if (i < 0) return text.slice(0, 160);
  const start = Math.max(0, i - 60);
  return `${start > 0 ? '…' : ''}${text.slice(start, i + query.length + 100)}${i + query.length + 100 < text.length ? '…' : ''}`;
}

/** `notes_search`: notes whose title or content contains a text (the Notes API has no search: the list is filtered here). */
export const notesSearchTool = defineTool({
  name: 'notes_search',
  title: 'Search notes',
  description: 'Find notes whose title or content contains a text (case-insensitive). Answers the matches with an excerpt, best (title) matches first.',
  access: 'read',
  input: {
    query: z.string().min(1).describe('Text to look for.'),
    category: z.string().optional().describe('Only in this category.'),
    limit: z.number().int().min(1).max(200).default(20),
  },
  output: {
    notes: z.array(noteSummary.extend({ excerpt: z.string() })),
    total: z.number().int().describe('How many notes match (before limit).'),
  },
  async run({ nextcloud }, args) {
    const q = args.query.toLowerCase();
    const matches = (await allNotes(nextcloud, args.category, true))
      .map((n) => ({ n, inTitle: (n.title ?? '').toLowerCase().includes(q), inContent: (n.content ?? '').toLowerCase().includes(q) }))
      .filter((m) => m.inTitle || m.inContent)
      .sort((a, b) => Number(b.inTitle) - Number(a.inTitle) || (b.n.modified ?? 0) - (a.n.modified ?? 0));
    return {
      notes: matches.slice(0, args.limit).map((m) => ({ ...summary(m.n), excerpt: excerpt(m.n.content ?? '', args.query) })),
      total: matches.length,
    };
  },
});

/** `notes_create`: a new note. */
export const notesCreateTool = defineTool({
  name: 'notes_create',
  title: 'Create a note',
  description: 'Create a note. Nextcloud may adjust the title (it is also the file name); the answer has the title it kept.',
  access: 'write',
  input: {
    title: z.string().max(200).optional().describe('Title (default: derived by Notes from the content).'),
    content: z.string().describe('Markdown content.'),
    category: z.string().optional().describe('Category, "/" separates sub-categories.'),
    favorite: z.boolean().optional(),
  },
  output: note.shape,
  async run({ nextcloud }, args) {
    const { data } = await nextcloud.json<ApiNote>({ method: 'POST', path: `${NOTES}/notes`, api: 'notes', json: args });
    return full(data);
  },
});

/** `notes_update`: changes a note; with `etag` the update is refused when the note changed meanwhile (`If-Match`, API 1.2). */
export const notesUpdateTool = defineTool({
  name: 'notes_update',
  title: 'Update a note',
  description: 'Change a note\'s title, content, category or favorite flag. Pass the etag you read to refuse the update if the note changed meanwhile (HTTP If-Match).',
  access: 'write',
  input: {
    id: z.number().int().min(1),
    etag: z.string().min(1).optional().describe('The etag from notes_get or notes_list.'),
    title: z.string().max(200).optional(),
    content: z.string().optional(),
    category: z.string().optional(),
    favorite: z.boolean().optional(),
  },
  output: note.shape,
  async run({ nextcloud }, args) {
    const { id, etag, ...changes } = args;
    if (Object.values(changes).every((v) => v === undefined)) throw new ToolInputError('notes_update needs at least one of title, content, category, favorite');
    const headers: Record<string, string> = etag ? { 'If-Match': etag.startsWith('"') ? etag : `"${etag}"` } : {};
    const res = await nextcloud.json<ApiNote>({ method: 'PUT', path: `${NOTES}/notes/${id}`, api: 'notes', json: changes, headers, accept: [200, 412] });
    if (res.status === 412) {
      throw new NextcloudError('ERR_NEXTCLOUD_HTTP', `note ${id} changed since etag ${etag ?? ''} (its etag is now ${res.data?.etag ?? 'unknown'}): read it again, merge, and update with the new etag`, {
        method: 'PUT',
        path: `${NOTES}/notes/${id}`,
        status: 412,
        nextcloudMessage: 'Precondition Failed',
      });
    }
    return full(res.data);
  },
});

/** `notes_delete`: deletes a note. */
export const notesDeleteTool = defineTool({
  name: 'notes_delete',
  title: 'Delete a note',
  description: 'Delete a note (it goes to the Nextcloud trash bin).',
  access: 'write',
  annotations: { destructiveHint: true },
  input: { id: z.number().int().min(1) },
  output: { id: z.number().int(), deleted: z.boolean() },
  async run({ nextcloud }, args) {
    await nextcloud.request({ method: 'DELETE', path: `${NOTES}/notes/${args.id}`, api: 'notes' });
    return { id: args.id, deleted: true };
  },
});

/** The Notes tools. */
export const NOTES_TOOLS: readonly ToolDefinition[] = [notesListTool, notesGetTool, notesSearchTool, notesCreateTool, notesUpdateTool, notesDeleteTool];
