/**
 * WebDAV files of the double: round trips with the npm `webdav` client (Bearer token), then the exact
 * XML, statuses and Sabre error bodies with raw requests.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type FileStat, type WebDAVClient } from 'webdav';
import { issueAccessToken } from '../oidc/issue-tokens.ts';
import { startDouble, type StartedDouble } from '../start-double.ts';

let d: StartedDouble;
let auth: Record<string, string>;
let bobAuth: Record<string, string>;
let client: WebDAVClient;
const FILES = '/remote.php/dav/files/alice';

beforeAll(async () => {
  d = await startDouble({});
  auth = { Authorization: `Bearer ${(await issueAccessToken(d.state, { uid: 'alice' })).token}` };
  bobAuth = { Authorization: `Bearer ${(await issueAccessToken(d.state, { uid: 'bob' })).token}` };
  client = createClient(`${d.url}${FILES}`, { headers: auth });
});
afterAll(async () => d.stop());

function dav(path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
  return fetch(`${d.url}${path}`, { ...init, headers: { ...auth, ...init.headers } });
}

function errorBody(exception: string, message: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">\n  <s:exception>${exception}</s:exception>\n  <s:message>${message}</s:message>\n</d:error>\n`;
}

const PROPS = (...props: string[]): string => `<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns" xmlns:x="urn:example:unknown"><d:prop>${props.join('')}</d:prop></d:propfind>`;

describe('webdav client round trips (Bearer)', () => {
  it('lists the skeleton of a new user', async () => {
    const items = (await client.getDirectoryContents('/')) as FileStat[];
    expect(items.map((i) => `${i.type}:${i.basename}`).sort()).toEqual(['directory:Documents', 'directory:Photos', 'directory:Templates', 'file:Readme.md']);
    const readme = items.find((i) => i.basename === 'Readme.md')!;
    expect(readme.mime).toBe('text/markdown');
    expect(readme.etag).toMatch(/^[0-9a-f]{13}$/);
    expect(readme.lastmod).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
  });

  it('writes, reads, stats, creates folders, moves, copies and deletes', async () => {
    expect(await client.putFileContents('/notes.txt', 'first version')).toBe(true);
    expect(await client.getFileContents('/notes.txt', { format: 'text' })).toBe('first version');
    const before = (await client.stat('/notes.txt')) as FileStat;
    await client.putFileContents('/notes.txt', 'second version, longer');
    const after = (await client.stat('/notes.txt')) as FileStat;
    expect(after.size).toBe('second version, longer'.length);
    expect(after.etag).not.toBe(before.etag);

    await client.createDirectory('/Projects/2024', { recursive: true });
    expect(await client.exists('/Projects/2024')).toBe(true);
    await client.moveFile('/notes.txt', '/Projects/2024/notes.txt');
    expect(await client.exists('/notes.txt')).toBe(false);
    await client.copyFile('/Projects/2024/notes.txt', '/Projects/copy.txt');
    expect(await client.getFileContents('/Projects/copy.txt', { format: 'text' })).toBe('second version, longer');
    const deep = (await client.getDirectoryContents('/Projects', { deep: true })) as FileStat[];
    expect(deep.map((i) => i.filename).sort()).toEqual(['/Projects/2024', '/Projects/2024/notes.txt', '/Projects/copy.txt']);
    await client.deleteFile('/Projects');
    expect(await client.exists('/Projects')).toBe(false);
  });

  it('searches by name and content type with SEARCH on /remote.php/dav/', async () => {
    await client.putFileContents('/Documents/report-2024.md', '# Report');
    await client.putFileContents('/Documents/picture.png', Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const search = createClient(`${d.url}/remote.php/dav`, { headers: auth });
    const body = `<?xml version="1.0" encoding="UTF-8"?>
<d:searchrequest xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">
  <d:basicsearch>
    <d:select><d:prop><d:displayname/><d:getcontenttype/><oc:fileid/><d:resourcetype/><d:getlastmodified/><d:getcontentlength/><d:getetag/></d:prop></d:select>
    <d:from><d:scope><d:href>/files/alice</d:href><d:depth>infinity</d:depth></d:scope></d:from>
    <d:where><d:or><d:like><d:prop><d:displayname/></d:prop><d:literal>REPORT%</d:literal></d:like><d:eq><d:prop><d:getcontenttype/></d:prop><d:literal>image/png</d:literal></d:eq></d:or></d:where>
    <d:orderby><d:order><d:prop><d:displayname/></d:prop><d:ascending/></d:order></d:orderby>
    <d:limit><d:nresults>10</d:nresults></d:limit>
  </d:basicsearch>
</d:searchrequest>`;
    const found = (await search.search('/', { data: body })) as { results: FileStat[] };
    expect(found.results.map((r) => r.basename)).toEqual(['picture.png', 'report-2024.md']);
  });
});

describe('PROPFIND', () => {
  it('answers requested properties, unknown ones in a 404 propstat, with Nextcloud values', async () => {
    const res = await dav(`${FILES}/Readme.md`, {
      method: 'PROPFIND',
      headers: { Depth: '0', 'Content-Type': 'application/xml' },
      body: PROPS('<d:displayname/>', '<oc:fileid/>', '<oc:id/>', '<oc:permissions/>', '<oc:size/>', '<oc:favorite/>', '<nc:has-preview/>', '<d:getetag/>', '<x:nothing/>'),
    });
    expect(res.status).toBe(207);
    const xml = await res.text();
    expect(xml.startsWith('<?xml version="1.0"?>\n<d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns"><d:response><d:href>/remote.php/dav/files/alice/Readme.md</d:href>')).toBe(true);
    expect(xml).toMatch(/<oc:id>\d{8}oc[0-9a-f]{12}<\/oc:id>/);
    expect(xml).toContain('<d:displayname>Readme.md</d:displayname>');
    expect(xml).toContain('<oc:permissions>RGDNVW</oc:permissions>');
    expect(xml).toContain('<oc:favorite>0</oc:favorite>');
    expect(xml).toContain('<nc:has-preview>true</nc:has-preview>');
    expect(xml).toMatch(/<d:getetag>&quot;[0-9a-f]{13}&quot;<\/d:getetag>/);
    expect(xml).toContain('<d:propstat><d:prop><x1:nothing xmlns:x1="urn:example:unknown"/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>');
  });

  it('answers Depth 0 with the folder only and Depth infinity with the whole tree', async () => {
    const zero = await (await dav(`${FILES}/`, { method: 'PROPFIND', headers: { Depth: '0' } })).text();
    expect(zero.match(/<d:response>/g)).toHaveLength(1);
    const all = await (await dav(`${FILES}/`, { method: 'PROPFIND', headers: { Depth: 'infinity' } })).text();
    expect(all).toContain('<d:href>/remote.php/dav/files/alice/Documents/Example.md</d:href>');
  });

  it('encodes hrefs as sabre does', async () => {
    await dav(`${FILES}/a%20b%26c.txt`, { method: 'PUT', body: 'x' });
    const xml = await (await dav(`${FILES}/`, { method: 'PROPFIND', headers: { Depth: '1' } })).text();
    expect(xml).toContain('<d:href>/remote.php/dav/files/alice/a%20b%26c.txt</d:href>');
  });

  it('answers 400 for a body that is not a propfind', async () => {
    const res = await dav(`${FILES}/`, { method: 'PROPFIND', body: '<d:prop xmlns:d="DAV:"/>' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Expected {DAV:}propfind but received {DAV:}prop as the root element');
  });
});

describe('GET, PUT and conditional requests', () => {
  it('answers 404 with the Sabre NotFound body', async () => {
    const res = await dav(`${FILES}/Documents/missing.txt`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe(errorBody('Sabre\\DAV\\Exception\\NotFound', 'File with name /Documents/missing.txt could not be located'));
  });

  it('creates with 201 and overwrites with 204, ETag and OC-FileId on both', async () => {
    const created = await dav(`${FILES}/put.txt`, { method: 'PUT', body: 'one' });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toMatch(/^"[0-9a-f]{13}"$/);
    expect(created.headers.get('oc-fileid')).toMatch(/^\d{8}oc/);
    const updated = await dav(`${FILES}/put.txt`, { method: 'PUT', body: 'two' });
    expect(updated.status).toBe(204);
    expect(updated.headers.get('etag')).not.toBe(created.headers.get('etag'));
    const get = await dav(`${FILES}/put.txt`);
    expect(get.headers.get('etag')).toBe(updated.headers.get('etag'));
    expect(get.headers.get('content-type')).toBe('text/plain');
    expect(await get.text()).toBe('two');
    const head = await dav(`${FILES}/put.txt`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('3');
  });

  it('answers 409 when the parent folder is missing', async () => {
    const res = await dav(`${FILES}/no/such/folder.txt`, { method: 'PUT', body: 'x' });
    expect(res.status).toBe(409);
    expect(await res.text()).toBe(errorBody('Sabre\\DAV\\Exception\\Conflict', 'Files cannot be created in non-existent collections'));
  });

  it('answers 412 for If-Match mismatches and If-None-Match: * on an existing file, 304 for a matching GET', async () => {
    const etag = (await dav(`${FILES}/cond.txt`, { method: 'PUT', body: 'v1' })).headers.get('etag')!;
    const mismatch = await dav(`${FILES}/cond.txt`, { method: 'PUT', body: 'v2', headers: { 'If-Match': '"0000000000000"' } });
    expect(mismatch.status).toBe(412);
    expect(await mismatch.text()).toContain('<s:message>An If-Match header was specified, but none of the specified ETags matched.</s:message>\n  <s:header>If-Match</s:header>');
    const exists = await dav(`${FILES}/cond.txt`, { method: 'PUT', body: 'v2', headers: { 'If-None-Match': '*' } });
    expect(exists.status).toBe(412);
    const missing = await dav(`${FILES}/nothing-here.txt`, { method: 'PUT', body: 'v', headers: { 'If-Match': '*' } });
    expect(missing.status).toBe(412);
    expect((await dav(`${FILES}/cond.txt`, { method: 'PUT', body: 'v2', headers: { 'If-Match': etag } })).status).toBe(204);
    const fresh = (await dav(`${FILES}/cond.txt`, { method: 'HEAD' })).headers.get('etag')!;
    expect((await dav(`${FILES}/cond.txt`, { headers: { 'If-None-Match': fresh } })).status).toBe(304);
  });

  it('answers GET on a folder with the dummy page and PUT on a folder with 409', async () => {
    const get = await dav(`${FILES}/Documents/`);
    expect(get.status).toBe(200);
    expect(await get.text()).toContain('This is the WebDAV interface.');
    expect((await dav(`${FILES}/Documents`, { method: 'PUT', body: 'x' })).status).toBe(409);
  });
});

describe('MKCOL, DELETE, MOVE, COPY', () => {
  it('creates folders with 201, refuses existing ones with 405 and orphans with 409', async () => {
    expect((await dav(`${FILES}/NewFolder`, { method: 'MKCOL' })).status).toBe(201);
    const again = await dav(`${FILES}/NewFolder`, { method: 'MKCOL' });
    expect(again.status).toBe(405);
    expect(await again.text()).toBe(errorBody('Sabre\\DAV\\Exception\\MethodNotAllowed', 'The resource you tried to create already exists'));
    const orphan = await dav(`${FILES}/Missing/Child`, { method: 'MKCOL' });
    expect(orphan.status).toBe(409);
    expect(await orphan.text()).toContain('Parent node does not exist');
  });

  it('deletes with 204 and answers 404 for what is not there; the home itself cannot be deleted', async () => {
    await dav(`${FILES}/gone.txt`, { method: 'PUT', body: 'x' });
    expect((await dav(`${FILES}/gone.txt`, { method: 'DELETE' })).status).toBe(204);
    expect((await dav(`${FILES}/gone.txt`, { method: 'DELETE' })).status).toBe(404);
    const home = await dav(`${FILES}/`, { method: 'DELETE' });
    expect(home.status).toBe(403);
    expect(await home.text()).toContain('Permission denied to delete home folder');
  });

  it('moves and copies with absolute URLs or paths in Destination, honouring Overwrite', async () => {
    await dav(`${FILES}/m1.txt`, { method: 'PUT', body: 'm1' });
    await dav(`${FILES}/m2.txt`, { method: 'PUT', body: 'm2' });
    const noOverwrite = await dav(`${FILES}/m1.txt`, { method: 'MOVE', headers: { Destination: `${d.url}${FILES}/m2.txt`, Overwrite: 'F' } });
    expect(noOverwrite.status).toBe(412);
    expect(await noOverwrite.text()).toContain('<s:message>The destination node already exists, and the overwrite header is set to false</s:message>\n  <s:header>Overwrite</s:header>');
    expect((await dav(`${FILES}/m1.txt`, { method: 'MOVE', headers: { Destination: `${FILES}/m2.txt` } })).status).toBe(204);
    expect(await (await dav(`${FILES}/m2.txt`)).text()).toBe('m1');
    expect((await dav(`${FILES}/m2.txt`, { method: 'COPY', headers: { Destination: `${FILES}/m3.txt` } })).status).toBe(201);
    const noParent = await dav(`${FILES}/m2.txt`, { method: 'MOVE', headers: { Destination: `${FILES}/nowhere/m2.txt` } });
    expect(noParent.status).toBe(409);
    expect(await noParent.text()).toContain('The destination node is not found');
    const intoItself = await dav(`${FILES}/Documents`, { method: 'MOVE', headers: { Destination: `${FILES}/Documents/inner` } });
    expect(intoItself.status).toBe(409);
    const noDestination = await dav(`${FILES}/m2.txt`, { method: 'MOVE' });
    expect(noDestination.status).toBe(400);
    expect(await noDestination.text()).toContain('The destination header was not supplied');
  });

  it('keeps the file id on MOVE and gives a copy a new one', async () => {
    const put = await dav(`${FILES}/id.txt`, { method: 'PUT', body: 'id' });
    const id = put.headers.get('oc-fileid');
    const moved = await dav(`${FILES}/id.txt`, { method: 'MOVE', headers: { Destination: `${FILES}/id2.txt` } });
    expect(moved.headers.get('oc-fileid')).toBe(id);
    await dav(`${FILES}/id2.txt`, { method: 'COPY', headers: { Destination: `${FILES}/id3.txt` } });
    const xml = await (await dav(`${FILES}/id3.txt`, { method: 'PROPFIND', headers: { Depth: '0' }, body: PROPS('<oc:id/>') })).text();
    expect(xml).not.toContain(`<oc:id>${id}</oc:id>`);
  });
});

describe('paths and other users', () => {
  it('resolves dot segments in Destination and refuses anything outside the DAV base', async () => {
    await dav(`${FILES}/dots.txt`, { method: 'PUT', body: 'x' });
    const escape = await dav(`${FILES}/dots.txt`, { method: 'MOVE', headers: { Destination: `${FILES}/../../../../etc/passwd` } });
    expect(escape.status).toBe(403);
    expect(await escape.text()).toContain('<s:message>Requested uri (/etc/passwd) is out of base uri (/remote.php/dav/)</s:message>');
    expect((await dav(`${FILES}/dots.txt`, { method: 'MOVE', headers: { Destination: `${FILES}/Documents/../dots2.txt` } })).status).toBe(201);
    expect((await dav(`${FILES}/dots2.txt`)).status).toBe(200);
  });

  it('refuses an encoded .. segment inside the home with InvalidPath (400)', async () => {
    const res = await dav(`${FILES}/Documents/..%2F..%2Fbob/Readme.md`);
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain('<s:exception>OCA\\DAV\\Connector\\Sabre\\Exception\\InvalidPath</s:exception>');
    expect(text).toContain('<o:reason xmlns:o="o:">Dot files are not allowed</o:reason>');
  });

  it('never reaches outside the home with raw .. in the request path', async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(d.url);
      const req = httpRequest({ host: url.hostname, port: url.port, method: 'GET', path: `${FILES}/../bob/Readme.md`, headers: auth }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    // The path normalises to bob's home, which alice sees as an empty collection.
    expect(answer.status).toBe(404);
    expect(answer.body).toBe(errorBody('Sabre\\DAV\\Exception\\NotFound', "File not found: Readme.md in 'bob'"));
  });

  it("shows another user's home as an empty collection and refuses writes into it", async () => {
    const res = await dav('/remote.php/dav/files/bob/', { method: 'PROPFIND', headers: { Depth: '1' } });
    expect(res.status).toBe(207);
    const xml = await res.text();
    expect(xml.match(/<d:response>/g)).toHaveLength(1);
    expect(xml).toContain('<d:href>/remote.php/dav/files/bob/</d:href>');
    const put = await dav('/remote.php/dav/files/bob/x.txt', { method: 'PUT', body: 'x' });
    expect(put.status).toBe(403);
    expect(await put.text()).toContain('Permission denied to create file (filename x.txt)');
    const move = await dav(`${FILES}/Readme.md`, { method: 'COPY', headers: { Destination: '/remote.php/dav/files/bob/Readme.md' } });
    expect(move.status).toBe(403);
    expect((await dav('/remote.php/dav/files/nobody/', { method: 'PROPFIND' })).status).toBe(404);
  });

  it('keeps homes apart: what alice writes bob does not see', async () => {
    await dav(`${FILES}/private.txt`, { method: 'PUT', body: 'secret' });
    const bob = await fetch(`${d.url}/remote.php/dav/files/bob/private.txt`, { headers: bobAuth });
    expect(bob.status).toBe(404);
    expect(await bob.text()).toContain('File with name //private.txt could not be located');
  });

  it('serves the same home on the legacy /remote.php/webdav endpoint', async () => {
    const basicAuth = { Authorization: `Basic ${Buffer.from('alice:alice-password').toString('base64')}` };
    const res = await dav('/remote.php/webdav/Documents/', { method: 'PROPFIND', headers: { Depth: '1', ...basicAuth } });
    expect(res.status).toBe(207);
    expect(await res.text()).toContain('<d:href>/remote.php/webdav/Documents/Example.md</d:href>');
    const missing = await dav('/remote.php/webdav/Documents/missing.md', { headers: basicAuth });
    expect(await missing.text()).toContain('File with name Documents/missing.md could not be located');
  });

  it('lets a bearer GET through on the legacy endpoint but stops other methods at the CSRF check (Auth runs before BearerAuth there)', async () => {
    expect((await dav('/remote.php/webdav/Readme.md')).status).toBe(200);
    const propfind = await dav('/remote.php/webdav/', { method: 'PROPFIND', headers: { Depth: '0' } });
    expect(propfind.status).toBe(401);
    expect(await propfind.text()).toBe(errorBody('Sabre\\DAV\\Exception\\NotAuthenticated', 'CSRF check not passed.'));
  });
});

describe('PROPPATCH and favourites', () => {
  it('sets oc:favorite, refuses protected properties atomically, and reports favourites with oc:filter-files', async () => {
    const body = (props: string): string => `<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:set><d:prop>${props}</d:prop></d:set></d:propertyupdate>`;
    const refused = await dav(`${FILES}/Documents/Example.md`, { method: 'PROPPATCH', body: body('<oc:favorite>1</oc:favorite><oc:fileid>7</oc:fileid>') });
    expect(refused.status).toBe(207);
    const refusedXml = await refused.text();
    expect(refusedXml).toContain('<d:propstat><d:prop><oc:fileid/></d:prop><d:status>HTTP/1.1 403 Forbidden</d:status></d:propstat>');
    expect(refusedXml).toContain('<d:propstat><d:prop><oc:favorite/></d:prop><d:status>HTTP/1.1 424 Failed Dependency</d:status></d:propstat>');
    const ok = await dav(`${FILES}/Documents/Example.md`, { method: 'PROPPATCH', body: body('<oc:favorite>1</oc:favorite>') });
    expect(await ok.text()).toContain('<d:propstat><d:prop><oc:favorite/></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>');
    const report = await dav(`${FILES}/`, {
      method: 'REPORT',
      body: '<?xml version="1.0"?><oc:filter-files xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop><oc:favorite/></d:prop><oc:filter-rules><oc:favorite>1</oc:favorite></oc:filter-rules></oc:filter-files>',
    });
    expect(report.status).toBe(207);
    const xml = await report.text();
    expect(xml).toContain('<d:href>/remote.php/dav/files/alice/Documents/Example.md</d:href><d:propstat><d:prop><oc:favorite>1</oc:favorite></d:prop>');
    expect(xml.match(/<d:response>/g)).toHaveLength(1);
  });
});

describe('SEARCH errors', () => {
  const search = (body: string, type = 'text/xml'): Promise<Response> => dav('/remote.php/dav/', { method: 'SEARCH', headers: { 'Content-Type': type }, body });
  const request = (where: string, scope = '/files/alice'): string =>
    `<d:searchrequest xmlns:d="DAV:"><d:basicsearch><d:select><d:prop><d:displayname/></d:prop></d:select><d:from><d:scope><d:href>${scope}</d:href><d:depth>infinity</d:depth></d:scope></d:from><d:where>${where}</d:where></d:basicsearch></d:searchrequest>`;

  it('answers 400 in plain text for a search without where or on an unknown property', async () => {
    const noWhere = await search('<d:searchrequest xmlns:d="DAV:"><d:basicsearch><d:select><d:prop><d:displayname/></d:prop></d:select></d:basicsearch></d:searchrequest>');
    expect(noWhere.status).toBe(400);
    expect(await noWhere.text()).toBe('Parse error: Missing {DAV:}where from {DAV:}basicsearch');
    const unknown = await search(request('<d:eq><d:prop><d:foo/></d:prop><d:literal>x</d:literal></d:eq>'));
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toBe('requested search property is not a valid property for this scope');
  });

  it("answers 501 without an XML content type and 500 for another user's home as scope", async () => {
    expect((await search(request('<d:is-collection/>'), 'text/plain')).status).toBe(501);
    const other = await search(request('<d:is-collection/>', '/files/bob'));
    expect(other.status).toBe(500);
    expect(await other.text()).toContain('<s:message>Search is only supported on directories</s:message>');
  });

  it('limits results and finds folders with is-collection', async () => {
    const res = await search(request('<d:is-collection/>').replace('</d:where>', '</d:where><d:limit><d:nresults>2</d:nresults></d:limit>'));
    expect(res.status).toBe(207);
    expect(res.headers.get('content-type')).toBe('application/xml; charset="utf-8"');
    const xml = await res.text();
    expect(xml.match(/<d:response>/g)).toHaveLength(2);
    expect(xml).toMatch(/<d:href>\/remote\.php\/dav\/files\/alice\/[^<]+\/<\/d:href>/);
  });
});

describe('skeleton', () => {
  it('gives an empty home when skeletondirectory is set to an empty string', async () => {
    const empty = await startDouble({ users: [{ uid: 'carol', password: 'carol-password' }] });
    try {
      await empty.occ(['config:system:set', 'skeletondirectory', '--value=']);
      const res = await fetch(`${empty.url}/remote.php/dav/files/carol/`, { method: 'PROPFIND', headers: { Depth: '1', Authorization: `Basic ${Buffer.from('carol:carol-password').toString('base64')}` } });
      expect((await res.text()).match(/<d:response>/g)).toHaveLength(1);
    } finally {
      await empty.stop();
    }
  });
});
