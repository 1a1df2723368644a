import { badRequest } from './dav-error.ts';
import { checkPreconditions, hrefOf, httpDate, type DavRequest } from './dav-request.ts';
import { md5Etag, recordChange, type SyncChange } from './dav-store.ts';
import type { ValidatedObject } from './dav-validate.ts';
import { child, clark, NS_DAV, type XmlElement } from './dav-xml.ts';
import { propNames, wantsStrict, type PropGetter, type PropRequest } from './multistatus.ts';
import { reportNotSupported } from './principals-dav.ts';
import { syncCollectionReport } from './sync-report.ts';

/**
 * The object collections of Nextcloud's DAV server (sabre's CalDAV calendars and CardDAV address books)
 * share one behaviour for their members: PUT with validation and a uid check, GET/HEAD with the ETag,
 * DELETE with the change log, and sync-collection. This module is that behaviour, once.
 */

/** A member of an object collection: a calendar object or a vCard. */
export interface DavObject {
  uri: string;
  data: string;
  /** `"md5(data)"`, as CalDavBackend and CardDavBackend compute it. */
  etag: string;
  lastModified: number;
  uid: string;
}

/** A calendar or an address book: its change log (RFC 6578) and its members by URI. */
export interface DavObjectCollection<O extends DavObject> {
  collection: { syncToken: number; changes: SyncChange[] };
  members: Map<string, O>;
}

/** What a kind of object collection says about its members in PUT answers and errors. */
export interface DavObjectKind<O extends DavObject, V extends ValidatedObject> {
  /** Validates the body as sabre's plugin does (`strict` from `Prefer: handling=strict`). */
  validate(body: string, strict: boolean): V;
  /** The stored object from a validated body. */
  make(valid: V, base: DavObject): O;
  /** 400 message of a new object whose UID another member has. */
  duplicateUid: string;
  /** Prefix of the `X-Sabre-Ew-Gross` warning: `iCalendar` or `vCard`. */
  warningLabel: string;
}

/** The `<d:prop>` of a REPORT as a property request (allprop when it names none). */
export function reportPropRequest(root: XmlElement): PropRequest {
  const names = propNames(child(root, clark(NS_DAV, 'prop')));
  return names.length > 0 ? { mode: 'prop', names } : { mode: 'allprop' };
}

/** PUT of a member: preconditions, validation, the UID check for a new one, then 201 (new) or 204 (update), with the ETag unless the data was repaired. */
export async function putDavObject<O extends DavObject, V extends ValidatedObject>(
  req: DavRequest,
  { collection, members }: DavObjectCollection<O>,
  name: string,
  kind: DavObjectKind<O, V>,
): Promise<Response> {
  const existing = members.get(name);
  const early = checkPreconditions(req, existing !== undefined, existing?.etag);
  if (early) return early;
  const valid = kind.validate((await req.bytes()).toString('utf8'), wantsStrict(req.header('prefer')));
  if (!existing && [...members.values()].some((o) => o.uid === valid.uid)) throw badRequest(kind.duplicateUid);
  const object = kind.make(valid, { uri: name, data: valid.data, etag: md5Etag(valid.data), lastModified: req.store.nowSeconds(), uid: valid.uid });
  members.set(name, object);
  recordChange(collection, name, false);
  const headers: Record<string, string> = { 'Content-Length': '0' };
  if (!valid.modified) Object.assign(headers, { ETag: object.etag, 'OC-ETag': object.etag });
  if (valid.warning) headers['X-Sabre-Ew-Gross'] = `${kind.warningLabel} validation warning: ${valid.warning}`;
  return new Response(null, { status: existing ? 204 : 201, headers });
}

/** GET or HEAD of a member, with its ETag and `If-None-Match` / `If-Match` handled. */
export function getDavObject(req: DavRequest, method: 'GET' | 'HEAD', object: DavObject, contentType: string): Response {
  const early = checkPreconditions(req, true, object.etag);
  if (early) return early;
  return new Response(method === 'HEAD' ? null : object.data, {
    status: 200,
    headers: { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(object.data)), ETag: object.etag, 'OC-ETag': object.etag, 'Last-Modified': httpDate(object.lastModified) },
  });
}

/** DELETE of a member: 204, recorded in the change log. */
export function deleteDavObject<O extends DavObject>(req: DavRequest, { collection, members }: DavObjectCollection<O>, object: O): Response {
  checkPreconditions(req, true, object.etag);
  members.delete(object.uri);
  recordChange(collection, object.uri, true);
  return new Response(null, { status: 204, headers: { 'Content-Length': '0' } });
}

/** sync-collection (RFC 6578) on a collection; on a member it is not supported, as in sabre. */
export function davObjectSyncReport<O extends DavObject>(
  req: DavRequest,
  root: XmlElement,
  target: DavObjectCollection<O> | undefined,
  onMember: boolean,
  segmentsOf: (uri: string) => string[],
  propsOf: (object: O) => PropGetter,
  namespaces: Map<string, string>,
): Response {
  if (!target || onMember) throw reportNotSupported();
  const { collection, members } = target;
  return syncCollectionReport(
    root,
    collection,
    members.keys(),
    (uri) => hrefOf(req.base, segmentsOf(uri), false),
    (uri) => {
      const o = members.get(uri);
      return o ? propsOf(o) : undefined;
    },
    namespaces,
  );
}
