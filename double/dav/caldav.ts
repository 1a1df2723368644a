import ICAL from 'ical.js';
import { calendarObjectMatches, expandCalendarData, parseCompFilter, parseUtcDateTime, type TimeRange } from './calendar-filter.ts';
import { davObjectSyncReport, deleteDavObject, getDavObject, putDavObject, reportPropRequest, type DavObjectCollection, type DavObjectKind } from './dav-objects.ts';
import { DavError, badRequest, conflict, forbidden, methodNotAllowed, notFound, notImplemented } from './dav-error.ts';
import { calculateSegments, checkPreconditions, depthHeader, dummyGetResponse, hrefOf, httpDate, type DavRequest } from './dav-request.ts';
import { recordChange, type CalendarCollection, type CalendarObject, type DavHome } from './dav-store.ts';
import { validateICalendar, type ValidatedCalendarObject } from './dav-validate.ts';
import { NS_APPLE, NS_CALDAV, NS_CS, NS_DAV, NS_NC, NS_OC, NS_SABRE, child, childrenNamed, clark, deepText, parseXml, type Clark, type XmlElement } from './dav-xml.ts';
import { commitPropPatch, invalidResourceType, parsePropertyUpdate, readMkcol, type Mutation } from './files-dav.ts';
import { emptyElements, multistatusResponse, namespacesFor, parsePropfind, resolveProps, wantsMinimal, type DavResponse, type PropGetter, type PropRequest, type PropValue } from './multistatus.ts';
import { aclProps, chain, reportNotSupported, virtualCollection } from './principals-dav.ts';
import { SYNC_TOKEN_PREFIX } from './sync-report.ts';

const d = (l: string): Clark => clark(NS_DAV, l);
const cal = (l: string): Clark => clark(NS_CALDAV, l);
const NAMESPACES = (): Map<string, string> => namespacesFor('calendars');

/** The special children of a calendar home besides calendars. */
const SPECIAL = { inbox: cal('schedule-inbox'), outbox: cal('schedule-outbox'), trashbin: clark(NS_NC, 'trash-bin') } as const;

/** Names a calendar cannot have (CalendarHome::createExtendedCollection). */
const RESERVED = ['contact_birthdays', 'trashbin'];

function calendarSegments(uid: string, calendar: string, object?: string): string[] {
  return object === undefined ? ['calendars', uid, calendar] : ['calendars', uid, calendar, object];
}

/** The properties of a calendar (CalDAV plugin, Sync plugin, Nextcloud's Calendar node). */
function calendarProps(req: DavRequest, calendar: CalendarCollection): PropGetter {
  const token = `${SYNC_TOKEN_PREFIX}${calendar.syncToken}`;
  const props = new Map<Clark, () => PropValue | undefined>([
    [d('resourcetype'), () => emptyElements(d('collection'), cal('calendar'))],
    [d('displayname'), () => calendar.displayName],
    [clark(NS_CS, 'getctag'), () => token],
    [d('sync-token'), () => token],
    [clark(NS_SABRE, 'sync-token'), () => token],
    [cal('supported-calendar-component-set'), () => (w) => calendar.components.map((c) => w.element(cal('comp'), '', { name: c })).join('')],
    [cal('supported-calendar-data'), () => (w) => w.element(cal('calendar-data'), '', { 'content-type': 'text/calendar', version: '2.0' }) + w.element(cal('calendar-data'), '', { 'content-type': 'application/calendar+json' })],
    [cal('supported-collation-set'), () => (w) => ['i;ascii-casemap', 'i;octet', 'i;unicode-casemap'].map((c) => w.textElement(cal('supported-collation'), c)).join('')],
    [cal('max-resource-size'), () => 10_000_000],
    [cal('calendar-description'), () => calendar.description],
    [cal('calendar-timezone'), () => calendar.timezone],
    [cal('schedule-calendar-transp'), () => emptyElements(cal('opaque'))],
    [clark(NS_APPLE, 'calendar-color'), () => calendar.color],
    [clark(NS_APPLE, 'calendar-order'), () => calendar.order],
    [clark(NS_OC, 'owner-principal'), () => `principals/users/${req.user.uid}`],
    [clark(NS_OC, 'calendar-enabled'), () => '1'],
    [clark(NS_NC, 'owner-displayname'), () => req.user.displayName],
    [clark(NS_OC, 'invite'), () => ''],
    [clark(NS_CS, 'allowed-sharing-modes'), () => emptyElements(clark(NS_CS, 'can-be-shared'), clark(NS_CS, 'can-be-published'))],
    [d('supported-report-set'), () => (w) => [cal('calendar-multiget'), cal('calendar-query'), cal('free-busy-query'), d('sync-collection')].map((r) => w.element(d('supported-report'), w.element(d('report'), w.element(r, '')))).join('')],
  ]);
  return chain(
    (name) => props.get(name)?.(),
    (name) => {
      const dead = calendar.props.get(name);
      return dead === undefined ? undefined : () => dead;
    },
    aclProps(req, req.user.uid),
  );
}

/** The content type of a calendar object (`text/calendar; charset=utf-8; component=vevent`). */
function objectContentType(object: CalendarObject): string {
  return `text/calendar; charset=utf-8; component=${object.component.toLowerCase()}`;
}

function objectProps(req: DavRequest, object: CalendarObject): PropGetter {
  const props = new Map<Clark, () => PropValue | undefined>([
    [d('getlastmodified'), () => httpDate(object.lastModified)],
    [d('getcontentlength'), () => Buffer.byteLength(object.data)],
    [d('resourcetype'), () => ''],
    [d('getetag'), () => object.etag],
    [d('getcontenttype'), () => objectContentType(object)],
    [cal('calendar-data'), () => object.data],
    [cal('schedule-tag'), () => undefined],
  ]);
  return chain((name) => props.get(name)?.(), aclProps(req, req.user.uid));
}

/** A special child of the calendar home (inbox, outbox, trash bin). */
function specialProps(req: DavRequest, kind: keyof typeof SPECIAL): PropGetter {
  return chain((name) => (name === d('resourcetype') ? emptyElements(d('collection'), SPECIAL[kind]) : undefined), aclProps(req, req.user.uid));
}

function homeProps(req: DavRequest): PropGetter {
  return chain((name) => (name === d('resourcetype') ? emptyElements(d('collection')) : undefined), aclProps(req, req.user.uid));
}

/** Applies the calendar properties of MKCALENDAR / extended MKCOL / PROPPATCH (CalDavBackend's property map). */
function applyCalendarProp(calendar: CalendarCollection, m: Mutation): boolean {
  const text = m.value ? deepText(m.value).trim() : undefined;
  switch (m.name) {
    case d('displayname'):
      calendar.displayName = text ?? calendar.uri;
      return true;
    case cal('calendar-description'):
      if (text === undefined) delete calendar.description;
      else calendar.description = text;
      return true;
    case cal('calendar-timezone'):
      if (text === undefined) delete calendar.timezone;
      else calendar.timezone = m.value ? deepText(m.value) : '';
      return true;
    case clark(NS_APPLE, 'calendar-color'):
      if (text === undefined) delete calendar.color;
      else calendar.color = text;
      return true;
    case clark(NS_APPLE, 'calendar-order'):
      if (text === undefined) delete calendar.order;
      else calendar.order = Number.parseInt(text, 10) || 0;
      return true;
    case clark(NS_OC, 'calendar-enabled'):
      return true;
    default:
      return false;
  }
}

/** The calendar properties CalDavBackend keeps in columns. */
const CALENDAR_PROPS: readonly Clark[] = [d('displayname'), cal('calendar-description'), cal('calendar-timezone'), clark(NS_APPLE, 'calendar-color'), clark(NS_APPLE, 'calendar-order'), clark(NS_OC, 'calendar-enabled')];

const PROTECTED: readonly Clark[] = [d('getetag'), d('getcontentlength'), d('getlastmodified'), d('sync-token'), d('resourcetype'), clark(NS_CS, 'getctag'), clark(NS_SABRE, 'sync-token'), cal('supported-calendar-component-set'), cal('supported-calendar-data'), cal('max-resource-size'), d('current-user-privilege-set'), d('owner'), d('supported-report-set')];

async function createCalendar(req: DavRequest, home: DavHome, name: string, resourceTypes: Clark[], props: XmlElement[]): Promise<Response> {
  if (home.calendars.has(name) || name in SPECIAL) throw methodNotAllowed('The resource you tried to create already exists');
  if (RESERVED.includes(name) || name.startsWith('app-generated--')) throw methodNotAllowed('The resource you tried to create has a reserved name');
  let isCalendar = false;
  for (const rt of resourceTypes) {
    if (rt === d('collection') || rt === clark(NS_CS, 'shared-owner')) continue;
    if (rt === cal('calendar')) isCalendar = true;
    else if (rt === clark(NS_CS, 'subscribed')) throw new DavError(501, 'Sabre\\DAV\\Exception\\NotImplemented', 'Subscriptions are not supported by the double', { code: 'ERR_DAV_SUBSCRIPTION' });
    else throw invalidResourceType(`Unknown resourceType: ${rt}`);
  }
  if (!isCalendar) throw invalidResourceType('You can only create calendars and subscriptions in this collection');
  const sccs = props.find((p) => p.name === cal('supported-calendar-component-set'));
  const components = sccs ? childrenNamed(sccs, cal('comp')).map((c) => (c.attrs['name'] ?? '').toUpperCase()).filter((c) => c !== '') : undefined;
  const calendar = req.store.createCalendar(home, name, { ...(components && components.length > 0 ? { components } : {}) });
  for (const p of props) {
    if (p.name === cal('supported-calendar-component-set')) continue;
    if (!applyCalendarProp(calendar, { name: p.name, value: p })) calendar.props.set(p.name, deepText(p).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
  }
  return new Response(null, { status: 201, headers: { 'Content-Length': '0' } });
}

/** Sabre's MKCALENDAR (RFC 4791 §5.3.1): `<cal:mkcalendar>` with optional `<d:set><d:prop>`. */
async function mkcalendar(req: DavRequest, home: DavHome, name: string): Promise<Response> {
  const body = await req.text();
  let props: XmlElement[] = [];
  let resourceTypes: Clark[] = [d('collection'), cal('calendar')];
  if (body !== '') {
    const root = parseXml(body);
    if (root.name !== cal('mkcalendar')) throw badRequest(`Expected ${cal('mkcalendar')} but received ${root.name} as the root element`);
    props = childrenNamed(root, d('set')).flatMap((s) => child(s, d('prop'))?.children ?? []);
    const rt = props.find((p) => p.name === d('resourcetype'));
    if (rt) resourceTypes = rt.children.map((c) => c.name);
    props = props.filter((p) => p !== rt);
  }
  return createCalendar(req, home, name, resourceTypes, props);
}

function icsExport(calendar: CalendarCollection, method: string): Response {
  const out = new ICAL.Component('vcalendar');
  out.addPropertyWithValue('version', '2.0');
  out.addPropertyWithValue('prodid', '-//Sabre//Sabre VObject 4.5.6//EN');
  out.addPropertyWithValue('calscale', 'GREGORIAN');
  out.addPropertyWithValue('x-wr-calname', calendar.displayName);
  if (calendar.color) out.addPropertyWithValue('x-apple-calendar-color', calendar.color);
  const seenTz = new Set<string>();
  for (const object of calendar.objects.values()) {
    const comp = new ICAL.Component(ICAL.parse(object.data) as unknown[]);
    for (const sub of comp.getAllSubcomponents()) {
      if (sub.name === 'vtimezone') {
        const tzid = String(sub.getFirstPropertyValue('tzid') ?? '');
        if (seenTz.has(tzid)) continue;
        seenTz.add(tzid);
      }
      out.addSubcomponent(sub);
    }
  }
  const date = new Date().toISOString().slice(0, 10);
  return new Response(method === 'HEAD' ? null : `${out.toString()}\r\n`, {
    status: 200,
    headers: { 'Content-Type': 'text/calendar', 'Content-Disposition': `attachment; filename="${calendar.uri}-${date}.ics"` },
  });
}

function objectResponse(req: DavRequest, uid: string, calendar: CalendarCollection, object: CalendarObject, request: PropRequest, expand?: Required<TimeRange>): DavResponse {
  const props = objectProps(req, object);
  const get: PropGetter = expand ? (name) => (name === cal('calendar-data') ? expandCalendarData(object.data, expand.start, expand.end) : props(name)) : props;
  return resolveProps(hrefOf(req.base, calendarSegments(uid, calendar.uri, object.uri), false), request, get);
}

/** `<cal:calendar-data><cal:expand start end/></cal:calendar-data>` in a REPORT's `<d:prop>` (RFC 4791 §9.6.5). */
function expandRange(root: XmlElement): Required<TimeRange> | undefined {
  const expand = child(child(child(root, d('prop')), cal('calendar-data')), cal('expand'));
  if (!expand) return undefined;
  const { start, end } = expand.attrs;
  if (!start || !end) throw badRequest('The "start" and "end" attributes are required for the CALDAV:expand element');
  const range = { start: parseUtcDateTime(start), end: parseUtcDateTime(end) };
  if (range.end <= range.start) throw badRequest('The end-date must be larger than the start-date in the expand element.');
  return range;
}

/** The calendar objects of a calendar-query (RFC 4791 §7.8); Depth 0 on a calendar is a 400 as in sabre. */
function calendarQuery(req: DavRequest, root: XmlElement, calendar: CalendarCollection | undefined, object: CalendarObject | undefined): Response {
  const filterEl = child(root, cal('filter'));
  if (!filterEl) throw badRequest(`The ${cal('filter')} element is required for this request`);
  const compFilters = childrenNamed(filterEl, cal('comp-filter'));
  if (compFilters.length !== 1) throw badRequest('Only one top-level comp-filter may be defined');
  const filter = parseCompFilter(compFilters[0]!);
  const request = reportPropRequest(root);
  const expand = expandRange(root);
  const depth = depthHeader(req.header('depth'), 0);
  const uid = req.user.uid;
  const out: DavResponse[] = [];
  if (object && calendar) {
    if (calendarObjectMatches(object.data, filter)) out.push(objectResponse(req, uid, calendar, object, request, expand));
  } else if (calendar) {
    if (depth === 0) {
      if (!(req.header('user-agent') ?? '').startsWith('MSFT-')) throw badRequest('A calendar-query REPORT on a calendar with a Depth: 0 is undefined. Set Depth to 1');
    }
    for (const o of calendar.objects.values()) if (calendarObjectMatches(o.data, filter)) out.push(objectResponse(req, uid, calendar, o, request, expand));
  }
  return multistatusResponse(NAMESPACES(), out, { minimal: wantsMinimal(req.header('prefer'), req.header('brief')) });
}

/** calendar-multiget (RFC 4791 §7.9): the named objects that exist, in request order. */
function calendarMultiget(req: DavRequest, home: DavHome, root: XmlElement): Response {
  const request = reportPropRequest(root);
  const expand = expandRange(root);
  const out: DavResponse[] = [];
  for (const hrefEl of childrenNamed(root, d('href'))) {
    const segments = calculateSegments(req.base, deepText(hrefEl).trim());
    const [top, owner, calendarUri, objectUri, ...rest] = segments;
    if (top !== 'calendars' || owner !== req.user.uid || calendarUri === undefined || objectUri === undefined || rest.length > 0) continue;
    const calendar = home.calendars.get(calendarUri);
    if (!calendar) throw notFound(`Node with name '${calendarUri}' could not be found`);
    const object = calendar.objects.get(objectUri);
    if (object) out.push(objectResponse(req, owner, calendar, object, request, expand));
  }
  return multistatusResponse(NAMESPACES(), out, { minimal: wantsMinimal(req.header('prefer'), req.header('brief')) });
}

async function report(req: DavRequest, home: DavHome, calendar: CalendarCollection | undefined, object: CalendarObject | undefined): Promise<Response> {
  const root = parseXml(await req.text());
  switch (root.name) {
    case cal('calendar-query'):
      return calendarQuery(req, root, calendar, object);
    case cal('calendar-multiget'):
      return calendarMultiget(req, home, root);
    case d('sync-collection'):
      return davObjectSyncReport(req, root, calendar && calendarObjects(calendar), object !== undefined, (uri) => calendarSegments(req.user.uid, calendar!.uri, uri), (o) => objectProps(req, o), NAMESPACES());
    default:
      throw reportNotSupported();
  }
}

/** How a calendar stores its objects (CalDAV plugin, CalDavBackend). */
function calendarObjects(calendar: CalendarCollection): DavObjectCollection<CalendarObject> {
  return { collection: calendar, members: calendar.objects };
}

/** PUT of a calendar object: the calendar's supported components, sabre's iCalendar validation. */
function calendarObjectKind(calendar: CalendarCollection): DavObjectKind<CalendarObject, ValidatedCalendarObject> {
  return {
    validate: (body, strict) => validateICalendar(body, calendar.components, strict),
    make: (valid, base) => ({ ...base, component: valid.component }),
    duplicateUid: 'Calendar object with uid already exists in this calendar collection.',
    warningLabel: 'iCalendar',
  };
}

function moveOrCopyObject(req: DavRequest, home: DavHome, calendar: CalendarCollection, object: CalendarObject, move: boolean): Response {
  const header = req.header('destination');
  if (!header) throw badRequest('The destination header was not supplied');
  const overwriteHeader = (req.header('overwrite') ?? 'T').toUpperCase();
  if (overwriteHeader !== 'T' && overwriteHeader !== 'F') throw badRequest('The HTTP Overwrite header should be either T or F');
  const [top, owner, calendarUri, objectUri, ...rest] = calculateSegments(req.base, header);
  if (top !== 'calendars' || owner !== req.user.uid || calendarUri === undefined || objectUri === undefined || rest.length > 0) {
    throw conflict('The destination node is not found');
  }
  const target = home.calendars.get(calendarUri);
  if (!target) throw conflict('The destination node is not found');
  const existing = target.objects.get(objectUri);
  if (existing && overwriteHeader === 'F') throw new DavError(412, 'Sabre\\DAV\\Exception\\PreconditionFailed', 'The destination node already exists, and the overwrite header is set to false', { code: 'ERR_DAV_PRECONDITION_FAILED', extraXml: '<s:header>Overwrite</s:header>' });
  if (target === calendar && objectUri === object.uri) throw forbidden('Source and destination uri are identical.');
  if (!target.components.includes(object.component)) throw new DavError(403, 'Sabre\\CalDAV\\Exception\\InvalidComponentType', `iCalendar objects must at least have a component of type ${target.components.join(', ')}`, { code: 'ERR_DAV_COMPONENT_TYPE', extraXml: '<cal:supported-calendar-component xmlns:cal="urn:ietf:params:xml:ns:caldav"/>' });
  if (!existing && [...target.objects.values()].some((o) => o.uid === object.uid) && target !== calendar) throw badRequest('Calendar object with uid already exists in this calendar collection.');
  if (move) {
    calendar.objects.delete(object.uri);
    recordChange(calendar, object.uri, true);
  }
  target.objects.set(objectUri, { ...object, uri: objectUri, lastModified: req.store.nowSeconds() });
  recordChange(target, objectUri, false);
  return new Response(null, { status: existing ? 204 : 201, headers: { 'Content-Length': '0' } });
}

function otherUserNotFound(segments: string[]): DavError {
  const [, owner, calendarUri, objectUri] = segments;
  if (objectUri !== undefined) return notFound(`Node with name '${objectUri}' could not be found`);
  if (calendarUri !== undefined) return notFound(`Calendar with name '${calendarUri}' could not be found`);
  return notFound(`Node with name '${owner ?? ''}' could not be found`);
}

/**
 * `calendars/...` (RFC 4791): the calendar home with its calendars and the inbox, outbox and trash bin;
 * MKCALENDAR and extended MKCOL; calendar PROPFIND/PROPPATCH/DELETE/REPORT; objects with PUT, GET,
 * DELETE, MOVE and COPY. Another user's calendars answer 404 as Nextcloud's DavAclPlugin does.
 */
export async function calendarsRequest(req: DavRequest): Promise<Response> {
  const [, owner, calendarUri, objectUri, ...rest] = req.segments;
  if (owner === undefined) return virtualCollection(req, { segments: ['calendars'], subtree: 'calendars' });
  if (!req.state.users.has(owner)) throw notFound(`Principal with name ${owner} not found`);
  if (owner !== req.user.uid) {
    const theirs = req.store.peekHome(owner);
    if (calendarUri !== undefined && !theirs?.calendars.has(calendarUri) && !(calendarUri in SPECIAL)) throw notFound(`Node with name '${calendarUri}' could not be found`);
    throw otherUserNotFound(req.segments);
  }
  const home = req.store.home(req.user);
  const method = req.method;

  if (calendarUri === undefined) {
    switch (method) {
      case 'PROPFIND': {
        const request = parsePropfind(await req.text());
        const depth = depthHeader(req.header('depth'), 1);
        const out = [resolveProps(hrefOf(req.base, ['calendars', owner], true), request, homeProps(req))];
        if (depth !== 0) {
          for (const c of home.calendars.values()) {
            out.push(resolveProps(hrefOf(req.base, calendarSegments(owner, c.uri), true), request, calendarProps(req, c)));
            // Nextcloud enables Depth: infinity, which walks into every calendar.
            if (depth === -1) for (const o of c.objects.values()) out.push(objectResponse(req, owner, c, o, request));
          }
          for (const kind of Object.keys(SPECIAL) as (keyof typeof SPECIAL)[]) out.push(resolveProps(hrefOf(req.base, ['calendars', owner, kind], true), request, specialProps(req, kind)));
        }
        return multistatusResponse(NAMESPACES(), out, { minimal: wantsMinimal(req.header('prefer'), req.header('brief')) });
      }
      case 'REPORT':
        return report(req, home, undefined, undefined);
      case 'PUT':
        throw conflict('PUT is not allowed on non-files.');
      case 'MKCOL':
      case 'MKCALENDAR':
        throw methodNotAllowed('The resource you tried to create already exists');
      default:
        return virtualCollection(req, { segments: ['calendars', owner], subtree: 'calendars' });
    }
  }

  if (calendarUri in SPECIAL && objectUri === undefined) {
    const kind = calendarUri as keyof typeof SPECIAL;
    if (method === 'PROPFIND') {
      const request = parsePropfind(await req.text());
      return multistatusResponse(NAMESPACES(), [resolveProps(hrefOf(req.base, ['calendars', owner, kind], true), request, specialProps(req, kind))]);
    }
    if (method === 'MKCALENDAR' || method === 'MKCOL') throw methodNotAllowed('The resource you tried to create already exists');
    return virtualCollection(req, { segments: ['calendars', owner, kind], children: [], resourceTypes: [SPECIAL[kind]], subtree: 'calendars' });
  }

  const calendar = home.calendars.get(calendarUri);
  if (objectUri === undefined) {
    if (method === 'MKCALENDAR') return mkcalendar(req, home, calendarUri);
    if (method === 'MKCOL') {
      if (calendar) throw methodNotAllowed('The resource you tried to create already exists');
      const { resourceTypes, props } = await readMkcol(req);
      return createCalendar(req, home, calendarUri, resourceTypes, props);
    }
    if (!calendar) {
      if (method === 'PUT') throw methodNotAllowed('Creating new files in this collection is not supported');
      throw notFound(`Node with name '${calendarUri}' could not be found`);
    }
    switch (method) {
      case 'PROPFIND': {
        const request = parsePropfind(await req.text());
        const depth = depthHeader(req.header('depth'), 1);
        const out = [resolveProps(hrefOf(req.base, calendarSegments(owner, calendar.uri), true), request, calendarProps(req, calendar))];
        if (depth !== 0) for (const o of calendar.objects.values()) out.push(objectResponse(req, owner, calendar, o, request));
        return multistatusResponse(NAMESPACES(), out, { minimal: wantsMinimal(req.header('prefer'), req.header('brief')) });
      }
      case 'PROPPATCH': {
        const mutations = parsePropertyUpdate(await req.text());
        const check = (m: Mutation): number | undefined => (PROTECTED.includes(m.name) ? 403 : CALENDAR_PROPS.includes(m.name) ? 200 : undefined);
        const result = commitPropPatch(hrefOf(req.base, calendarSegments(owner, calendar.uri), true), mutations, check, (m) => applyCalendarProp(calendar, m), calendar.props);
        return multistatusResponse(NAMESPACES(), [result]);
      }
      case 'DELETE':
        checkPreconditions(req, true, undefined);
        home.calendars.delete(calendar.uri);
        return new Response(null, { status: 204, headers: { 'Content-Length': '0' } });
      case 'REPORT':
        return report(req, home, calendar, undefined);
      case 'GET':
      case 'HEAD':
        if (new URL(req.c.req.url).searchParams.has('export')) return icsExport(calendar, method);
        return dummyGetResponse(method);
      case 'PUT':
        throw conflict('PUT is not allowed on non-files.');
      case 'MOVE':
      case 'COPY':
        throw forbidden('Permission denied to rename this calendar');
      default:
        throw notImplemented(`There was no plugin in the system that was willing to handle this ${method} method.`);
    }
  }

  if (rest.length > 0) throw notFound(`Could not find node at path: ${req.segments.join('/')}`);
  if (!calendar) {
    if (method === 'PUT') throw conflict('Files cannot be created in non-existent collections');
    throw notFound(`Node with name '${calendarUri}' could not be found`);
  }
  const object = calendar.objects.get(objectUri);
  if (method === 'PUT') return putDavObject(req, calendarObjects(calendar), objectUri, calendarObjectKind(calendar));
  if (method === 'MKCOL' || method === 'MKCALENDAR') {
    if (object) throw methodNotAllowed('The resource you tried to create already exists');
    throw methodNotAllowed('Creating collections in calendar objects is not allowed');
  }
  if (!object) throw notFound('Calendar object not found');
  switch (method) {
    case 'GET':
    case 'HEAD':
      return getDavObject(req, method, object, objectContentType(object));
    case 'DELETE':
      return deleteDavObject(req, calendarObjects(calendar), object);
    case 'PROPFIND': {
      const request = parsePropfind(await req.text());
      return multistatusResponse(NAMESPACES(), [objectResponse(req, owner, calendar, object, request)], { minimal: wantsMinimal(req.header('prefer'), req.header('brief')) });
    }
    case 'REPORT':
      return report(req, home, calendar, object);
    case 'MOVE':
    case 'COPY':
      return moveOrCopyObject(req, home, calendar, object, method === 'MOVE');
    case 'PROPPATCH':
      throw forbidden('Permission denied to change properties');
    default:
      throw notImplemented(`There was no plugin in the system that was willing to handle this ${method} method.`);
  }
}
