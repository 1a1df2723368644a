import { DavError, badRequest } from './dav-error.ts';
import { NS_DAV, child, clark, deepText, type XmlElement } from './dav-xml.ts';
import { propNames, resolveProps, multistatusResponse, type DavResponse, type PropGetter } from './multistatus.ts';
import type { SyncChange } from './dav-store.ts';

/** The prefix of sabre's sync tokens. */
export const SYNC_TOKEN_PREFIX = 'http://sabre.io/ns/sync/';

/** A collection that keeps a change log. */
export interface SyncableCollection {
  syncToken: number;
  changes: SyncChange[];
}

/** The changes since `token` (latest operation per member), as CalDavBackend/CardDavBackend `getChanges*` compute them. */
export function changesSince(collection: SyncableCollection, token: number | undefined, members: Iterable<string>): { changed: string[]; deleted: string[] } {
  if (token === undefined) return { changed: [...members], deleted: [] };
  const latest = new Map<string, boolean>();
  for (const change of collection.changes) {
    if (change.token >= token && change.token < collection.syncToken) latest.set(change.uri, change.deleted);
  }
  const changed: string[] = [];
  const deleted: string[] = [];
  for (const [uri, gone] of latest) (gone ? deleted : changed).push(uri);
  return { changed, deleted };
}

/**
 * REPORT `sync-collection` (RFC 6578 §3.2, sabre's Sync plugin): an empty token lists every member, a
 * token `http://sabre.io/ns/sync/N` lists what changed since; deleted members answer 404. An unknown
 * token is 403 `InvalidSyncToken` with `<d:valid-sync-token/>`.
 */
export function syncCollectionReport(root: XmlElement, collection: SyncableCollection, members: Iterable<string>, hrefFor: (uri: string) => string, propsFor: (uri: string) => PropGetter | undefined, namespaces: Map<string, string>): Response {
  const tokenEl = child(root, clark(NS_DAV, 'sync-token'));
  const propEl = child(root, clark(NS_DAV, 'prop'));
  if (!tokenEl) throw badRequest('The {DAV:}sync-token element in the {DAV:}sync-collection report is required');
  if (!propEl) throw badRequest('The {DAV:}prop element in the {DAV:}sync-collection report is required');
  const tokenText = deepText(tokenEl).trim();
  let token: number | undefined;
  if (tokenText !== '') {
    const invalid = new DavError(403, 'Sabre\\DAV\\Exception\\InvalidSyncToken', 'Invalid or unknown sync token', { code: 'ERR_DAV_SYNC_TOKEN', extraXml: '<d:valid-sync-token/>' });
    if (!tokenText.startsWith(SYNC_TOKEN_PREFIX)) throw invalid;
    const n = Number(tokenText.slice(SYNC_TOKEN_PREFIX.length));
    if (!Number.isInteger(n) || n < 1 || n > collection.syncToken) throw invalid;
    token = n;
  }
  const { changed, deleted } = changesSince(collection, token, members);
  const names = propNames(propEl);
  const out: DavResponse[] = [];
  for (const uri of changed) {
    const props = propsFor(uri);
    if (props) out.push(resolveProps(hrefFor(uri), { mode: 'prop', names }, props));
  }
  for (const uri of deleted) out.push({ href: hrefFor(uri), found: [], status: 404 });
  return multistatusResponse(namespaces, out, { syncToken: `${SYNC_TOKEN_PREFIX}${collection.syncToken}` });
}
