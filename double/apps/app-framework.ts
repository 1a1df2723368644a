import type { Hono } from 'hono';
import type { DoubleState, DoubleUser } from '../double-state.ts';
import { appApiUser, ocsResponse, passesCsrfCheck, type DoubleContext, type DoubleEnv } from '../request-context.ts';
import { ParameterError, requestParams, type Params } from './request-params.ts';

/** `json_encode($value, JSON_HEX_TAG)`: like JSON.stringify, with `/`, `<` and `>` escaped as PHP does. */
export function phpJson(value: unknown): string {
  return JSON.stringify(value).replace(/\//g, '\\/').replace(/</g, '\\u003C').replace(/>/g, '\\u003E');
}

/** An HTTP date as `DateTimeInterface::RFC7231` formats it (`Fri, 01 May 2026 09:30:15 GMT`). */
export function httpDate(seconds: number): string {
  return new Date(seconds * 1000).toUTCString();
}

/** A date as `DateTimeInterface::RFC2822` formats it in UTC (`Fri, 01 May 2026 09:30:15 +0000`), as `Last-Modified` carries it. */
export function rfc2822Date(seconds: number): string {
  return httpDate(seconds).replace(/ GMT$/, ' +0000');
}

/** What an app-framework controller answers: data plus the headers its Response object carries. */
export interface ControllerAnswer {
  status?: number;
  /** `Response::setETag()`: sent quoted in `ETag`, compared by NotModifiedMiddleware. */
  etag?: string;
  /** `Response::setLastModified()`, seconds since the epoch. */
  lastModified?: number;
  headers?: Record<string, string>;
}

/**
 * A JSONResponse after the app framework's middlewares: NotModifiedMiddleware answers 304 when `If-None-Match`
 * names the ETag or `If-Modified-Since` is not older than the RFC 7231 form of `Last-Modified` (a string
 * comparison, as core does), and for a
 * controller marked `@CORS` CORSMiddleware echoes the request's `Origin` in `Access-Control-Allow-Origin`.
 */
export function jsonAnswer(c: DoubleContext, data: unknown, answer: ControllerAnswer & { cors?: boolean } = {}): Response {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-cache, no-store, must-revalidate',
    ...answer.headers,
  };
  if (answer.etag !== undefined) headers['ETag'] = `"${answer.etag}"`;
  if (answer.lastModified !== undefined) headers['Last-Modified'] = rfc2822Date(answer.lastModified);
  const origin = c.req.header('origin');
  if (answer.cors && origin) headers['Access-Control-Allow-Origin'] = origin;
  let status = answer.status ?? 200;
  const ifNoneMatch = (c.req.header('if-none-match') ?? '').trim();
  const ifModifiedSince = (c.req.header('if-modified-since') ?? '').trim();
  if (ifNoneMatch !== '' && answer.etag !== undefined && ifNoneMatch === `"${answer.etag}"`) status = 304;
  else if (ifModifiedSince !== '' && answer.lastModified !== undefined && ifModifiedSince >= httpDate(answer.lastModified)) status = 304;
  if (status === 304) return c.body(null, 304, headers);
  return c.body(phpJson(data), status as 200, headers);
}

/** Nextcloud's answer to an exception nothing handled: a plain 500 page. */
export function internalServerError(c: DoubleContext): Response {
  return c.text('Internal Server Error', 500);
}

/** The answer of `ApiController::preflightedCors` for `OPTIONS` on an app's API. */
export function preflightedCors(c: DoubleContext): Response {
  return c.body(null, 200, {
    'Access-Control-Allow-Origin': c.req.header('origin') ?? '*',
    'Access-Control-Allow-Methods': 'PUT, POST, GET, DELETE, PATCH',
    'Access-Control-Max-Age': '1728000',
    'Access-Control-Allow-Headers': 'Authorization, Content-Type, Accept',
    'Access-Control-Allow-Credentials': 'false',
  });
}

/** What an `@CORS` API handler of an app receives. */
export interface ApiCall {
  c: DoubleContext;
  user: DoubleUser;
  params: Params;
}

/**
 * Registers an app-framework API route of `app` marked `@NoAdminRequired @NoCSRFRequired @CORS`: it exists
 * only while the app is enabled, and every call starts with `appApiUser` (CORSMiddleware, then the login
 * check). A ParameterError (a TypeError in PHP) is Nextcloud's plain 500.
 */
export function corsApiRoute(
  app: Hono<DoubleEnv>,
  state: DoubleState,
  appId: string,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  handler: (call: ApiCall) => Response | Promise<Response>,
  onParameterError: (c: DoubleContext, error: ParameterError) => Response = internalServerError,
): void {
  app.on(method, path, async (c, next) => {
    if (!state.isEnabled(appId)) return next();
    const user = appApiUser(c);
    if (user instanceof Response) return user;
    const params = await requestParams(c, c.req.param() as Record<string, string>);
    try {
      return await handler({ c, user, params });
    } catch (error) {
      if (error instanceof ParameterError) return onParameterError(c, error);
      throw error;
    }
  });
}

/** An `OCSException` (or one of its subclasses): an OCS status code and a message. */
export class OcsException extends Error {
  readonly code = 'ERR_OCS';
  /** The OCS status (`102`, `403`, `997`, `998`, ...). */
  readonly status: number;
  constructor(message: string, status: number, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OcsException';
    this.status = status;
  }
}

/** The checks of an OCS controller method, from its attributes. */
export interface OcsRouteOptions {
  /** `@PublicPage`: no login needed. */
  publicPage?: boolean;
  /** Without `@NoAdminRequired`: only admins. */
  adminRequired?: boolean;
  /** `@NoCSRFRequired`. */
  noCsrf?: boolean;
  /** The app that must be enabled for the route to exist. */
  app?: string;
}

/** What an OCS handler receives. */
export interface OcsCall {
  c: DoubleContext;
  user: DoubleUser | undefined;
  params: Params;
}

/** What an OCS handler answers: a DataResponse's data and status (default 200) and headers. */
export interface OcsAnswer {
  data: unknown;
  status?: number;
  headers?: Record<string, string>;
}

/** The message of `ocs/v1.php` for an exception nobody handled (OCS 996). */
export const OCS_INTERNAL_ERROR = 'Internal Server Error\n';

/** Whether a user is in the `admin` group. */
export function isAdmin(user: DoubleUser): boolean {
  return user.groups.includes('admin');
}

/**
 * Registers an OCS route under `/ocs/v1.php` and `/ocs/v2.php` with SecurityMiddleware's checks in its order:
 * login (OCS 997), admin (403 "Logged in account must be an admin"), then CSRF: a request that fails the
 * CSRF check passes on an OCS route only with `OCS-APIRequest: true` or an `Authorization: Bearer ` header,
 * else 412 `{"message":"CSRF check failed"}` (plain JSON; OCSMiddleware converts only 401 and 403).
 */
export function ocsRoute(
  app: Hono<DoubleEnv>,
  state: DoubleState,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  options: OcsRouteOptions,
  handler: (call: OcsCall) => OcsAnswer | Response | Promise<OcsAnswer | Response>,
): void {
  for (const prefix of ['/ocs/v1.php', '/ocs/v2.php']) {
    app.on(method, `${prefix}${path}`, async (c, next) => {
      if (options.app !== undefined && !state.isEnabled(options.app)) return next();
      const rc = c.get('rc');
      if (!options.publicPage && !rc.user) {
        return ocsResponse(c, [], { statuscode: 997, message: 'Current user is not logged in' });
      }
      if (options.adminRequired && rc.user && !isAdmin(rc.user)) return ocsResponse(c, [], { statuscode: 403, message: 'Logged in account must be an admin' });
      if (!options.noCsrf && !passesCsrfCheck(c) && c.req.header('ocs-apirequest') !== 'true' && !(c.req.header('authorization') ?? '').startsWith('Bearer ')) {
        return c.body(phpJson({ message: 'CSRF check failed' }), 412, { 'Content-Type': 'application/json; charset=utf-8' });
      }
      const params = await requestParams(c, c.req.param() as Record<string, string>);
      try {
        const answer = await handler({ c, user: rc.user, params });
        if (answer instanceof Response) return answer;
        return ocsResponse(c, answer.data, { statuscode: answer.status ?? 200, ...(answer.headers ? { headers: answer.headers } : {}) });
      } catch (error) {
        if (error instanceof OcsException) return ocsResponse(c, [], { statuscode: error.status === 0 ? 999 : error.status, message: error.message });
        // ocs/v1.php answers an exception nobody handled with 996 and this message.
        if (error instanceof ParameterError) return ocsResponse(c, [], { statuscode: 996, message: OCS_INTERNAL_ERROR });
        throw error;
      }
    });
  }
}
