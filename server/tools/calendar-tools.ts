import { randomUUID } from 'node:crypto';
import ICAL from 'ical.js';
import { z } from 'zod';
import { NextcloudError, type NextcloudClient } from '../nextcloud-client.ts';
import { davSegment, encodePathSegments } from './dav-path.ts';
import { DAV_NAMESPACES, davQuery, hasResourceType, lastSegment, propText } from './dav-multistatus.ts';
import { defineTool, ToolInputError, type ToolDefinition } from './tool-definition.ts';

/** The caller's calendar home (CalDAV, RFC 4791) under Nextcloud's DAV root. */
function calendarHome(nc: NextcloudClient): string {
  return `/remote.php/dav/calendars/${encodeURIComponent(nc.uid)}/`;
}

function calendarPath(nc: NextcloudClient, calendar: string): string {
  return `${calendarHome(nc)}${encodePathSegments(davSegment(calendar, 'calendar'))}/`;
}

function objectPath(nc: NextcloudClient, calendar: string, id: string): string {
  return `${calendarPath(nc, calendar)}${encodeURIComponent(davSegment(id, 'event id'))}`;
}

const MAX_OCCURRENCES = 200;

const eventShape = z.object({
  id: z.string().describe('The event object name in its calendar (for events_update / events_delete).'),
  etag: z.string().nullable(),
  uid: z.string(),
  summary: z.string(),
  start: z.string().describe('ISO 8601; YYYY-MM-DD for all-day events.'),
  end: z.string().nullable(),
  allDay: z.boolean(),
  location: z.string().nullable(),
  description: z.string().nullable(),
  recurring: z.boolean().describe('Whether this is one occurrence of a recurring event.'),
});
type EventOut = z.infer<typeof eventShape>;

function isoOf(time: ICAL.Time): string {
  return time.isDate ? time.toString() : time.toJSDate().toISOString();
}

/** An instant or date as iCalendar wants it: a date for `YYYY-MM-DD`, else a UTC date-time. */
function parseTime(text: string, field: string): ICAL.Time {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return ICAL.Time.fromDateString(text);
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new ToolInputError(`${field} '${text}' is not an ISO 8601 date or date-time`);
  return ICAL.Time.fromJSDate(date, true);
}

function utcStamp(text: string, field: string): string {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new ToolInputError(`${field} '${text}' is not an ISO 8601 date or date-time`);
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function registerTimezones(root: ICAL.Component): void {
  for (const vtimezone of root.getAllSubcomponents('vtimezone')) {
    const tz = new ICAL.Timezone(vtimezone);
    if (tz.tzid && !ICAL.TimezoneService.has(tz.tzid)) ICAL.TimezoneService.register(tz);
  }
}

function text(component: ICAL.Component, name: string): string | null {
  const value = component.getFirstPropertyValue(name);
  return typeof value === 'string' ? value : null;
}

/** The events of one calendar object that fall into [from, to): the single event, or the occurrences of a recurring one. */
function eventsOf(ics: string, id: string, etag: string | null, from: Date, to: Date): EventOut[] {
  const root = new ICAL.Component(ICAL.parse(ics));
  registerTimezones(root);
  const out: EventOut[] = [];
  const vevents = root.getAllSubcomponents('vevent');
  const master = vevents.find((v) => !v.hasProperty('recurrence-id')) ?? vevents[0];
  if (!master) return out;
  const event = new ICAL.Event(master, { strictExceptions: false, exceptions: vevents.filter((v) => v !== master && v.hasProperty('recurrence-id')) });
  const base = { id, etag, uid: event.uid ?? '', location: null as string | null, description: null as string | null };
  const describe = (item: ICAL.Event, start: ICAL.Time, end: ICAL.Time | null, recurring: boolean): EventOut => ({
    ...base,
    summary: item.summary ?? '',
    start: isoOf(start),
    end: end ? isoOf(end) : null,
    allDay: start.isDate,
    location: text(item.component, 'location'),
    description: text(item.component, 'description'),
    recurring,
  });
  if (!event.isRecurring()) {
    out.push(describe(event, event.startDate, event.endDate ?? null, false));
    return out;
  }
  const iterator = event.iterator();
  for (let next = iterator.next(); next && out.length < MAX_OCCURRENCES; next = iterator.next()) {
    const details = event.getOccurrenceDetails(next);
    if (details.startDate.toJSDate() >= to) break;
    if (details.endDate.toJSDate() <= from && details.startDate.toJSDate() < from) continue;
    out.push(describe(details.item, details.startDate, details.endDate, true));
  }
  return out;
}

/** `calendars_list`: the caller's calendars (PROPFIND Depth 1 on the calendar home). */
export const calendarsListTool = defineTool({
  name: 'calendars_list',
  title: 'List calendars',
  description: 'List your calendars with the components they hold (VEVENT, VTODO).',
  access: 'read',
  input: {},
  output: {
    calendars: z.array(z.object({ id: z.string(), displayName: z.string(), color: z.string().nullable(), components: z.array(z.string()), ctag: z.string().nullable() })),
  },
  async run({ nextcloud }) {
    const body = `<?xml version="1.0" encoding="utf-8"?><d:propfind ${DAV_NAMESPACES}><d:prop><d:resourcetype/><d:displayname/><cs:getctag/><c:supported-calendar-component-set/><x1:calendar-color/></d:prop></d:propfind>`;
    const resources = await davQuery(nextcloud, 'PROPFIND', calendarHome(nextcloud), '1', body);
    const calendars = resources
      .filter((r) => hasResourceType(r.props['resourcetype'], 'calendar'))
      .map((r) => {
        const set = r.props['supported-calendar-component-set'] as { comp?: { '@_name'?: string }[] } | undefined;
        const id = lastSegment(r.href);
        return {
          id,
          displayName: propText(r.props['displayname']) ?? id,
          color: propText(r.props['calendar-color']) ?? null,
          components: (set?.comp ?? []).map((c) => c['@_name'] ?? '').filter((c) => c !== ''),
          ctag: propText(r.props['getctag']) ?? null,
        };
      });
    return { calendars };
  },
});

/** `events_list`: events overlapping a time range (REPORT calendar-query with a time-range filter, RFC 4791 §7.8). */
export const eventsListTool = defineTool({
  name: 'events_list',
  title: 'List events',
  description: 'List the events of a calendar that overlap a time range; recurring events come as their occurrences in the range.',
  access: 'read',
  input: {
    calendar: z.string().min(1).describe('Calendar id from calendars_list.'),
    from: z.string().describe('Range start, ISO 8601.'),
    to: z.string().describe('Range end, ISO 8601 (exclusive).'),
  },
  output: { events: z.array(eventShape) },
  async run({ nextcloud }, args) {
    const start = utcStamp(args.from, 'from');
    const end = utcStamp(args.to, 'to');
    const from = new Date(args.from);
    const to = new Date(args.to);
    if (to <= from) throw new ToolInputError('to must be after from');
    const body = `<?xml version="1.0" encoding="utf-8"?><c:calendar-query ${DAV_NAMESPACES}><d:prop><d:getetag/><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="${start}" end="${end}"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`;
    const resources = await davQuery(nextcloud, 'REPORT', calendarPath(nextcloud, args.calendar), '1', body);
    const events: EventOut[] = [];
    for (const r of resources) {
      const data = propText(r.props['calendar-data']);
      if (!data) continue;
      const etag = propText(r.props['getetag'])?.replace(/^"|"$/g, '') ?? null;
      events.push(...eventsOf(data, lastSegment(r.href), etag, from, to));
    }
    events.sort((a, b) => a.start.localeCompare(b.start));
    return { events };
  },
});

function setText(component: ICAL.Component, name: string, value: string | undefined): void {
  if (value === undefined) return;
  if (value === '') component.removeAllProperties(name);
  else component.updatePropertyWithValue(name, value);
}

function applyTimes(vevent: ICAL.Component, startText: string | undefined, endText: string | undefined): void {
  const current = new ICAL.Event(vevent);
  const start = startText !== undefined ? parseTime(startText, 'start') : current.startDate;
  let end = endText !== undefined ? parseTime(endText, 'end') : startText !== undefined ? undefined : current.endDate;
  if (!start) throw new ToolInputError('the event has no start');
  if (!end) {
    end = start.clone();
    if (start.isDate) end.day += 1;
    else end.hour += 1;
  }
  if (start.isDate !== end.isDate) throw new ToolInputError('start and end must both be dates (all-day) or both date-times');
  if (end.compare(start) <= 0) throw new ToolInputError('end must be after start');
  vevent.updatePropertyWithValue('dtstart', start);
  vevent.removeAllProperties('duration');
  vevent.updatePropertyWithValue('dtend', end);
}

/** `events_create`: a new event (PUT of an iCalendar object with `If-None-Match: *`). */
export const eventsCreateTool = defineTool({
  name: 'events_create',
  title: 'Create an event',
  description: 'Create an event. start/end are ISO 8601 date-times, or YYYY-MM-DD for all-day events (end exclusive); end defaults to one hour (or one day) after start.',
  access: 'write',
  input: {
    calendar: z.string().min(1),
    summary: z.string().min(1),
    start: z.string(),
    end: z.string().optional(),
    location: z.string().optional(),
    description: z.string().optional(),
  },
  output: { id: z.string(), uid: z.string(), etag: z.string().nullable() },
  async run({ nextcloud }, args) {
    const uid = randomUUID();
    const id = `${uid}.ics`;
    const calendar = new ICAL.Component(['vcalendar', [], []]);
    calendar.updatePropertyWithValue('prodid', '-//nc-oauth-lab//MCP server//EN');
    calendar.updatePropertyWithValue('version', '2.0');
    const vevent = new ICAL.Component('vevent');
    vevent.updatePropertyWithValue('uid', uid);
    vevent.updatePropertyWithValue('dtstamp', ICAL.Time.fromJSDate(new Date(), true));
    applyTimes(vevent, args.start, args.end);
    vevent.updatePropertyWithValue('summary', args.summary);
    setText(vevent, 'location', args.location);
    setText(vevent, 'description', args.description);
    calendar.addSubcomponent(vevent);
    const res = await nextcloud.request({
      method: 'PUT',
      path: objectPath(nextcloud, args.calendar, id),
      api: 'dav',
      headers: { 'Content-Type': 'text/calendar; charset=utf-8', 'If-None-Match': '*' },
      body: calendar.toString(),
    });
    return { id, uid, etag: res.headers.get('etag')?.replace(/^"|"$/g, '') ?? null };
  },
});

/** `events_update`: changes an event (GET, edit, PUT with `If-Match`). */
export const eventsUpdateTool = defineTool({
  name: 'events_update',
  title: 'Update an event',
  description: 'Change an event\'s summary, times, location or description (of the whole series for recurring events). Pass the etag you read to refuse the update if the event changed meanwhile.',
  access: 'write',
  input: {
    calendar: z.string().min(1),
    id: z.string().min(1).describe('The event id from events_list.'),
    etag: z.string().min(1).optional(),
    summary: z.string().min(1).optional(),
    start: z.string().optional(),
    end: z.string().optional(),
    location: z.string().optional().describe('"" removes it.'),
    description: z.string().optional().describe('"" removes it.'),
  },
  output: { id: z.string(), uid: z.string(), etag: z.string().nullable() },
  async run({ nextcloud }, args) {
    const { calendar, id, etag, ...changes } = args;
    if (Object.values(changes).every((v) => v === undefined)) throw new ToolInputError('events_update needs at least one of summary, start, end, location, description');
    const path = objectPath(nextcloud, calendar, id);
    const current = await nextcloud.request({ path, api: 'dav', headers: { Accept: 'text/calendar' } });
    const root = new ICAL.Component(ICAL.parse(current.text));
    registerTimezones(root);
    const vevent = root.getAllSubcomponents('vevent').find((v) => !v.hasProperty('recurrence-id'));
    if (!vevent) throw new ToolInputError(`'${id}' holds no event`);
    if (changes.start !== undefined || changes.end !== undefined) applyTimes(vevent, changes.start, changes.end);
    setText(vevent, 'summary', changes.summary);
    setText(vevent, 'location', changes.location);
    setText(vevent, 'description', changes.description);
    vevent.updatePropertyWithValue('dtstamp', ICAL.Time.fromJSDate(new Date(), true));
    const sequence = Number(vevent.getFirstPropertyValue('sequence') ?? 0);
    vevent.updatePropertyWithValue('sequence', Number.isFinite(sequence) ? sequence + 1 : 1);
    const ifMatch = etag ?? current.headers.get('etag')?.replace(/^"|"$/g, '');
    const res = await nextcloud.request({
      method: 'PUT',
      path,
      api: 'dav',
      headers: { 'Content-Type': 'text/calendar; charset=utf-8', ...(ifMatch ? { 'If-Match': `"${ifMatch}"` } : {}) },
      body: root.toString(),
      accept: [200, 201, 204, 412],
    });
    if (res.status === 412) {
      throw new NextcloudError('ERR_NEXTCLOUD_HTTP', `event '${id}' changed since etag ${ifMatch ?? ''}: read it again (events_list) and retry`, { method: 'PUT', path, status: 412, nextcloudMessage: 'Precondition Failed' });
    }
    return { id, uid: String(vevent.getFirstPropertyValue('uid') ?? ''), etag: res.headers.get('etag')?.replace(/^"|"$/g, '') ?? null };
  },
});

/** `events_delete`: deletes an event (DELETE, with `If-Match` when an etag is given). */
export const eventsDeleteTool = defineTool({
  name: 'events_delete',
  title: 'Delete an event',
  description: 'Delete an event (a whole series for recurring events).',
  access: 'write',
  annotations: { destructiveHint: true },
  input: { calendar: z.string().min(1), id: z.string().min(1), etag: z.string().min(1).optional() },
  output: { id: z.string(), deleted: z.boolean() },
  async run({ nextcloud }, args) {
    await nextcloud.request({
      method: 'DELETE',
      path: objectPath(nextcloud, args.calendar, args.id),
      api: 'dav',
      headers: args.etag ? { 'If-Match': `"${args.etag.replace(/^"|"$/g, '')}"` } : {},
    });
    return { id: args.id, deleted: true };
  },
});

/** The calendar tools. */
export const CALENDAR_TOOLS: readonly ToolDefinition[] = [calendarsListTool, eventsListTool, eventsCreateTool, eventsUpdateTool, eventsDeleteTool];
