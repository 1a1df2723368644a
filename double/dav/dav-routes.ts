import type { Hono } from 'hono';
import type { DoubleState } from '../double-state.ts';
import type { DoubleContext, DoubleEnv } from '../request-context.ts';
import { addressBooksRequest } from './carddav.ts';
import { calendarsRequest } from './caldav.ts';
import { davAuthenticate, type DavEndpoint } from './dav-auth.ts';
import { DavError, forbidden, notFound, notImplemented, sabreErrorResponse } from './dav-error.ts';
import { DAV_BASE, calculateSegments, type DavRequest } from './dav-request.ts';
import { davStore } from './dav-store.ts';
import { parseXml } from './dav-xml.ts';
import { fileSearch } from './file-search.ts';
import { allowedFileMethods, filesDelete, filesFilterReport, filesGet, filesMkcol, filesMoveCopy, filesPropfind, filesProppatch, filesPut, lookup, type FileScope } from './files-dav.ts';
import { principalsRequest, reportNotSupported, virtualCollection } from './principals-dav.ts';

/** The children of `/remote.php/dav/` the double serves. */
const ROOT_CHILDREN = ['principals', 'calendars', 'addressbooks', 'files'];

/** DAV compliance classes and features Nextcloud announces in `DAV:` (sabre plugins' `getFeatures()`). */
function davFeatures(top: string | undefined): string {
  const features = ['1', '3', 'extended-mkcol', 'access-control', 'calendarserver-principal-property-search'];
  if (top === 'calendars' || top === 'principals') features.push('calendar-access', 'calendar-proxy', 'calendar-auto-schedule', 'calendar-availability', 'nc-calendar-trashbin', 'nc-calendar-webcal-cache', 'calendarserver-subscribed', 'oc-resource-sharing', 'oc-calendar-publishing', 'calendarserver-sharing', 'nc-calendar-search');
  if (top === 'addressbooks' || top === 'principals') features.push('addressbook', 'nc-paginate');
  features.push('nextcloud-checksum-update', 'nc-calendar-search', 'nc-enable-birthday-calendar');
  return [...new Set(features)].join(', ');
}

/** OPTIONS (RFC 4918 §10.1): `DAV`, `Allow`, `MS-Author-Via`, an empty 200. */
function options(req: DavRequest): Response {
  const top = req.endpoint === 'webdav' ? 'files' : req.segments[0];
  const methods = allowedFileMethods(true, req.endpoint === 'dav' && req.segments.length === 0);
  if (top === 'calendars') methods.push('MKCALENDAR');
  const headers: Record<string, string> = { DAV: davFeatures(top), Allow: methods.join(', '), 'MS-Author-Via': 'DAV', 'Accept-Ranges': 'bytes', 'Content-Length': '0' };
  if (req.endpoint === 'dav' && req.segments.length === 0) headers['DASL'] = '<DAV:basicsearch>';
  return new Response(null, { status: 200, headers });
}

function noPlugin(method: string): DavError {
  return notImplemented(`There was no plugin in the system that was willing to handle this ${method} method.`);
}

/** Requests on a home: the own home is the files tree; another user's is an empty SimpleCollection. */
async function filesRequest(req: DavRequest, scope: FileScope): Promise<Response> {
  switch (req.method) {
    case 'PROPFIND':
      return filesPropfind(scope);
    case 'GET':
    case 'HEAD':
      return filesGet(scope);
    case 'PUT':
      return filesPut(scope);
    case 'MKCOL':
      return filesMkcol(scope);
    case 'DELETE':
      return filesDelete(scope);
    case 'MOVE':
      return filesMoveCopy(scope, true);
    case 'COPY':
      return filesMoveCopy(scope, false);
    case 'PROPPATCH':
      return filesProppatch(scope);
    case 'REPORT': {
      const root = parseXml(await req.text());
      if (root.name !== '{http://owncloud.org/ns}filter-files') throw reportNotSupported();
      return filesFilterReport(scope, root);
    }
    default:
      lookup(scope, scope.rel);
      throw noPlugin(req.method);
  }
}

/** Another user's `files/{uid}`: `Files\RootCollection` gives a plain empty SimpleCollection (only the own home is visible). */
async function otherHome(req: DavRequest, uid: string, rest: string[]): Promise<Response> {
  if (rest.length > 0) {
    if (req.method === 'PUT' && rest.length === 1) throw forbidden(`Permission denied to create file (filename ${rest[0]})`);
    if (req.method === 'MKCOL' && rest.length === 1) throw forbidden('Permission denied to create directory');
    if (req.method === 'PUT' || req.method === 'MKCOL') {
      throw new DavError(409, 'Sabre\\DAV\\Exception\\Conflict', req.method === 'PUT' ? 'Files cannot be created in non-existent collections' : 'Parent node does not exist', { code: 'ERR_DAV_CONFLICT' });
    }
    throw notFound(`File not found: ${rest[0]} in '${uid}'`);
  }
  if (req.method === 'MOVE') throw forbidden('Permission denied to rename file');
  return virtualCollection(req, { segments: ['files', uid], children: [], subtree: 'files' });
}

/** Routes an authenticated request on `/remote.php/dav`. */
async function davRequest(req: DavRequest): Promise<Response> {
  const [top, second] = req.segments;
  if (top === undefined) {
    if (req.method === 'SEARCH') {
      const type = req.header('content-type') ?? '';
      if (!type.includes('text/xml') && !type.includes('application/xml')) throw noPlugin('SEARCH');
      return fileSearch(req, (segments) => {
        if (segments[0] !== 'files' || segments[1] === undefined || !req.state.users.has(segments[1])) return undefined;
        if (segments[1] !== req.user.uid) return 'other';
        return { req, home: req.store.home(req.user), owner: req.user, rootSegments: ['files', req.user.uid], rel: segments.slice(2) };
      });
    }
    return virtualCollection(req, { segments: [], children: ROOT_CHILDREN, subtree: 'root' });
  }
  if (req.method === 'SEARCH') throw noPlugin('SEARCH');
  if (req.method === 'MKCALENDAR' && top !== 'calendars') throw noPlugin('MKCALENDAR');
  switch (top) {
    case 'files': {
      if (second === undefined) return virtualCollection(req, { segments: ['files'], subtree: 'files' });
      const owner = req.state.users.get(second);
      if (!owner) throw notFound(`Principal with name ${second} not found`);
      if (owner.uid !== req.user.uid) return otherHome(req, owner.uid, req.segments.slice(2));
      return filesRequest(req, { req, home: req.store.home(owner), owner, rootSegments: ['files', owner.uid], rel: req.segments.slice(2) });
    }
    case 'calendars':
      return calendarsRequest(req);
    case 'addressbooks':
      return addressBooksRequest(req);
    case 'principals':
      return principalsRequest(req);
    default:
      if (req.method === 'MKCOL' && req.segments.length === 1) throw forbidden('Permission denied to create directory');
      throw notFound(`File not found: ${top} in 'root'`);
  }
}

/** Routes an authenticated request on the legacy `/remote.php/webdav`: the user's own files at the root. */
async function webdavRequest(req: DavRequest): Promise<Response> {
  if (req.method === 'SEARCH' || req.method === 'MKCALENDAR') throw noPlugin(req.method);
  return filesRequest(req, { req, home: req.store.home(req.user), owner: req.user, rootSegments: [], rel: req.segments });
}

/** One DAV request: Sabre's auth plugin first, then the tree. Errors become Sabre's XML error bodies. */
async function handle(c: DoubleContext, state: DoubleState, endpoint: DavEndpoint): Promise<Response> {
  const method = c.req.method.toUpperCase();
  try {
    const base = DAV_BASE[endpoint];
    const user = davAuthenticate(c, endpoint);
    const segments = calculateSegments(base, new URL(c.req.url).pathname);
    let bodyText: Promise<string> | undefined;
    let bodyBytes: Promise<Buffer> | undefined;
    const req: DavRequest = {
      c,
      state,
      store: davStore(state),
      user,
      method,
      endpoint,
      base,
      segments,
      header: (name) => c.req.header(name),
      text: () => (bodyText ??= (bodyBytes ??= c.req.arrayBuffer().then((b) => Buffer.from(b))).then((b) => b.toString('utf8'))),
      bytes: () => (bodyBytes ??= c.req.arrayBuffer().then((b) => Buffer.from(b))),
    };
    if (method === 'OPTIONS') return options(req);
    return endpoint === 'dav' ? await davRequest(req) : await webdavRequest(req);
  } catch (error) {
    if (error instanceof DavError) return sabreErrorResponse(error, method);
    throw error;
  }
}

/**
 * WebDAV files, CalDAV and CardDAV as Nextcloud's Sabre server answers them (apps/dav): `/remote.php/dav`
 * (files, calendars, address books, principals, SEARCH), the legacy `/remote.php/webdav`, and the
 * `/.well-known/caldav` and `/.well-known/carddav` redirects (RFC 6764 §5). Every DAV request needs a
 * user (session, Bearer via user_oidc, or Basic); DAV never passes core's CORSMiddleware.
 */
export function registerDavRoutes(app: Hono<DoubleEnv>, state: DoubleState): void {
  for (const service of ['caldav', 'carddav']) {
    app.all(`/.well-known/${service}`, (c) => {
      const url = new URL(c.req.url);
      return c.redirect(`${url.protocol}//${url.host}/remote.php/dav/`, 301);
    });
  }
  for (const endpoint of ['dav', 'webdav'] as const) {
    const base = DAV_BASE[endpoint];
    app.all(base, (c) => handle(c, state, endpoint));
    app.all(`${base}/*`, (c) => handle(c, state, endpoint));
  }
}
