import type { Hono } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { getCookie, setCookie } from 'hono/cookie';
import type { DoubleState, DoubleUser } from './double-state.ts';
import type { DoubleContext, DoubleEnv } from './request-context.ts';
import { oidcStore } from './oidc/oidc-store.ts';
import { closeFirstRunWizard } from './pages/first-run-wizard.ts';
import { BACKUP_CODES_PROVIDER_ID, backupCodeStore, backupCodesEnabledFor, needsSecondFactor } from './apps/backup-codes.ts';
import { backupCodeChallengePage, loginPage, selectChallengePage } from './pages/login-page.ts';
import { dashboardPage } from './pages/user-page.ts';
import { INDEX_PHP } from './pages/render-page.ts';

/** Session key of the messages the next login page shows (core's `loginMessages`: [errors, messages]). */
const LOGIN_MESSAGES = 'loginMessages';
/** Session key of a failed second-factor attempt. */
const TWO_FACTOR_ERROR = 'two_factor_auth_error';

/** Error ids of core's LoginController. */
export const LOGIN_ERRORS = { invalidPassword: 'invalidpassword', csrfCheckFailed: 'csrfCheckFailed', invalidOrigin: 'invalidOrigin' } as const;

/** Scheme, host and port the request came through (the base of every absolute URL Nextcloud builds). */
export function requestOrigin(c: DoubleContext): string {
  return new URL(c.req.url).origin;
}

/** The client's address, as `IRequest::getRemoteAddress` gives it (no trusted proxies). */
export function clientAddress(c: DoubleContext): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** `IURLGenerator::getAbsoluteURL`: every URL becomes one under the instance's base URL. */
export function absoluteUrl(c: DoubleContext, url: string): string {
  return `${requestOrigin(c)}${url.startsWith('/') ? '' : '/'}${url}`;
}

/** `linkToDefaultPageUrl`: the default app, the dashboard. */
export function defaultPageUrl(c: DoubleContext): string {
  return absoluteUrl(c, `${INDEX_PHP}/apps/dashboard/`);
}

/** A `RedirectResponse` of the app framework: 303 See Other. */
export function seeOther(c: DoubleContext, location: string): Response {
  return c.body(null, 303, { Location: location });
}

/** The path and query of the request as the client sent it (`REQUEST_URI`). */
export function requestUri(c: DoubleContext): string {
  const url = new URL(c.req.url);
  return url.pathname + url.search;
}

/** The login page URL with its parameters, as `linkToRoute('core.login.showLoginForm', ...)` builds it. */
export function loginUrl(params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) query.set(k, v);
  const q = query.toString();
  return `${INDEX_PHP}/login${q ? `?${q}` : ''}`;
}

/**
 * Core's sameSite cookies, which Nextcloud sets on every answer and requires (with a session cookie) for a
 * request to pass the CSRF check.
 */
export function setSameSiteCookies(c: DoubleContext): void {
  setCookie(c, 'nc_sameSiteCookielax', 'true', { path: '/', httpOnly: true, sameSite: 'Lax', maxAge: 34_560_000 });
  setCookie(c, 'nc_sameSiteCookiestrict', 'true', { path: '/', httpOnly: true, sameSite: 'Strict', maxAge: 34_560_000 });
}

/**
 * `IRequest::passesCSRFCheck` for the double's web pages: with a session cookie the strict sameSite cookie
 * must be there; then a `requesttoken` (header or form field) equal to the session's token, or (NC >= 31)
 * an `OCS-APIRequest` header.
 */
export function passesWebCsrfCheck(c: DoubleContext, formToken?: string): boolean {
  const rc = c.get('rc');
  const ocs = (c.req.header('ocs-apirequest') ?? '') !== '';
  const hasSessionCookie = getCookie(c, rc.state.instanceId) !== undefined;
  if (!ocs && hasSessionCookie && (getCookie(c, 'nc_sameSiteCookiestrict') !== 'true' || getCookie(c, 'nc_sameSiteCookielax') !== 'true')) return false;
  if (rc.state.features.ocsApiRequestPassesCsrf && ocs) return true;
  const token = c.req.header('requesttoken') ?? formToken ?? '';
  return token !== '' && token === rc.session.requestToken;
}

/** Whether the client asked for HTML (SecurityMiddleware answers JSON otherwise). */
function wantsHtml(c: DoubleContext): boolean {
  return (c.req.header('accept') ?? '').toLowerCase().includes('html');
}

/**
 * The logged-in user of a page controller (`@NoAdminRequired`, not `@PublicPage`), or the answer core's
 * middlewares give instead: 2FA pending -> 303 to the challenge selection; not logged in -> 303 to the
 * login page with `redirect_url` = this request (JSON 401 for non-HTML clients).
 */
export function requirePageUser(c: DoubleContext): DoubleUser | Response {
  const rc = c.get('rc');
  // Core's needsSecondFactor: app passwords and sessions with app_api === true skip the second factor.
  if (rc.session.uid && rc.session.twoFactorPending && rc.session.values.get('app_api') !== true) {
    return seeOther(c, `${INDEX_PHP}/login/selectchallenge?redirect_url=${encodeURIComponent(requestUri(c))}`);
  }
  if (rc.user) return rc.user;
  if (!wantsHtml(c)) return c.json({ message: 'Current user is not logged in' }, 401);
  return seeOther(c, loginUrl({ redirect_url: requestUri(c) }));
}

/** The answer to a failed CSRF check of a controller method (SecurityMiddleware): 412. */
export function csrfFailed(c: DoubleContext): Response {
  if (!wantsHtml(c)) return c.json({ message: 'CSRF check failed' }, 412);
  return c.html('<!DOCTYPE html><html><head><title>Nextcloud</title></head><body><div class="guest-box"><h2>Access forbidden</h2><p class="hint">CSRF check failed</p></div></body></html>', 412);
}

/** LoginController::generateRedirect: `redirect_url` made absolute (never with `@`), else the default page. */
function redirectAfterLogin(c: DoubleContext, redirectUrl: string | undefined): Response {
  if (redirectUrl !== undefined && redirectUrl !== '' && c.get('rc').session.uid) {
    const location = absoluteUrl(c, redirectUrl);
    if (!location.includes('@')) return seeOther(c, location);
  }
  return seeOther(c, defaultPageUrl(c));
}

/** LoginController::createLoginFailedResponse: back to the login page, the error kept for it in the session. */
function loginFailed(c: DoubleContext, user: string, redirectUrl: string | undefined, error: string): Response {
  c.get('rc').session.values.set(LOGIN_MESSAGES, [[error], []]);
  return seeOther(c, loginUrl({ user, direct: '1', redirect_url: redirectUrl }));
}

/** Whether `Origin` names this instance (a trusted domain). */
function trustedOrigin(c: DoubleContext, origin: string): boolean {
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  if (host === new URL(c.req.url).host) return true;
  const trusted = c.get('rc').state.getSystemValue('trusted_domains');
  return Array.isArray(trusted) && trusted.some((d) => d === host || d === host.replace(/:\d+$/, ''));
}

function formString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  return typeof v === 'string' ? v : undefined;
}

/** A user by login name or (as core's EmailLogin step does) by e-mail address. */
function userByLoginName(state: DoubleState, login: string): DoubleUser | undefined {
  const direct = state.users.get(login);
  if (direct) return direct;
  const byEmail = [...state.users.values()].filter((u) => u.email.toLowerCase() === login.toLowerCase());
  return byEmail.length === 1 ? byEmail[0] : undefined;
}

/**
 * Core's login pages: `GET /login` (the page whose form is built by script), `POST /login` (requesttoken,
 * from NC 34 an `Origin` header, credentials, then 303 to `redirect_url`), the two-factor challenge
 * (`/login/selectchallenge`, `/login/challenge/backup_codes` with the user's one-time backup codes), `/logout`,
 * `/` and the dashboard, and the first run wizard's close call.
 */
export function registerLoginRoutes(app: Hono<DoubleEnv>, state: DoubleState): void {
  app.get('/login', (c) => {
    const rc = c.get('rc');
    if (rc.session.uid) return seeOther(c, defaultPageUrl(c));
    const stored = rc.session.values.get(LOGIN_MESSAGES);
    rc.session.values.delete(LOGIN_MESSAGES);
    const [errors, messages] = Array.isArray(stored) ? (stored as [string[], string[]]) : [[], []];
    const redirectUrl = c.req.query('redirect_url');
    const keepRedirect = redirectUrl !== undefined && redirectUrl !== '' && redirectUrl.split('?')[0] !== `${INDEX_PHP}/logout`;
    setSameSiteCookies(c);
    return c.html(
      loginPage({
        requestToken: rc.session.requestToken,
        username: c.req.query('user') ?? '',
        errors,
        messages,
        direct: c.req.query('direct') === '1',
        sameOriginReferrer: state.features.loginNeedsOrigin,
        ...(keepRedirect ? { redirectUrl } : {}),
      }),
    );
  });

  app.post('/login', async (c) => {
    const rc = c.get('rc');
    const body = await c.req.parseBody();
    const user = formString(body, 'user') ?? '';
    const password = formString(body, 'password') ?? '';
    const redirectUrl = formString(body, 'redirect_url');
    setSameSiteCookies(c);
    const origin = c.req.header('origin') ?? '';
    if (state.features.loginNeedsOrigin && (origin === '' || !trustedOrigin(c, origin))) {
      rc.session.uid = undefined;
      return loginFailed(c, user, redirectUrl, LOGIN_ERRORS.invalidOrigin);
    }
    if (!passesWebCsrfCheck(c, formString(body, 'requesttoken'))) {
      if (rc.session.uid && !rc.session.twoFactorPending) return redirectAfterLogin(c, redirectUrl);
      rc.session.uid = undefined;
      rc.session.twoFactorPending = false;
      return loginFailed(c, user, redirectUrl, LOGIN_ERRORS.csrfCheckFailed);
    }
    const login = user.trim();
    if (login.length > 255) return loginFailed(c, login, redirectUrl, 'Unsupported email length (>255)');
    const candidate = userByLoginName(state, login);
    const account = candidate ? state.checkPassword(candidate.uid, password) : undefined;
    if (!account) return loginFailed(c, login, redirectUrl, LOGIN_ERRORS.invalidPassword);
    rc.session.uid = account.uid;
    rc.session.values.delete('app_api');
    oidcStore(state).lastLogin.set(account.uid, oidcStore(state).nowSeconds());
    if (needsSecondFactor(state, account)) {
      // TwoFactorCommand: no primary provider (backup codes are not one) and no setup provider: the selection.
      rc.session.twoFactorPending = true;
      const query = redirectUrl !== undefined ? `?redirect_url=${encodeURIComponent(redirectUrl)}` : '';
      return seeOther(c, `${INDEX_PHP}/login/selectchallenge${query}`);
    }
    rc.session.twoFactorPending = false;
    return redirectAfterLogin(c, redirectUrl);
  });

  app.get('/login/selectchallenge', (c) => {
    const rc = c.get('rc');
    if (!rc.session.uid) return seeOther(c, loginUrl({ redirect_url: requestUri(c) }));
    if (!rc.session.twoFactorPending) return redirectAfterLogin(c, c.req.query('redirect_url'));
    const user = state.users.get(rc.session.uid);
    return c.html(selectChallengePage(rc.session.requestToken, c.req.query('redirect_url'), user !== undefined && backupCodesEnabledFor(state, user)));
  });

  // TwoFactorChallengeController::showChallenge / solveChallenge (`@NoCSRFRequired`, `@UseSession`).
  app.get('/login/challenge/:provider', (c) => {
    const rc = c.get('rc');
    if (!rc.session.uid) return seeOther(c, loginUrl({ redirect_url: requestUri(c) }));
    if (!rc.session.twoFactorPending) return redirectAfterLogin(c, c.req.query('redirect_url'));
    const user = state.users.get(rc.session.uid);
    if (c.req.param('provider') !== BACKUP_CODES_PROVIDER_ID || !user || !backupCodesEnabledFor(state, user)) return seeOther(c, `${INDEX_PHP}/login/selectchallenge`);
    const error = rc.session.values.get(TWO_FACTOR_ERROR) === true;
    rc.session.values.delete(TWO_FACTOR_ERROR);
    setSameSiteCookies(c);
    return c.html(backupCodeChallengePage(rc.session.requestToken, error));
  });

  app.post('/login/challenge/:provider', async (c) => {
    const rc = c.get('rc');
    const body = await c.req.parseBody();
    const redirectUrl = c.req.query('redirect_url') ?? formString(body, 'redirect_url');
    if (!rc.session.uid) return seeOther(c, loginUrl({ redirect_url: redirectUrl }));
    if (!rc.session.twoFactorPending) return redirectAfterLogin(c, redirectUrl);
    const user = state.users.get(rc.session.uid);
    if (c.req.param('provider') !== BACKUP_CODES_PROVIDER_ID || !user || !backupCodesEnabledFor(state, user)) return seeOther(c, `${INDEX_PHP}/login/selectchallenge`);
    if (!backupCodeStore(state).validateCode(user.uid, formString(body, 'challenge') ?? '')) {
      rc.session.values.set(TWO_FACTOR_ERROR, true);
      const query = redirectUrl !== undefined ? `?redirect_url=${encodeURIComponent(redirectUrl)}` : '';
      return seeOther(c, `${INDEX_PHP}/login/challenge/${BACKUP_CODES_PROVIDER_ID}${query}`);
    }
    rc.session.twoFactorPending = false;
    if (redirectUrl !== undefined && redirectUrl !== '') return seeOther(c, absoluteUrl(c, decodeURIComponent(redirectUrl)));
    return seeOther(c, defaultPageUrl(c));
  });

  app.get('/logout', (c) => {
    const rc = c.get('rc');
    if (!rc.session.uid) return seeOther(c, loginUrl({ redirect_url: requestUri(c) }));
    if (!passesWebCsrfCheck(c, c.req.query('requesttoken'))) return csrfFailed(c);
    rc.session.uid = undefined;
    rc.session.twoFactorPending = false;
    rc.session.values.clear();
    return seeOther(c, absoluteUrl(c, loginUrl({ clear: '1' })));
  });

  app.get('/', (c) => {
    const rc = c.get('rc');
    if (rc.session.uid) return c.redirect(defaultPageUrl(c), 302);
    return c.redirect(absoluteUrl(c, `${INDEX_PHP}/login`), 302);
  });

  app.get('/apps/dashboard/', (c) => {
    const user = requirePageUser(c);
    if (user instanceof Response) return user;
    setSameSiteCookies(c);
    return c.html(dashboardPage(state, user, c.get('rc').session.requestToken));
  });

  app.delete('/apps/firstrunwizard/wizard', (c) => {
    const rc = c.get('rc');
    if (!state.isEnabled('firstrunwizard')) return c.text('Page not found', 404);
    if (!rc.user) return c.json({ message: 'Current user is not logged in' }, 401);
    if (!passesWebCsrfCheck(c)) return csrfFailed(c);
    closeFirstRunWizard(state, rc.user.uid);
    return c.json([]);
  });
}
