/**
 * CalDAV of the double: discovery (RFC 6764, RFC 5397, RFC 4791 §6.2.1), calendars, objects with ETags
 * and validation, calendar-query with time ranges (recurring events included), calendar-multiget and
 * sync-collection, and other users' calendars.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueAccessToken } from '../oidc/issue-tokens.ts';
import { startDouble, type StartedDouble } from '../start-double.ts';

let d: StartedDouble;
let auth: Record<string, string>;
const CAL = '/remote.php/dav/calendars/alice';

beforeAll(async () => {
  d = await startDouble({});
  auth = { Authorization: `Bearer ${(await issueAccessToken(d.state, { uid: 'alice' })).token}` };
});
afterAll(async () => d.stop());

function dav(path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
  return fetch(`${d.url}${path}`, { ...init, headers: { ...auth, ...init.headers } });
}

function ics(uid: string, lines: string[]): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//nc-oauth-lab//test//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20240101T000000Z', ...lines, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
}

const NS = 'xmlns:d="DAV:" xmlns:cal="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/" xmlns:x="http://apple.com/ns/ical/"';

function timeRangeQuery(start: string, end: string): string {
  return `<?xml version="1.0"?><cal:calendar-query ${NS}><d:prop><d:getetag/></d:prop><cal:filter><cal:comp-filter name="VCALENDAR"><cal:comp-filter name="VEVENT"><cal:time-range start="${start}" end="${end}"/></cal:comp-filter></cal:comp-filter></cal:filter></cal:calendar-query>`;
}

function hrefsOf(xml: string): string[] {
  return [...xml.matchAll(/<d:href>([^<]+)<\/d:href>/g)].map((m) => m[1]!);
}

describe('discovery', () => {
  it('redirects /.well-known/caldav and /.well-known/carddav to /remote.php/dav/ with 301', async () => {
    for (const service of ['caldav', 'carddav']) {
      const res = await fetch(`${d.url}/.well-known/${service}`, { redirect: 'manual' });
      expect(res.status).toBe(301);
      expect(res.headers.get('location')).toBe(`${d.url}/remote.php/dav/`);
    }
  });

  it('walks from the DAV root to the principal and its calendar and address book homes', async () => {
    const root = await dav('/remote.php/dav/', { method: 'PROPFIND', headers: { Depth: '0' }, body: `<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>` });
    expect(root.status).toBe(207);
    expect(await root.text()).toContain('<d:current-user-principal><d:href>/remote.php/dav/principals/users/alice/</d:href></d:current-user-principal>');
    const principal = await dav('/remote.php/dav/principals/users/alice/', {
      method: 'PROPFIND',
      headers: { Depth: '0' },
      body: `<d:propfind ${NS} xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop><d:displayname/><cal:calendar-home-set/><card:addressbook-home-set/><cal:calendar-user-address-set/></d:prop></d:propfind>`,
    });
    const xml = await principal.text();
    expect(xml).toContain('<d:displayname>Alice Liddell</d:displayname>');
    expect(xml).toContain('<cal:calendar-home-set><d:href>/remote.php/dav/calendars/alice/</d:href></cal:calendar-home-set>');
    expect(xml).toContain('<card:addressbook-home-set><d:href>/remote.php/dav/addressbooks/users/alice/</d:href></card:addressbook-home-set>');
    expect(xml).toContain('<cal:calendar-user-address-set><d:href>mailto:alice@example.test</d:href><d:href>/remote.php/dav/principals/users/alice/</d:href></cal:calendar-user-address-set>');
  });

  it('refuses to list principal collections (Depth 1 on principals/users is 405)', async () => {
    const res = await dav('/remote.php/dav/principals/users/', { method: 'PROPFIND', headers: { Depth: '1' } });
    expect(res.status).toBe(405);
    expect(await res.text()).toContain('Listing members of this collection is disabled');
  });
});

describe('calendars', () => {
  it('lists the default calendar with its properties at Depth 1', async () => {
    const res = await dav(`${CAL}/`, {
      method: 'PROPFIND',
      headers: { Depth: '1' },
      body: `<d:propfind ${NS}><d:prop><d:displayname/><d:resourcetype/><cs:getctag/><d:sync-token/><cal:supported-calendar-component-set/><x:calendar-color/></d:prop></d:propfind>`,
    });
    expect(res.status).toBe(207);
    const xml = await res.text();
    expect(hrefsOf(xml)).toEqual([`${CAL}/`, `${CAL}/personal/`, `${CAL}/inbox/`, `${CAL}/outbox/`, `${CAL}/trashbin/`]);
    expect(xml).toContain(
      '<d:response><d:href>/remote.php/dav/calendars/alice/personal/</d:href><d:propstat><d:prop><d:displayname>Personal</d:displayname><d:resourcetype><d:collection/><cal:calendar/></d:resourcetype><cs:getctag>http://sabre.io/ns/sync/1</cs:getctag><d:sync-token>http://sabre.io/ns/sync/1</d:sync-token><cal:supported-calendar-component-set><cal:comp name="VEVENT"/></cal:supported-calendar-component-set><x1:calendar-color xmlns:x1="http://apple.com/ns/ical/">#00679e</x1:calendar-color></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>',
    );
  });

  it('creates a calendar with MKCALENDAR (201), refuses a second one (405), renames it with PROPPATCH and deletes it', async () => {
    const body = `<?xml version="1.0"?><cal:mkcalendar ${NS}><d:set><d:prop><d:displayname>Work</d:displayname><x:calendar-color>#ff0000</x:calendar-color><cal:supported-calendar-component-set><cal:comp name="VEVENT"/><cal:comp name="VTODO"/></cal:supported-calendar-component-set></d:prop></d:set></cal:mkcalendar>`;
    expect((await dav(`${CAL}/work/`, { method: 'MKCALENDAR', body })).status).toBe(201);
    const again = await dav(`${CAL}/work/`, { method: 'MKCALENDAR', body });
    expect(again.status).toBe(405);
    expect(await again.text()).toContain('The resource you tried to create already exists');
    const patch = await dav(`${CAL}/work/`, { method: 'PROPPATCH', body: `<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>Work stuff</d:displayname></d:prop></d:set></d:propertyupdate>` });
    expect(await patch.text()).toContain('<d:propstat><d:prop><d:displayname/></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>');
    const props = await (await dav(`${CAL}/work/`, { method: 'PROPFIND', headers: { Depth: '0' }, body: `<d:propfind ${NS}><d:prop><d:displayname/><cal:supported-calendar-component-set/></d:prop></d:propfind>` })).text();
    expect(props).toContain('<d:displayname>Work stuff</d:displayname><cal:supported-calendar-component-set><cal:comp name="VEVENT"/><cal:comp name="VTODO"/></cal:supported-calendar-component-set>');
    expect((await dav(`${CAL}/work/`, { method: 'DELETE' })).status).toBe(204);
    expect((await dav(`${CAL}/work/`, { method: 'PROPFIND' })).status).toBe(404);
    const reserved = await dav(`${CAL}/trashbin/`, { method: 'MKCALENDAR' });
    expect(reserved.status).toBe(405);
  });

  it("answers 404 for other users' calendars, as Nextcloud's DavAclPlugin does", async () => {
    const home = await dav('/remote.php/dav/calendars/bob/', { method: 'PROPFIND', headers: { Depth: '1' } });
    expect(home.status).toBe(404);
    expect(await home.text()).toContain("<s:message>Node with name 'bob' could not be found</s:message>");
    const missing = await dav(`${CAL}/nope/`, { method: 'PROPFIND' });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("<s:message>Node with name 'nope' could not be found</s:message>");
  });
});

describe('calendar objects', () => {
  it('creates (201), updates (204), reads and deletes an event, with md5 ETags', async () => {
    const event = ics('evt-1', ['DTSTART:20240105T100000Z', 'DTEND:20240105T110000Z', 'SUMMARY:Planning']);
    const created = await dav(`${CAL}/personal/evt-1.ics`, { method: 'PUT', headers: { 'Content-Type': 'text/calendar' }, body: event });
    expect(created.status).toBe(201);
    const etag = created.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const get = await dav(`${CAL}/personal/evt-1.ics`);
    expect(get.headers.get('content-type')).toBe('text/calendar; charset=utf-8; component=vevent');
    expect(get.headers.get('etag')).toBe(etag);
    expect(await get.text()).toBe(event);
    expect((await dav(`${CAL}/personal/evt-1.ics`, { method: 'PUT', headers: { 'If-None-Match': '*' }, body: event })).status).toBe(412);
    const updated = await dav(`${CAL}/personal/evt-1.ics`, { method: 'PUT', headers: { 'If-Match': etag! }, body: event.replace('Planning', 'Planning v2') });
    expect(updated.status).toBe(204);
    expect(updated.headers.get('etag')).not.toBe(etag);
    const listing = await (await dav(`${CAL}/personal/`, { method: 'PROPFIND', headers: { Depth: '1' }, body: `<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>` })).text();
    expect(listing).toContain(`<d:href>${CAL}/personal/evt-1.ics</d:href><d:propstat><d:prop><d:getetag>${updated.headers.get('etag')!.replace(/"/g, '&quot;')}</d:getetag>`);
    expect((await dav(`${CAL}/personal/evt-1.ics`, { method: 'DELETE' })).status).toBe(204);
    const gone = await dav(`${CAL}/personal/evt-1.ics`);
    expect(gone.status).toBe(404);
    expect(await gone.text()).toContain('<s:message>Calendar object not found</s:message>');
  });

  it('refuses what is not iCalendar (415), events without DTSTART (415), tasks in an event-only calendar (403), and duplicate UIDs (400)', async () => {
    const garbage = await dav(`${CAL}/personal/bad.ics`, { method: 'PUT', body: 'BEGIN:VCALENDAR\r\nthis is not a property\r\nEND:VCALENDAR\r\n' });
    expect(garbage.status).toBe(415);
    expect(await garbage.text()).toContain('<s:message>This resource only supports valid iCalendar 2.0 data. Parse error: ');
    const noStart = await dav(`${CAL}/personal/bad.ics`, { method: 'PUT', body: ics('no-start', ['SUMMARY:x']) });
    expect(noStart.status).toBe(415);
    expect(await noStart.text()).toContain('Validation error in iCalendar: DTSTART MUST appear exactly once in a VEVENT component');
    const todo = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//x//y//EN', 'BEGIN:VTODO', 'UID:t1', 'DTSTAMP:20240101T000000Z', 'SUMMARY:Task', 'END:VTODO', 'END:VCALENDAR', ''].join('\r\n');
    const task = await dav(`${CAL}/personal/task.ics`, { method: 'PUT', body: todo });
    expect(task.status).toBe(403);
    const taskXml = await task.text();
    expect(taskXml).toContain('<s:exception>Sabre\\CalDAV\\Exception\\InvalidComponentType</s:exception>');
    expect(taskXml).toContain('<cal:supported-calendar-component xmlns:cal="urn:ietf:params:xml:ns:caldav"/>');
    await dav(`${CAL}/personal/dup-a.ics`, { method: 'PUT', body: ics('same-uid', ['DTSTART:20240105T100000Z']) });
    const dup = await dav(`${CAL}/personal/dup-b.ics`, { method: 'PUT', body: ics('same-uid', ['DTSTART:20240105T100000Z']) });
    expect(dup.status).toBe(400);
    expect(await dup.text()).toContain('Calendar object with uid already exists in this calendar collection.');
  });

  it('repairs a missing UID and sends no ETag then; Prefer: handling=strict refuses it instead', async () => {
    const withoutUid = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//x//y//EN', 'BEGIN:VEVENT', 'DTSTAMP:20240101T000000Z', 'DTSTART:20240301T090000Z', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
    const strict = await dav(`${CAL}/personal/repair.ics`, { method: 'PUT', headers: { Prefer: 'handling=strict' }, body: withoutUid });
    expect(strict.status).toBe(415);
    const repaired = await dav(`${CAL}/personal/repair.ics`, { method: 'PUT', body: withoutUid });
    expect(repaired.status).toBe(201);
    expect(repaired.headers.get('etag')).toBeNull();
    expect(await (await dav(`${CAL}/personal/repair.ics`)).text()).toMatch(/UID:[0-9a-f-]{36}/);
  });

  it('answers 409 for PUT into a calendar that does not exist', async () => {
    const res = await dav(`${CAL}/nope/x.ics`, { method: 'PUT', body: ics('x', ['DTSTART:20240105T100000Z']) });
    expect(res.status).toBe(409);
  });
});

describe('REPORT', () => {
  let fresh: StartedDouble;
  let freshAuth: Record<string, string>;
  const put = (name: string, body: string): Promise<Response> => fetch(`${fresh.url}${CAL}/personal/${name}`, { method: 'PUT', headers: freshAuth, body });
  const report = (body: string, depth = '1', path = `${CAL}/personal/`): Promise<Response> => fetch(`${fresh.url}${path}`, { method: 'REPORT', headers: { ...freshAuth, Depth: depth, 'Content-Type': 'application/xml' }, body });

  beforeAll(async () => {
    fresh = await startDouble({});
    freshAuth = { Authorization: `Bearer ${(await issueAccessToken(fresh.state, { uid: 'alice' })).token}` };
    await put('january.ics', ics('january', ['DTSTART:20240110T090000Z', 'DTEND:20240110T100000Z', 'SUMMARY:January meeting']));
    await put('march.ics', ics('march', ['DTSTART:20240315T090000Z', 'DTEND:20240315T100000Z', 'SUMMARY:March review']));
    await put('weekly.ics', ics('weekly', ['DTSTART:20240101T080000Z', 'DTEND:20240101T083000Z', 'RRULE:FREQ=WEEKLY;COUNT=10', 'SUMMARY:Standup']));
    await put('allday.ics', ics('allday', ['DTSTART;VALUE=DATE:20240601', 'SUMMARY:Holiday']));
    await put('berlin.ics', ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//x//y//EN', 'BEGIN:VTIMEZONE', 'TZID:Europe/Berlin', 'BEGIN:STANDARD', 'DTSTART:19701025T030000', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU', 'END:STANDARD', 'BEGIN:DAYLIGHT', 'DTSTART:19700329T020000', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU', 'END:DAYLIGHT', 'END:VTIMEZONE', 'BEGIN:VEVENT', 'UID:berlin', 'DTSTAMP:20240101T000000Z', 'DTSTART;TZID=Europe/Berlin:20240701T090000', 'DTEND;TZID=Europe/Berlin:20240701T100000', 'SUMMARY:Berlin', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n'));
  });
  afterAll(async () => fresh.stop());

  it('finds events in a time range, including occurrences of recurring events', async () => {
    const jan = await report(timeRangeQuery('20240108T000000Z', '20240112T000000Z'));
    expect(jan.status).toBe(207);
    expect(hrefsOf(await jan.text()).sort()).toEqual([`${CAL}/personal/january.ics`, `${CAL}/personal/weekly.ics`]);
    // The weekly standup has 10 occurrences (until March 4): none in mid-March.
    const march = hrefsOf(await (await report(timeRangeQuery('20240314T000000Z', '20240316T000000Z'))).text());
    expect(march).toEqual([`${CAL}/personal/march.ics`]);
    const afterSeries = hrefsOf(await (await report(timeRangeQuery('20240305T000000Z', '20240310T000000Z'))).text());
    expect(afterSeries).toEqual([]);
    const lastOccurrence = hrefsOf(await (await report(timeRangeQuery('20240304T080000Z', '20240304T081000Z'))).text());
    expect(lastOccurrence).toEqual([`${CAL}/personal/weekly.ics`]);
  });

  it('treats all-day events as a whole day and converts times with a TZID', async () => {
    expect(hrefsOf(await (await report(timeRangeQuery('20240601T230000Z', '20240602T000000Z'))).text())).toEqual([`${CAL}/personal/allday.ics`]);
    // 09:00 in Berlin (CEST) is 07:00 UTC.
    expect(hrefsOf(await (await report(timeRangeQuery('20240701T065900Z', '20240701T070100Z'))).text())).toEqual([`${CAL}/personal/berlin.ics`]);
    expect(hrefsOf(await (await report(timeRangeQuery('20240701T085900Z', '20240701T090000Z'))).text())).toEqual([]);
  });

  it('filters on text with prop-filter and returns calendar-data on request', async () => {
    const body = `<cal:calendar-query ${NS}><d:prop><d:getetag/><cal:calendar-data/></d:prop><cal:filter><cal:comp-filter name="VCALENDAR"><cal:comp-filter name="VEVENT"><cal:prop-filter name="SUMMARY"><cal:text-match collation="i;ascii-casemap">REVIEW</cal:text-match></cal:prop-filter></cal:comp-filter></cal:comp-filter></cal:filter></cal:calendar-query>`;
    const xml = await (await report(body)).text();
    expect(hrefsOf(xml)).toEqual([`${CAL}/personal/march.ics`]);
    expect(xml).toContain('<cal:calendar-data>BEGIN:VCALENDAR&#13;\nVERSION:2.0&#13;');
  });

  it('refuses a calendar-query with Depth 0 on a calendar and time-range on VCALENDAR (400)', async () => {
    const depth0 = await report(timeRangeQuery('20240101T000000Z', '20240201T000000Z'), '0');
    expect(depth0.status).toBe(400);
    expect(await depth0.text()).toContain('A calendar-query REPORT on a calendar with a Depth: 0 is undefined. Set Depth to 1');
    const bad = await report(`<cal:calendar-query ${NS}><d:prop/><cal:filter><cal:comp-filter name="VCALENDAR"><cal:time-range start="20240101T000000Z"/></cal:comp-filter></cal:filter></cal:calendar-query>`);
    expect(bad.status).toBe(400);
  });

  it('expands recurring events into UTC occurrences with <cal:expand>', async () => {
    const body = `<cal:calendar-query ${NS}><d:prop><cal:calendar-data><cal:expand start="20240108T000000Z" end="20240122T000000Z"/></cal:calendar-data></d:prop><cal:filter><cal:comp-filter name="VCALENDAR"><cal:comp-filter name="VEVENT"><cal:prop-filter name="UID"><cal:text-match collation="i;octet">weekly</cal:text-match></cal:prop-filter></cal:comp-filter></cal:comp-filter></cal:filter></cal:calendar-query>`;
    const xml = await (await report(body)).text();
    const data = /<cal:calendar-data>([^<]*)<\/cal:calendar-data>/.exec(xml)![1]!.replace(/&#13;/g, '\r');
    expect(data.match(/BEGIN:VEVENT/g)).toHaveLength(2);
    expect(data).toContain('RECURRENCE-ID:20240108T080000Z');
    expect(data).toContain('DTSTART:20240115T080000Z');
    expect(data).not.toContain('RRULE');
    const missingEnd = await report(body.replace(' end="20240122T000000Z"', ''));
    expect(missingEnd.status).toBe(400);
    expect(await missingEnd.text()).toContain('<s:message>The "start" and "end" attributes are required for the CALDAV:expand element</s:message>');
  });

  it('returns the named objects with calendar-multiget and skips missing ones', async () => {
    const body = `<cal:calendar-multiget ${NS}><d:prop><d:getetag/></d:prop><d:href>${CAL}/personal/march.ics</d:href><d:href>${fresh.url}${CAL}/personal/january.ics</d:href><d:href>${CAL}/personal/missing.ics</d:href></cal:calendar-multiget>`;
    const res = await report(body);
    expect(res.status).toBe(207);
    expect(hrefsOf(await res.text())).toEqual([`${CAL}/personal/march.ics`, `${CAL}/personal/january.ics`]);
  });

  it('reports changes since a sync token with sync-collection, deletions as 404', async () => {
    const sync = (token: string): Promise<Response> => report(`<d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`);
    const initial = await (await sync('')).text();
    expect(hrefsOf(initial)).toHaveLength(5);
    const token = /<d:sync-token>([^<]+)<\/d:sync-token>/.exec(initial)![1]!;
    await put('april.ics', ics('april', ['DTSTART:20240410T090000Z']));
    await fetch(`${fresh.url}${CAL}/personal/march.ics`, { method: 'DELETE', headers: freshAuth });
    const delta = await (await sync(token)).text();
    expect(delta).toContain(`<d:response><d:href>${CAL}/personal/april.ics</d:href><d:propstat>`);
    expect(delta).toContain(`<d:response><d:href>${CAL}/personal/march.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>`);
    const invalid = await sync('http://example.com/other/1');
    expect(invalid.status).toBe(403);
    expect(await invalid.text()).toContain('<d:valid-sync-token/>');
  });
});
