import ICAL from 'ical.js';
import { davObjectSyncReport, deleteDavObject, getDavObject, putDavObject, reportPropRequest, type DavObjectCollection, type DavObjectKind } from './dav-objects.ts';
import { DavError, badRequest, conflict, forbidden, methodNotAllowed, notFound, notImplemented } from './dav-error.ts';
import { calculateSegments, depthHeader, dummyGetResponse, hrefOf, httpDate, type DavRequest } from './dav-request.ts';
import { type AddressBookCollection, type CardObject, type DavHome } from './dav-store.ts';
import { validateVCard, type ValidatedObject } from './dav-validate.ts';
import { NS_CARDDAV, NS_CS, NS_DAV, NS_NC, NS_OC, NS_SABRE, child, childrenNamed, clark, deepText, parseXml, textOf, type Clark, type XmlElement } from './dav-xml.ts';
import { commitPropPatch, invalidResourceType, parsePropertyUpdate, readMkcol, type Mutation } from './files-dav.ts';
import { emptyElements, multistatusResponse, namespacesFor, parsePropfind, resolveProps, wantsMinimal, type DavResponse, type PropGetter, type PropRequest, type PropValue } from './multistatus.ts';
import { aclProps, chain, reportNotSupported, virtualCollection } from './principals-dav.ts';
import { SYNC_TOKEN_PREFIX } from './sync-report.ts';

const d = (l: string): Clark => clark(NS_DAV, l);
const card = (l: string): Clark => clark(NS_CARDDAV, l);
const NAMESPACES = (): Map<string, string> => namespacesFor('addressbooks');

/** A `<card:text-match>` (RFC 6352 §10.5.4). */
export interface CardTextMatch {
  value: string;
  collation: string;
  matchType: 'contains' | 'equals' | 'starts-with' | 'ends-with';
  negate: boolean;
}

/** A `<card:param-filter>` (RFC 6352 §10.5.2). */
export interface CardParamFilter {
  name: string;
  isNotDefined: boolean;
  textMatch?: CardTextMatch;
}

/** A `<card:prop-filter>` (RFC 6352 §10.5.1). */
export interface CardPropFilter {
  name: string;
  test: 'anyof' | 'allof';
  isNotDefined: boolean;
  textMatches: CardTextMatch[];
  paramFilters: CardParamFilter[];
}

function parseTest(value: string | undefined): 'anyof' | 'allof' {
  const test = value ?? 'anyof';
  if (test !== 'anyof' && test !== 'allof') throw badRequest('The test attribute must either hold "anyof" or "allof"');
  return test;
}

function parseCardTextMatch(el: XmlElement): CardTextMatch {
  const matchType = el.attrs['match-type'] ?? 'contains';
  if (!['contains', 'equals', 'starts-with', 'ends-with'].includes(matchType)) throw badRequest(`Unknown match-type: ${matchType}`);
  return { value: el.text, collation: el.attrs['collation'] ?? 'i;unicode-casemap', matchType: matchType as CardTextMatch['matchType'], negate: el.attrs['negate-condition'] === 'yes' };
}

/** Parses the `<card:prop-filter>` children of `<card:filter>` (sabre's `AddressBookQueryReport`). */
export function parseCardFilters(filter: XmlElement): CardPropFilter[] {
  return childrenNamed(filter, card('prop-filter')).map((el) => {
    const name = el.attrs['name'];
    if (!name) throw badRequest('The name attribute is required on the prop-filter element');
    return {
      name: name.toUpperCase(),
      test: parseTest(el.attrs['test']),
      isNotDefined: child(el, card('is-not-defined')) !== undefined,
      textMatches: childrenNamed(el, card('text-match')).map(parseCardTextMatch),
      paramFilters: childrenNamed(el, card('param-filter')).map((p) => {
        const pname = p.attrs['name'];
        if (!pname) throw badRequest('The name attribute is required on the param-filter element');
        const tm = child(p, card('text-match'));
        return { name: pname.toUpperCase(), isNotDefined: child(p, card('is-not-defined')) !== undefined, ...(tm ? { textMatch: parseCardTextMatch(tm) } : {}) };
      }),
    };
  });
}

/** `StringUtil::textMatch()` with a match type (RFC 4790 collations, RFC 6352 §10.5.4). */
function cardTextMatch(haystack: string, m: CardTextMatch): boolean {
  let h = haystack;
  let n = m.value;
  if (m.collation === 'i;ascii-casemap') {
    h = h.replace(/[a-z]/g, (ch) => ch.toUpperCase());
    n = n.replace(/[a-z]/g, (ch) => ch.toUpperCase());
  } else if (m.collation === 'i;unicode-casemap') {
    h = h.toUpperCase();
    n = n.toUpperCase();
  } else if (m.collation !== 'i;octet') throw badRequest(`Collation type: ${m.collation} is not supported`);
  switch (m.matchType) {
    case 'equals':
      return h === n;
    case 'starts-with':
      return h.startsWith(n);
    case 'ends-with':
      return h.endsWith(n);
    default:
      return h.includes(n);
  }
}

function textMatchesAll(texts: string[], matches: CardTextMatch[], test: 'anyof' | 'allof'): boolean {
  for (const m of matches) {
    let success = false;
    for (const text of texts) {
      success = cardTextMatch(text, m);
      if (m.negate) success = !success;
      if (success) break;
    }
    if (success && test === 'anyof') return true;
    if (!success && test === 'allof') return false;
  }
  return test === 'allof';
}

function paramFiltersMatch(props: ICAL.Property[], filters: CardParamFilter[], test: 'anyof' | 'allof'): boolean {
  for (const f of filters) {
    let success = false;
    for (const p of props) {
      const value = p.getParameter(f.name.toLowerCase());
      const defined = value !== undefined && value !== null;
      if (f.isNotDefined) success = !defined;
      else if (!f.textMatch) success = defined;
      else if (defined) {
        const texts = (Array.isArray(value) ? value : [value]).map(String);
        success = texts.some((t) => cardTextMatch(t, f.textMatch!) !== f.textMatch!.negate);
      }
      if (success) break;
    }
    if (success && test === 'anyof') return true;
    if (!success && test === 'allof') return false;
  }
  return test === 'allof';
}

function propertyTexts(prop: ICAL.Property): string {
  return prop
    .getValues()
    .map((v: unknown) => (Array.isArray(v) ? v.join(';') : String(v)))
    .join(',');
}

/** Whether a vCard matches an addressbook-query filter (sabre CardDAV plugin's `validateFilters`). */
export function cardMatches(vcard: string, filters: CardPropFilter[], test: 'anyof' | 'allof'): boolean {
  if (filters.length === 0) return true;
  const component = new ICAL.Component(ICAL.parse(vcard) as unknown[]);
  for (const f of filters) {
    const props = component.getAllProperties(f.name.toLowerCase());
    const defined = props.length > 0;
    let success: boolean;
    if (f.isNotDefined) success = !defined;
    else if ((f.paramFilters.length === 0 && f.textMatches.length === 0) || !defined) success = defined;
    else {
      const results: boolean[] = [];
      if (f.paramFilters.length > 0) results.push(paramFiltersMatch(props, f.paramFilters, f.test));
      if (f.textMatches.length > 0) results.push(textMatchesAll(props.map(propertyTexts), f.textMatches, f.test));
      success = results.length === 1 ? results[0]! : f.test === 'anyof' ? results[0]! || results[1]! : results[0]! && results[1]!;
    }
    if (test === 'anyof' && success) return true;
    if (test === 'allof' && !success) return false;
  }
  return test === 'allof';
}

function bookSegments(uid: string, book: string, cardUri?: string): string[] {
  return cardUri === undefined ? ['addressbooks', 'users', uid, book] : ['addressbooks', 'users', uid, book, cardUri];
}

function bookProps(req: DavRequest, book: AddressBookCollection): PropGetter {
  const token = `${SYNC_TOKEN_PREFIX}${book.syncToken}`;
  const props = new Map<Clark, () => PropValue | undefined>([
    [d('resourcetype'), () => emptyElements(d('collection'), card('addressbook'))],
    [d('displayname'), () => book.displayName],
    [card('addressbook-description'), () => book.description],
    [clark(NS_CS, 'getctag'), () => token],
    [d('sync-token'), () => token],
    [clark(NS_SABRE, 'sync-token'), () => token],
    [card('supported-address-data'), () => (w) => [['text/vcard', '3.0'], ['text/vcard', '4.0'], ['application/vcard+json', '4.0']].map(([t, v]) => w.element(card('address-data-type'), '', { 'content-type': t!, version: v! })).join('')],
    [card('max-resource-size'), () => 10_000_000],
    [clark(NS_OC, 'owner-principal'), () => `principals/users/${req.user.uid}`],
    [clark(NS_NC, 'owner-displayname'), () => req.user.displayName],
    [clark(NS_OC, 'invite'), () => ''],
    [d('supported-report-set'), () => (w) => [card('addressbook-multiget'), card('addressbook-query'), d('sync-collection')].map((r) => w.element(d('supported-report'), w.element(d('report'), w.element(r, '')))).join('')],
  ]);
  return chain(
    (name) => props.get(name)?.(),
    (name) => {
      const dead = book.props.get(name);
      return dead === undefined ? undefined : () => dead;
    },
    aclProps(req, req.user.uid),
  );
}

function cardProps(req: DavRequest, object: CardObject): PropGetter {
  const props = new Map<Clark, () => PropValue | undefined>([
    [d('getlastmodified'), () => httpDate(object.lastModified)],
    [d('getcontentlength'), () => Buffer.byteLength(object.data)],
    [d('resourcetype'), () => ''],
    [d('getetag'), () => object.etag],
    [d('getcontenttype'), () => 'text/vcard; charset=utf-8'],
    [card('address-data'), () => object.data],
    [clark(NS_NC, 'has-photo'), () => (/^PHOTO[;:]/im.test(object.data) ? 'true' : 'false')],
  ]);
  return chain((name) => props.get(name)?.(), aclProps(req, req.user.uid));
}

function cardResponse(req: DavRequest, uid: string, book: AddressBookCollection, object: CardObject, request: PropRequest): DavResponse {
  return resolveProps(hrefOf(req.base, bookSegments(uid, book.uri, object.uri), false), request, cardProps(req, object));
}

const BOOK_PROPS: readonly Clark[] = [d('displayname'), card('addressbook-description')];
const PROTECTED: readonly Clark[] = [d('getetag'), d('getcontentlength'), d('getlastmodified'), d('sync-token'), d('resourcetype'), clark(NS_CS, 'getctag'), clark(NS_SABRE, 'sync-token'), card('supported-address-data'), card('max-resource-size'), d('current-user-privilege-set'), d('owner'), d('supported-report-set')];

function applyBookProp(book: AddressBookCollection, m: Mutation): void {
  const text = m.value ? deepText(m.value).trim() : undefined;
  if (m.name === d('displayname')) book.displayName = text ?? book.uri;
  else if (m.name === card('addressbook-description')) {
    if (text === undefined) delete book.description;
    else book.description = text;
  }
}

function addressbookQuery(req: DavRequest, root: XmlElement, book: AddressBookCollection | undefined, object: CardObject | undefined): Response {
  const filterEl = child(root, card('filter'));
  const filters = filterEl ? parseCardFilters(filterEl) : [];
  const test = parseTest(filterEl?.attrs['test']);
  const request = reportPropRequest(root);
  const limit = Number.parseInt(textOf(child(child(root, card('limit')), card('nresults'))), 10);
  const depth = depthHeader(req.header('depth'), 0);
  let candidates: CardObject[];
  if (depth === 0) {
    if (!object) throw new DavError(403, 'Sabre\\DAV\\Exception\\ReportNotSupported', 'The addressbook-query report is not supported on this url with Depth: 0', { code: 'ERR_DAV_REPORT_NOT_SUPPORTED', extraXml: '<d:supported-report/>' });
    candidates = [object];
  } else {
    candidates = book ? [...book.cards.values()] : [];
  }
  const valid: CardObject[] = [];
  for (const c of candidates) {
    if (!cardMatches(c.data, filters, test)) continue;
    valid.push(c);
    if (limit > 0 && valid.length >= limit) break;
  }
  const out = book ? valid.map((c) => cardResponse(req, req.user.uid, book, c, request)) : [];
  return multistatusResponse(NAMESPACES(), out, { minimal: wantsMinimal(req.header('prefer'), req.header('brief')) });
}

function addressbookMultiget(req: DavRequest, home: DavHome, root: XmlElement): Response {
  const request = reportPropRequest(root);
  const out: DavResponse[] = [];
  for (const hrefEl of childrenNamed(root, d('href'))) {
    const [top, kind, owner, bookUri, cardUri, ...rest] = calculateSegments(req.base, deepText(hrefEl).trim());
    if (top !== 'addressbooks' || kind !== 'users' || owner !== req.user.uid || bookUri === undefined || cardUri === undefined || rest.length > 0) continue;
    const book = home.addressBooks.get(bookUri);
    if (!book) throw notFound(`Addressbook with name '${bookUri}' could not be found`);
    const object = book.cards.get(cardUri);
    if (object) out.push(cardResponse(req, owner, book, object, request));
  }
  return multistatusResponse(NAMESPACES(), out, { minimal: wantsMinimal(req.header('prefer'), req.header('brief')) });
}

async function report(req: DavRequest, home: DavHome, book: AddressBookCollection | undefined, object: CardObject | undefined): Promise<Response> {
  const root = parseXml(await req.text());
  switch (root.name) {
    case card('addressbook-query'):
      return addressbookQuery(req, root, book, object);
    case card('addressbook-multiget'):
      return addressbookMultiget(req, home, root);
    case d('sync-collection'):
      return davObjectSyncReport(req, root, book && bookCards(book), object !== undefined, (uri) => bookSegments(req.user.uid, book!.uri, uri), (o) => cardProps(req, o), NAMESPACES());
    default:
      throw reportNotSupported();
  }
}

/** How an address book stores its vCards (CardDAV plugin, CardDavBackend). */
function bookCards(book: AddressBookCollection): DavObjectCollection<CardObject> {
  return { collection: book, members: book.cards };
}

/** PUT of a vCard: sabre's vCard validation. */
const CARD_KIND: DavObjectKind<CardObject, ValidatedObject> = {
  validate: (body, strict) => validateVCard(body, strict),
  make: (_valid, base) => base,
  duplicateUid: 'VCard object with uid already exists in this addressbook collection.',
  warningLabel: 'vCard',
};

/**
 * `addressbooks/...` (RFC 6352): `users/{uid}` with the default `contacts` book, extended MKCOL for new
 * books, PROPFIND/PROPPATCH/DELETE/REPORT on books, vCards with PUT, GET and DELETE. Another user's
 * books answer 404 as Nextcloud's DavAclPlugin does.
 */
export async function addressBooksRequest(req: DavRequest): Promise<Response> {
  const [, kind, owner, bookUri, cardUri, ...rest] = req.segments;
  if (kind === undefined) return virtualCollection(req, { segments: ['addressbooks'], children: ['users', 'system'], subtree: 'addressbooks' });
  if (kind !== 'users' && kind !== 'system') throw notFound(`File not found: ${kind} in 'addressbooks'`);
  if (owner === undefined) return virtualCollection(req, { segments: ['addressbooks', kind], subtree: 'addressbooks' });
  if (kind === 'system' || !req.state.users.has(owner)) throw notFound(`Principal with name ${owner} not found`);
  if (owner !== req.user.uid) {
    const theirs = req.store.peekHome(owner);
    if (bookUri === undefined) throw notFound(`Node with name '${owner}' could not be found`);
    if (!theirs?.addressBooks.has(bookUri)) throw notFound(`Addressbook with name '${bookUri}' could not be found`);
    if (cardUri === undefined) throw notFound(`Addressbook with name '${bookUri}' could not be found`);
    throw notFound(`Node with name '${cardUri}' could not be found`);
  }
  const home = req.store.home(req.user);
  const method = req.method;
  const homeSegments = ['addressbooks', 'users', owner];

  if (bookUri === undefined) {
    switch (method) {
      case 'PROPFIND': {
        const request = parsePropfind(await req.text());
        const depth = depthHeader(req.header('depth'), 1);
        const out = [resolveProps(hrefOf(req.base, homeSegments, true), request, chain((n) => (n === d('resourcetype') ? emptyElements(d('collection')) : undefined), aclProps(req, owner)))];
        if (depth !== 0) {
          for (const b of home.addressBooks.values()) {
            out.push(resolveProps(hrefOf(req.base, bookSegments(owner, b.uri), true), request, bookProps(req, b)));
            // Nextcloud enables Depth: infinity, which walks into every address book.
            if (depth === -1) for (const c of b.cards.values()) out.push(cardResponse(req, owner, b, c, request));
          }
        }
        return multistatusResponse(NAMESPACES(), out, { minimal: wantsMinimal(req.header('prefer'), req.header('brief')) });
      }
      case 'REPORT':
        return report(req, home, undefined, undefined);
      case 'PUT':
        throw conflict('PUT is not allowed on non-files.');
      case 'MKCOL':
        throw methodNotAllowed('The resource you tried to create already exists');
      default:
        return virtualCollection(req, { segments: homeSegments, subtree: 'addressbooks' });
    }
  }

  const book = home.addressBooks.get(bookUri);
  if (cardUri === undefined) {
    if (method === 'MKCOL') {
      if (book) throw methodNotAllowed('The resource you tried to create already exists');
      const { resourceTypes, props } = await readMkcol(req);
      if (!resourceTypes.includes(card('addressbook'))) throw invalidResourceType('Unknown resourceType for this collection');
      const created = req.store.createAddressBook(home, bookUri, {});
      for (const p of props) {
        if (BOOK_PROPS.includes(p.name)) applyBookProp(created, { name: p.name, value: p });
        else created.props.set(p.name, deepText(p).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
      }
      return new Response(null, { status: 201, headers: { 'Content-Length': '0' } });
    }
    if (!book) {
      if (method === 'PUT') throw methodNotAllowed('Creating new files in this collection is not supported');
      throw notFound(`Addressbook with name '${bookUri}' could not be found`);
    }
    switch (method) {
      case 'PROPFIND': {
        const request = parsePropfind(await req.text());
        const depth = depthHeader(req.header('depth'), 1);
        const out = [resolveProps(hrefOf(req.base, bookSegments(owner, book.uri), true), request, bookProps(req, book))];
        if (depth !== 0) for (const c of book.cards.values()) out.push(cardResponse(req, owner, book, c, request));
        return multistatusResponse(NAMESPACES(), out, { minimal: wantsMinimal(req.header('prefer'), req.header('brief')) });
      }
      case 'PROPPATCH': {
        const mutations = parsePropertyUpdate(await req.text());
        const check = (m: Mutation): number | undefined => (PROTECTED.includes(m.name) ? 403 : BOOK_PROPS.includes(m.name) ? 200 : undefined);
        return multistatusResponse(NAMESPACES(), [commitPropPatch(hrefOf(req.base, bookSegments(owner, book.uri), true), mutations, check, (m) => applyBookProp(book, m), book.props)]);
      }
      case 'DELETE':
        home.addressBooks.delete(book.uri);
        return new Response(null, { status: 204, headers: { 'Content-Length': '0' } });
      case 'REPORT':
        return report(req, home, book, undefined);
      case 'GET':
      case 'HEAD':
        return dummyGetResponse(method);
      case 'PUT':
        throw conflict('PUT is not allowed on non-files.');
      case 'MOVE':
      case 'COPY':
        throw forbidden('Permission denied to rename this address book');
      default:
        throw notImplemented(`There was no plugin in the system that was willing to handle this ${method} method.`);
    }
  }

  if (rest.length > 0) throw notFound(`Could not find node at path: ${req.segments.join('/')}`);
  if (!book) {
    if (method === 'PUT') throw conflict('Files cannot be created in non-existent collections');
    throw notFound(`Addressbook with name '${bookUri}' could not be found`);
  }
  if (method === 'PUT') return putDavObject(req, bookCards(book), cardUri, CARD_KIND);
  const object = book.cards.get(cardUri);
  if (method === 'MKCOL') {
    if (object) throw methodNotAllowed('The resource you tried to create already exists');
    throw forbidden('Permission denied to create directory');
  }
  if (!object) throw notFound('Card not found');
  switch (method) {
    case 'GET':
    case 'HEAD':
      return getDavObject(req, method, object, 'text/vcard; charset=utf-8');
    case 'DELETE':
      return deleteDavObject(req, bookCards(book), object);
    case 'PROPFIND': {
      const request = parsePropfind(await req.text());
      return multistatusResponse(NAMESPACES(), [cardResponse(req, owner, book, object, request)]);
    }
    case 'REPORT':
      return report(req, home, book, object);
    default:
      throw notImplemented(`There was no plugin in the system that was willing to handle this ${method} method.`);
  }
}
