import { XMLParser } from 'fast-xml-parser';
import type { NextcloudClient } from '../nextcloud-client.ts';

/** One `DAV:response` of a multistatus (RFC 4918 §14.24) with the properties that came with 2xx. */
export interface DavResource {
  /** The decoded href path. */
  href: string;
  /** Properties by local name (namespace prefixes removed). */
  props: Record<string, unknown>;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Sabre's XML writer escapes the CR of iCalendar and vCard line ends as `&#13;`: decode character references too.
  htmlEntities: true,
  isArray: (name) => name === 'response' || name === 'propstat' || name === 'comp',
});

/** The namespaces of the DAV requests this server sends. */
export const DAV_NAMESPACES = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:cs="http://calendarserver.org/ns/" xmlns:x1="http://apple.com/ns/ical/"';

/** Parses a 207 multistatus into resources with their found properties. */
export function parseMultistatus(xml: string): DavResource[] {
  const doc = parser.parse(xml) as { multistatus?: { response?: Record<string, unknown>[] } };
  const out: DavResource[] = [];
  for (const response of doc.multistatus?.response ?? []) {
    const rawHref = typeof response['href'] === 'string' ? response['href'] : '';
    let href: string;
    try {
      href = decodeURIComponent(rawHref.trim());
    } catch {
      href = rawHref.trim();
    }
    const props: Record<string, unknown> = {};
    for (const propstat of (response['propstat'] as Record<string, unknown>[] | undefined) ?? []) {
      const status = String(propstat['status'] ?? '');
      if (!/ 2\d\d /.test(`${status} `)) continue;
      Object.assign(props, propstat['prop'] as Record<string, unknown>);
    }
    out.push({ href, props });
  }
  return out;
}

/** The text of a property (`<d:displayname>x</d:displayname>` or with attributes). */
export function propText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as Record<string, unknown>)['#text'] === 'string') return (value as Record<string, string>)['#text'];
  return undefined;
}

/** Whether a `resourcetype` property holds an element of this local name. */
export function hasResourceType(resourcetype: unknown, local: string): boolean {
  return !!resourcetype && typeof resourcetype === 'object' && local in (resourcetype as Record<string, unknown>);
}

/** The last segment of an href (a collection's or object's name). */
export function lastSegment(href: string): string {
  const parts = href.replace(/\/+$/, '').split('/');
  return parts[parts.length - 1] ?? '';
}

/** Sends PROPFIND or REPORT with an XML body and parses the multistatus. */
export async function davQuery(nc: NextcloudClient, method: 'PROPFIND' | 'REPORT', path: string, depth: '0' | '1', body: string): Promise<DavResource[]> {
  const res = await nc.request({
    method,
    path,
    api: 'dav',
    headers: { Depth: depth, 'Content-Type': 'application/xml; charset=utf-8', Accept: 'application/xml' },
    body,
    accept: [207],
  });
  return parseMultistatus(res.text);
}
