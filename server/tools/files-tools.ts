import type { FileStat } from 'webdav';
import { z } from 'zod';
import { NextcloudError, type NextcloudClient } from '../nextcloud-client.ts';
import { normalizeUserPath } from './dav-path.ts';
import { defineTool, ToolInputError, type ToolDefinition } from './tool-definition.ts';

const pathInput = z.string().min(1).describe('Path inside your files, e.g. "/Documents/report.md" ("/" is your root).');

const entry = z.object({
  path: z.string(),
  name: z.string(),
  type: z.enum(['file', 'directory']),
  size: z.number().describe('Bytes (for folders: the size of their content).'),
  lastModified: z.string().describe('ISO 8601.'),
  etag: z.string().nullable(),
  contentType: z.string().nullable(),
});

function toEntry(stat: FileStat): z.infer<typeof entry> {
  const modified = new Date(stat.lastmod);
  return {
    path: stat.filename.startsWith('/') ? stat.filename : `/${stat.filename}`,
    name: stat.basename,
    type: stat.type,
    size: stat.size,
    lastModified: Number.isNaN(modified.getTime()) ? stat.lastmod : modified.toISOString(),
    etag: stat.etag ? stat.etag.replace(/^"|"$/g, '') : null,
    contentType: stat.mime ?? null,
  };
}

/** Runs a WebDAV client call with the request timeout and turns its errors into NextcloudErrors. */
async function dav<T>(nc: NextcloudClient, method: string, path: string, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  try {
    return await call(nc.timeoutSignal());
  } catch (error) {
    throw await nc.fromDavError(error, method, `/remote.php/dav/files/${nc.uid}${path}`);
  }
}

function isText(bytes: Uint8Array, contentType: string | null): boolean {
  if (contentType && /^(text\/|application\/(json|xml|javascript|x-yaml|yaml|toml|x-sh|sql|markdown)|image\/svg)/.test(contentType)) return true;
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** `files_list`: a folder's entries (PROPFIND Depth 1 on `/remote.php/dav/files/{uid}/...`). */
export const filesListTool = defineTool({
  name: 'files_list',
  title: 'List files',
  description: 'List the files and folders in a folder of your Nextcloud files.',
  access: 'read',
  input: { path: pathInput.default('/') },
  output: { path: z.string(), entries: z.array(entry) },
  async run({ nextcloud }, args) {
    const path = normalizeUserPath(args.path);
    const stats = await dav(nextcloud, 'PROPFIND', path, (signal) => nextcloud.files().getDirectoryContents(path, { signal }) as Promise<FileStat[]>);
    return { path, entries: stats.map(toEntry).filter((e) => e.path !== path) };
  },
});

/** `files_read`: a file's content, as UTF-8 text when it is text, else base64. */
export const filesReadTool = defineTool({
  name: 'files_read',
  title: 'Read a file',
  description: 'Read a file. Text comes as UTF-8, anything else as base64; files longer than maxBytes are cut (truncated: true).',
  access: 'read',
  input: {
    path: pathInput,
    maxBytes: z.number().int().min(1).max(10 * 1024 * 1024).default(1024 * 1024).describe('Read at most this many bytes (default 1 MiB).'),
  },
  output: {
    path: z.string(),
    size: z.number().describe('Size of the whole file in bytes.'),
    contentType: z.string().nullable(),
    etag: z.string().nullable(),
    encoding: z.enum(['utf8', 'base64']),
    content: z.string(),
    truncated: z.boolean(),
  },
  async run({ nextcloud }, args) {
    const path = normalizeUserPath(args.path);
    if (path === '/') throw new ToolInputError('"/" is your root folder: use files_list for folders');
    const stat = await dav(nextcloud, 'PROPFIND', path, (signal) => nextcloud.files().stat(path, { signal }) as Promise<FileStat>);
    if (stat.type === 'directory') throw new ToolInputError(`'${path}' is a folder: use files_list`);
    const raw = await dav(nextcloud, 'GET', path, (signal) =>
      nextcloud.files().getFileContents(path, { format: 'binary', signal, ...(stat.size > args.maxBytes ? { headers: { Range: `bytes=0-${args.maxBytes - 1}` } } : {}) }) as Promise<Buffer>,
    );
    const bytes = new Uint8Array(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, args.maxBytes));
    const truncated = stat.size > bytes.byteLength;
    const text = isText(bytes, stat.mime ?? null);
    return {
      path,
      size: stat.size,
      contentType: stat.mime ?? null,
      etag: stat.etag ? stat.etag.replace(/^"|"$/g, '') : null,
      encoding: text ? ('utf8' as const) : ('base64' as const),
      content: text ? new TextDecoder().decode(bytes) : Buffer.from(bytes).toString('base64'),
      truncated,
    };
  },
});

/** `files_write`: creates or replaces a file (PUT). */
export const filesWriteTool = defineTool({
  name: 'files_write',
  title: 'Write a file',
  description: 'Create or replace a file. The parent folder must exist (files_mkdir). With overwrite false an existing file is left alone and the call fails.',
  access: 'write',
  input: {
    path: pathInput,
    content: z.string().describe('The content, UTF-8 text or base64 (see encoding).'),
    encoding: z.enum(['utf8', 'base64']).default('utf8'),
    overwrite: z.boolean().default(true),
  },
  output: { path: z.string(), size: z.number() },
  async run({ nextcloud }, args) {
    const path = normalizeUserPath(args.path);
    if (path === '/') throw new ToolInputError('cannot write to your root folder itself: give a file path');
    if (args.encoding === 'base64' && !/^[A-Za-z0-9+/]*={0,2}$/.test(args.content.replace(/\s+/g, ''))) throw new ToolInputError('content is not base64');
    const data = args.encoding === 'base64' ? Buffer.from(args.content, 'base64') : Buffer.from(args.content, 'utf8');
    const written = await dav(nextcloud, 'PUT', path, (signal) => nextcloud.files().putFileContents(path, data, { overwrite: args.overwrite, signal }));
    if (!written) {
      throw new NextcloudError('ERR_NEXTCLOUD_HTTP', `Nextcloud answered 412 to PUT /remote.php/dav/files/${nextcloud.uid}${path}: the file exists and overwrite is false`, {
        method: 'PUT',
        path: `/remote.php/dav/files/${nextcloud.uid}${path}`,
        status: 412,
        nextcloudMessage: 'Precondition Failed',
      });
    }
    return { path, size: data.byteLength };
  },
});

/** `files_mkdir`: creates a folder (MKCOL), with its parents when asked. */
export const filesMkdirTool = defineTool({
  name: 'files_mkdir',
  title: 'Create a folder',
  description: 'Create a folder; with recursive, missing parent folders too.',
  access: 'write',
  input: { path: pathInput, recursive: z.boolean().default(false) },
  output: { path: z.string() },
  async run({ nextcloud }, args) {
    const path = normalizeUserPath(args.path);
    if (path === '/') throw new ToolInputError('your root folder exists already');
    await dav(nextcloud, 'MKCOL', path, (signal) => nextcloud.files().createDirectory(path, { recursive: args.recursive, signal }));
    return { path };
  },
});

/** `files_move`: moves or renames a file or folder (MOVE). */
export const filesMoveTool = defineTool({
  name: 'files_move',
  title: 'Move or rename',
  description: 'Move or rename a file or folder. With overwrite false (the default) an existing target is left alone and the call fails.',
  access: 'write',
  input: { from: pathInput, to: pathInput, overwrite: z.boolean().default(false) },
  output: { from: z.string(), to: z.string() },
  async run({ nextcloud }, args) {
    const from = normalizeUserPath(args.from);
    const to = normalizeUserPath(args.to);
    if (from === '/' || to === '/') throw new ToolInputError('your root folder cannot be moved or replaced');
    if (to === from || to.startsWith(`${from}/`)) throw new ToolInputError(`cannot move '${from}' into itself`);
    await dav(nextcloud, 'MOVE', from, (signal) => nextcloud.files().moveFile(from, to, { overwrite: args.overwrite, signal }));
    return { from, to };
  },
});

/** `files_delete`: deletes a file or folder (DELETE; Nextcloud keeps it in the trash bin). */
export const filesDeleteTool = defineTool({
  name: 'files_delete',
  title: 'Delete a file or folder',
  description: 'Delete a file or a folder with its content (Nextcloud moves it to the trash bin).',
  access: 'write',
  annotations: { destructiveHint: true },
  input: { path: pathInput },
  output: { path: z.string(), deleted: z.boolean() },
  async run({ nextcloud }, args) {
    const path = normalizeUserPath(args.path);
    if (path === '/') throw new ToolInputError('refusing to delete your root folder');
    await dav(nextcloud, 'DELETE', path, (signal) => nextcloud.files().deleteFile(path, { signal }));
    return { path, deleted: true };
  },
});

/** The Files tools. */
export const FILES_TOOLS: readonly ToolDefinition[] = [filesListTool, filesReadTool, filesWriteTool, filesMkdirTool, filesMoveTool, filesDeleteTool];
