import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDouble, type StartedDouble } from '../start-double.ts';
import { basicAuth, bearerAuth, call, OCS_JSON, type TestAuth } from './api-test-client.ts';

interface OcsBody {
  ocs: { meta: Record<string, unknown>; data: Record<string, unknown> & { capabilities?: Record<string, unknown>; version?: Record<string, unknown> } };
}
const ocs = (body: unknown): OcsBody['ocs'] => (body as OcsBody).ocs;

let double: StartedDouble;
beforeAll(async () => {
  double = await startDouble();
});
afterAll(async () => {
  await double.stop();
});

/** A cookie of a session of the double that `uid` is logged in to (what the login page leaves behind). */
function sessionCookie(uid: string): string {
  const session = double.state.newSession();
  session.uid = uid;
  return `${double.state.instanceId}=${session.id}`;
}

describe('GET /cloud/capabilities', () => {
  it('answers anonymous requests with the version block and only the 3 public groups', async () => {
    const r = await call(double, '/ocs/v2.php/cloud/capabilities', { headers: OCS_JSON });
    expect(r.status).toBe(200);
    const { meta, data } = ocs(r.body);
    expect(meta).toEqual({ status: 'ok', statuscode: 200, message: 'OK' });
    expect(data.version).toEqual({ major: 32, minor: 0, micro: 1, string: '32.0.1', edition: '', extendedSupport: false });
    expect(Object.keys(data.capabilities!).sort()).toEqual(['app_api', 'bruteforce', 'theming']);
    expect(r.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('gives a logged-in user 19 groups, without the apps that are disabled', async () => {
    const r = await call(double, '/ocs/v2.php/cloud/capabilities', { headers: OCS_JSON, auth: basicAuth(double, 'alice') });
    const groups = Object.keys(ocs(r.body).data.capabilities!);
    expect(groups).toHaveLength(19);
    expect(groups).toEqual(expect.arrayContaining(['core', 'bruteforce', 'files', 'dav', 'notes', 'deck', 'tables', 'files_sharing', 'provisioning_api']));
    expect((ocs(r.body).data.capabilities!['notes'] as Record<string, unknown>)['api_version']).toEqual(['0.2', '1.3', '1.4']);

    const other = await startDouble();
    try {
      expect((await other.occ(['app:disable', 'deck'])).exitCode).toBe(0);
      const r2 = await call(other, '/ocs/v2.php/cloud/capabilities', { headers: OCS_JSON, auth: basicAuth(other, 'alice') });
      expect(Object.keys(ocs(r2.body).data.capabilities!)).toHaveLength(18);
      expect(ocs(r2.body).data.capabilities!['deck']).toBeUndefined();
    } finally {
      await other.stop();
    }
  });

  it('reports the version of the Nextcloud major the double plays', async () => {
    const other = await startDouble({ nextcloud: 34 });
    try {
      const r = await call(other, '/ocs/v2.php/cloud/capabilities', { headers: OCS_JSON });
      expect(ocs(r.body).data.version).toMatchObject({ major: 34, string: '34.0.1' });
    } finally {
      await other.stop();
    }
  });

  it('answers XML by default and OCS v1 with statuscode 100 and the paging fields', async () => {
    const r = await call(double, '/ocs/v1.php/cloud/capabilities', { headers: { 'OCS-APIRequest': 'true' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    expect(r.text.startsWith('<?xml version="1.0"?>\n<ocs>\n <meta>\n  <status>ok</status>\n  <statuscode>100</statuscode>\n  <message>OK</message>\n  <totalitems></totalitems>\n  <itemsperpage></itemsperpage>\n </meta>\n')).toBe(true);
    expect(r.text).toContain('<major>32</major>');
    const json = await call(double, '/ocs/v1.php/cloud/capabilities?format=json', { headers: { 'OCS-APIRequest': 'true' } });
    expect(ocs(json.body).meta).toEqual({ status: 'ok', statuscode: 100, message: 'OK', totalitems: '', itemsperpage: '' });
  });

  it('fails the CSRF check without OCS-APIRequest or a bearer token', async () => {
    const r = await call(double, '/ocs/v2.php/cloud/capabilities', { headers: { Accept: 'application/json' }, auth: basicAuth(double, 'alice') });
    expect(r.status).toBe(412);
    expect(r.body).toEqual({ message: 'CSRF check failed' });
  });
});

describe('GET /cloud/user', () => {
  it('is 401 with OCS statuscode 997 without a login, in v1 and v2', async () => {
    for (const v of ['v1', 'v2']) {
      const r = await call(double, `/ocs/${v}.php/cloud/user`, { headers: OCS_JSON });
      expect(r.status).toBe(401);
      expect(ocs(r.body).meta).toMatchObject({ status: 'failure', statuscode: 997, message: 'Current user is not logged in' });
    }
  });

  it('answers the user data of the logged-in user', async () => {
    const r = await call(double, '/ocs/v2.php/cloud/user', { headers: OCS_JSON, auth: basicAuth(double, 'alice') });
    expect(r.status).toBe(200);
    const data = ocs(r.body).data;
    expect(data).toMatchObject({ id: 'alice', 'display-name': 'Alice Liddell', displayname: 'Alice Liddell', email: 'alice@example.test', groups: ['users'], language: 'en', backend: 'Database', emailScope: 'v2-federated' });
    expect(data['quota']).toEqual({ free: -3, used: 0, total: -3, relative: 0, quota: -3 });
    expect(data['lastLoginTimestamp']).toBeGreaterThan(0);
    // Only admins see `enabled` and `storageLocation`.
    expect(data['enabled']).toBeUndefined();
    const admin = await call(double, '/ocs/v2.php/cloud/user', { headers: OCS_JSON, auth: basicAuth(double, 'admin') });
    expect(ocs(admin.body).data).toMatchObject({ id: 'admin', enabled: true, storageLocation: '/var/www/html/data/admin', groups: ['admin'] });
  });

  it('accepts a bearer token without OCS-APIRequest and a session with it', async () => {
    const bearer = await call(double, '/ocs/v2.php/cloud/user?format=json', { auth: await bearerAuth(double, 'bob') });
    expect(bearer.status).toBe(200);
    expect(ocs(bearer.body).data['id']).toBe('bob');
    const session = await call(double, '/ocs/v2.php/cloud/user', { headers: { ...OCS_JSON, Cookie: sessionCookie('bob') } });
    expect(ocs(session.body).data['id']).toBe('bob');
    const noHeader = await call(double, '/ocs/v2.php/cloud/user', { headers: { Accept: 'application/json', Cookie: sessionCookie('bob') } });
    expect(noHeader.status).toBe(412);
  });
});

describe('app passwords', () => {
  it('creates one for a Basic login with the password; it logs in and can be deleted', async () => {
    const r = await call(double, '/ocs/v2.php/core/getapppassword', { headers: OCS_JSON, auth: basicAuth(double, 'bob') });
    expect(r.status).toBe(200);
    const appPassword = ocs(r.body).data['apppassword'] as string;
    expect(appPassword).toMatch(/^[A-Za-z0-9]{72}$/);

    const withApp = await call(double, '/ocs/v2.php/cloud/user', { headers: OCS_JSON, auth: { basic: ['bob', appPassword] } });
    expect(ocs(withApp.body).data['id']).toBe('bob');

    const again = await call(double, '/ocs/v2.php/core/getapppassword', { headers: OCS_JSON, auth: { basic: ['bob', appPassword] } });
    expect(again.status).toBe(403);
    expect(ocs(again.body).meta).toMatchObject({ statuscode: 403, message: 'You cannot request an new apppassword with an apppassword' });

    const deleted = await call(double, '/ocs/v2.php/core/apppassword', { method: 'DELETE', headers: OCS_JSON, auth: { basic: ['bob', appPassword] } });
    expect(deleted.status).toBe(200);
    const gone = await call(double, '/ocs/v2.php/cloud/user', { headers: OCS_JSON, auth: { basic: ['bob', appPassword] } });
    expect(gone.status).toBe(401);
  });

  it('refuses to delete when no app password is in use, and asks for a login', async () => {
    const r = await call(double, '/ocs/v2.php/core/apppassword', { method: 'DELETE', headers: OCS_JSON, auth: basicAuth(double, 'bob') });
    expect(r.status).toBe(403);
    expect(ocs(r.body).meta['message']).toBe('no app password in use');
    const anonymous = await call(double, '/ocs/v2.php/core/getapppassword', { headers: OCS_JSON });
    expect(anonymous.status).toBe(401);
    expect(ocs(anonymous.body).meta['statuscode']).toBe(997);
  });

  it('works for a logged-in session and needs a password confirmation for a bearer login', async () => {
    const session = await call(double, '/ocs/v2.php/core/getapppassword', { headers: { ...OCS_JSON, Cookie: sessionCookie('alice') } });
    expect(session.status).toBe(200);
    const bearer = await call(double, '/ocs/v2.php/core/getapppassword', { headers: OCS_JSON, auth: await bearerAuth(double, 'alice') });
    expect(bearer.status).toBe(403);
    expect(ocs(bearer.body).meta['message']).toBe('Password confirmation is required');
  });
});

describe('provisioning API', () => {
  it('lets an admin create, read, list and delete users', async () => {
    const created = await call(double, '/ocs/v2.php/cloud/users', {
      method: 'POST',
      headers: OCS_JSON,
      auth: basicAuth(double, 'admin'),
      json: { userid: 'carol', password: 'carol-password-1', displayName: 'Carol Danvers', email: 'carol@example.test', groups: ['users'] },
    });
    expect(created.status).toBe(200);
    expect(ocs(created.body).data).toEqual({ id: 'carol' });

    const login = await call(double, '/ocs/v2.php/cloud/user', { headers: OCS_JSON, auth: { basic: ['carol', 'carol-password-1'] } });
    expect(ocs(login.body).data).toMatchObject({ id: 'carol', 'display-name': 'Carol Danvers', email: 'carol@example.test', groups: ['users'] });

    const one = await call(double, '/ocs/v2.php/cloud/users/carol', { headers: OCS_JSON, auth: basicAuth(double, 'admin') });
    expect(ocs(one.body).data).toMatchObject({ id: 'carol', enabled: true, displayname: 'Carol Danvers' });

    const list = await call(double, '/ocs/v2.php/cloud/users?search=car', { headers: OCS_JSON, auth: basicAuth(double, 'admin') });
    expect(ocs(list.body).data).toEqual({ users: ['carol'] });
    const all = await call(double, '/ocs/v1.php/cloud/users?limit=2&offset=1', { headers: OCS_JSON, auth: basicAuth(double, 'admin') });
    expect(ocs(all.body).data['users']).toEqual(['alice', 'bob']);

    const deleted = await call(double, '/ocs/v2.php/cloud/users/carol', { method: 'DELETE', headers: OCS_JSON, auth: basicAuth(double, 'admin') });
    expect(deleted.status).toBe(200);
    const again = await call(double, '/ocs/v2.php/cloud/users/carol', { method: 'DELETE', headers: OCS_JSON, auth: basicAuth(double, 'admin') });
    expect(again.status).toBe(404);
    expect(ocs(again.body).meta['statuscode']).toBe(998);
    const afterDelete = await call(double, '/ocs/v2.php/cloud/user', { headers: OCS_JSON, auth: { basic: ['carol', 'carol-password-1'] } });
    expect(afterDelete.status).toBe(401);
  });

  it("deletes a user's app data with the user", async () => {
    const add = () => call(double, '/ocs/v2.php/cloud/users', { method: 'POST', headers: OCS_JSON, auth: basicAuth(double, 'admin'), json: { userid: 'heidi', password: 'heidi-password-1' } });
    const heidi: TestAuth = { basic: ['heidi', 'heidi-password-1'] };
    expect((await add()).status).toBe(200);
    expect((await call(double, '/index.php/apps/notes/api/v1/notes', { method: 'POST', auth: heidi, json: { title: 'Left behind' } })).status).toBe(200);
    expect((await call(double, '/index.php/apps/deck/api/v1.0/boards', { method: 'POST', auth: heidi, json: { title: 'Board', color: '000000' } })).status).toBe(200);
    expect((await call(double, '/ocs/v2.php/cloud/users/heidi', { method: 'DELETE', headers: OCS_JSON, auth: basicAuth(double, 'admin') })).status).toBe(200);
    expect((await add()).status).toBe(200);
    expect((await call(double, '/index.php/apps/notes/api/v1/notes', { auth: heidi })).body).toEqual([]);
    expect((await call(double, '/index.php/apps/deck/api/v1.0/boards', { auth: heidi })).body).toEqual([]);
  });

  it('answers the OCS statuscodes of addUser (v2 as 400, v1 as 200)', async () => {
    const add = (json: unknown, v = 'v2') => call(double, `/ocs/${v}.php/cloud/users`, { method: 'POST', headers: OCS_JSON, auth: basicAuth(double, 'admin'), json });
    const exists = await add({ userid: 'alice', password: 'another-password' });
    expect(exists.status).toBe(400);
    expect(ocs(exists.body).meta).toEqual({ status: 'failure', statuscode: 102, message: 'User already exists' });
    const existsV1 = await add({ userid: 'alice', password: 'another-password' }, 'v1');
    expect(existsV1.status).toBe(200);
    expect(ocs(existsV1.body).meta).toMatchObject({ status: 'failure', statuscode: 102 });
    expect(ocs((await add({ userid: 'dave', password: 'dave-password-1', groups: ['nope'] })).body).meta).toMatchObject({ statuscode: 104, message: 'group nope does not exist' });
    expect(ocs((await add({ userid: 'dave' })).body).meta).toMatchObject({ statuscode: 108 });
    expect(ocs((await add({ userid: 'da/ve', password: 'dave-password-1' })).body).meta).toMatchObject({ statuscode: 101 });
    expect(double.state.users.has('dave')).toBe(false);
  });

  it('refuses non-admins and hides other users from them', async () => {
    const list = await call(double, '/ocs/v2.php/cloud/users', { headers: OCS_JSON, auth: basicAuth(double, 'alice') });
    expect(list.status).toBe(403);
    expect(ocs(list.body).meta['message']).toBe('Logged in account must be at least a sub admin');
    const add = await call(double, '/ocs/v2.php/cloud/users', { method: 'POST', headers: OCS_JSON, auth: basicAuth(double, 'alice'), json: { userid: 'eve', password: 'eve-password-1' } });
    expect(add.status).toBe(403);
    const other = await call(double, '/ocs/v2.php/cloud/users/bob', { headers: OCS_JSON, auth: basicAuth(double, 'alice') });
    expect(other.status).toBe(404);
    expect(ocs(other.body).meta['statuscode']).toBe(998);
    const self = await call(double, '/ocs/v2.php/cloud/users/alice', { headers: OCS_JSON, auth: basicAuth(double, 'alice') });
    expect(ocs(self.body).data).toMatchObject({ id: 'alice', displaynameScope: 'v2-federated' });
    const missing = await call(double, '/ocs/v2.php/cloud/users/nobody', { headers: OCS_JSON, auth: basicAuth(double, 'admin') });
    expect(missing.status).toBe(404);
    expect(ocs(missing.body).meta).toMatchObject({ statuscode: 404, message: 'User does not exist' });
    const self2 = await call(double, '/ocs/v2.php/cloud/users/admin', { method: 'DELETE', headers: OCS_JSON, auth: basicAuth(double, 'admin') });
    expect(ocs(self2.body).meta['statuscode']).toBe(101);
  });

  it('creates users from a form post and edits them with key/value (as the harness does)', async () => {
    const form = (fields: Record<string, string>): { headers: Record<string, string>; body: string } => ({
      headers: { ...OCS_JSON, 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${Buffer.from('admin:admin-password').toString('base64')}` },
      body: new URLSearchParams(fields).toString(),
    });
    const post = (path: string, method: string, fields: Record<string, string>) => fetch(`${double.url}${path}`, { method, ...form(fields) });
    const created = await post('/ocs/v2.php/cloud/users', 'POST', { userid: 'grace', password: 'grace-password-1', displayName: 'Grace Hopper' });
    expect(created.status).toBe(200);
    const reset = await post('/ocs/v2.php/cloud/users/grace', 'PUT', { key: 'password', value: 'grace-password-2' });
    expect(reset.status).toBe(200);
    expect((await call(double, '/ocs/v2.php/cloud/user', { headers: OCS_JSON, auth: { basic: ['grace', 'grace-password-1'] } })).status).toBe(401);
    expect((await call(double, '/ocs/v2.php/cloud/user', { headers: OCS_JSON, auth: { basic: ['grace', 'grace-password-2'] } })).status).toBe(200);

    expect((await post('/ocs/v2.php/cloud/users/grace', 'PUT', { key: 'quota', value: '5 GB' })).status).toBe(200);
    const details = await call(double, '/ocs/v2.php/cloud/users/grace', { headers: OCS_JSON, auth: basicAuth(double, 'admin') });
    expect(ocs(details.body).data['quota']).toMatchObject({ quota: 5 * 1024 ** 3, total: 5 * 1024 ** 3 });
    const badQuota = await post('/ocs/v2.php/cloud/users/grace', 'PUT', { key: 'quota', value: 'lots' });
    expect(badQuota.status).toBe(400);
    expect(ocs(await badQuota.json()).meta).toMatchObject({ statuscode: 102, message: 'Invalid quota value lots' });
    const unknownKey = await post('/ocs/v2.php/cloud/users/grace', 'PUT', { key: 'shoeSize', value: '42' });
    expect(ocs(await unknownKey.json()).meta['statuscode']).toBe(113);

    const byOther = await call(double, '/ocs/v2.php/cloud/users/grace', { method: 'PUT', headers: OCS_JSON, auth: basicAuth(double, 'alice'), json: { key: 'display', value: 'Hacked' } });
    expect(byOther.status).toBe(404);
    expect(ocs(byOther.body).meta['statuscode']).toBe(998);
    const bySelf = await call(double, '/ocs/v2.php/cloud/users/alice', { method: 'PUT', headers: OCS_JSON, auth: basicAuth(double, 'alice'), json: { key: 'quota', value: '1 GB' } });
    expect(ocs(bySelf.body).meta['statuscode']).toBe(113);
  });

  it('needs a password confirmation that a bearer login does not have', async () => {
    const r = await call(double, '/ocs/v2.php/cloud/users', { method: 'POST', headers: OCS_JSON, auth: await bearerAuth(double, 'admin'), json: { userid: 'frank', password: 'frank-password-1' } });
    expect(r.status).toBe(403);
    expect(ocs(r.body).meta['message']).toBe('Password confirmation is required');
  });
});
