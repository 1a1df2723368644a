import type { DoubleState, DoubleUser } from '../double-state.ts';
import type { DoubleContext } from '../request-context.ts';
import type { DavEndpoint } from './dav-auth.ts';
import { DavError, forbidden, preconditionFailed } from './dav-error.ts';
import type { DavStore } from './dav-store.ts';

/** The base paths of the two DAV servers. */
export const DAV_BASE = { dav: '/remote.php/dav', webdav: '/remote.php/webdav' } as const satisfies Record<DavEndpoint, string>;

/** One authenticated DAV request, with its path split into decoded segments below the server's base. */
export interface DavRequest {
  c: DoubleContext;
  state: DoubleState;
  store: DavStore;
  user: DoubleUser;
  /** Upper-case method. */
  method: string;
  endpoint: DavEndpoint;
  /** `/remote.php/dav` or `/remote.php/webdav`. */
  base: string;
  /** Decoded path segments below the base (`files`, `alice`, `Documents`). */
  segments: string[];
  /** A request header. */
  header(name: string): string | undefined;
  /** The body as text. */
  text(): Promise<string>;
  /** The body as bytes. */
  bytes(): Promise<Buffer>;
}

/**
 * Sabre's `HTTP\encodePath`: every byte outside `A-Za-z0-9_-.~()/:@` percent-encoded with lower-case hex,
 * as hrefs in multistatus bodies are written.
 */
export function encodePath(path: string): string {
  return Array.from(Buffer.from(path, 'utf8'))
    .map((b) => {
      const ch = String.fromCharCode(b);
      return /[A-Za-z0-9_\-.~()/:@]/.test(ch) && b < 0x80 ? ch : `%${b.toString(16).padStart(2, '0')}`;
    })
    .join('');
}

/** The href of a path below the DAV base: `/remote.php/dav/` + encoded segments (+ `/` for collections). */
export function hrefOf(base: string, segments: readonly string[], collection: boolean): string {
  const path = segments.join('/');
  return `${base}/${encodePath(path)}${collection && path !== '' ? '/' : ''}`;
}

/**
 * Sabre's `Server::calculateUri()`: a URL or absolute path to segments below `base`. Repeated slashes
 * collapse, `.` and `..` segments resolve (sabre/uri `normalize`), then the path is percent-decoded. A
 * path outside the base is `Forbidden` "Requested uri (...) is out of base uri (...)".
 */
export function calculateSegments(base: string, uri: string): string[] {
  let path = uri;
  if (path !== '' && !path.startsWith('/') && path.includes('://')) {
    try {
      path = new URL(path).pathname;
    } catch (cause) {
      throw new DavError(400, 'Sabre\\DAV\\Exception\\BadRequest', `Invalid URI: ${uri}`, { code: 'ERR_DAV_BAD_URI', cause });
    }
  }
  path = path.replace(/\/+/g, '/');
  const resolved: string[] = [];
  for (const raw of path.replace(/^\//, '').split('/')) {
    // sabre/uri normalize() decodes unreserved characters, so `%2e%2e` is `..` too.
    const part = raw.replace(/%2e/gi, '.');
    if (part === '.') continue;
    if (part === '..') resolved.pop();
    else resolved.push(part);
  }
  const normalized = `/${resolved.join('/')}`;
  const baseSlash = `${base}/`;
  let rest: string;
  if (normalized.startsWith(baseSlash)) rest = normalized.slice(baseSlash.length);
  else if (normalized === base) rest = '';
  else throw forbidden(`Requested uri (${normalized}) is out of base uri (${baseSlash})`);
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    decoded = rest;
  }
  return decoded.split('/').filter((s) => s !== '');
}

/** `Depth` as sabre reads it: `infinity` is -1; absent or unknown is the given default. */
export function depthHeader(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (value.trim().toLowerCase() === 'infinity') return -1;
  return /^\d+$/.test(value.trim()) ? Number(value.trim()) : fallback;
}

/** An RFC 7231 IMF-fixdate (`Mon, 01 Jan 2024 00:00:00 GMT`), as `getlastmodified` and `Last-Modified` are written. */
export function httpDate(seconds: number): string {
  return new Date(seconds * 1000).toUTCString();
}

/** Nextcloud's DummyGetResponsePlugin answer for GET on a collection. */
export function dummyGetResponse(method: string): Response {
  const body = 'This is the WebDAV interface. It can only be accessed by WebDAV clients such as the Nextcloud desktop sync client.';
  return new Response(method === 'HEAD' ? null : body, { status: 200, headers: { 'Content-Type': 'text/html; charset=UTF-8' } });
}

/**
 * `Server::checkPreconditions()` (RFC 7232 §3.1-3.2): If-Match needs the resource and one of its ETags
 * (`*` any), If-None-Match fails on `*` or a matching ETag — 304 for GET/HEAD, 412 otherwise. `etag` is
 * the quoted ETag of a file-like resource (collections have none). Returns a 304 answer or undefined.
 */
export function checkPreconditions(req: DavRequest, exists: boolean, etag: string | undefined): Response | undefined {
  const ifMatch = req.header('if-match');
  if (ifMatch) {
    if (!exists) throw preconditionFailed('An If-Match header was specified and the resource did not exist', 'If-Match');
    if (ifMatch.trim() !== '*') {
      const match = ifMatch.split(',').some((t) => {
        const tag = t.trim();
        return etag !== undefined && (tag === etag || tag.replace(/\\"/g, '"') === etag);
      });
      if (!match) throw preconditionFailed('An If-Match header was specified, but none of the specified ETags matched.', 'If-Match', etag);
    }
  }
  const ifNoneMatch = req.header('if-none-match');
  if (ifNoneMatch && exists) {
    const match = ifNoneMatch.trim() === '*' || (etag !== undefined && ifNoneMatch.split(',').some((t) => t.trim() === etag));
    if (match) {
      if (req.method === 'GET' || req.method === 'HEAD') return new Response(null, { status: 304, headers: etag ? { ETag: etag, 'OC-ETag': etag } : {} });
      throw preconditionFailed('An If-None-Match header was specified, but the ETag matched (or * was specified).', 'If-None-Match', etag);
    }
  }
  return undefined;
}
