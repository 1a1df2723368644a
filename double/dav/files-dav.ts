import type { DoubleUser } from '../double-state.ts';
import { DavError, badRequest, conflict, forbidden, invalidPath, methodNotAllowed, notFound, preconditionFailed, unsupportedMediaType } from './dav-error.ts';
import { calculateSegments, checkPreconditions, depthHeader, dummyGetResponse, encodePath, httpDate, type DavRequest } from './dav-request.ts';
import { mimetypeFor, type DavHome, type DirEntry, type Entry, type FileEntry } from './dav-store.ts';
import { NS_DAV, NS_NC, NS_OC, child, clark, deepText, expectRoot, type Clark, type XmlElement } from './dav-xml.ts';
import { emptyElements, multistatusResponse, namespacesFor, parsePropfind, propNames, resolveProps, wantsMinimal, type DavResponse, type PropGetter, type PropRequest, type PropValue } from './multistatus.ts';

/** Where a files request points: the owner's home, the href prefix of that home and the path inside it. */
export interface FileScope {
  req: DavRequest;
  home: DavHome;
  owner: DoubleUser;
  /** Segments (below the DAV base) of the home root: `files/alice`, or none for `/remote.php/webdav`. */
  rootSegments: string[];
  /** Path inside the home. */
  rel: string[];
}

/** Allowed methods Sabre reports for files (`Server::getAllowedMethods`), MKCOL only where nothing exists. */
export function allowedFileMethods(exists: boolean, isDavRoot = false): string[] {
  const methods = ['OPTIONS', 'GET', 'HEAD', 'DELETE', 'PROPFIND', 'PUT', 'PROPPATCH', 'COPY', 'MOVE', 'REPORT'];
  if (!exists) methods.push('MKCOL');
  if (isDavRoot) methods.push('SEARCH');
  return methods;
}

/** Image and text types with a default preview provider (`enabledPreviewProviders` defaults). */
const PREVIEW_TYPES = [/^image\/(png|jpeg|gif|bmp|x-xbitmap|webp|heic)$/, /^text\/(plain|markdown)$/, /^audio\/mpeg$/, /^application\/vnd\.oasis\.opendocument\./, /^application\/x-krita$/];

/** `getDavPermissions()`: owner's files `RGDNVW`, folders `RGDNVCK` (share, read, delete, rename/move, write or create). */
function davPermissions(entry: Entry): string {
  return entry.kind === 'dir' ? 'RGDNVCK' : 'RGDNVW';
}

/** Total size of an entry (folders sum their content, as the file cache does). */
export function entrySize(entry: Entry): number {
  if (entry.kind === 'file') return entry.data.length;
  let total = 0;
  for (const c of entry.children.values()) total += entrySize(c);
  return total;
}

/** `oc:id`: the file id padded to 8 digits followed by the instance id. */
function ocId(fileId: number, instanceId: string): string {
  return `${String(fileId).padStart(8, '0')}${instanceId}`;
}

/** PHP's `DateTimeInterface::ATOM` in UTC. */
function atomDate(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** The live properties of a file or folder (FilesPlugin, TagsPlugin, SharesPlugin, QuotaPlugin, CommentPropertiesPlugin). */
export function entryProps(scope: FileScope, entry: Entry): PropGetter {
  const { req, owner } = scope;
  const d = (l: string): Clark => clark(NS_DAV, l);
  const oc = (l: string): Clark => clark(NS_OC, l);
  const nc = (l: string): Clark => clark(NS_NC, l);
  const isDir = entry.kind === 'dir';
  const props = new Map<Clark, () => PropValue | undefined>([
    [d('getlastmodified'), () => httpDate(entry.mtime)],
    [d('getcontentlength'), () => (isDir ? undefined : entry.data.length)],
    [d('resourcetype'), () => (isDir ? emptyElements(d('collection')) : '')],
    [d('quota-used-bytes'), () => (isDir ? entrySize(entry) : undefined)],
    [d('quota-available-bytes'), () => (isDir ? -3 : undefined)],
    [d('getetag'), () => `"${entry.etag}"`],
    [d('getcontenttype'), () => (isDir ? undefined : entry.mimetype)],
    [d('displayname'), () => entry.name],
    [d('creationdate'), () => atomDate(entry.creationTime)],
    [oc('id'), () => ocId(entry.fileId, req.state.instanceId)],
    [oc('fileid'), () => entry.fileId],
    [oc('permissions'), () => davPermissions(entry)],
    [clark('http://open-collaboration-services.org/ns', 'share-permissions'), () => (isDir ? 31 : 19)],
    [clark('http://open-cloud-mesh.org/ns', 'share-permissions'), () => '["share","read","write"]'],
    [nc('share-attributes'), () => '[]'],
    [oc('size'), () => entrySize(entry)],
    [oc('favorite'), () => (entry.favorite ? 1 : 0)],
    [oc('tags'), () => ''],
    [oc('share-types'), () => ''],
    [oc('owner-id'), () => owner.uid],
    [oc('owner-display-name'), () => owner.displayName],
    [oc('comments-href'), () => `/remote.php/dav/comments/files/${entry.fileId}`],
    [oc('comments-count'), () => 0],
    [oc('comments-unread'), () => 0],
    [oc('data-fingerprint'), () => ''],
    [oc('downloadURL'), () => (isDir ? undefined : '')],
    [nc('has-preview'), () => (!isDir && PREVIEW_TYPES.some((re) => re.test(entry.mimetype)) ? 'true' : 'false')],
    [nc('mount-type'), () => ''],
    [nc('is-mount-root'), () => 'false'],
    [nc('is-federated'), () => ''],
    [nc('hide-download'), () => undefined],
    [nc('note'), () => ''],
    [nc('sharees'), () => ''],
    [nc('creation_time'), () => entry.creationTime],
    [nc('upload_time'), () => (isDir ? undefined : entry.uploadTime)],
    [nc('last_activity'), () => entry.mtime],
    [nc('hidden'), () => 'false'],
    [nc('contained-folder-count'), () => (isDir ? [...entry.children.values()].filter((c) => c.kind === 'dir').length : undefined)],
    [nc('contained-file-count'), () => (isDir ? [...entry.children.values()].filter((c) => c.kind === 'file').length : undefined)],
  ]);
  return (name) => {
    const live = props.get(name);
    if (live) return live();
    const dead = entry.props.get(name);
    return dead === undefined ? undefined : () => dead;
  };
}

function validateName(name: string): void {
  const trimmed = name.trim();
  if (trimmed === '') throw invalidPath('Empty filename is not allowed');
  if (trimmed === '.' || trimmed === '..') throw invalidPath('Dot files are not allowed');
  if (Buffer.byteLength(name) > 250) throw invalidPath('Filename is too long');
  if (name.toLowerCase() === '.htaccess') throw invalidPath(`"${name.toLowerCase()}" is a forbidden file or folder name.`);
}

/** The DAV path of a scope location, as sabre reports it in messages (`files/alice/Documents`). */
function davPath(scope: FileScope, rel: readonly string[]): string {
  return [...scope.rootSegments, ...rel].join('/');
}

/**
 * Walks the home to `rel`. Like `Directory::getChild()`, a missing child is NotFound "File with name
 * {parent}/{name} could not be located" (the root's path is `/`, hence `//name`), a dot segment is
 * InvalidPath; the legacy endpoint's ObjectTree reports the whole path.
 */
export function lookup(scope: FileScope, rel: readonly string[]): Entry {
  let node: Entry = scope.home.files;
  for (let i = 0; i < rel.length; i++) {
    const name = rel[i]!;
    if (node.kind !== 'dir') throw notFound(`Could not find node at path: ${davPath(scope, rel)}`);
    if (name.trim() === '.' || name.trim() === '..') throw invalidPath('Dot files are not allowed');
    const next: Entry | undefined = node.children.get(name);
    if (!next) {
      if (scope.req.endpoint === 'webdav') throw notFound(`File with name ${rel.join('/')} could not be located`);
      const parentPath = i === 0 ? '/' : `/${rel.slice(0, i).join('/')}`;
      throw notFound(`File with name ${parentPath}/${name} could not be located`);
    }
    node = next;
  }
  return node;
}

function tryLookup(scope: FileScope, rel: readonly string[]): Entry | undefined {
  try {
    return lookup(scope, rel);
  } catch (error) {
    if (error instanceof DavError && error.status === 404) return undefined;
    throw error;
  }
}

/** Updates ETag and mtime of every folder from the home root down to (including) `rel`'s parent chain, as the propagator does. */
function propagate(scope: FileScope, dirRel: readonly string[], touchMtime = true): void {
  const now = scope.req.store.nowSeconds();
  let node: Entry = scope.home.files;
  const chain: DirEntry[] = [node];
  for (const name of dirRel) {
    if (node.kind !== 'dir') break;
    const next = node.children.get(name);
    if (!next || next.kind !== 'dir') break;
    node = next;
    chain.push(node);
  }
  for (const dir of chain) {
    dir.etag = scope.req.store.newEtag();
    if (touchMtime) dir.mtime = Math.max(dir.mtime, now);
  }
}

function hrefFor(scope: FileScope, rel: readonly string[], entry: Entry): string {
  const path = [...scope.rootSegments, ...rel].join('/');
  const base = `${scope.req.base}/${encodePath(path)}`;
  if (entry.kind === 'dir') return path === '' ? `${scope.req.base}/` : `${base}/`;
  return base;
}

/** The preconditions of a files request against an entry (folders have no comparable ETag). */
function preconditions(scope: FileScope, entry: Entry | undefined): Response | undefined {
  return checkPreconditions(scope.req, entry !== undefined, entry?.kind === 'file' ? `"${entry.etag}"` : undefined);
}

function collectResponses(scope: FileScope, request: PropRequest, rel: string[], entry: Entry, depth: number, out: DavResponse[]): void {
  out.push(resolveProps(hrefFor(scope, rel, entry), request, entryProps(scope, entry)));
  if (entry.kind !== 'dir' || depth === 0) return;
  for (const childEntry of entry.children.values()) {
    collectResponses(scope, request, [...rel, childEntry.name], childEntry, depth === -1 ? -1 : depth - 1, out);
  }
}

/** PROPFIND on files (RFC 4918 §9.1). Nextcloud enables `Depth: infinity` (`enablePropfindDepthInfinity = true`). */
export async function filesPropfind(scope: FileScope): Promise<Response> {
  const entry = lookup(scope, scope.rel);
  const request = parsePropfind(await scope.req.text());
  const depth = depthHeader(scope.req.header('depth'), 1);
  const out: DavResponse[] = [];
  collectResponses(scope, request, scope.rel, entry, depth, out);
  return multistatusResponse(namespacesFor('files'), out, { minimal: wantsMinimal(scope.req.header('prefer'), scope.req.header('brief')) });
}

/** `IMimeTypeDetector::getSecureMimeType()`: types a browser would run are served as `text/plain` (File::getContentType for GET). */
function secureMimetype(mimetype: string): string {
  return ['text/html', 'application/xhtml+xml', 'image/svg+xml', 'application/javascript', 'text/javascript'].includes(mimetype) ? 'text/plain' : mimetype;
}

function contentDisposition(name: string): string {
  const enc = encodeURIComponent(name).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename*=UTF-8''${enc}; filename="${enc}"`;
}

/** GET/HEAD on files: the content with ETag, Last-Modified and Content-Disposition; folders get the dummy page. */
export function filesGet(scope: FileScope): Response {
  const entry = lookup(scope, scope.rel);
  const early = preconditions(scope, entry);
  if (early) return early;
  if (entry.kind === 'dir') return dummyGetResponse(scope.req.method);
  const etag = `"${entry.etag}"`;
  const headers: Record<string, string> = {
    'Content-Type': secureMimetype(entry.mimetype),
    'Last-Modified': httpDate(entry.mtime),
    ETag: etag,
    'OC-ETag': etag,
    'Content-Disposition': contentDisposition(entry.name),
    'X-Accel-Buffering': 'no',
    'Accept-Ranges': 'bytes',
  };
  const range = /^bytes=(\d*)-(\d*)$/i.exec(scope.req.header('range') ?? '');
  const size = entry.data.length;
  if (range && (range[1] !== '' || range[2] !== '')) {
    let start = range[1] === '' ? Math.max(0, size - Number(range[2])) : Number(range[1]);
    let end = range[1] === '' || range[2] === '' ? size - 1 : Math.min(Number(range[2]), size - 1);
    if (start > end || start >= size) {
      throw new DavError(416, 'Sabre\\DAV\\Exception\\RequestedRangeNotSatisfiable', 'The start offset should be equal or smaller than the end offset', { code: 'ERR_DAV_RANGE' });
    }
    start = Math.max(0, start);
    end = Math.max(start, end);
    const part = entry.data.subarray(start, end + 1);
    return new Response(scope.req.method === 'HEAD' ? null : new Uint8Array(part), { status: 206, headers: { ...headers, 'Content-Length': String(part.length), 'Content-Range': `bytes ${start}-${end}/${size}` } });
  }
  return new Response(scope.req.method === 'HEAD' ? null : new Uint8Array(entry.data), { status: 200, headers: { ...headers, 'Content-Length': String(size) } });
}

/** `X-OC-MTime`: a client-chosen modification time (seconds), as File::put honours it. */
function clientMtime(scope: FileScope): number | undefined {
  const value = scope.req.header('x-oc-mtime');
  if (value === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(value.trim())) throw badRequest('X-OC-MTime header must be an integer (unix timestamp).');
  return Math.floor(Number(value));
}

/** PUT on files (RFC 4918 §9.7): 201 for a new file, 204 for an overwrite, 409 without a parent folder. */
export async function filesPut(scope: FileScope): Promise<Response> {
  const { req } = scope;
  const existing = tryLookup(scope, scope.rel);
  const early = preconditions(scope, existing);
  if (early) return early;
  const data = await req.bytes();
  const mtime = clientMtime(scope);
  const extra: Record<string, string> = mtime !== undefined ? { 'X-OC-MTime': 'accepted' } : {};
  if (existing) {
    if (existing.kind !== 'file') throw conflict('PUT is not allowed on non-files.');
    existing.data = data;
    existing.etag = req.store.newEtag();
    existing.mtime = mtime ?? req.store.nowSeconds();
    existing.uploadTime = req.store.nowSeconds();
    propagate(scope, scope.rel.slice(0, -1));
    const etag = `"${existing.etag}"`;
    return new Response(null, { status: 204, headers: { ETag: etag, 'OC-ETag': etag, 'OC-FileId': ocId(existing.fileId, req.state.instanceId), ...extra } });
  }
  if (scope.rel.length === 0) throw conflict('PUT is not allowed on non-files.');
  const parentRel = scope.rel.slice(0, -1);
  const name = scope.rel.at(-1)!;
  let parent: Entry;
  try {
    parent = lookup(scope, parentRel);
  } catch (error) {
    if (error instanceof DavError && error.status === 404) throw conflict('Files cannot be created in non-existent collections');
    throw error;
  }
  if (parent.kind !== 'dir') throw conflict('Files can only be created as children of collections');
  validateName(name);
  const file = req.store.newFile(name, data);
  if (mtime !== undefined) file.mtime = mtime;
  const ctime = req.header('x-oc-ctime');
  if (ctime && /^\d+$/.test(ctime.trim())) file.creationTime = Number(ctime.trim());
  parent.children.set(name, file);
  propagate(scope, parentRel);
  const etag = `"${file.etag}"`;
  return new Response(null, { status: 201, headers: { ETag: etag, 'OC-ETag': etag, 'OC-FileId': ocId(file.fileId, req.state.instanceId), 'Content-Length': '0', ...extra } });
}

/**
 * Reads an extended MKCOL body (RFC 5689 §3) the way sabre's CorePlugin does: a body needs an XML
 * Content-Type (else 415) and a `{DAV:}resourcetype`. Returns the resource types and the other properties.
 */
export async function readMkcol(req: DavRequest): Promise<{ resourceTypes: Clark[]; props: XmlElement[] }> {
  const body = await req.text();
  if (body === '') return { resourceTypes: [clark(NS_DAV, 'collection')], props: [] };
  const type = req.header('content-type') ?? '';
  if (!type.startsWith('application/xml') && !type.startsWith('text/xml')) throw unsupportedMediaType('The request body for the MKCOL request must have an xml Content-Type');
  const root = expectRoot(body, clark(NS_DAV, 'mkcol'));
  const props = root.children.filter((c) => c.name === clark(NS_DAV, 'set')).flatMap((s) => child(s, clark(NS_DAV, 'prop'))?.children ?? []);
  const resourcetype = props.find((p) => p.name === clark(NS_DAV, 'resourcetype'));
  if (!resourcetype) throw badRequest('The mkcol request must include a {DAV:}resourcetype property');
  return { resourceTypes: resourcetype.children.map((c) => c.name), props: props.filter((p) => p !== resourcetype) };
}

/** Sabre's `InvalidResourceType` (403 with `<d:valid-resourcetype/>`). */
export function invalidResourceType(message: string): DavError {
  return new DavError(403, 'Sabre\\DAV\\Exception\\InvalidResourceType', message, { code: 'ERR_DAV_INVALID_RESOURCE_TYPE', extraXml: '<d:valid-resourcetype/>' });
}

/** MKCOL on files (RFC 4918 §9.3): 201, 405 when something exists, 409 without a parent folder. */
export async function filesMkcol(scope: FileScope): Promise<Response> {
  const { req } = scope;
  const { resourceTypes } = await readMkcol(req);
  if (scope.rel.length === 0) throw methodNotAllowed('The resource you tried to create already exists', allowedFileMethods(true));
  const parentRel = scope.rel.slice(0, -1);
  const name = scope.rel.at(-1)!;
  let parent: Entry;
  try {
    parent = lookup(scope, parentRel);
  } catch (error) {
    if (error instanceof DavError && error.status === 404) throw conflict('Parent node does not exist');
    throw error;
  }
  if (parent.kind !== 'dir') throw conflict('Parent node is not a collection');
  if (parent.children.has(name)) throw methodNotAllowed('The resource you tried to create already exists', allowedFileMethods(true));
  if (resourceTypes.length > 1) throw invalidResourceType('The {DAV:}resourcetype you specified is not supported here.');
  validateName(name);
  const dir = req.store.newDir(name);
  parent.children.set(name, dir);
  propagate(scope, parentRel);
  return new Response(null, { status: 201, headers: { 'Content-Length': '0', 'OC-FileId': ocId(dir.fileId, req.state.instanceId) } });
}

/** DELETE on files (RFC 4918 §9.6): 204; the home folder itself cannot be deleted. */
export function filesDelete(scope: FileScope): Response {
  const entry = lookup(scope, scope.rel);
  preconditions(scope, entry);
  if (scope.rel.length === 0) throw forbidden('Permission denied to delete home folder');
  const parent = lookup(scope, scope.rel.slice(0, -1)) as DirEntry;
  parent.children.delete(entry.name);
  propagate(scope, scope.rel.slice(0, -1));
  return new Response(null, { status: 204, headers: { 'Content-Length': '0' } });
}

function cloneEntry(scope: FileScope, entry: Entry, name: string): Entry {
  const { store } = scope.req;
  if (entry.kind === 'file') {
    const copy: FileEntry = { ...store.newFile(name, Buffer.from(entry.data)), mimetype: mimetypeFor(name), mtime: entry.mtime, props: new Map(entry.props) };
    return copy;
  }
  const dir = store.newDir(name);
  dir.mtime = entry.mtime;
  dir.props = new Map(entry.props);
  for (const c of entry.children.values()) dir.children.set(c.name, cloneEntry(scope, c, c.name));
  return dir;
}

/**
 * MOVE and COPY on files (RFC 4918 §9.8, §9.9) with sabre's `getCopyAndMoveInfo()` checks and
 * Nextcloud's FilesPlugin checks: 201 new, 204 overwritten, 412 when `Overwrite: F` meets an existing
 * target, 409 without the target's parent. Only the requester's own home is writable.
 */
export function filesMoveCopy(scope: FileScope, move: boolean): Response {
  const { req } = scope;
  const destinationHeader = req.header('destination');
  if (!destinationHeader) throw badRequest('The destination header was not supplied');
  const destination = calculateSegments(req.base, destinationHeader);
  const overwriteHeader = (req.header('overwrite') ?? 'T').toUpperCase();
  if (overwriteHeader !== 'T' && overwriteHeader !== 'F') throw badRequest('The HTTP Overwrite header should be either T or F');
  const overwrite = overwriteHeader === 'T';
  const root = scope.rootSegments;
  const inHome = destination.length >= root.length && root.every((s, i) => destination[i] === s);
  const source = [...root, ...scope.rel];
  const name = destination.at(-1) ?? '';
  if (!inHome) {
    // Anything outside the own home is read-only for this user (other homes are empty SimpleCollections).
    const sourceEntry = lookup(scope, scope.rel);
    throw forbidden(sourceEntry.kind === 'dir' ? 'Permission denied to create directory' : `Permission denied to create file (filename ${name})`);
  }
  const destRel = destination.slice(root.length);
  if (destRel.length === 0) {
    // The destination is the home folder itself: it exists, and it cannot be deleted to make room.
    if (!overwrite) throw preconditionFailed('The destination node already exists, and the overwrite header is set to false', 'Overwrite');
    throw forbidden('Permission denied to delete home folder');
  }
  const destParentRel = destRel.slice(0, -1);
  let destParent: Entry;
  try {
    destParent = lookup(scope, destParentRel);
  } catch (error) {
    if (error instanceof DavError && error.status === 404) throw conflict('The destination node is not found');
    throw error;
  }
  if (destParent.kind !== 'dir') throw unsupportedMediaType('The destination node is not a collection');
  const destExisting = destParent.children.get(name);
  if (destExisting && !overwrite) throw preconditionFailed('The destination node already exists, and the overwrite header is set to false', 'Overwrite');
  const sourcePath = source.join('/');
  const destPath = destination.join('/');
  if (destPath === sourcePath) throw forbidden('Source and destination uri are identical.');
  if (destPath.startsWith(`${sourcePath}/`)) throw conflict('The destination may not be part of the same subtree as the source path.');
  const entry = lookup(scope, scope.rel);
  if (scope.rel.length === 0) throw forbidden(move ? 'Permission denied to rename this folder' : 'Permission denied to create directory');
  validateName(name);
  if (move && sourcePath.startsWith(`${destPath}/`)) throw forbidden(`${sourcePath} cannot be moved to it's parent`);
  const sourceParent = lookup(scope, scope.rel.slice(0, -1)) as DirEntry;
  if (destExisting) {
    (destParent as DirEntry).children.delete(name);
  }
  let placed: Entry;
  if (move) {
    sourceParent.children.delete(entry.name);
    entry.name = name;
    if (entry.kind === 'file') entry.mimetype = mimetypeFor(name);
    placed = entry;
    propagate(scope, scope.rel.slice(0, -1));
  } else {
    placed = cloneEntry(scope, entry, name);
  }
  (destParent as DirEntry).children.set(name, placed);
  propagate(scope, destParentRel);
  const headers: Record<string, string> = { 'Content-Length': '0' };
  if (move) {
    const etag = `"${placed.etag}"`;
    Object.assign(headers, { ETag: etag, 'OC-ETag': etag, 'OC-FileId': ocId(placed.fileId, req.state.instanceId) });
  }
  return new Response(null, { status: destExisting ? 204 : 201, headers });
}

/** Properties sabre and Nextcloud refuse to change (`Server::$protectedProperties` plus FilesPlugin's). */
const PROTECTED: readonly Clark[] = [
  ...['getcontentlength', 'getlastmodified', 'lockdiscovery', 'supportedlock', 'quota-available-bytes', 'quota-used-bytes', 'supported-privilege-set', 'current-user-privilege-set', 'acl', 'acl-restrictions', 'inherited-acl-set', 'supported-method-set', 'supported-report-set', 'sync-token'].map((l) => clark(NS_DAV, l)),
  clark('http://calendarserver.org/ns/', 'getctag'),
  ...['id', 'fileid', 'permissions', 'size', 'downloadURL', 'owner-id', 'owner-display-name', 'checksums', 'data-fingerprint'].map((l) => clark(NS_OC, l)),
  ...['share-attributes', 'has-preview', 'mount-type', 'is-federated', 'note'].map((l) => clark(NS_NC, l)),
  clark('http://open-collaboration-services.org/ns', 'share-permissions'),
  clark('http://open-cloud-mesh.org/ns', 'share-permissions'),
];

/** One property mutation of a PROPPATCH (RFC 4918 §14.19, §14.23, §14.26). */
export interface Mutation {
  name: Clark;
  /** Null removes the property. */
  value: XmlElement | null;
}

/** Parses a `<d:propertyupdate>` body into its set and remove mutations, in document order. */
export function parsePropertyUpdate(body: string): Mutation[] {
  const root = expectRoot(body, clark(NS_DAV, 'propertyupdate'));
  const out: Mutation[] = [];
  for (const op of root.children) {
    const prop = child(op, clark(NS_DAV, 'prop'));
    if (op.name === clark(NS_DAV, 'set')) for (const p of prop?.children ?? []) out.push({ name: p.name, value: p });
    else if (op.name === clark(NS_DAV, 'remove')) for (const name of propNames(prop)) out.push({ name, value: null });
  }
  return out;
}

/** Serialises the inner content of an element as stored dead-property XML (text only, escaped). */
function deadValue(el: XmlElement): string {
  return deepText(el).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Applies PROPPATCH mutations atomically (sabre's `PropPatch`): refused ones get their status (403), and
 * then every other one 424 Failed Dependency; otherwise all are applied and get 200. `apply` returns a
 * status for live properties it handles, or undefined for dead properties.
 */
export function commitPropPatch(href: string, mutations: Mutation[], check: (m: Mutation) => number | undefined, apply: (m: Mutation) => void, deadProps: Map<string, string>): DavResponse {
  const results = new Map<Clark, number>();
  for (const m of mutations) {
    const status = check(m);
    if (status !== undefined && status !== 200) results.set(m.name, status);
  }
  if (results.size > 0) {
    for (const m of mutations) if (!results.has(m.name)) results.set(m.name, 424);
  } else {
    for (const m of mutations) {
      if (check(m) === 200) apply(m);
      else if (m.value === null) deadProps.delete(m.name);
      else deadProps.set(m.name, deadValue(m.value));
      results.set(m.name, 200);
    }
  }
  const byStatus = new Map<number, Clark[]>();
  for (const [name, status] of results) byStatus.set(status, [...(byStatus.get(status) ?? []), name]);
  const found = (byStatus.get(200) ?? []).map((n) => [n, ''] as [Clark, string]);
  byStatus.delete(200);
  return { href, found, other: byStatus };
}

/** PROPPATCH on files: favourites, `lastmodified` (touch), `getetag`, dead properties; `displayname` is refused (403). */
export async function filesProppatch(scope: FileScope): Promise<Response> {
  const entry = lookup(scope, scope.rel);
  const mutations = parsePropertyUpdate(await scope.req.text());
  const favorite = clark(NS_OC, 'favorite');
  const lastmodified = clark(NS_DAV, 'lastmodified');
  const getetag = clark(NS_DAV, 'getetag');
  const check = (m: Mutation): number | undefined => {
    if (PROTECTED.includes(m.name)) return 403;
    if (m.name === clark(NS_DAV, 'displayname')) return 403;
    if (m.name === lastmodified || m.name === getetag) return m.value === null || deepText(m.value).trim() === '' ? 403 : 200;
    if (m.name === favorite) return 200;
    return undefined;
  };
  const apply = (m: Mutation): void => {
    const text = m.value ? deepText(m.value).trim() : '';
    if (m.name === favorite) entry.favorite = text === '1' || text.toLowerCase() === 'true';
    else if (m.name === lastmodified) {
      entry.mtime = /^\d+$/.test(text) ? Number(text) : Math.floor(Date.parse(text) / 1000) || entry.mtime;
      propagate(scope, scope.rel.slice(0, -1), false);
    } else if (m.name === getetag) entry.etag = text.replace(/^"|"$/g, '');
  };
  const result = commitPropPatch(hrefFor(scope, scope.rel, entry), mutations, check, apply, entry.props);
  if (wantsMinimal(scope.req.header('prefer'), scope.req.header('brief')) && (result.other?.size ?? 0) === 0) return new Response(null, { status: 204 });
  return multistatusResponse(namespacesFor('files'), [result]);
}

function collectFavorites(scope: FileScope, rel: string[], entry: Entry, out: [string[], Entry][]): void {
  if (entry.kind !== 'dir') return;
  for (const c of entry.children.values()) {
    const path = [...rel, c.name];
    if (c.favorite) out.push([path, c]);
    collectFavorites(scope, path, c, out);
  }
}

/**
 * REPORT `oc:filter-files` (FilesReportPlugin): the favourites (`<oc:favorite>1</oc:favorite>`) and
 * system-tag rules below the requested folder. No system tags exist in the double, so a tag rule
 * matches nothing.
 */
export function filesFilterReport(scope: FileScope, root: XmlElement): Response {
  const entry = lookup(scope, scope.rel);
  const rules = child(root, clark(NS_OC, 'filter-rules'));
  if (!rules || rules.children.length === 0) throw badRequest('Missing filter-rule block in request');
  const props = propNames(child(root, clark(NS_DAV, 'prop')));
  const wantsFavorites = rules.children.some((r) => r.name === clark(NS_OC, 'favorite') && deepText(r).trim() === '1');
  const tagRules = rules.children.filter((r) => r.name === clark(NS_OC, 'systemtag'));
  let matches: [string[], Entry][] = [];
  if (tagRules.length === 0 && wantsFavorites) collectFavorites(scope, scope.rel, entry, matches);
  if (tagRules.length > 0) matches = [];
  const request: PropRequest = props.length > 0 ? { mode: 'prop', names: props } : { mode: 'allprop' };
  const out = matches.map(([rel, e]) => resolveProps(hrefFor(scope, rel, e), request, entryProps(scope, e)));
  return multistatusResponse(namespacesFor('files'), out);
}
