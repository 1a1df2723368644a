import { randomUUID } from 'node:crypto';
import ICAL from 'ical.js';
import { DavError, unsupportedMediaType } from './dav-error.ts';

/** The PRODID sabre/vobject adds when it repairs a document. */
const REPAIR_PRODID = '-//Sabre//Sabre VObject 4.5.6//EN';

/** An accepted calendar object or vCard. */
export interface ValidatedObject {
  /** The data to store: the request body, or its repaired serialisation. */
  data: string;
  /** Whether the data was changed (then sabre sends no ETag). */
  modified: boolean;
  uid: string;
  /** The highest-level repair sabre reports in `X-Sabre-Ew-Gross`, if any. */
  warning?: string;
}

/** A validated calendar object with its component type. */
export interface ValidatedCalendarObject extends ValidatedObject {
  component: 'VEVENT' | 'VTODO' | 'VJOURNAL';
}

function parseComponent(text: string, prefix: string): { component: ICAL.Component; modified: boolean } {
  const trimmed = text.replace(/^\uFEFF/, '');
  try {
    if (trimmed.trimStart().startsWith('[')) {
      return { component: new ICAL.Component(JSON.parse(trimmed) as unknown[]), modified: true };
    }
    if (!/^\s*BEGIN:/i.test(trimmed)) throw new Error('Document did not start with BEGIN:VCARD or BEGIN:VCALENDAR');
    const parsed = ICAL.parse(trimmed) as unknown[];
    const first = Array.isArray(parsed[0]) ? (parsed[0] as unknown[]) : parsed;
    return { component: new ICAL.Component(first), modified: false };
  } catch (cause) {
    throw new DavError(415, 'Sabre\\DAV\\Exception\\UnsupportedMediaType', `${prefix} Parse error: ${cause instanceof Error ? cause.message : String(cause)}`, { code: 'ERR_DAV_PARSE', cause });
  }
}

type Issue = { level: 1 | 3; message: string; repair?: () => void };

function exactlyOnce(component: ICAL.Component, prop: string, issues: Issue[], repair?: () => void): void {
  const count = component.getAllProperties(prop.toLowerCase()).length;
  if (count === 1) return;
  const message = `${prop} MUST appear exactly once in a ${component.name.toUpperCase()} component`;
  if (count === 0 && repair) issues.push({ level: 1, message, repair });
  else issues.push({ level: 3, message });
}

/**
 * Validates iCalendar data for a calendar as sabre's CalDAV plugin does (`validateICalendar`, vobject's
 * CalDAV profile, RFC 4791 §4.1): parse errors and non-VCALENDAR data are 415, a component type the
 * calendar does not support is 403 `InvalidComponentType`; missing VERSION, PRODID, UID and DTSTAMP are
 * repaired unless `Prefer: handling=strict`; other violations are 415 "Validation error in iCalendar".
 */
export function validateICalendar(text: string, supported: readonly string[], strict: boolean): ValidatedCalendarObject {
  const { component: vcal, modified: fromJson } = parseComponent(text, 'This resource only supports valid iCalendar 2.0 data.');
  if (vcal.name.toUpperCase() !== 'VCALENDAR') throw unsupportedMediaType('This collection can only support iCalendar objects.');
  let foundType: string | undefined;
  for (const sub of vcal.getAllSubcomponents()) {
    const name = sub.name.toUpperCase();
    if (name === 'VEVENT' || name === 'VTODO' || name === 'VJOURNAL') foundType = name;
  }
  if (!foundType || !supported.includes(foundType)) {
    throw new DavError(403, 'Sabre\\CalDAV\\Exception\\InvalidComponentType', `iCalendar objects must at least have a component of type ${supported.join(', ')}`, {
      code: 'ERR_DAV_COMPONENT_TYPE',
      extraXml: '<cal:supported-calendar-component xmlns:cal="urn:ietf:params:xml:ns:caldav"/>',
    });
  }
  const issues: Issue[] = [];
  exactlyOnce(vcal, 'VERSION', issues, () => vcal.addPropertyWithValue('version', '2.0'));
  exactlyOnce(vcal, 'PRODID', issues, () => vcal.addPropertyWithValue('prodid', REPAIR_PRODID));
  if (vcal.hasProperty('method')) issues.push({ level: 3, message: 'A calendar object on a CalDAV server MUST NOT have a METHOD property.' });
  const objects = vcal.getAllSubcomponents().filter((s) => ['VEVENT', 'VTODO', 'VJOURNAL'].includes(s.name.toUpperCase()));
  if (new Set(objects.map((o) => o.name.toUpperCase())).size > 1) issues.push({ level: 3, message: 'A calendar object on a CalDAV server may only have 1 type of component (VEVENT, VTODO or VJOURNAL).' });
  const generatedUid = randomUUID();
  for (const o of objects) {
    exactlyOnce(o, 'UID', issues, () => o.addPropertyWithValue('uid', generatedUid));
    exactlyOnce(o, 'DTSTAMP', issues, () => o.addPropertyWithValue('dtstamp', ICAL.Time.now()));
    if (o.name.toUpperCase() === 'VEVENT') {
      exactlyOnce(o, 'DTSTART', issues);
      if (o.hasProperty('dtend') && o.hasProperty('duration')) issues.push({ level: 3, message: 'The DTEND and DURATION properties may not both appear in a VEVENT component' });
    }
  }
  const uids = new Set(objects.map((o) => String(o.getFirstPropertyValue('uid') ?? '')).filter((u) => u !== ''));
  if (uids.size > 1) issues.push({ level: 3, message: 'A calendar object on a CalDAV server may only have components with the same UID.' });
  let modified = fromJson;
  let warning: string | undefined;
  for (const issue of issues) {
    if (issue.level === 3 || strict) throw unsupportedMediaType(`Validation error in iCalendar: ${issue.message}`);
  }
  for (const issue of issues) {
    issue.repair?.();
    modified = true;
    warning ??= issue.message;
  }
  const uid = String(objects[0]?.getFirstPropertyValue('uid') ?? '');
  return { data: modified ? vcal.toString() + '\r\n' : text, modified, uid, component: foundType as ValidatedCalendarObject['component'], ...(warning ? { warning } : {}) };
}

/**
 * Validates a vCard as sabre's CardDAV plugin does (`validateVCard`, vobject's CardDAV profile, RFC 6352
 * §5.1): parse errors and non-VCARD data are 415; a missing UID is repaired, a missing FN is rebuilt from
 * N, ORG or EMAIL, unless `Prefer: handling=strict`.
 */
export function validateVCard(text: string, strict: boolean): ValidatedObject {
  const { component: card, modified: fromJson } = parseComponent(text, 'This resource only supports valid vCard data.');
  if (card.name.toUpperCase() !== 'VCARD') throw unsupportedMediaType('This collection can only support vcard objects.');
  const issues: Issue[] = [];
  const version = String(card.getFirstPropertyValue('version') ?? '');
  if (!['2.1', '3.0', '4.0'].includes(version)) issues.push({ level: 3, message: 'Only vcard version 4.0 (RFC6350), version 3.0 (RFC2426) or version 2.1 (icm-vcard-2.1) are supported.' });
  if (!card.hasProperty('uid')) issues.push({ level: 1, message: 'Adding a UID to a vCard property is recommended.', repair: () => card.addPropertyWithValue('uid', randomUUID()) });
  if (!card.hasProperty('fn')) {
    const n = card.getFirstPropertyValue('n');
    const parts = Array.isArray(n) ? (n as string[]) : typeof n === 'string' ? n.split(';') : [];
    const fromN = [parts[1], parts[0]].filter((p) => p).join(' ').trim();
    const org = card.getFirstPropertyValue('org');
    const fromOrg = Array.isArray(org) ? String(org[0] ?? '') : typeof org === 'string' ? org : '';
    const email = String(card.getFirstPropertyValue('email') ?? '');
    const fn = fromN || fromOrg || email;
    if (fn) issues.push({ level: 1, message: 'The FN property must appear in the VCARD component exactly 1 time', repair: () => card.addPropertyWithValue('fn', fn) });
    else issues.push({ level: 3, message: 'The FN property must appear in the VCARD component exactly 1 time' });
  }
  for (const issue of issues) {
    if (issue.level === 3 || strict) throw unsupportedMediaType(`Validation error in vCard: ${issue.message}`);
  }
  let modified = fromJson;
  let warning: string | undefined;
  for (const issue of issues) {
    issue.repair?.();
    modified = true;
    warning ??= issue.message;
  }
  return { data: modified ? card.toString() + '\r\n' : text, modified, uid: String(card.getFirstPropertyValue('uid') ?? ''), ...(warning ? { warning } : {}) };
}
