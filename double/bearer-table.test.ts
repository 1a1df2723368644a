/**
 * The facts page's table "Bearer tokens on Nextcloud APIs" (../shared/nextcloud-facts.md), as data, against
 * the double: every row for every patch mode, with and without `OCS-APIRequest`, valid and invalid tokens,
 * opaque and JWT; then the version gates of user_oidc that change it. The DAV rows live in double/dav/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, OCS_JSON, type TestAnswer, type TestAuth } from './apps/api-test-client.ts';
import { PATCH_MODES, type PatchMode } from './double-state.ts';
import { notesStore } from './apps/notes-store.ts';
import { issueAccessToken } from './oidc/issue-tokens.ts';
import { startDouble, type StartDoubleOptions, type StartedDouble } from './start-double.ts';
import type { NextcloudMajor } from './version-gates.ts';

/** What a row expects: a status and, depending on the route, the body, the number of capability groups or the user. */
interface Expect {
  status: number;
  /** Exact JSON body. */
  body?: unknown;
  /** Number of capability groups (19 for a user, 3 anonymous). */
  groups?: number;
  /** OCS statuscode. */
  ocsStatus?: number;
  /** The user the answer is about (OCS cloud/user `id`, or a created note's presence). */
  uid?: string;
}

type PerPatch = Record<PatchMode, Expect>;
const same = (e: Expect): PerPatch => ({ none: e, 'user_oidc-app-api': e, 'server-cors': e });

const CORS_REQUIRES_BASIC: Expect = { status: 401, body: { message: 'CORS requires basic auth' } };
const NOT_LOGGED_IN: Expect = { status: 401, body: { message: 'Current user is not logged in' } };
const NOTES_OK: Expect = { status: 200, uid: 'alice' };

/** One row of the table: a request made with a valid or an invalid token. */
interface Row {
  id: string;
  method: 'GET' | 'POST';
  path: string;
  ocsApiRequest: boolean;
  token: 'valid' | 'invalid';
  expect: PerPatch;
  /** A note from the facts page or the code behind a cell the page does not state. */
  source: string;
}

const capabilities = '/ocs/v2.php/cloud/capabilities';
const cloudUser = '/ocs/v2.php/cloud/user';
const notes = '/index.php/apps/notes/api/v1/notes';

const ROWS: readonly Row[] = [
  { id: 'capabilities, OCS-APIRequest, valid', method: 'GET', path: capabilities, ocsApiRequest: true, token: 'valid', expect: same({ status: 200, groups: 19 }), source: 'facts page' },
  { id: 'capabilities, OCS-APIRequest, invalid', method: 'GET', path: capabilities, ocsApiRequest: true, token: 'invalid', expect: same({ status: 200, groups: 3 }), source: 'facts page: anonymous, 3 groups instead of 19' },
  { id: 'cloud/user, OCS-APIRequest, valid', method: 'GET', path: cloudUser, ocsApiRequest: true, token: 'valid', expect: same({ status: 200, uid: 'alice' }), source: 'facts page' },
  { id: 'cloud/user, no OCS-APIRequest, valid', method: 'GET', path: cloudUser, ocsApiRequest: false, token: 'valid', expect: same({ status: 200, uid: 'alice' }), source: 'facts page' },
  { id: 'cloud/user, OCS-APIRequest, invalid', method: 'GET', path: cloudUser, ocsApiRequest: true, token: 'invalid', expect: same({ status: 401, ocsStatus: 997 }), source: 'facts page' },
  { id: 'cloud/user, no OCS-APIRequest, invalid', method: 'GET', path: cloudUser, ocsApiRequest: false, token: 'invalid', expect: same({ status: 401, ocsStatus: 997 }), source: 'facts page' },
  {
    id: 'Notes GET, bearer only, valid',
    method: 'GET',
    path: notes,
    ocsApiRequest: false,
    token: 'valid',
    expect: { none: CORS_REQUIRES_BASIC, 'user_oidc-app-api': NOTES_OK, 'server-cors': NOTES_OK },
    source: 'facts page: the two rows the patch changes',
  },
  {
    id: 'Notes POST, bearer only, valid',
    method: 'POST',
    path: notes,
    ocsApiRequest: false,
    token: 'valid',
    expect: { none: CORS_REQUIRES_BASIC, 'user_oidc-app-api': NOTES_OK, 'server-cors': NOTES_OK },
    source: 'facts page: the two rows the patch changes',
  },
  // With the server patch CORSMiddleware returns before logging out, so an invalid token meets the login check.
  {
    id: 'Notes GET, bearer only, invalid',
    method: 'GET',
    path: notes,
    ocsApiRequest: false,
    token: 'invalid',
    expect: { none: CORS_REQUIRES_BASIC, 'user_oidc-app-api': CORS_REQUIRES_BASIC, 'server-cors': NOT_LOGGED_IN },
    source: 'facts page (unpatched, user_oidc patch); nextcloud/server#55878 from code (server-cors)',
  },
  {
    id: 'Notes POST, bearer only, invalid',
    method: 'POST',
    path: notes,
    ocsApiRequest: false,
    token: 'invalid',
    expect: { none: CORS_REQUIRES_BASIC, 'user_oidc-app-api': CORS_REQUIRES_BASIC, 'server-cors': NOT_LOGGED_IN },
    source: 'facts page (unpatched, user_oidc patch); nextcloud/server#55878 from code (server-cors)',
  },
  { id: 'Notes GET, OCS-APIRequest, valid', method: 'GET', path: notes, ocsApiRequest: true, token: 'valid', expect: same(NOTES_OK), source: 'facts page: NC >= 31' },
  { id: 'Notes POST, OCS-APIRequest, valid', method: 'POST', path: notes, ocsApiRequest: true, token: 'valid', expect: same(NOTES_OK), source: 'facts page: NC >= 31' },
  { id: 'Notes GET, OCS-APIRequest, invalid', method: 'GET', path: notes, ocsApiRequest: true, token: 'invalid', expect: same(NOT_LOGGED_IN), source: 'facts page: NC >= 31' },
  { id: 'Notes POST, OCS-APIRequest, invalid', method: 'POST', path: notes, ocsApiRequest: true, token: 'invalid', expect: same(NOT_LOGGED_IN), source: 'facts page: NC >= 31' },
];

/** A token the `oidc` app never issued: 72 alphanumeric characters like a real one. */
const INVALID_TOKEN = 'Zz9'.repeat(24);

/** Sends one row's request with `token`. */
function send(double: StartedDouble, row: Pick<Row, 'method' | 'path' | 'ocsApiRequest'>, auth: TestAuth): Promise<TestAnswer> {
  const headers: Record<string, string> = row.path.startsWith('/ocs/') ? { Accept: 'application/json' } : {};
  if (row.ocsApiRequest) Object.assign(headers, OCS_JSON);
  return call(double, row.path, { method: row.method, auth, headers, ...(row.method === 'POST' ? { json: { title: 'From a bearer client', content: 'hello' } } : {}) });
}

/** Checks an answer against a cell of the table. */
function check(answer: TestAnswer, expected: Expect, context: string, double?: StartedDouble): void {
  expect(answer.status, `${context}: ${answer.text.slice(0, 200)}`).toBe(expected.status);
  if (expected.body !== undefined) expect(answer.body, context).toEqual(expected.body);
  const ocs = (answer.body as { ocs?: { meta: { statuscode: number }; data: Record<string, unknown> } } | undefined)?.ocs;
  if (expected.groups !== undefined) expect(Object.keys(ocs?.data['capabilities'] as object), context).toHaveLength(expected.groups);
  if (expected.ocsStatus !== undefined) expect(ocs?.meta.statuscode, context).toBe(expected.ocsStatus);
  if (expected.uid !== undefined) {
    if (ocs) expect(ocs.data['id'], context).toBe(expected.uid);
    else if (Array.isArray(answer.body)) expect(answer.headers.get('x-notes-api-versions'), context).not.toBeNull();
    else {
      // A created note: it must be in the user's notes (its title is numbered when taken: "... (2)").
      const note = answer.body as { id: number; title: string };
      expect(note.title, context).toMatch(/^From a bearer client/);
      if (double) expect(notesStore(double.state).get(expected.uid, note.id).title, context).toBe(note.title);
    }
  }
}

const MAJORS: readonly NextcloudMajor[] = [31, 32, 34];

for (const nextcloud of MAJORS) {
  for (const patch of PATCH_MODES) {
    describe(`bearer table: NC ${nextcloud}, patch ${patch}`, () => {
      let double: StartedDouble;
      const tokens: Record<'opaque' | 'jwt', string> = { opaque: '', jwt: '' };
      beforeAll(async () => {
        double = await startDouble({ nextcloud, patch });
        tokens.opaque = (await issueAccessToken(double.state, { uid: 'alice', format: 'opaque' })).token;
        tokens.jwt = (await issueAccessToken(double.state, { uid: 'alice', format: 'jwt' })).token;
      });
      afterAll(async () => {
        await double.stop();
      });

      for (const row of ROWS) {
        it(`${row.id} (${row.source})`, async () => {
          if (row.token === 'invalid') {
            check(await send(double, row, { bearer: INVALID_TOKEN }), row.expect[patch], row.id);
            return;
          }
          for (const format of ['opaque', 'jwt'] as const) check(await send(double, row, { bearer: tokens[format] }), row.expect[patch], `${row.id}, ${format}`, double);
        });
      }

      it('Notes with Basic auth: the password and an app password both work', async () => {
        const withPassword = await send(double, { method: 'GET', path: notes, ocsApiRequest: false }, { basic: ['alice', 'alice-password'] });
        expect(withPassword.status).toBe(200);
        const created = await call(double, '/ocs/v2.php/core/getapppassword', { headers: OCS_JSON, auth: { basic: ['alice', 'alice-password'] } });
        const appPassword = (created.body as { ocs: { data: { apppassword: string } } }).ocs.data.apppassword;
        for (const method of ['GET', 'POST'] as const) {
          const withAppPassword = await send(double, { method, path: notes, ocsApiRequest: false }, { basic: ['alice', appPassword] });
          expect(withAppPassword.status, method).toBe(200);
        }
        const wrong = await send(double, { method: 'GET', path: notes, ocsApiRequest: false }, { basic: ['alice', 'not-the-password'] });
        check(wrong, CORS_REQUIRES_BASIC, 'wrong password');
      });
    });
  }
}

describe('bearer table: user_oidc version gates', () => {
  const withDouble = async (options: StartDoubleOptions, run: (double: StartedDouble, token: string) => Promise<void>): Promise<void> => {
    const double = await startDouble(options);
    try {
      await run(double, (await issueAccessToken(double.state, { uid: 'alice', format: 'opaque' })).token);
    } finally {
      await double.stop();
    }
  };

  it('user_oidc 6.x has no bearer validation: every bearer request is anonymous', async () => {
    await withDouble({ nextcloud: 32, userOidc: '6.4.0' }, async (double, token) => {
      check(await send(double, ROWS[2]!, { bearer: token }), { status: 401, ocsStatus: 997 }, 'cloud/user');
      check(await send(double, ROWS[0]!, { bearer: token }), { status: 200, groups: 3 }, 'capabilities');
      check(await send(double, { method: 'GET', path: notes, ocsApiRequest: true }, { bearer: token }), NOT_LOGGED_IN, 'Notes with OCS-APIRequest');
      check(await send(double, { method: 'GET', path: notes, ocsApiRequest: false }, { bearer: token }), CORS_REQUIRES_BASIC, 'Notes');
    });
  });

  it('user_oidc 7.3.2 fails every bearer request on NC 31, not on NC 32', async () => {
    await withDouble({ nextcloud: 31, userOidc: '7.3.2' }, async (double, token) => {
      check(await send(double, ROWS[2]!, { bearer: token }), { status: 401, ocsStatus: 997 }, 'NC 31 cloud/user');
      check(await send(double, { method: 'GET', path: notes, ocsApiRequest: true }, { bearer: token }), NOT_LOGGED_IN, 'NC 31 Notes');
    });
    await withDouble({ nextcloud: 32, userOidc: '7.3.2' }, async (double, token) => {
      check(await send(double, ROWS[2]!, { bearer: token }), { status: 200, uid: 'alice' }, 'NC 32 cloud/user');
    });
  });

  /** A bearer request without cookies, then requests with only the session cookie it was given. */
  const cookieAfterBearer = async (double: StartedDouble, token: string): Promise<{ user: TestAnswer; appPassword: TestAnswer }> => {
    const first = await call(double, cloudUser, { headers: OCS_JSON, auth: { bearer: token } });
    expect(first.status).toBe(200);
    const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(cookie).toContain(`${double.state.instanceId}=`);
    const user = await call(double, cloudUser, { headers: { ...OCS_JSON, Cookie: cookie } });
    const appPassword = await call(double, '/ocs/v2.php/core/getapppassword', { headers: { ...OCS_JSON, Cookie: cookie } });
    return { user, appPassword };
  };

  it('the session of a bearer request keeps working with its cookie, in every user_oidc (the oidc-app path; observed on NC 32.0.1 with 8.10.1)', async () => {
    for (const userOidc of ['8.6.1', '8.7.0', '8.10.1']) {
      await withDouble({ nextcloud: 32, userOidc }, async (double, token) => {
        const { user, appPassword } = await cookieAfterBearer(double, token);
        check(user, { status: 200, uid: 'alice' }, `${userOidc} cloud/user`);
        expect(appPassword.status, userOidc).toBe(200);
      });
    }
  });

  it('oidc_provider_bearer_validation must be a real boolean: the string "true" disables bearer tokens', async () => {
    await withDouble({ nextcloud: 32 }, async (double, token) => {
      check(await send(double, ROWS[2]!, { bearer: token }), { status: 200, uid: 'alice' }, 'boolean true');
      const set = await double.occ(['config:system:set', 'user_oidc', 'oidc_provider_bearer_validation', '--value=true']);
      expect(set.exitCode).toBe(0);
      check(await send(double, ROWS[2]!, { bearer: token }), { status: 401, ocsStatus: 997 }, 'string "true"');
      check(await send(double, ROWS[0]!, { bearer: token }), { status: 200, groups: 3 }, 'capabilities with string "true"');
    });
  });
});
