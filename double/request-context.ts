import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { DoubleSession, DoubleState, DoubleUser } from './double-state.ts';
import { oidcStore, type AccessTokenRecord } from './oidc/oidc-store.ts';

/** How the user of a request was authenticated. */
export type AuthVia = 'session' | 'basic' | 'bearer';

/** What the double knows about one request, after the login steps of Nextcloud's `base.php`. */
export interface RequestContext {
  state: DoubleState;
  session: DoubleSession;
  user?: DoubleUser;
  via?: AuthVia;
  /** The `oidc` app token when the user came from `Authorization: Bearer`. */
  bearer?: AccessTokenRecord;
  /** Basic credentials of the request, if any (CORSMiddleware logs in with them). */
  basic?: { user: string; password: string };
  /** The raw bearer token of the request, if any (valid or not). */
  bearerToken?: string;
}

/** Hono environment of the double's app. */
export interface DoubleEnv {
  Variables: { rc: RequestContext };
}

export type DoubleContext = Context<DoubleEnv>;

/** Name of the session cookie. */
export function sessionCookieName(state: DoubleState): string {
  return state.instanceId;
}

function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  if (!header || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return { user: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

/**
 * user_oidc's bearer path: with `oidc_provider_bearer_validation` set to the boolean `true`, user_oidc
 * >= 7.0 asks the `oidc` app on the same instance to validate the token (facts page, "Configuration").
 */
function bearerUser(state: DoubleState, token: string): AccessTokenRecord | undefined {
  if (!state.isEnabled('user_oidc') || !state.isEnabled('oidc')) return undefined;
  if (!state.features.bearerValidation) return undefined;
  const userOidc = state.getSystemValue('user_oidc');
  const on = typeof userOidc === 'object' && userOidc !== null && !Array.isArray(userOidc) && (userOidc as Record<string, unknown>)['oidc_provider_bearer_validation'] === true;
  if (!on) return undefined;
  if (state.features.bearerAlwaysFails) return undefined;
  return oidcStore(state).validAccessToken(token);
}

/**
 * The login steps every request goes through: session cookie, then `Authorization: Bearer` (user_oidc),
 * then Basic (password or app password). Sets `rc` on the context and the session cookie on the answer.
 */
export function requestContextMiddleware(state: DoubleState): MiddlewareHandler<DoubleEnv> {
  return async (c, next) => {
    const cookieName = sessionCookieName(state);
    const sid = getCookie(c, cookieName);
    let session = sid ? state.sessions.get(sid) : undefined;
    const isNew = !session;
    session ??= state.newSession();
    const authorization = c.req.header('authorization');
    const rc: RequestContext = { state, session, basic: parseBasic(authorization) };
    const bearerMatch = authorization ? /^bearer\s+(.+)$/i.exec(authorization) : null;
    if (bearerMatch) rc.bearerToken = bearerMatch[1]!.trim();

    // Core's TwoFactorAuth\Manager::needsSecondFactor: a session with app_api === true skips a pending second factor.
    if (session.uid && (!session.twoFactorPending || session.values.get('app_api') === true)) {
      const user = state.users.get(session.uid);
      if (user) {
        rc.user = user;
        rc.via = 'session';
      }
    }
    if (!rc.user && rc.bearerToken) {
      const record = bearerUser(state, rc.bearerToken);
      if (record) {
        rc.user = state.users.get(record.uid);
        rc.via = 'bearer';
        rc.bearer = record;
        session.uid = record.uid;
        // The companion patch (nextcloud/user_oidc#1221) marks every bearer login as app_api.
        if (state.patch === 'user_oidc-app-api') session.values.set('app_api', true);
      }
    }
    if (!rc.user && rc.basic) {
      const user = state.checkPassword(rc.basic.user, rc.basic.password);
      if (user) {
        rc.user = user;
        rc.via = 'basic';
      }
    }
    c.set('rc', rc);
    await next();
    if (isNew && (session.uid || session.values.size > 0 || c.req.method === 'GET')) {
      setCookie(c, cookieName, session.id, { path: '/', httpOnly: true, sameSite: 'Lax' });
    }
  };
}

/** Nextcloud's `passesCSRFCheck()`: a valid `requesttoken`, or (NC >= 31) an `OCS-APIRequest` header. */
export function passesCsrfCheck(c: DoubleContext): boolean {
  const rc = c.get('rc');
  if (rc.state.features.ocsApiRequestPassesCsrf && (c.req.header('ocs-apirequest') ?? '') !== '') return true;
  const token = c.req.header('requesttoken') ?? '';
  return token !== '' && token === rc.session.requestToken;
}

/** Logs the session out (CORSMiddleware does this before it asks for Basic credentials). */
export function logout(rc: RequestContext): void {
  rc.session.uid = undefined;
  rc.session.values.delete('app_api');
  rc.user = undefined;
  rc.via = undefined;
  rc.bearer = undefined;
}

/**
 * Core's CORSMiddleware for controllers marked `@CORS` (Notes, Deck, Tables v1), as the facts page explains:
 * a request that passes the CSRF check, or whose session has `app_api`, goes on; otherwise the session is
 * logged out and only Basic credentials can log the client in again, else 401 "CORS requires basic auth".
 * With the `server-cors` patch (nextcloud/server#55878) a `Bearer` request returns early.
 * Returns a Response to send, or undefined to go on.
 */
export function corsMiddleware(c: DoubleContext): Response | undefined {
  const rc = c.get('rc');
  if (rc.state.patch === 'server-cors' && /^bearer /i.test(c.req.header('authorization') ?? '')) return undefined;
  if (passesCsrfCheck(c)) return undefined;
  if (rc.session.values.get('app_api') === true) return undefined;
  logout(rc);
  const user = rc.basic ? rc.state.checkPassword(rc.basic.user, rc.basic.password) : undefined;
  if (!user) return c.json({ message: 'CORS requires basic auth' }, 401);
  rc.user = user;
  rc.via = 'basic';
  return undefined;
}

/**
 * The checks of an app-framework API controller marked `@NoAdminRequired @NoCSRFRequired @CORS`:
 * CORSMiddleware first, then SecurityMiddleware's login check. Returns the user or a Response.
 */
export function appApiUser(c: DoubleContext): DoubleUser | Response {
  const denied = corsMiddleware(c);
  if (denied) return denied;
  const rc = c.get('rc');
  if (!rc.user) return c.json({ message: 'Current user is not logged in' }, 401);
  return rc.user;
}

/** OCS status codes with a meaning of their own (`OCSController::RESPOND_*`). */
export const OCS_STATUS = { unauthorised: 997, notFound: 998, serverError: 996, unknownError: 999 } as const;

/**
 * The HTTP status of an OCS answer. `code` is the status the controller answered with (a DataResponse status
 * or an OCSException code): OCS v1 answers 200 for everything but 997 (401); v2 maps 997 to 401, 998 to
 * 404, 996/999 to 500 and anything outside 200-600 to 400 (core's V1Response/V2Response).
 */
export function ocsHttpStatus(v2: boolean, code: number): number {
  if (code === OCS_STATUS.unauthorised) return 401;
  if (!v2) return 200;
  if (code === OCS_STATUS.notFound) return 404;
  if (code === OCS_STATUS.serverError || code === OCS_STATUS.unknownError) return 500;
  if (code < 200 || code > 600) return 400;
  return code;
}

/** The OCS format a request asks for: the `format` parameter, else the first `application/json|xml` of `Accept`, else XML. */
export function ocsFormat(c: DoubleContext): 'json' | 'xml' {
  const format = c.req.query('format');
  if (format === 'json' || format === 'xml') return format;
  for (const entry of (c.req.header('accept') ?? '').split(',')) {
    const responder = entry.trim().toLowerCase().replace('application/', '');
    if (responder === 'json' || responder === 'xml') return responder;
  }
  return 'xml';
}

/**
 * An OCS answer as core renders it, in the format the request asks for. `statuscode` is the status the
 * controller answered with (default 200); the HTTP status follows `ocsHttpStatus` unless `status` is given.
 * v1 reports 100 for OK and always carries `totalitems`/`itemsperpage`; v2 only when they are set.
 */
export function ocsResponse(c: DoubleContext, data: unknown, options: { status?: number; statuscode?: number; message?: string; totalItems?: number; itemsPerPage?: number; headers?: Record<string, string> } = {}): Response {
  const v2 = c.req.path.includes('/ocs/v2.php');
  const code = options.statuscode ?? 200;
  const httpStatus = options.status ?? ocsHttpStatus(v2, code);
  const meta: Record<string, unknown> = {};
  if (v2) {
    const ok = code >= 200 && code < 300;
    Object.assign(meta, { status: ok ? 'ok' : 'failure', statuscode: code, message: ok ? 'OK' : (options.message ?? '') });
    if (options.totalItems !== undefined) meta['totalitems'] = options.totalItems;
    if (options.itemsPerPage !== undefined) meta['itemsperpage'] = options.itemsPerPage;
  } else {
    const statuscode = code === 200 ? 100 : code;
    const ok = statuscode === 100;
    Object.assign(meta, { status: ok ? 'ok' : 'failure', statuscode, message: ok ? 'OK' : (options.message ?? ''), totalitems: String(options.totalItems ?? ''), itemsperpage: String(options.itemsPerPage ?? '') });
  }
  const body = { ocs: { meta, data } };
  const headers = { ...options.headers };
  // json_encode(..., JSON_HEX_TAG) escapes `/`, `<` and `>`.
  const json = JSON.stringify(body).replace(/\//g, '\\/').replace(/</g, '\\u003C').replace(/>/g, '\\u003E');
  if (ocsFormat(c) === 'json') return c.body(json, httpStatus as 200, { ...headers, 'Content-Type': 'application/json; charset=utf-8' });
  return c.body(`<?xml version="1.0"?>\n${toXml('ocs', body.ocs, 0)}`, httpStatus as 200, { ...headers, 'Content-Type': 'application/xml; charset=utf-8' });
}

/** OCS's answer for a route that needs a user: 401 with statuscode 997. */
export function ocsNotLoggedIn(c: DoubleContext): Response {
  return ocsResponse(c, [], { status: 401, statuscode: 997, message: 'Current user is not logged in' });
}

/** The OCS user of a request, or the 997 answer. */
export function ocsUser(c: DoubleContext): DoubleUser | Response {
  const user = c.get('rc').user;
  return user ?? ocsNotLoggedIn(c);
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** PHP's XMLWriter output of an OCS array: numeric keys become `element`, booleans `1` or empty, indent of one space. */
function toXml(name: string, value: unknown, depth: number): string {
  const pad = ' '.repeat(depth);
  if (value === null || value === undefined) return `${pad}<${name}/>\n`;
  if (typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v) => ['element', v] as const) : Object.entries(value as Record<string, unknown>).filter(([k]) => !k.startsWith('@')).map(([k, v]) => [/^\d+$/.test(k) ? 'element' : k, v] as const);
    if (entries.length === 0) return `${pad}<${name}/>\n`;
    return `${pad}<${name}>\n${entries.map(([k, v]) => toXml(k, v, depth + 1)).join('')}${pad}</${name}>\n`;
  }
  const text = typeof value === 'boolean' ? (value ? '1' : '') : String(value);
  return `${pad}<${name}>${escapeXml(text)}</${name}>\n`;
}
