/**
 * CardDAV of the double: address books, vCards with ETags and validation, addressbook-query on FN and
 * EMAIL, addressbook-multiget, extended MKCOL, and other users' books.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueAccessToken } from '../oidc/issue-tokens.ts';
import { startDouble, type StartedDouble } from '../start-double.ts';

let d: StartedDouble;
let auth: Record<string, string>;
const BOOKS = '/remote.php/dav/addressbooks/users/alice';
const NS = 'xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:cs="http://calendarserver.org/ns/"';

beforeAll(async () => {
  d = await startDouble({});
  auth = { Authorization: `Bearer ${(await issueAccessToken(d.state, { uid: 'alice' })).token}` };
});
afterAll(async () => d.stop());

function dav(path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
  return fetch(`${d.url}${path}`, { ...init, headers: { ...auth, ...init.headers } });
}

function vcard(uid: string, fn: string, email?: string): string {
  return ['BEGIN:VCARD', 'VERSION:3.0', `UID:${uid}`, `FN:${fn}`, ...(email ? [`EMAIL;TYPE=work:${email}`] : []), 'END:VCARD', ''].join('\r\n');
}

function hrefsOf(xml: string): string[] {
  return [...xml.matchAll(/<d:href>([^<]+)<\/d:href>/g)].map((m) => m[1]!);
}

function query(filter: string): string {
  return `<?xml version="1.0"?><card:addressbook-query ${NS}><d:prop><d:getetag/><card:address-data/></d:prop>${filter}</card:addressbook-query>`;
}

describe('address books', () => {
  it('lists the default address book "Contacts" at Depth 1', async () => {
    const res = await dav(`${BOOKS}/`, { method: 'PROPFIND', headers: { Depth: '1' }, body: `<d:propfind ${NS}><d:prop><d:displayname/><d:resourcetype/><cs:getctag/></d:prop></d:propfind>` });
    expect(res.status).toBe(207);
    const xml = await res.text();
    expect(xml.startsWith('<?xml version="1.0"?>\n<d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns" xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns">')).toBe(true);
    expect(hrefsOf(xml)).toEqual([`${BOOKS}/`, `${BOOKS}/contacts/`]);
    // Only the CalDAV plugin maps the calendarserver namespace to cs:, so address books get an ad-hoc prefix.
    expect(xml).toContain('<d:displayname>Contacts</d:displayname><d:resourcetype><d:collection/><card:addressbook/></d:resourcetype><x1:getctag xmlns:x1="http://calendarserver.org/ns/">http://sabre.io/ns/sync/1</x1:getctag>');
  });

  it('creates an address book with extended MKCOL and refuses a plain MKCOL in the home', async () => {
    const body = `<?xml version="1.0"?><d:mkcol ${NS}><d:set><d:prop><d:resourcetype><d:collection/><card:addressbook/></d:resourcetype><d:displayname>Clients</d:displayname></d:prop></d:set></d:mkcol>`;
    expect((await dav(`${BOOKS}/clients/`, { method: 'MKCOL', headers: { 'Content-Type': 'application/xml' }, body })).status).toBe(201);
    expect((await dav(`${BOOKS}/clients/`, { method: 'MKCOL', headers: { 'Content-Type': 'application/xml' }, body })).status).toBe(405);
    const plain = await dav(`${BOOKS}/plain/`, { method: 'MKCOL' });
    expect(plain.status).toBe(403);
    expect(await plain.text()).toContain('Unknown resourceType for this collection');
    const wrongType = await dav(`${BOOKS}/typed/`, { method: 'MKCOL', headers: { 'Content-Type': 'text/plain' }, body });
    expect(wrongType.status).toBe(415);
    const listing = await (await dav(`${BOOKS}/`, { method: 'PROPFIND', headers: { Depth: '1' } })).text();
    expect(hrefsOf(listing)).toContain(`${BOOKS}/clients/`);
    expect((await dav(`${BOOKS}/clients/`, { method: 'DELETE' })).status).toBe(204);
  });

  it("answers 404 for other users' address books", async () => {
    const res = await dav('/remote.php/dav/addressbooks/users/bob/contacts/', { method: 'PROPFIND' });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("<s:message>Addressbook with name 'contacts' could not be found</s:message>");
    expect((await dav('/remote.php/dav/addressbooks/users/bob/', { method: 'PROPFIND' })).status).toBe(404);
  });
});

describe('vCards', () => {
  it('creates (201), reads, updates (204) and deletes (204) a card with ETags', async () => {
    const card = vcard('ann-1', 'Ann Example', 'ann@example.test');
    const created = await dav(`${BOOKS}/contacts/ann.vcf`, { method: 'PUT', headers: { 'Content-Type': 'text/vcard' }, body: card });
    expect(created.status).toBe(201);
    const etag = created.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const get = await dav(`${BOOKS}/contacts/ann.vcf`);
    expect(get.headers.get('content-type')).toBe('text/vcard; charset=utf-8');
    expect(await get.text()).toBe(card);
    expect((await dav(`${BOOKS}/contacts/ann.vcf`, { method: 'PUT', headers: { 'If-Match': '"stale"' }, body: card })).status).toBe(412);
    const updated = await dav(`${BOOKS}/contacts/ann.vcf`, { method: 'PUT', headers: { 'If-Match': etag! }, body: vcard('ann-1', 'Ann B. Example', 'ann@example.test') });
    expect(updated.status).toBe(204);
    expect(updated.headers.get('etag')).not.toBe(etag);
    expect((await dav(`${BOOKS}/contacts/ann.vcf`, { method: 'DELETE' })).status).toBe(204);
    const gone = await dav(`${BOOKS}/contacts/ann.vcf`);
    expect(gone.status).toBe(404);
    expect(await gone.text()).toContain('<s:message>Card not found</s:message>');
  });

  it('refuses data that is not a vCard (415) and duplicate UIDs (400), and repairs a missing FN from N', async () => {
    const ics = await dav(`${BOOKS}/contacts/x.vcf`, { method: 'PUT', body: 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n' });
    expect(ics.status).toBe(415);
    expect(await ics.text()).toContain('This collection can only support vcard objects.');
    const garbage = await dav(`${BOOKS}/contacts/x.vcf`, { method: 'PUT', body: 'hello' });
    expect(garbage.status).toBe(415);
    expect(await garbage.text()).toContain('This resource only supports valid vCard data. Parse error: ');
    await dav(`${BOOKS}/contacts/dup1.vcf`, { method: 'PUT', body: vcard('dup', 'One') });
    const dup = await dav(`${BOOKS}/contacts/dup2.vcf`, { method: 'PUT', body: vcard('dup', 'Two') });
    expect(dup.status).toBe(400);
    expect(await dup.text()).toContain('VCard object with uid already exists in this addressbook collection.');
    const noFn = await dav(`${BOOKS}/contacts/nofn.vcf`, { method: 'PUT', body: ['BEGIN:VCARD', 'VERSION:3.0', 'UID:nofn', 'N:Doe;Jane;;;', 'END:VCARD', ''].join('\r\n') });
    expect(noFn.status).toBe(201);
    expect(noFn.headers.get('etag')).toBeNull();
    expect(await (await dav(`${BOOKS}/contacts/nofn.vcf`)).text()).toContain('FN:Jane Doe');
  });

  it('answers 409 for PUT into a missing address book', async () => {
    expect((await dav(`${BOOKS}/missing/x.vcf`, { method: 'PUT', body: vcard('m', 'M') })).status).toBe(409);
  });
});

describe('REPORT', () => {
  beforeAll(async () => {
    await dav(`${BOOKS}/contacts/carol.vcf`, { method: 'PUT', body: vcard('carol', 'Carol Danvers', 'carol@heroes.test') });
    await dav(`${BOOKS}/contacts/dave.vcf`, { method: 'PUT', body: vcard('dave', 'Dave Lister', 'dave@red-dwarf.test') });
    await dav(`${BOOKS}/contacts/erin.vcf`, { method: 'PUT', body: vcard('erin', 'Erin Example') });
  });

  const report = (body: string, depth = '1'): Promise<Response> => dav(`${BOOKS}/contacts/`, { method: 'REPORT', headers: { Depth: depth, 'Content-Type': 'application/xml' }, body });

  it('finds cards by FN (contains, case-insensitive) and by EMAIL (ends-with)', async () => {
    const byName = await report(query('<card:filter><card:prop-filter name="FN"><card:text-match collation="i;unicode-casemap" match-type="contains">danv</card:text-match></card:prop-filter></card:filter>'));
    expect(byName.status).toBe(207);
    const xml = await byName.text();
    expect(hrefsOf(xml)).toEqual([`${BOOKS}/contacts/carol.vcf`]);
    expect(xml).toContain('<card:address-data>BEGIN:VCARD&#13;\nVERSION:3.0&#13;\nUID:carol&#13;');
    const byMail = await report(query('<card:filter><card:prop-filter name="EMAIL"><card:text-match match-type="ends-with">red-dwarf.test</card:text-match></card:prop-filter></card:filter>'));
    expect(hrefsOf(await byMail.text())).toEqual([`${BOOKS}/contacts/dave.vcf`]);
  });

  it('combines filters with anyof/allof and honours is-not-defined and negate-condition', async () => {
    const anyof = await report(query('<card:filter test="anyof"><card:prop-filter name="FN"><card:text-match>Carol</card:text-match></card:prop-filter><card:prop-filter name="FN"><card:text-match>Dave</card:text-match></card:prop-filter></card:filter>'));
    expect(hrefsOf(await anyof.text()).sort()).toEqual([`${BOOKS}/contacts/carol.vcf`, `${BOOKS}/contacts/dave.vcf`]);
    const allof = await report(query('<card:filter test="allof"><card:prop-filter name="FN"><card:text-match>Carol</card:text-match></card:prop-filter><card:prop-filter name="FN"><card:text-match>Dave</card:text-match></card:prop-filter></card:filter>'));
    expect(hrefsOf(await allof.text())).toEqual([]);
    const noMail = hrefsOf(await (await report(query('<card:filter><card:prop-filter name="EMAIL"><card:is-not-defined/></card:prop-filter></card:filter>'))).text());
    expect(noMail).toContain(`${BOOKS}/contacts/erin.vcf`);
    expect(noMail).not.toContain(`${BOOKS}/contacts/carol.vcf`);
    expect(noMail).not.toContain(`${BOOKS}/contacts/dave.vcf`);
    const notCarol = hrefsOf(await (await report(query('<card:filter><card:prop-filter name="FN"><card:text-match negate-condition="yes">Carol</card:text-match></card:prop-filter></card:filter>'))).text());
    expect(notCarol).toContain(`${BOOKS}/contacts/dave.vcf`);
    expect(notCarol).toContain(`${BOOKS}/contacts/erin.vcf`);
    expect(notCarol).not.toContain(`${BOOKS}/contacts/carol.vcf`);
  });

  it('refuses addressbook-query with Depth 0 on the book (403 ReportNotSupported)', async () => {
    const res = await report(query(''), '0');
    expect(res.status).toBe(403);
    const xml = await res.text();
    expect(xml).toContain('The addressbook-query report is not supported on this url with Depth: 0');
    expect(xml).toContain('<d:supported-report/>');
  });

  it('returns named cards with addressbook-multiget', async () => {
    const body = `<card:addressbook-multiget ${NS}><d:prop><d:getetag/></d:prop><d:href>${BOOKS}/contacts/dave.vcf</d:href><d:href>${BOOKS}/contacts/nobody.vcf</d:href><d:href>${BOOKS}/contacts/carol.vcf</d:href></card:addressbook-multiget>`;
    const res = await report(body);
    expect(res.status).toBe(207);
    expect(hrefsOf(await res.text())).toEqual([`${BOOKS}/contacts/dave.vcf`, `${BOOKS}/contacts/carol.vcf`]);
  });
});
