import { DavError } from './dav-error.ts';
import { NS_DAV, NS_SABRE, XmlWriter, clark, escapeWriterText, expectRoot, type Clark, type XmlElement } from './dav-xml.ts';

/** A property value: text (escaped on output) or a function writing inner XML with the document's writer. */
export type PropValue = string | number | ((w: XmlWriter) => string);

/** Gets a live property of a node, or undefined when the node does not have it. */
export type PropGetter = (name: Clark) => PropValue | undefined;

/** One `<d:response>`: properties by status (RFC 4918 §14.16, §14.22). */
export interface DavResponse {
  /** The encoded href, as written. */
  href: string;
  /** Properties found (200), in output order. */
  found: [Clark, PropValue][];
  /** Property names by any other status (404 unknown, 403 forbidden, 424 failed dependency). */
  other?: Map<number, Clark[]>;
  /** A response that has a status instead of propstats (e.g. a multiget href that does not exist). */
  status?: number;
}

/** What a PROPFIND (or REPORT's `<d:prop>`) asks for (RFC 4918 §14.20). */
export type PropRequest = { mode: 'allprop' } | { mode: 'propname' } | { mode: 'prop'; names: Clark[] };

/** The properties Sabre seeds for `allprop` (`Sabre\DAV\PropFind`); only those a node has are returned. */
export const ALLPROP_NAMES: readonly Clark[] = [
  clark(NS_DAV, 'getlastmodified'),
  clark(NS_DAV, 'getcontentlength'),
  clark(NS_DAV, 'resourcetype'),
  clark(NS_DAV, 'quota-used-bytes'),
  clark(NS_DAV, 'quota-available-bytes'),
  clark(NS_DAV, 'getetag'),
  clark(NS_DAV, 'getcontenttype'),
];

/** Names of the children of a `<d:prop>` element, in request order. */
export function propNames(prop: XmlElement | undefined): Clark[] {
  return prop ? prop.children.map((c) => c.name) : [];
}

/** Parses a PROPFIND body; an empty body means allprop (RFC 4918 §9.1). */
export function parsePropfind(body: string): PropRequest {
  if (body.trim() === '') return { mode: 'allprop' };
  const root = expectRoot(body, clark(NS_DAV, 'propfind'));
  for (const c of root.children) {
    if (c.name === clark(NS_DAV, 'allprop')) return { mode: 'allprop' };
    if (c.name === clark(NS_DAV, 'propname')) return { mode: 'propname' };
    if (c.name === clark(NS_DAV, 'prop')) return { mode: 'prop', names: propNames(c) };
  }
  return { mode: 'allprop' };
}

/**
 * Resolves a property request against a node: requested names it has go to 200, the rest to 404;
 * `allprop` returns the seeded DAV properties the node has; `propname` lists `known` names without values.
 */
export function resolveProps(href: string, request: PropRequest, get: PropGetter, known: readonly Clark[] = ALLPROP_NAMES): DavResponse {
  if (request.mode === 'propname') {
    return { href, found: known.filter((n) => get(n) !== undefined).map((n) => [n, ''] as [Clark, PropValue]) };
  }
  const names = request.mode === 'allprop' ? ALLPROP_NAMES : request.names;
  const found: [Clark, PropValue][] = [];
  const missing: Clark[] = [];
  for (const name of names) {
    const value = get(name);
    if (value !== undefined) found.push([name, value]);
    else if (request.mode === 'prop') missing.push(name);
  }
  return { href, found, ...(missing.length > 0 ? { other: new Map([[404, missing]]) } : {}) };
}

const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  412: 'Precondition Failed',
  424: 'Failed Dependency',
  507: 'Insufficient Storage',
};

/** `HTTP/1.1 404 Not Found`. */
export function statusLine(status: number): string {
  return `HTTP/1.1 ${status} ${REASONS[status] ?? ''}`.trimEnd();
}

function writeValue(w: XmlWriter, value: PropValue): string {
  if (typeof value === 'function') return value(w);
  return escapeWriterText(String(value));
}

/** Serialises one `<d:response>`. */
export function writeResponse(w: XmlWriter, response: DavResponse): string {
  let inner = w.textElement(clark(NS_DAV, 'href'), response.href);
  if (response.status !== undefined) {
    inner += w.textElement(clark(NS_DAV, 'status'), statusLine(response.status));
    return w.element(clark(NS_DAV, 'response'), inner);
  }
  const propstat = (status: number, props: string): string => w.element(clark(NS_DAV, 'propstat'), w.element(clark(NS_DAV, 'prop'), props) + w.textElement(clark(NS_DAV, 'status'), statusLine(status)));
  if (response.found.length > 0) {
    inner += propstat(200, response.found.map(([name, value]) => w.element(name, writeValue(w, value))).join(''));
  }
  for (const [status, names] of [...(response.other ?? new Map<number, Clark[]>())].sort((a, b) => a[0] - b[0])) {
    if (names.length > 0) inner += propstat(status, names.map((n) => w.element(n, '')).join(''));
  }
  return w.element(clark(NS_DAV, 'response'), inner);
}

/** The namespaces Nextcloud's DAV server declares on the root, by the subtree the request is for. */
export function namespacesFor(subtree: 'files' | 'calendars' | 'addressbooks' | 'principals' | 'root'): Map<string, string> {
  const map = new Map<string, string>([
    [NS_DAV, 'd'],
    [NS_SABRE, 's'],
  ]);
  if (subtree === 'calendars' || subtree === 'principals') {
    map.set('urn:ietf:params:xml:ns:caldav', 'cal');
    map.set('http://calendarserver.org/ns/', 'cs');
  }
  if (subtree === 'addressbooks' || subtree === 'principals') map.set('urn:ietf:params:xml:ns:carddav', 'card');
  map.set('http://owncloud.org/ns', 'oc');
  map.set('http://nextcloud.org/ns', 'nc');
  return map;
}

/**
 * A 207 Multi-Status answer (RFC 4918 §13) in Sabre's layout: the XML declaration, then the whole
 * document on one line. `minimal` (`Prefer: return=minimal`) drops the 404 propstats.
 */
export function multistatusResponse(namespaces: Map<string, string>, responses: readonly DavResponse[], options: { minimal?: boolean; headers?: Record<string, string>; syncToken?: string } = {}): Response {
  const w = new XmlWriter(namespaces);
  const list = options.minimal ? responses.map((r) => ({ ...r, other: new Map([...(r.other ?? new Map<number, Clark[]>())].filter(([s]) => s !== 404)) })) : responses;
  const trailer = options.syncToken !== undefined ? w.textElement(clark(NS_DAV, 'sync-token'), options.syncToken) : '';
  const body = w.document(clark(NS_DAV, 'multistatus'), list.map((r) => writeResponse(w, r)).join('') + trailer);
  return new Response(body, { status: 207, headers: { 'Content-Type': 'application/xml; charset=utf-8', Vary: 'Brief,Prefer', ...options.headers } });
}

/** `Prefer: return=minimal` or `Brief: t`. */
export function wantsMinimal(prefer: string | undefined, brief: string | undefined): boolean {
  if (prefer) return /(^|[,;\s])return=minimal\b/i.test(prefer);
  return brief === 't';
}

/** `Prefer: handling=strict`. */
export function wantsStrict(prefer: string | undefined): boolean {
  return prefer !== undefined && /(^|[,;\s])handling=strict\b/i.test(prefer);
}

/** Helper for a value that is a list of `<d:href>` elements. */
export function hrefs(...values: string[]): (w: XmlWriter) => string {
  return (w) => values.map((v) => w.textElement(clark(NS_DAV, 'href'), v)).join('');
}

/** Helper for a value made of empty elements (`resourcetype`). */
export function emptyElements(...names: Clark[]): (w: XmlWriter) => string {
  return (w) => names.map((n) => w.element(n, '')).join('');
}

/** Turns an unexpected value into the 400 sabre answers for malformed requests. */
export function requireBody(condition: unknown, message: string): asserts condition {
  if (!condition) throw new DavError(400, 'Sabre\\DAV\\Exception\\BadRequest', message, { code: 'ERR_DAV_BAD_REQUEST' });
}
