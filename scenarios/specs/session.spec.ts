// What a bearer request does to a session of the same user: the cookie session it leaves behind
// (broken by user_oidc 8.7.0-8.10.1 on the registered-provider path, nextcloud/user_oidc#1452), and two-factor
// authentication (the user_oidc patch's side effect: core skips the second factor for a session with
// app_api === true; facts page, "The user_oidc patch"). The second factor is core's twofactor_backupcodes,
// enforced for the test user by the harness (enableBackupCodes).
import { test } from '../fixtures/matrix-fixtures.ts';
import { cookieHeader, httpObserve } from '../fixtures/observe-http.ts';
import { withChecks } from '../record-check.ts';

const CLOUD_USER = '/ocs/v2.php/cloud/user';

/** The session cookie a bearer request leaves, and two-factor authentication after one. Declares the tests; the list (matrix.list.ts) calls it inside a describe. */
export function sessionScenarios(): void {
  test('the session cookie of a bearer request', withChecks('session.cookie-after-bearer', 'session.getapppassword-after-bearer'), async ({ nextcloud, logins, check }) => {
    const { tokens, user } = await logins.tokens();
    // A client that keeps cookies: the bearer request opens a session, the next requests carry only its cookie.
    const first = await httpObserve(`${nextcloud.baseUrl}${CLOUD_USER}`, { bearer: tokens.accessToken, ocs: true });
    const cookie = cookieHeader(first.headers);
    if (first.status !== 200 || cookie === '') {
      const why = { status: first.status, message: first.status !== 200 ? `the bearer request itself failed: ${first.message}` : 'the bearer request set no session cookie' };
      await check('session.cookie-after-bearer', false, why);
      await check('session.getapppassword-after-bearer', false, why);
      return;
    }
    const again = await httpObserve(`${nextcloud.baseUrl}${CLOUD_USER}`, { cookie, ocs: true });
    const id = (again.json as { ocs?: { data?: { id?: unknown } } } | undefined)?.ocs?.data?.id;
    await check('session.cookie-after-bearer', again.status === 200 && id === user.uid, { status: again.status, message: again.status === 200 ? `user ${String(id)}` : again.message });
    const appPassword = await httpObserve(`${nextcloud.baseUrl}/ocs/v2.php/core/getapppassword`, { cookie, ocs: true });
    const password = (appPassword.json as { ocs?: { data?: { apppassword?: unknown } } } | undefined)?.ocs?.data?.apppassword;
    if (typeof password === 'string') {
      nextcloud.secrets.add(password);
      // Leave no app password behind (core's AppPasswordController::deleteAppPassword).
      const basic = Buffer.from(`${user.uid}:${password}`, 'utf8').toString('base64');
      await httpObserve(`${nextcloud.baseUrl}/ocs/v2.php/core/apppassword`, { method: 'DELETE', ocs: true, headers: { Authorization: `Basic ${basic}` } });
    }
    await check('session.getapppassword-after-bearer', appPassword.status === 200 && typeof password === 'string', {
      status: appPassword.status,
      message: appPassword.status === 200 ? 'an app password was issued' : appPassword.message,
    });
  });

  test('two-factor authentication after a bearer request', withChecks('session.twofactor-enforced'), async ({ nextcloud, logins, secondFactor, check }) => {
    // An instance without twofactor_backupcodes never gets here: the check is skipped with that reason (notMeasured).
    test.skip(!secondFactor, 'needs the two-factor test user (carol) whose second factor the harness switches on with backup codes');
    const factor = secondFactor!;
    // The browser login answers the second-factor challenge with one backup code.
    const { tokens } = await logins.tokens(factor.user);
    {
      // 1. A password login (as a browser sends it) leaves the session waiting for the second factor.
      const loginPage = await httpObserve(`${nextcloud.baseUrl}/index.php/login`, { headers: { Accept: 'text/html' } });
      let cookie = cookieHeader(loginPage.headers);
      const requestToken = /data-requesttoken="([^"]+)"/.exec(loginPage.text)?.[1] ?? '';
      const form = new URLSearchParams({ user: factor.user.uid, password: factor.user.password, requesttoken: requestToken, timezone: 'UTC', timezone_offset: '0' });
      const login = await httpObserve(`${nextcloud.baseUrl}/index.php/login`, {
        method: 'POST',
        body: form.toString(),
        cookie,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html', Origin: new URL(nextcloud.publicUrl).origin },
      });
      cookie = cookieHeader(login.headers, cookie);
      const challenge = /\/login\/(selectchallenge|challenge)/;
      if (!challenge.test(login.headers.get('location') ?? '')) {
        await check('session.twofactor-enforced', false, { status: login.status, message: `the password login did not ask for the second factor (Location ${login.headers.get('location') ?? 'none'})` });
        return;
      }
      // 2. A bearer request of the same user in that session (a client that shares the browser's cookies).
      const bearer = await httpObserve(`${nextcloud.baseUrl}${CLOUD_USER}`, { bearer: tokens.accessToken, ocs: true, cookie });
      cookie = cookieHeader(bearer.headers, cookie);
      // 3. A page of the session, with its cookie only: still the second-factor challenge?
      const page = await httpObserve(`${nextcloud.baseUrl}/index.php/apps/dashboard/`, { cookie, headers: { Accept: 'text/html' } });
      const location = page.headers.get('location') ?? '';
      const enforced = page.status >= 300 && page.status < 400 && challenge.test(location);
      await check('session.twofactor-enforced', enforced, {
        status: page.status,
        message: enforced
          ? `the page still sends the user to ${new URL(location, nextcloud.baseUrl).pathname}`
          : page.status === 200
            ? `after the bearer request (${bearer.status}) the session reached the dashboard without the second factor`
            : `after the bearer request (${bearer.status}) the page answered ${page.status}${location ? ` to ${new URL(location, nextcloud.baseUrl).pathname}` : ''}, not the second-factor challenge`,
      });
    }
  });
}
