import ICAL from 'ical.js';
import { badRequest } from './dav-error.ts';
import { NS_CALDAV, clark, type XmlElement } from './dav-xml.ts';

/** A `<cal:time-range>` in seconds since the epoch; an open side is undefined (RFC 4791 §9.9). */
export interface TimeRange {
  start?: number;
  end?: number;
}

/** A `<cal:text-match>` (RFC 4791 §9.7.5). */
export interface TextMatch {
  value: string;
  collation: string;
  negate: boolean;
}

/** A `<cal:param-filter>` (RFC 4791 §9.7.3). */
export interface ParamFilter {
  name: string;
  isNotDefined: boolean;
  textMatch?: TextMatch;
}

/** A `<cal:prop-filter>` (RFC 4791 §9.7.2). */
export interface PropFilter {
  name: string;
  isNotDefined: boolean;
  timeRange?: TimeRange;
  textMatch?: TextMatch;
  paramFilters: ParamFilter[];
}

/** A `<cal:comp-filter>` (RFC 4791 §9.7.1). */
export interface CompFilter {
  name: string;
  isNotDefined: boolean;
  timeRange?: TimeRange;
  compFilters: CompFilter[];
  propFilters: PropFilter[];
}

const cal = (l: string): string => clark(NS_CALDAV, l);

/** Parses an iCalendar UTC date-time as the time-range attributes carry it (`20240101T000000Z`). */
export function parseUtcDateTime(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$/.exec(value.trim());
  if (!m) throw badRequest(`The supplied iCalendar datetime value is incorrect: ${value}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)) / 1000;
}

function parseTimeRange(el: XmlElement): TimeRange {
  const range: TimeRange = {};
  if (el.attrs['start'] !== undefined) range.start = parseUtcDateTime(el.attrs['start']);
  if (el.attrs['end'] !== undefined) range.end = parseUtcDateTime(el.attrs['end']);
  if (range.start !== undefined && range.end !== undefined && range.end <= range.start) throw badRequest('The end-date must be larger than the start-date');
  return range;
}

function parseTextMatch(el: XmlElement, defaultCollation: string): TextMatch {
  return { value: el.text, collation: el.attrs['collation'] ?? defaultCollation, negate: el.attrs['negate-condition'] === 'yes' };
}

function parseParamFilter(el: XmlElement): ParamFilter {
  const name = el.attrs['name'];
  if (!name) throw badRequest('The name attribute is required on the param-filter element');
  const filter: ParamFilter = { name: name.toUpperCase(), isNotDefined: false };
  for (const c of el.children) {
    if (c.name === cal('is-not-defined')) filter.isNotDefined = true;
    else if (c.name === cal('text-match')) filter.textMatch = parseTextMatch(c, 'i;ascii-casemap');
  }
  return filter;
}

function parsePropFilter(el: XmlElement): PropFilter {
  const name = el.attrs['name'];
  if (!name) throw badRequest('The name attribute is required on the prop-filter element');
  const filter: PropFilter = { name: name.toUpperCase(), isNotDefined: false, paramFilters: [] };
  for (const c of el.children) {
    if (c.name === cal('is-not-defined')) filter.isNotDefined = true;
    else if (c.name === cal('time-range')) filter.timeRange = parseTimeRange(c);
    else if (c.name === cal('text-match')) filter.textMatch = parseTextMatch(c, 'i;ascii-casemap');
    else if (c.name === cal('param-filter')) filter.paramFilters.push(parseParamFilter(c));
  }
  return filter;
}

/** Parses a `<cal:comp-filter>` element and its descendants (sabre's `Xml\Filter\CompFilter`). */
export function parseCompFilter(el: XmlElement): CompFilter {
  const name = el.attrs['name'];
  if (!name) throw badRequest('The name attribute is required on the comp-filter element');
  const filter: CompFilter = { name: name.toUpperCase(), isNotDefined: false, compFilters: [], propFilters: [] };
  for (const c of el.children) {
    if (c.name === cal('is-not-defined')) filter.isNotDefined = true;
    else if (c.name === cal('time-range')) {
      if (filter.name === 'VCALENDAR') throw badRequest('You cannot add time-range filters on the VCALENDAR component');
      filter.timeRange = parseTimeRange(c);
    } else if (c.name === cal('comp-filter')) filter.compFilters.push(parseCompFilter(c));
    else if (c.name === cal('prop-filter')) filter.propFilters.push(parsePropFilter(c));
  }
  return filter;
}

/** `Sabre\DAV\StringUtil::textMatch()`: substring match under a collation (RFC 4790). */
export function textMatches(haystack: string, match: TextMatch): boolean {
  let ok: boolean;
  switch (match.collation) {
    case 'i;ascii-casemap':
      ok = haystack.replace(/[a-z]/g, (ch) => ch.toUpperCase()).includes(match.value.replace(/[a-z]/g, (ch) => ch.toUpperCase()));
      break;
    case 'i;octet':
      ok = haystack.includes(match.value);
      break;
    case 'i;unicode-casemap':
      ok = haystack.toUpperCase().includes(match.value.toUpperCase());
      break;
    default:
      throw badRequest(`Collation type: ${match.collation} is not supported`);
  }
  return match.negate !== ok;
}

const FAR_PAST = Date.UTC(1900, 0, 1) / 1000;
const FAR_FUTURE = Date.UTC(3000, 0, 1) / 1000;

function timeOf(component: ICAL.Component, name: string): ICAL.Time | undefined {
  const value = component.getFirstPropertyValue(name);
  return value instanceof ICAL.Time ? value : undefined;
}

function durationOf(component: ICAL.Component): number | undefined {
  const value = component.getFirstPropertyValue('duration');
  return value instanceof ICAL.Duration ? value.toSeconds() : undefined;
}

/** `VEvent::isInTimeRange()`: recurrence (RRULE) expanded, DTEND exclusive, all-day events one day long. */
function eventInRange(event: ICAL.Component, start: number, end: number): boolean {
  const dtstart = timeOf(event, 'dtstart');
  if (!dtstart) return false;
  const dtend = timeOf(event, 'dtend');
  const duration = durationOf(event);
  const first = dtstart.toUnixTime();
  const length = dtend ? dtend.toUnixTime() - first : duration !== undefined ? duration : dtstart.isDate ? 86400 : 0;
  if (event.hasProperty('rrule')) {
    const iterator = new ICAL.Event(event).iterator();
    for (let i = 0; i < 100_000; i++) {
      const next = iterator.next();
      if (!next) return false;
      const occStart = next.toUnixTime();
      if (occStart + length > start) return occStart < end;
    }
    return false;
  }
  return start < first + length && end > first;
}

/** `VTodo::isInTimeRange()` (RFC 4791 §9.9 table for VTODO). */
function todoInRange(todo: ICAL.Component, start: number, end: number): boolean {
  const dtstart = timeOf(todo, 'dtstart')?.toUnixTime();
  const duration = durationOf(todo);
  const due = timeOf(todo, 'due')?.toUnixTime();
  const completed = timeOf(todo, 'completed')?.toUnixTime();
  const created = timeOf(todo, 'created')?.toUnixTime();
  if (dtstart !== undefined) {
    if (duration !== undefined) return start <= dtstart + duration && end > dtstart;
    if (due !== undefined) return (start < due || start <= dtstart) && (end > dtstart || end >= due);
    return start <= dtstart && end > dtstart;
  }
  if (due !== undefined) return start < due && end >= due;
  if (completed !== undefined && created !== undefined) return (start <= created || start <= completed) && (end >= created || end >= completed);
  if (completed !== undefined) return start <= completed && end >= completed;
  if (created !== undefined) return end > created;
  return true;
}

/** `VJournal::isInTimeRange()`. */
function journalInRange(journal: ICAL.Component, start: number, end: number): boolean {
  const dtstart = timeOf(journal, 'dtstart');
  if (!dtstart) return false;
  const first = dtstart.toUnixTime();
  const effectiveEnd = dtstart.isDate ? first + 86400 : first;
  return start <= effectiveEnd && end > first;
}

function componentInRange(component: ICAL.Component, range: TimeRange): boolean {
  const start = range.start ?? FAR_PAST;
  const end = range.end ?? FAR_FUTURE;
  switch (component.name.toUpperCase()) {
    case 'VEVENT':
      return eventInRange(component, start, end);
    case 'VTODO':
      return todoInRange(component, start, end);
    case 'VJOURNAL':
      return journalInRange(component, start, end);
    case 'VFREEBUSY':
      return true;
    case 'VALARM':
      return true;
    default:
      return false;
  }
}

function propertyInRange(property: ICAL.Property, range: TimeRange): boolean {
  const value = property.getFirstValue();
  if (!(value instanceof ICAL.Time)) return false;
  const t = value.toUnixTime();
  return (range.start ?? FAR_PAST) <= t && (range.end ?? FAR_FUTURE) >= t;
}

function propertyText(property: ICAL.Property): string {
  return property
    .getValues()
    .map((v: unknown) => (v instanceof ICAL.Time || v instanceof ICAL.Duration ? v.toString() : String(v)))
    .join(',');
}

function paramFiltersMatch(property: ICAL.Property, filters: ParamFilter[]): boolean {
  for (const f of filters) {
    const value = property.getParameter(f.name.toLowerCase());
    const defined = value !== undefined && value !== null;
    if (f.isNotDefined) {
      if (defined) return false;
      continue;
    }
    if (!defined) return false;
    if (f.textMatch && !textMatches(Array.isArray(value) ? value.join(',') : String(value), f.textMatch)) return false;
  }
  return true;
}

function propFiltersMatch(component: ICAL.Component, filters: PropFilter[]): boolean {
  for (const f of filters) {
    const props = component.getAllProperties(f.name.toLowerCase());
    if (f.isNotDefined) {
      if (props.length > 0) return false;
      continue;
    }
    if (props.length === 0) return false;
    if (f.timeRange && !props.some((p) => propertyInRange(p, f.timeRange!))) return false;
    if (f.paramFilters.length === 0 && !f.textMatch) continue;
    if (!props.some((p) => paramFiltersMatch(p, f.paramFilters) && (!f.textMatch || textMatches(propertyText(p), f.textMatch)))) return false;
  }
  return true;
}

function compFiltersMatch(parent: ICAL.Component, filters: CompFilter[]): boolean {
  for (const f of filters) {
    const subs = parent.getAllSubcomponents(f.name.toLowerCase());
    if (f.isNotDefined) {
      if (subs.length > 0) return false;
      continue;
    }
    if (subs.length === 0) return false;
    if (f.timeRange && !subs.some((s) => componentInRange(s, f.timeRange!))) return false;
    if (f.compFilters.length === 0 && f.propFilters.length === 0) continue;
    if (!subs.some((s) => compFiltersMatch(s, f.compFilters) && propFiltersMatch(s, f.propFilters))) return false;
  }
  return true;
}

/**
 * Whether a calendar object matches a calendar-query filter, as sabre's `CalendarQueryValidator` decides
 * (RFC 4791 §9.7): the top-level comp-filter names the VCALENDAR, nested filters narrow down.
 */
export function calendarObjectMatches(ics: string, filter: CompFilter): boolean {
  const component = new ICAL.Component(ICAL.parse(ics) as unknown[]);
  if (component.name.toUpperCase() !== filter.name) return false;
  const registered: string[] = [];
  for (const vtz of component.getAllSubcomponents('vtimezone')) {
    const tzid = String(vtz.getFirstPropertyValue('tzid') ?? '');
    if (tzid && !ICAL.TimezoneService.has(tzid)) {
      ICAL.TimezoneService.register(vtz);
      registered.push(tzid);
    }
  }
  try {
    // Re-parse so that times with a TZID resolve against the registered zones.
    const resolved = registered.length > 0 ? new ICAL.Component(ICAL.parse(ics) as unknown[]) : component;
    return compFiltersMatch(resolved, filter.compFilters) && propFiltersMatch(resolved, filter.propFilters);
  } finally {
    for (const tzid of registered) ICAL.TimezoneService.remove(tzid);
  }
}

/** The PRODID sabre/vobject writes into documents it generates. */
const VOBJECT_PRODID = '-//Sabre//Sabre VObject 4.5.6//EN';

function toUtc(time: ICAL.Time): ICAL.Time {
  return time.isDate ? time : time.convertToZone(ICAL.Timezone.utcTimezone);
}

function cloneComponent(component: ICAL.Component): ICAL.Component {
  return new ICAL.Component(JSON.parse(JSON.stringify(component.toJSON())) as unknown[]);
}

function setTime(component: ICAL.Component, name: string, time: ICAL.Time): void {
  component.removeAllProperties(name);
  component.addPropertyWithValue(name, toUtc(time));
}

/** Converts every date-time with a zone to UTC, as vobject's `expand()` strips timezones. */
function stripTimezones(component: ICAL.Component): ICAL.Component {
  for (const prop of component.getAllProperties()) {
    const value = prop.getFirstValue();
    if (value instanceof ICAL.Time && !value.isDate) {
      prop.removeParameter('tzid');
      prop.setValue(toUtc(value));
    }
  }
  return component;
}

/**
 * `VCalendar::expand()` for `<cal:expand>` (RFC 4791 §9.6.5): recurring events become one VEVENT per
 * occurrence in the range with a RECURRENCE-ID and without RRULE/RDATE/EXDATE, overridden occurrences
 * take their override, non-recurring events stay when they overlap the range, every date-time becomes
 * UTC and VTIMEZONEs go away.
 */
export function expandCalendarData(ics: string, start: number, end: number): string {
  const source = new ICAL.Component(ICAL.parse(ics) as unknown[]);
  const registered: string[] = [];
  for (const vtz of source.getAllSubcomponents('vtimezone')) {
    const tzid = String(vtz.getFirstPropertyValue('tzid') ?? '');
    if (tzid && !ICAL.TimezoneService.has(tzid)) {
      ICAL.TimezoneService.register(vtz);
      registered.push(tzid);
    }
  }
  try {
    const vcal = registered.length > 0 ? new ICAL.Component(ICAL.parse(ics) as unknown[]) : source;
    const out = new ICAL.Component('vcalendar');
    out.addPropertyWithValue('prodid', VOBJECT_PRODID);
    for (const prop of vcal.getAllProperties()) if (prop.name !== 'prodid') out.addProperty(ICAL.Property.fromString(prop.toICALString()));
    const byUid = new Map<string, ICAL.Component[]>();
    for (const sub of vcal.getAllSubcomponents()) {
      if (sub.name === 'vtimezone') continue;
      if (sub.name !== 'vevent') {
        out.addSubcomponent(cloneComponent(sub));
        continue;
      }
      const uid = String(sub.getFirstPropertyValue('uid') ?? '');
      byUid.set(uid, [...(byUid.get(uid) ?? []), sub]);
    }
    for (const events of byUid.values()) {
      const master = events.find((e) => !e.hasProperty('recurrence-id'));
      const overrides = events.filter((e) => e.hasProperty('recurrence-id'));
      if (master && (master.hasProperty('rrule') || master.hasProperty('rdate'))) {
        const event = new ICAL.Event(master, { exceptions: overrides });
        const iterator = event.iterator();
        for (let i = 0; i < 100_000; i++) {
          const next = iterator.next();
          if (!next) break;
          const details = event.getOccurrenceDetails(next);
          if (details.startDate.toUnixTime() >= end) break;
          if (details.endDate.toUnixTime() <= start) continue;
          const instance = cloneComponent(details.item.component);
          for (const name of ['rrule', 'rdate', 'exdate', 'exrule']) instance.removeAllProperties(name);
          setTime(instance, 'dtstart', details.startDate);
          if (instance.hasProperty('dtend')) setTime(instance, 'dtend', details.endDate);
          if (!instance.hasProperty('recurrence-id')) instance.addPropertyWithValue('recurrence-id', toUtc(details.startDate));
          out.addSubcomponent(stripTimezones(instance));
        }
        continue;
      }
      for (const e of events) {
        if (eventInRange(e, start, end)) out.addSubcomponent(stripTimezones(cloneComponent(e)));
      }
    }
    return `${out.toString()}\r\n`;
  } finally {
    for (const tzid of registered) ICAL.TimezoneService.remove(tzid);
  }
}
