import { DavError, notFound } from './dav-error.ts';
import { encodePath, type DavRequest } from './dav-request.ts';
import type { DavHome, Entry } from './dav-store.ts';
import { FOLDER_MIMETYPE } from './dav-store.ts';
import { NS_DAV, NS_NC, NS_OC, child, clark, deepText, parseXml, textOf, type Clark, type XmlElement } from './dav-xml.ts';
import { entryProps, entrySize, lookup, type FileScope } from './files-dav.ts';
import { multistatusResponse, namespacesFor, propNames, resolveProps, type DavResponse } from './multistatus.ts';

/** SearchDAV's namespace (`firstresult`). */
const NS_SEARCHDAV = 'https://github.com/icewind1991/SearchDAV/ns';

type DataType = 'string' | 'datetime' | 'integer' | 'boolean';

/** A property of FileSearchBackend's schema: searchable in `where`, sortable in `orderby`, selectable. */
interface SearchProperty {
  type: DataType;
  searchable: boolean;
  sortable: boolean;
  selectable: boolean;
  value: (entry: Entry) => string | number | boolean;
}

const d = (l: string): Clark => clark(NS_DAV, l);

/** `FileSearchBackend::getPropertyDefinitionsForScope()` (SearchPropertyDefinition: selectable, searchable, sortable). */
function def(type: DataType, selectable: boolean, searchable: boolean, sortable: boolean, value: SearchProperty['value']): SearchProperty {
  return { type, selectable, searchable, sortable, value };
}

const none = (): string => '';

const SCHEMA = new Map<Clark, SearchProperty>([
  [d('displayname'), def('string', true, true, true, (e) => e.name)],
  [d('getcontenttype'), def('string', true, true, true, (e) => (e.kind === 'dir' ? FOLDER_MIMETYPE : e.mimetype))],
  [d('getlastmodified'), def('datetime', true, true, true, (e) => e.mtime)],
  [d('creationdate'), def('datetime', true, true, true, (e) => e.creationTime)],
  [clark(NS_NC, 'upload_time'), def('datetime', true, true, true, (e) => e.uploadTime)],
  [clark(NS_NC, 'last_activity'), def('datetime', true, false, true, (e) => e.mtime)],
  [clark(NS_OC, 'size'), def('integer', true, true, true, (e) => entrySize(e))],
  [clark(NS_OC, 'favorite'), def('boolean', true, true, true, (e) => e.favorite)],
  [clark(NS_OC, 'fileid'), def('integer', true, true, false, (e) => e.fileId)],
  [clark(NS_OC, 'owner-id'), def('string', true, true, false, none)],
  ...['resourcetype', 'getcontentlength', 'getetag'].map((l) => [d(l), def('string', true, false, false, none)] as [Clark, SearchProperty]),
  ...['checksums', 'permissions', 'owner-display-name', 'data-fingerprint', 'id'].map((l) => [clark(NS_OC, l), def('string', true, false, false, none)] as [Clark, SearchProperty]),
  [clark(NS_NC, 'has-preview'), def('boolean', true, false, false, none)],
]);

/** A 400 answered with a plain-text body, as SearchDAV's handler writes its parse errors. */
class SearchBadRequest extends Error {
  readonly code = 'ERR_DAV_SEARCH_BAD_REQUEST';
}

/** PHP's `InvalidArgumentException` from FileSearchBackend: sabre answers 500 with the class name. */
function invalidArgument(message: string): DavError {
  return new DavError(500, 'InvalidArgumentException', message, { code: 'ERR_DAV_SEARCH_INVALID' });
}

type Predicate = (entry: Entry) => boolean;


function castLiteral(prop: SearchProperty, literal: string): string | number | boolean {
  switch (prop.type) {
    case 'integer':
      return Number.parseInt(literal, 10) || 0;
    case 'boolean':
      return literal === '1' || literal.toLowerCase() === 'true' || literal.toLowerCase() === 'yes';
    case 'datetime': {
      if (/^\d+$/.test(literal.trim())) return Math.max(0, Number(literal.trim()));
      const ms = Date.parse(literal);
      return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
    }
    default:
      return literal;
  }
}

/** SQL `ILIKE` (`ISearchComparison::COMPARE_LIKE`): `%` any run, `_` one character, case-insensitive. */
function likeRegExp(pattern: string): RegExp {
  let source = '';
  for (const ch of pattern) {
    if (ch === '%') source += '.*';
    else if (ch === '_') source += '.';
    else source += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'is');
}

function operator(el: XmlElement, uid: string): Predicate {
  const args = el.children;
  const comparison = (cmp: (a: string | number | boolean, b: string | number | boolean, prop: SearchProperty) => boolean): Predicate => {
    const propEl = args.find((a) => a.name === d('prop'));
    const literalEl = args.find((a) => a.name === d('literal'));
    const name = propEl?.children[0]?.name;
    if (!name || !literalEl) throw invalidArgument(`Invalid number of arguments for ${el.local} operation`);
    const prop = SCHEMA.get(name);
    if (!prop) throw new SearchBadRequest('requested search property is not a valid property for this scope');
    if (!prop.searchable) throw new SearchBadRequest('requested search property is not searchable');
    const literal = castLiteral(prop, deepText(literalEl));
    if (name === clark(NS_OC, 'owner-id')) {
      // Only the searching user's own files can be asked for (FileSearchBackend::transformQuery).
      if (el.name === d('eq') && literal !== uid) throw invalidArgument("Invalid search value for '{http://owncloud.org/ns}owner-id', only the current user id is allowed");
      return () => cmp(uid, literal, prop);
    }
    return (entry) => cmp(prop.value(entry), literal, prop);
  };
  switch (el.name) {
    case d('and'): {
      const parts = args.map((a) => operator(a, uid));
      return (e) => parts.every((p) => p(e));
    }
    case d('or'): {
      const parts = args.map((a) => operator(a, uid));
      return (e) => parts.some((p) => p(e));
    }
    case d('not'): {
      const inner = args[0] ? operator(args[0], uid) : () => false;
      return (e) => !inner(e);
    }
    case d('eq'):
      return comparison((a, b) => a === b);
    case d('gt'):
      return comparison((a, b) => a > b);
    case d('gte'):
      return comparison((a, b) => a >= b);
    case d('lt'):
      return comparison((a, b) => a < b);
    case d('lte'):
      return comparison((a, b) => a <= b);
    case d('like'):
      return comparison((a, b) => likeRegExp(String(b)).test(String(a)));
    case d('is-collection'):
      return (e) => e.kind === 'dir';
    case d('is-defined'): {
      const name = child(el, d('prop'))?.children[0]?.name;
      const prop = name ? SCHEMA.get(name) : undefined;
      if (!prop) throw new SearchBadRequest('requested search property is not a valid property for this scope');
      return () => true;
    }
    default:
      throw invalidArgument(`Unsupported operation ${el.name}`);
  }
}

function countOperators(el: XmlElement): number {
  if (el.name === d('and') || el.name === d('or') || el.name === d('not')) return el.children.reduce((n, c) => n + countOperators(c), 0);
  return 1;
}

function walk(home: DavHome, dirRel: string[], out: [string[], Entry][]): void {
  let node: Entry = home.files;
  for (const name of dirRel) node = (node as Extract<Entry, { kind: 'dir' }>).children.get(name)!;
  const visit = (rel: string[], entry: Entry): void => {
    if (entry.kind !== 'dir') return;
    for (const c of entry.children.values()) {
      out.push([[...rel, c.name], c]);
      visit([...rel, c.name], c);
    }
  };
  visit(dirRel, node);
}

/**
 * SEARCH on `/remote.php/dav/` (RFC 5323 basicsearch, SearchDAV + FileSearchBackend): the scope is a path
 * relative to the search arbiter (`/files/{uid}/folder`) and is searched recursively; `like` is
 * case-insensitive SQL LIKE; at most 100 results unless `nresults` says otherwise. Parse errors are
 * plain-text 400s; a scope that is not a folder of the user is a 500 InvalidArgumentException, a missing
 * scope a 404, as in Nextcloud.
 */
export async function fileSearch(req: DavRequest, homeScope: (segments: string[]) => FileScope | 'other' | undefined): Promise<Response> {
  let root: XmlElement;
  try {
    root = parseXml(await req.text());
  } catch (error) {
    if (error instanceof DavError) return new Response(`Parse error: ${error.message}`, { status: 400 });
    throw error;
  }
  if (root.name !== d('searchrequest')) {
    return new Response(`Unexpected document type: ${root.name} for this Content-Type, expected {DAV:}searchrequest or {DAV:}query-schema-discovery`, { status: 400 });
  }
  const basic = child(root, d('basicsearch'));
  if (!basic) return new Response('Unexpected xml content for searchrequest, expected basicsearch', { status: 400 });
  const whereEl = child(basic, d('where'))?.children[0];
  if (!whereEl) return new Response('Parse error: Missing {DAV:}where from {DAV:}basicsearch', { status: 400 });
  const select = propNames(child(child(basic, d('select')), d('prop')));
  if (select.length === 0) return new Response('Parse error: Missing {DAV:}select from {DAV:}basicsearch', { status: 400 });
  const scopes = (child(basic, d('from'))?.children ?? []).filter((s) => s.name === d('scope'));
  try {
    for (const name of select) {
      const prop = SCHEMA.get(name);
      if (prop && !prop.selectable) throw new SearchBadRequest('requested property is not selectable');
    }
    const orders = (child(basic, d('orderby'))?.children ?? []).filter((o) => o.name === d('order')).map((o) => {
      const name = child(o, d('prop'))?.children[0]?.name ?? '';
      const prop = SCHEMA.get(name);
      if (!prop) throw new SearchBadRequest('requested order by property is not a valid property for this scope');
      if (!prop.sortable) throw new SearchBadRequest('requested order by property is not sortable');
      return { prop, descending: child(o, d('descending')) !== undefined };
    });
    const where = operator(whereEl, req.user.uid);
    if (scopes.length === 0) throw invalidArgument('You need to specify a scope for the search.');
    const operators = countOperators(whereEl);
    if (operators > 100) throw invalidArgument(`Invalid search query, maximum operator limit of 100 exceeded, got ${operators} operators`);
    const candidates: [FileScope, string[], Entry][] = [];
    for (const scopeEl of scopes) {
      const href = deepText(child(scopeEl, d('href')) ?? scopeEl).trim();
      if (href.includes('://')) throw invalidArgument("Using uri's as scope is not supported, please use a path relative to the search arbiter instead");
      const segments = href.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
      const scope = homeScope(segments);
      if (scope === undefined) throw notFound(`File not found: ${segments[0] ?? ''} in 'root'`);
      if (scope === 'other') throw invalidArgument('Search is only supported on directories');
      const entry = lookup(scope, scope.rel);
      if (entry.kind !== 'dir') throw invalidArgument('Search is only supported on directories');
      const found: [string[], Entry][] = [];
      walk(scope.home, scope.rel, found);
      for (const [rel, e] of found) if (!candidates.some(([, , c]) => c === e)) candidates.push([scope, rel, e]);
    }
    let results = candidates.filter(([, , e]) => where(e));
    results.sort(([, , a], [, , b]) => {
      for (const { prop, descending } of orders) {
        const va = prop.value(a);
        const vb = prop.value(b);
        if (va === vb) continue;
        const s = va < vb ? -1 : 1;
        return descending ? -s : s;
      }
      return a.fileId - b.fileId;
    });
    const limitEl = child(basic, d('limit'));
    const nresults = Number.parseInt(textOf(child(limitEl, d('nresults'))), 10);
    const first = Number.parseInt(textOf(child(limitEl, clark(NS_SEARCHDAV, 'firstresult'))), 10);
    if (first > 0) results = results.slice(first);
    results = results.slice(0, nresults > 0 ? nresults : 100);
    const out: DavResponse[] = results.map(([scope, rel, e]) => {
      const href = `${req.base}/${encodePath([...scope.rootSegments, ...rel].join('/'))}${e.kind === 'dir' ? '/' : ''}`;
      return resolveProps(href, { mode: 'prop', names: select }, entryProps(scope, e));
    });
    return multistatusResponse(namespacesFor('files'), out, { headers: { 'Content-Type': 'application/xml; charset="utf-8"' } });
  } catch (error) {
    if (error instanceof SearchBadRequest) return new Response(error.message, { status: 400 });
    throw error;
  }
}
