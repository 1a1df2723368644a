/**
 * DAV authentication against the double: Sabre's NotAuthenticated answers (exact body and header), the
 * facts page's DAV rows of the bearer table for every patch mode, Basic with passwords and app passwords,
 * cookie sessions and their CSRF check, and the legacy endpoint's backend order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PATCH_MODES, type PatchMode } from '../double-state.ts';
import { issueAccessToken } from '../oidc/issue-tokens.ts';
import { startDouble, type StartedDouble } from '../start-double.ts';
import { DAV_AUTH_REASONS } from './dav-auth.ts';

const R = DAV_AUTH_REASONS;

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

function sabreError(exception: string, message: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">\n  <s:exception>${exception}</s:exception>\n  <s:message>${message}</s:message>\n</d:error>\n`;
}

async function propfind(d: StartedDouble, path: string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${d.url}${path}`, { method: 'PROPFIND', headers: { Depth: '1', ...headers } });
}

describe('DAV 401 answers (NC 32)', () => {
  let d: StartedDouble;
  beforeAll(async () => {
    d = await startDouble({ nextcloud: 32, appConfigCacheTtlMs: 0 });
  });
  afterAll(async () => d.stop());

  it('answers a request without credentials with Sabre NotAuthenticated and a Basic challenge', async () => {
    const res = await propfind(d, '/remote.php/dav/files/alice/', {});
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="Nextcloud", charset="UTF-8"');
    expect(res.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    const message = [R.publicAuth, R.appApi, R.federatedCalendar, R.noBasic, R.noBearer, R.noBasic].join(', ');
    expect(await res.text()).toBe(sabreError('Sabre\\DAV\\Exception\\NotAuthenticated', message));
  });

  it('answers an invalid bearer token with "Bearer token was incorrect" among the reasons (the message observed on NC 32.0.1)', async () => {
    const res = await propfind(d, '/remote.php/dav/calendars/alice/', { Authorization: 'Bearer not-a-token-of-the-oidc-app' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="Nextcloud", charset="UTF-8"');
    const message = [R.publicAuth, R.appApi, R.federatedCalendar, R.noBasic, R.badBearer, R.noBasic].join(', ');
    expect(await res.text()).toBe(sabreError('Sabre\\DAV\\Exception\\NotAuthenticated', message));
  });

  it('answers a wrong Basic password with "Username or password was incorrect"', async () => {
    const res = await propfind(d, '/remote.php/dav/files/alice/', { Authorization: basic('alice', 'wrong') });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain(`${R.noBearer}, ${R.badBasic}</s:message>`);
  });

  it('refuses ajax requests without a session with a DummyBasic challenge', async () => {
    const res = await propfind(d, '/remote.php/dav/files/alice/', { 'X-Requested-With': 'XMLHttpRequest' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('DummyBasic realm="Nextcloud"');
    expect(await res.text()).toBe(sabreError('Sabre\\DAV\\Exception\\NotAuthenticated', 'Cannot authenticate over ajax calls'));
  });

  it('drops the app_api reason once app_api is disabled, the federated-calendar reason once calendar federation is off, and FedAuth with the federation app', async () => {
    await d.occ(['app:disable', 'app_api']);
    await d.occ(['config:app:set', 'dav', 'enableCalendarFederation', '--value=no']);
    try {
      const text = await (await propfind(d, '/remote.php/dav/files/alice/', {})).text();
      expect(text).toContain(`<s:message>${R.publicAuth}, ${R.noBasic}, ${R.noBearer}, ${R.noBasic}</s:message>`);
      await d.occ(['app:disable', 'federation']);
      const without = await (await propfind(d, '/remote.php/dav/files/alice/', {})).text();
      expect(without).toContain(`<s:message>${R.publicAuth}, ${R.noBearer}, ${R.noBasic}</s:message>`);
    } finally {
      d.state.enabledApps.add('federation');
      d.state.enabledApps.add('app_api');
      d.state.deleteAppValue('dav', 'enableCalendarFederation');
    }
  });

  it('uses the legacy endpoint order on /remote.php/webdav: Basic, then Bearer', async () => {
    const res = await propfind(d, '/remote.php/webdav/', {});
    expect(res.status).toBe(401);
    expect(await res.text()).toBe(sabreError('Sabre\\DAV\\Exception\\NotAuthenticated', `${R.noBasic}, ${R.noBearer}`));
  });
});

describe('DAV 401 answers (NC 31: no federated calendar backend)', () => {
  it('lists no federated-calendar reason before NC 32', async () => {
    const d = await startDouble({ nextcloud: 31 });
    try {
      const text = await (await propfind(d, '/remote.php/dav/files/alice/', {})).text();
      expect(text).toContain(`<s:message>${R.publicAuth}, ${R.appApi}, ${R.noBasic}, ${R.noBearer}, ${R.noBasic}</s:message>`);
    } finally {
      await d.stop();
    }
  });
});

describe("facts page bearer table, DAV rows: PROPFIND Depth 1 with Bearer", () => {
  for (const patch of PATCH_MODES) {
    describe(`patch ${patch}`, () => {
      let d: StartedDouble;
      beforeAll(async () => {
        d = await startDouble({ patch: patch as PatchMode });
      });
      afterAll(async () => d.stop());

      for (const format of ['opaque', 'jwt'] as const) {
        it(`answers 207 for files and calendars with a valid ${format} token, and 401 NotAuthenticated with an invalid one`, async () => {
          const token = await issueAccessToken(d.state, { uid: 'alice', format });
          for (const path of ['/remote.php/dav/files/alice/', '/remote.php/dav/calendars/alice/']) {
            const ok = await propfind(d, path, { Authorization: `Bearer ${token.token}` });
            expect(ok.status, path).toBe(207);
            expect(await ok.text()).toContain(`<d:href>${path}</d:href>`);
            const bad = await propfind(d, path, { Authorization: `Bearer ${token.token}x` });
            expect(bad.status, path).toBe(401);
            expect(await bad.text()).toContain('<s:exception>Sabre\\DAV\\Exception\\NotAuthenticated</s:exception>');
          }
        });
      }
    });
  }

  it('refuses bearer tokens when user_oidc does not validate them (oidc_provider_bearer_validation off)', async () => {
    const d = await startDouble({});
    try {
      const token = await issueAccessToken(d.state, { uid: 'alice' });
      await d.occ(['config:system:set', 'user_oidc', 'oidc_provider_bearer_validation', '--value=false', '--type=boolean']);
      const res = await propfind(d, '/remote.php/dav/files/alice/', { Authorization: `Bearer ${token.token}` });
      expect(res.status).toBe(401);
      expect(await res.text()).toContain(R.badBearer);
    } finally {
      await d.stop();
    }
  });
});

describe('Basic, app passwords and sessions', () => {
  let d: StartedDouble;
  beforeAll(async () => {
    d = await startDouble({});
  });
  afterAll(async () => d.stop());

  it('accepts Basic with the password and with an app password', async () => {
    expect((await propfind(d, '/remote.php/dav/files/bob/', { Authorization: basic('bob', 'bob-password') })).status).toBe(207);
    d.state.users.get('bob')!.appPasswords.add('AppPassword-For-Bob-0123456789');
    expect((await propfind(d, '/remote.php/dav/files/bob/', { Authorization: basic('bob', 'AppPassword-For-Bob-0123456789') })).status).toBe(207);
  });

  it('accepts an app password sent as bearer token (core BearerAuth, tryTokenLogin)', async () => {
    d.state.users.get('bob')!.appPasswords.add('AppPassword-As-Bearer-0123456789');
    const res = await propfind(d, '/remote.php/dav/files/bob/', { Authorization: 'Bearer AppPassword-As-Bearer-0123456789' });
    expect(res.status).toBe(207);
  });

  it('lets a cookie session GET but wants the requesttoken for other methods (CSRF check of the DAV Auth backend)', async () => {
    const session = d.state.newSession();
    session.uid = 'alice';
    const cookie = `${d.state.instanceId}=${session.id}`;
    const noToken = await propfind(d, '/remote.php/dav/files/alice/', { Cookie: cookie });
    expect(noToken.status).toBe(401);
    expect(await noToken.text()).toBe(sabreError('Sabre\\DAV\\Exception\\NotAuthenticated', 'CSRF check not passed.'));
    expect(noToken.headers.get('www-authenticate')).toBeNull();
    expect((await propfind(d, '/remote.php/dav/files/alice/', { Cookie: cookie, requesttoken: session.requestToken })).status).toBe(207);
    expect((await fetch(`${d.url}/remote.php/dav/files/alice/Readme.md`, { headers: { Cookie: cookie } })).status).toBe(200);
  });

  it('lets a cookie session through with OCS-APIRequest from NC 31 on (passesCSRFCheck)', async () => {
    const session = d.state.newSession();
    session.uid = 'alice';
    const res = await propfind(d, '/remote.php/dav/files/alice/', { Cookie: `${d.state.instanceId}=${session.id}`, 'OCS-APIRequest': 'true' });
    expect(res.status).toBe(207);
  });

  it('answers OPTIONS only to authenticated clients, with the DAV compliance header', async () => {
    expect((await fetch(`${d.url}/remote.php/dav/`, { method: 'OPTIONS' })).status).toBe(401);
    const res = await fetch(`${d.url}/remote.php/dav/`, { method: 'OPTIONS', headers: { Authorization: basic('alice', 'alice-password') } });
    expect(res.status).toBe(200);
    expect(res.headers.get('dav')).toMatch(/^1, 3, extended-mkcol, access-control/);
    expect(res.headers.get('dasl')).toBe('<DAV:basicsearch>');
    expect(res.headers.get('allow')).toContain('SEARCH');
  });
});
