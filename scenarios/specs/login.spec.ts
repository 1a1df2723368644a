// The browser login of the facts page ("The browser login"), without and with the consent page
// (RFC 6749 §4.1): a real Chromium fills Nextcloud's login form and comes back to the redirect URI.
import { OAuthClient, type BrowserLoginResult, type HarnessError, type StartedNextcloud } from '../../harness/index.ts';
import { test, type Logins } from '../fixtures/matrix-fixtures.ts';
import { withChecks } from '../record-check.ts';
import type { TestInfo } from '@playwright/test';

interface Attempt {
  seen?: BrowserLoginResult;
  error?: HarnessError | Error;
  stateMatches: boolean;
}

/** A fresh client and a fresh browser context for the second test user, so the login form is shown. */
async function freshLogin(nextcloud: StartedNextcloud, logins: Logins, testInfo: TestInfo, browserForget: (uid: string) => Promise<void>): Promise<Attempt> {
  const user = nextcloud.users[1] ?? nextcloud.user();
  await browserForget(user.uid);
  const client = await OAuthClient.register({ baseUrl: nextcloud.baseUrl, publicUrl: nextcloud.publicUrl, occ: nextcloud.occ, secrets: nextcloud.secrets }, { redirectUris: [logins.callbacks.redirectUri] });
  try {
    const request = await client.authorizationRequest({ scope: 'openid profile email', pkce: 'S256' });
    try {
      const seen = await logins.authorize(testInfo, request, user, { consent: 'allow' });
      return { seen, stateMatches: seen.callback.state === request.state };
    } catch (error) {
      return { error: error as Error, stateMatches: false };
    }
  } finally {
    await client.delete().catch(() => undefined);
    await browserForget(user.uid);
  }
}

function outcome(attempt: Attempt): { ok: boolean; message: string } {
  if (attempt.error) return { ok: false, message: attempt.error.message };
  const seen = attempt.seen!;
  if (seen.callback.error) return { ok: false, message: `the redirect URI received error=${seen.callback.error}${seen.callback.errorDescription ? ` (${seen.callback.errorDescription})` : ''}` };
  if (!seen.callback.code) return { ok: false, message: 'the redirect URI received no code' };
  if (!attempt.stateMatches) return { ok: false, message: 'the redirect URI received another state' };
  return { ok: true, message: `code and state at the redirect URI after ${seen.pages.length} pages${seen.consentShown ? ', consent page answered' : ''}` };
}

/** The browser login without and with the consent page. Declares the tests; the list (matrix.list.ts) calls it inside a describe. */
export function loginScenarios(): void {
  test('browser login without consent page', withChecks('login.browser.no-consent'), async ({ nextcloud, logins, browserSession, check }, testInfo) => {
    const attempt = await freshLogin(nextcloud, logins, testInfo, (uid) => browserSession.forget({ uid }));
    const { ok, message } = outcome(attempt);
    const formShown = attempt.seen?.loginFormShown ?? false;
    const consentShown = attempt.seen?.consentShown ?? false;
    await check('login.browser.no-consent', ok && formShown && !consentShown, {
      message: ok && !formShown ? 'the login form was never shown' : ok && consentShown ? 'a consent page was shown although consent is off' : message,
      ...(attempt.seen ? { detail: { pages: attempt.seen.pages } } : {}),
    });
  });

  test('browser login with consent page', withChecks('login.browser.consent'), async ({ nextcloud, logins, browserSession, check }, testInfo) => {
    // Through occ, confirmed over HTTP before the login (and after it, before the next scenario).
    await nextcloud.setAppConfig('oidc', 'allow_user_settings', 'enabled');
    let attempt: Attempt;
    try {
      attempt = await freshLogin(nextcloud, logins, testInfo, (uid) => browserSession.forget({ uid }));
    } finally {
      await nextcloud.setAppConfig('oidc', 'allow_user_settings', undefined);
    }
    const { ok, message } = outcome(attempt);
    const consentShown = attempt.seen?.consentShown ?? false;
    await check('login.browser.consent', ok && consentShown, {
      message: ok && !consentShown ? 'no consent page was shown with allow_user_settings=enabled' : message,
      ...(attempt.seen ? { detail: { pages: attempt.seen.pages } } : {}),
    });
  });
}
