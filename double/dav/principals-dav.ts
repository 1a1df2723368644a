import type { DoubleUser } from '../double-state.ts';
import { DavError, forbidden, methodNotAllowed, notFound, notImplemented } from './dav-error.ts';
import { depthHeader, dummyGetResponse, hrefOf, type DavRequest } from './dav-request.ts';
import { NS_CALDAV, NS_CARDDAV, NS_DAV, NS_SABRE, clark, type Clark } from './dav-xml.ts';
import { emptyElements, hrefs, multistatusResponse, namespacesFor, parsePropfind, resolveProps, type DavResponse, type PropGetter, type PropRequest, type PropValue } from './multistatus.ts';

const d = (l: string): Clark => clark(NS_DAV, l);

/** The href of a user's principal. */
export function principalHref(uid: string): string {
  return hrefOf('/remote.php/dav', ['principals', 'users', uid], true);
}

/** The ACL plugin's properties, which every node but files has (DavAclPlugin skips file nodes). */
export function aclProps(req: DavRequest, ownerUid?: string): PropGetter {
  return (name) => {
    switch (name) {
      case d('current-user-principal'):
        return hrefs(principalHref(req.user.uid));
      case d('principal-collection-set'):
        return hrefs('/remote.php/dav/principals/users/', '/remote.php/dav/principals/groups/', '/remote.php/dav/principals/calendar-resources/', '/remote.php/dav/principals/calendar-rooms/');
      case d('owner'):
        return ownerUid ? hrefs(principalHref(ownerUid)) : undefined;
      case d('current-user-privilege-set'):
        return (w) => ['read', 'write', 'write-properties', 'write-content', 'unlock', 'bind', 'unbind', 'read-acl', 'read-current-user-privilege-set', 'all'].map((p) => w.element(d('privilege'), w.element(d(p), ''))).join('');
      default:
        return undefined;
    }
  };
}

/** Combines getters: the first that knows a property answers. */
export function chain(...getters: PropGetter[]): PropGetter {
  return (name) => {
    for (const get of getters) {
      const value = get(name);
      if (value !== undefined) return value;
    }
    return undefined;
  };
}

/** A collection the DAV tree has for structure (the root, `files/`, `principals/users/`, another user's empty files home). */
export interface VirtualCollection {
  segments: string[];
  /** Child names; undefined when listing is disabled (`disableListing` of principal collections). */
  children?: string[];
  /** Extra resource types besides `{DAV:}collection`. */
  resourceTypes?: Clark[];
  /** The subtree for the namespaces of answers. */
  subtree: Parameters<typeof namespacesFor>[0];
}

function virtualProps(req: DavRequest, vc: VirtualCollection): PropGetter {
  return chain((name) => (name === d('resourcetype') ? emptyElements(d('collection'), ...(vc.resourceTypes ?? [])) : undefined), aclProps(req));
}

/**
 * A structural collection (a `SimpleCollection` or principal collection): PROPFIND lists it (Depth 1 on a
 * principal collection is 405 "Listing members of this collection is disabled", as Nextcloud disables
 * listing outside debug mode); writes are refused with sabre's messages.
 */
export async function virtualCollection(req: DavRequest, vc: VirtualCollection): Promise<Response> {
  const href = hrefOf(req.base, vc.segments, true);
  switch (req.method) {
    case 'PROPFIND': {
      const request = parsePropfind(await req.text());
      const depth = depthHeader(req.header('depth'), 1);
      if (depth !== 0 && vc.children === undefined) throw methodNotAllowed('Listing members of this collection is disabled');
      const out: DavResponse[] = [resolveProps(href, request, virtualProps(req, vc))];
      if (depth !== 0) {
        for (const name of vc.children ?? []) out.push(resolveProps(hrefOf(req.base, [...vc.segments, name], true), request, virtualProps(req, { segments: [...vc.segments, name], subtree: vc.subtree })));
      }
      return multistatusResponse(namespacesFor(vc.subtree), out);
    }
    case 'GET':
    case 'HEAD':
      return dummyGetResponse(req.method);
    case 'PUT':
      throw forbidden(`Permission denied to create file (filename ${vc.segments.at(-1) ?? ''})`);
    case 'MKCOL':
      throw methodNotAllowed('The resource you tried to create already exists');
    case 'DELETE':
      throw forbidden('Permission denied to delete node');
    case 'MOVE':
      throw forbidden('Permission denied to rename file');
    case 'COPY':
      throw forbidden('Permission denied to create directory');
    case 'PROPPATCH':
      throw forbidden('Permission denied to change properties');
    case 'REPORT':
      throw reportNotSupported();
    default:
      throw notImplemented(`There was no plugin in the system that was willing to handle this ${req.method} method.`);
  }
}

/** Sabre's `ReportNotSupported` (403 with `<d:supported-report/>`). */
export function reportNotSupported(): DavError {
  return new DavError(403, 'Sabre\\DAV\\Exception\\ReportNotSupported', '', { code: 'ERR_DAV_REPORT_NOT_SUPPORTED', extraXml: '<d:supported-report/>' });
}

/** The properties of a user principal (DAVACL, CalDAV and CardDAV plugins on `principals/users/{uid}`). */
function principalProps(req: DavRequest, user: DoubleUser): PropGetter {
  const cal = (l: string): Clark => clark(NS_CALDAV, l);
  const props = new Map<Clark, () => PropValue>([
    [d('resourcetype'), () => emptyElements(d('collection'), d('principal'))],
    [d('displayname'), () => user.displayName],
    [d('principal-URL'), () => hrefs(principalHref(user.uid))],
    [d('alternate-URI-set'), () => hrefs(`mailto:${user.email}`)],
    [d('group-membership'), () => hrefs(...user.groups.map((g) => hrefOf('/remote.php/dav', ['principals', 'groups', g], true)))],
    [clark(NS_SABRE, 'email-address'), () => user.email],
    [cal('calendar-home-set'), () => hrefs(hrefOf('/remote.php/dav', ['calendars', user.uid], true))],
    [cal('schedule-inbox-URL'), () => hrefs(hrefOf('/remote.php/dav', ['calendars', user.uid, 'inbox'], true))],
    [cal('schedule-outbox-URL'), () => hrefs(hrefOf('/remote.php/dav', ['calendars', user.uid, 'outbox'], true))],
    [cal('schedule-default-calendar-URL'), () => hrefs(hrefOf('/remote.php/dav', ['calendars', user.uid, 'personal'], true))],
    [cal('calendar-user-address-set'), () => hrefs(`mailto:${user.email}`, principalHref(user.uid))],
    [cal('calendar-user-type'), () => 'INDIVIDUAL'],
    [clark(NS_CARDDAV, 'addressbook-home-set'), () => hrefs(hrefOf('/remote.php/dav', ['addressbooks', 'users', user.uid], true))],
  ]);
  return chain((name) => props.get(name)?.(), aclProps(req, user.uid));
}

const PRINCIPAL_NAMES: readonly Clark[] = [d('resourcetype'), d('displayname'), d('principal-URL'), clark(NS_CALDAV, 'calendar-home-set'), clark(NS_CARDDAV, 'addressbook-home-set'), clark(NS_CALDAV, 'calendar-user-address-set')];

/**
 * `principals/...`: the collections `principals/` and `principals/users/` (listing disabled) and a user's
 * principal with the discovery properties (RFC 6638 §2, RFC 4791 §6.2.1, RFC 6352 §7.1.1, RFC 5397 §3)
 * and its two proxy children.
 */
export async function principalsRequest(req: DavRequest): Promise<Response> {
  const [, kind, uid, proxy, ...extra] = req.segments;
  if (kind === undefined) return virtualCollection(req, { segments: ['principals'], children: ['users', 'groups', 'system', 'calendar-resources', 'calendar-rooms'], subtree: 'principals' });
  if (!['users', 'groups', 'system', 'calendar-resources', 'calendar-rooms'].includes(kind)) throw notFound(`File not found: ${kind} in 'principals'`);
  if (uid === undefined) return virtualCollection(req, { segments: ['principals', kind], subtree: 'principals' });
  if (kind !== 'users') throw notFound(`Principal with name ${uid} not found`);
  const user = req.state.users.get(uid);
  if (!user) throw notFound(`Principal with name ${uid} not found`);
  if (proxy !== undefined) {
    if ((proxy !== 'calendar-proxy-read' && proxy !== 'calendar-proxy-write') || extra.length > 0) throw notFound(`Node with name '${proxy}' could not be found`);
    return virtualCollection(req, { segments: req.segments, children: [], resourceTypes: [d('principal')], subtree: 'principals' });
  }
  const segments = ['principals', 'users', uid];
  switch (req.method) {
    case 'PROPFIND': {
      const request: PropRequest = parsePropfind(await req.text());
      const depth = depthHeader(req.header('depth'), 1);
      const out = [resolveProps(hrefOf(req.base, segments, true), request, principalProps(req, user), PRINCIPAL_NAMES)];
      if (depth !== 0) {
        for (const p of ['calendar-proxy-read', 'calendar-proxy-write']) {
          out.push(resolveProps(hrefOf(req.base, [...segments, p], true), request, chain((n) => (n === d('resourcetype') ? emptyElements(d('collection'), d('principal')) : undefined), aclProps(req))));
        }
      }
      return multistatusResponse(namespacesFor('principals'), out);
    }
    default:
      return virtualCollection(req, { segments, children: ['calendar-proxy-read', 'calendar-proxy-write'], resourceTypes: [d('principal')], subtree: 'principals' });
  }
}
