import type { StartedDouble } from '../start-double.ts';
import { issueAccessToken } from '../oidc/issue-tokens.ts';

/** How a test request logs in: nothing, Basic with a password or app password, or an `oidc` access token. */
export type TestAuth = { basic: [user: string, password: string] } | { bearer: string } | undefined;

/** Options of one test request. */
export interface TestRequest {
  method?: string;
  auth?: TestAuth;
  /** JSON body (sent with `Content-Type: application/json`). */
  json?: unknown;
  headers?: Record<string, string>;
}

/** The parts of an answer the tests look at. */
export interface TestAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  body: unknown;
}

/**
 * A small HTTP client for the apps' tests: it talks to a started double on 127.0.0.1 and builds the
 * `Authorization` header from TestAuth. It keeps no cookies unless a `Cookie` header is passed.
 */
export async function call(double: StartedDouble, path: string, request: TestRequest = {}): Promise<TestAnswer> {
  const headers: Record<string, string> = { ...request.headers };
  const auth = request.auth;
  if (auth && 'basic' in auth) headers['Authorization'] = `Basic ${Buffer.from(`${auth.basic[0]}:${auth.basic[1]}`).toString('base64')}`;
  if (auth && 'bearer' in auth) headers['Authorization'] = `Bearer ${auth.bearer}`;
  let body: string | undefined;
  if (request.json !== undefined) {
    headers['Content-Type'] ??= 'application/json';
    body = JSON.stringify(request.json);
  }
  const response = await fetch(`${double.url}${path}`, { method: request.method ?? 'GET', headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

/** Headers of an OCS request that wants JSON. */
export const OCS_JSON = { 'OCS-APIRequest': 'true', Accept: 'application/json' } as const;

/** Basic credentials of a default test user (`DEFAULT_USERS`). */
export function basicAuth(double: StartedDouble, uid: string): TestAuth {
  const user = double.users.find((u) => u.uid === uid);
  if (!user) throw new Error(`no test user '${uid}'`);
  return { basic: [uid, user.password] };
}

/** A valid opaque access token of the `oidc` app for `uid`. */
export async function bearerAuth(double: StartedDouble, uid: string): Promise<TestAuth> {
  const record = await issueAccessToken(double.state, { uid, format: 'opaque' });
  return { bearer: record.token };
}
