// Nextcloud APIs with a Bearer token of the oidc app and no cookies (facts page: "Bearer tokens on
// Nextcloud APIs"), and the same APIs with an invalid token (RFC 6750 §3.1).
import { basicAuthorization, randomAlphanumeric, type StartedNextcloud, type TestUser } from '../../harness/index.ts';
import { test } from '../fixtures/matrix-fixtures.ts';
import { capabilityGroups, httpObserve, PROPFIND_BODY, PROPFIND_HEADERS, type HttpObservation } from '../fixtures/observe-http.ts';
import { withChecks } from '../record-check.ts';

const CAPABILITIES = '/ocs/v2.php/cloud/capabilities';
const CLOUD_USER = '/ocs/v2.php/cloud/user';
const NOTES = '/index.php/apps/notes/api/v1/notes';

/** Posts a note with the token; deletes it again with the user's password (Basic works whatever the patch). */
async function postNote(nextcloud: StartedNextcloud, user: TestUser, token: string, ocs: boolean): Promise<HttpObservation> {
  const body = JSON.stringify({ title: 'nc-oauth-lab matrix', content: 'Written by a matrix scenario; deleted right after.', category: '' });
  const answer = await httpObserve(`${nextcloud.baseUrl}${NOTES}`, { method: 'POST', bearer: token, ocs, body, headers: { 'Content-Type': 'application/json' } });
  const id = (answer.json as { id?: unknown } | undefined)?.id;
  if (typeof id === 'number') {
    await httpObserve(`${nextcloud.baseUrl}${NOTES}/${id}`, { method: 'DELETE', headers: { Authorization: basicAuthorization(user) } });
  }
  return answer;
}

function notesMessage(answer: HttpObservation, what: 'list' | 'create'): string {
  if (answer.status !== 200) return answer.message;
  if (what === 'list') return Array.isArray(answer.json) ? `${answer.json.length} notes` : answer.message;
  return typeof (answer.json as { id?: unknown } | undefined)?.id === 'number' ? 'note created' : answer.message;
}

/** Nextcloud APIs with the Bearer token, and with an invalid token. Declares the tests; the list (matrix.list.ts) calls it inside a describe. */
export function bearerScenarios(): void {
  test('OCS capabilities and cloud/user with Bearer', withChecks('bearer.ocs.capabilities', 'bearer.ocs.user'), async ({ nextcloud, logins, check }) => {
    const { tokens, user } = await logins.tokens();
    const anonymous = capabilityGroups((await httpObserve(`${nextcloud.baseUrl}${CAPABILITIES}`, { ocs: true })).json);
    const caps = await httpObserve(`${nextcloud.baseUrl}${CAPABILITIES}`, { bearer: tokens.accessToken, ocs: true });
    const groups = capabilityGroups(caps.json);
    await check('bearer.ocs.capabilities', caps.status === 200 && groups.length > anonymous.length, {
      status: caps.status,
      message: caps.status === 200 ? `${groups.length} capability groups (anonymous: ${anonymous.length})` : caps.message,
    });
    const me = await httpObserve(`${nextcloud.baseUrl}${CLOUD_USER}`, { bearer: tokens.accessToken, ocs: true });
    const id = (me.json as { ocs?: { data?: { id?: unknown } } } | undefined)?.ocs?.data?.id;
    await check('bearer.ocs.user', me.status === 200 && id === user.uid, { status: me.status, message: me.status === 200 ? `user ${String(id)}` : me.message });
  });

  test('Notes with Bearer only', withChecks('bearer.notes.get', 'bearer.notes.post'), async ({ nextcloud, logins, check }) => {
    const { tokens, user } = await logins.tokens();
    const list = await httpObserve(`${nextcloud.baseUrl}${NOTES}`, { bearer: tokens.accessToken });
    await check('bearer.notes.get', list.status === 200, { status: list.status, message: notesMessage(list, 'list') });
    const created = await postNote(nextcloud, user, tokens.accessToken, false);
    await check('bearer.notes.post', created.status === 200, { status: created.status, message: notesMessage(created, 'create') });
  });

  test('Notes with Bearer and OCS-APIRequest', withChecks('bearer.notes.ocs-header.get', 'bearer.notes.ocs-header.post'), async ({ nextcloud, logins, check }) => {
    const { tokens, user } = await logins.tokens();
    const list = await httpObserve(`${nextcloud.baseUrl}${NOTES}`, { bearer: tokens.accessToken, ocs: true });
    await check('bearer.notes.ocs-header.get', list.status === 200, { status: list.status, message: notesMessage(list, 'list') });
    const created = await postNote(nextcloud, user, tokens.accessToken, true);
    await check('bearer.notes.ocs-header.post', created.status === 200, { status: created.status, message: notesMessage(created, 'create') });
  });

  test('DAV PROPFIND on files and calendars with Bearer', withChecks('bearer.dav.files.propfind', 'bearer.dav.calendar.propfind'), async ({ nextcloud, logins, check }) => {
    const { tokens, user } = await logins.tokens();
    const uid = encodeURIComponent(user.uid);
    for (const [id, path] of [['bearer.dav.files.propfind', `/remote.php/dav/files/${uid}/`], ['bearer.dav.calendar.propfind', `/remote.php/dav/calendars/${uid}/`]] as const) {
      const answer = await httpObserve(`${nextcloud.baseUrl}${path}`, { method: 'PROPFIND', bearer: tokens.accessToken, body: PROPFIND_BODY, headers: PROPFIND_HEADERS });
      await check(id, answer.status === 207, { status: answer.status, message: answer.message });
    }
  });

  test(
    'an invalid token on each API',
    withChecks('invalid-token.ocs.capabilities', 'invalid-token.ocs.user', 'invalid-token.notes', 'invalid-token.dav.files', 'invalid-token.dav.calendar'),
    async ({ nextcloud, check }) => {
      // Shaped like the oidc app's opaque tokens (facts page, "Tokens": 72 alphanumerics), valid nowhere.
      const invalid = randomAlphanumeric(72);
      const uid = encodeURIComponent(nextcloud.user().uid);
      const anonymous = capabilityGroups((await httpObserve(`${nextcloud.baseUrl}${CAPABILITIES}`, { ocs: true })).json);
      const caps = await httpObserve(`${nextcloud.baseUrl}${CAPABILITIES}`, { bearer: invalid, ocs: true });
      const groups = capabilityGroups(caps.json);
      await check('invalid-token.ocs.capabilities', caps.status === 200 && groups.join() === anonymous.join(), {
        status: caps.status,
        message: caps.status === 200 ? `${groups.length} capability groups (anonymous: ${anonymous.length})` : caps.message,
      });
      const me = await httpObserve(`${nextcloud.baseUrl}${CLOUD_USER}`, { bearer: invalid, ocs: true });
      const statuscode = (me.json as { ocs?: { meta?: { statuscode?: unknown } } } | undefined)?.ocs?.meta?.statuscode;
      await check('invalid-token.ocs.user', me.status === 401 && statuscode === 997, { status: me.status, message: me.message });
      const notes = await httpObserve(`${nextcloud.baseUrl}${NOTES}`, { bearer: invalid });
      await check('invalid-token.notes', notes.status === 401, { status: notes.status, message: notes.message });
      for (const [id, path] of [['invalid-token.dav.files', `/remote.php/dav/files/${uid}/`], ['invalid-token.dav.calendar', `/remote.php/dav/calendars/${uid}/`]] as const) {
        const answer = await httpObserve(`${nextcloud.baseUrl}${path}`, { method: 'PROPFIND', bearer: invalid, body: PROPFIND_BODY, headers: PROPFIND_HEADERS });
        await check(id, answer.status === 401 && /NotAuthenticated/.test(answer.text), { status: answer.status, message: answer.message });
      }
    },
  );
}
