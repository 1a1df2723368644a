import { createHash, randomBytes } from 'node:crypto';

/** A failed step of the scripted code flow, with a stable `code`. Messages never carry secrets. */
export class CodeFlowError extends Error {
  readonly code: string;
  /** The HTTP status of the answer that failed the step, if any. */
  readonly status: number | undefined;
  constructor(code: string, message: string, options: { cause?: unknown; status?: number } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.status = options.status;
  }
}

/** Cookies kept between requests, as curl's cookie jar keeps them (name -> value, one host). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  /** Takes the `Set-Cookie` headers of an answer. */
  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      if (eq <= 0) continue;
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/;\s*expires=Thu, 01 Jan 1970/i.test(line) || /;\s*max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** The `Cookie` header, or undefined when empty. */
  header(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }
}

/** A registered client's credentials. */
export interface FlowClient {
  clientId: string;
  clientSecret: string;
  /** The full DCR answer, when the flow registered the client. */
  registration?: Record<string, unknown>;
}

/** Options of the scripted authorization-code flow against a Nextcloud (double) without a browser. */
export interface CodeFlowOptions {
  /** Base URL of the instance, without a trailing slash. */
  baseUrl: string;
  user: string;
  password: string;
  /** Redirect URI to register and use; it is never contacted (default `http://127.0.0.1:9/callback`). */
  redirectUri?: string;
  /** An existing client; without it the flow registers one through DCR. */
  client?: FlowClient;
  /** Default `openid profile email offline_access`. */
  scope?: string;
  /** PKCE method (default `S256`); `false` sends no challenge. */
  pkce?: 'S256' | 'plain' | false;
  /** DCR `token_type`. */
  tokenType?: 'opaque' | 'jwt';
  /** DCR `scope` (the client's allowed scopes). */
  clientScope?: string;
  /** RFC 8707 `resource`. */
  resource?: string;
  /** What to do on a consent page (default `allow`). */
  consent?: 'allow' | 'deny';
  /** Send `Origin` with the login POST, as a browser does (default true; NC 34 needs it). */
  sendOrigin?: boolean;
  /** Fetch `/userinfo` with the access token (default true). */
  userinfo?: boolean;
  /** Extra parameters for the authorization request. */
  extraAuthorizeParams?: Record<string, string>;
}

/** What the authorization part of the flow produced. */
export interface AuthorizationResult {
  client: FlowClient;
  redirectUri: string;
  state: string;
  nonce: string;
  codeVerifier?: string;
  /** The `code` from the redirect, or undefined when the client got an error instead. */
  code?: string;
  /** The full redirect to the client (`redirect_uri?...`). */
  callbackUrl: string;
  /** Whether the consent page was shown. */
  consentShown: boolean;
  jar: CookieJar;
}

/** The token endpoint's JSON answer. */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  id_token?: string;
  refresh_token?: string;
  refresh_expires_in?: number;
  [key: string]: unknown;
}

/** Everything the full flow produced. */
export interface CodeFlowResult extends AuthorizationResult {
  code: string;
  tokens: TokenResponse;
  userinfo?: Record<string, unknown>;
}

const MAX_HOPS = 12;

async function send(jar: CookieJar, url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const cookie = jar.header();
  if (cookie) headers.set('Cookie', cookie);
  const response = await fetch(url, { ...init, headers, redirect: 'manual' });
  jar.store(response);
  return response;
}

function attribute(html: string, pattern: RegExp): string | undefined {
  const m = pattern.exec(html);
  return m ? m[1]!.replace(/&quot;/g, '"').replace(/&#039;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&') : undefined;
}

/** PKCE pair (RFC 7636 section 4.1/4.2). */
export function pkcePair(method: 'S256' | 'plain'): { verifier: string; challenge: string } {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier };
}

/** Registers a client through DCR (`POST /index.php/apps/oidc/register`), as curl would. */
export async function registerClient(baseUrl: string, body: Record<string, unknown>): Promise<FlowClient> {
  const response = await fetch(`${baseUrl}/index.php/apps/oidc/register`, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body) });
  const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.status !== 201) throw new CodeFlowError('ERR_FLOW_REGISTER', `client registration answered ${response.status} ${String(json['error'] ?? '')}: check that DCR is on`, { status: response.status });
  return { clientId: String(json['client_id']), clientSecret: String(json['client_secret']), registration: json };
}

/**
 * The browser part of the flow done with plain HTTP, as `curl` with a cookie jar does it: the authorization
 * request, the login page (its `data-requesttoken`), the login POST (with `Origin`), the redirect page
 * (following what its script would do), the consent page's Allow or Deny (the grant POST with the
 * `requesttoken` header), up to the redirect to the client.
 */
export async function obtainAuthorizationCode(options: CodeFlowOptions): Promise<AuthorizationResult> {
  const base = options.baseUrl.replace(/\/$/, '');
  const redirectUri = options.redirectUri ?? 'http://127.0.0.1:9/callback';
  const client =
    options.client ??
    (await registerClient(base, {
      client_name: 'nc-oauth-lab code flow',
      redirect_uris: [redirectUri],
      ...(options.tokenType ? { token_type: options.tokenType } : {}),
      ...(options.clientScope !== undefined ? { scope: options.clientScope } : {}),
    }));
  const jar = new CookieJar();
  const state = randomBytes(16).toString('hex');
  const nonce = randomBytes(16).toString('hex');
  const method = options.pkce ?? 'S256';
  const pkce = method ? pkcePair(method) : undefined;
  const query = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: options.scope ?? 'openid profile email offline_access',
    state,
    nonce,
    ...(pkce && method ? { code_challenge: pkce.challenge, code_challenge_method: method } : {}),
    ...(options.resource ? { resource: options.resource } : {}),
    ...options.extraAuthorizeParams,
  });
  let url = `${base}/index.php/apps/oidc/authorize?${query}`;
  let consentShown = false;
  const origin = new URL(base).origin;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const response = await send(jar, url, { headers: { Accept: 'text/html' } });
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, url).toString();
      if (next.startsWith(redirectUri)) {
        const callback = new URL(next);
        const code = callback.searchParams.get('code') ?? undefined;
        return { client, redirectUri, state, nonce, ...(pkce ? { codeVerifier: pkce.verifier } : {}), ...(code !== undefined ? { code } : {}), callbackUrl: next, consentShown, jar };
      }
      url = next;
      continue;
    }
    const html = await response.text();
    if (response.status !== 200) throw new CodeFlowError('ERR_FLOW_HTTP', `${new URL(url).pathname} answered ${response.status}`, { status: response.status });
    const path = new URL(url).pathname;
    if (path.endsWith('/login')) {
      const token = attribute(html, /<head[^>]*data-requesttoken="([^"]*)"/);
      if (!token) throw new CodeFlowError('ERR_FLOW_LOGIN_PAGE', 'the login page has no data-requesttoken');
      const redirectUrl = new URL(url).searchParams.get('redirect_url');
      const form = new URLSearchParams({ user: options.user, password: options.password, requesttoken: token, timezone: 'UTC', timezone_offset: '0' });
      if (redirectUrl) form.set('redirect_url', redirectUrl);
      const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' };
      if (options.sendOrigin ?? true) headers['Origin'] = origin;
      const posted = await send(jar, `${base}/index.php/login`, { method: 'POST', headers, body: form.toString() });
      const next = posted.headers.get('location');
      if (posted.status !== 303 || !next) throw new CodeFlowError('ERR_FLOW_LOGIN', `the login POST answered ${posted.status}`, { status: posted.status });
      const target = new URL(next, base);
      if (target.pathname.endsWith('/login')) throw new CodeFlowError('ERR_FLOW_LOGIN', `the login was refused (back to the login page${options.sendOrigin === false ? '; no Origin header was sent' : ''})`, { status: posted.status });
      url = target.toString();
      continue;
    }
    if (html.includes('id="oidc-redirect"')) {
      // What the redirect page's script does: back to /authorize with the data-* parameters, if any.
      const params = new URLSearchParams();
      for (const key of ['client_id', 'state', 'response_type', 'redirect_uri', 'scope', 'nonce', 'resource', 'code_challenge', 'code_challenge_method', 'prompt', 'max_age', 'response_mode', 'claims']) {
        const value = attribute(html, new RegExp(`data-${key.replace(/_/g, '-')}="([^"]*)"`));
        if (value) params.append(key, value);
      }
      const q = params.toString();
      url = `${base}/index.php/apps/oidc/authorize${q ? `?${q}` : ''}`;
      continue;
    }
    if (html.includes('id="oidc-consent"')) {
      consentShown = true;
      const token = attribute(html, /<head[^>]*data-requesttoken="([^"]*)"/) ?? '';
      const scopes = attribute(html, /data-scopes="([^"]*)"/) ?? 'openid';
      const deny = options.consent === 'deny';
      const posted = await send(jar, `${base}/index.php/apps/oidc/consent/${deny ? 'deny' : 'grant'}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', requesttoken: token, Accept: '*/*' },
        body: deny ? '' : `scopes=${encodeURIComponent(scopes)}`,
      });
      const next = posted.headers.get('location');
      if (!next) throw new CodeFlowError('ERR_FLOW_CONSENT', `the consent ${deny ? 'deny' : 'grant'} answered ${posted.status}`, { status: posted.status });
      url = new URL(next, base).toString();
      if (url.startsWith(redirectUri)) {
        const code = new URL(url).searchParams.get('code') ?? undefined;
        return { client, redirectUri, state, nonce, ...(pkce ? { codeVerifier: pkce.verifier } : {}), ...(code !== undefined ? { code } : {}), callbackUrl: url, consentShown, jar };
      }
      continue;
    }
    throw new CodeFlowError('ERR_FLOW_UNEXPECTED_PAGE', `unexpected page at ${path}`, { status: response.status });
  }
  throw new CodeFlowError('ERR_FLOW_LOOP', `no redirect to the client after ${MAX_HOPS} requests`);
}

/** Exchanges a code at `/token` with `client_secret_post` (and the PKCE verifier). */
export async function exchangeCode(baseUrl: string, auth: { client: FlowClient; code: string; redirectUri: string; codeVerifier?: string }): Promise<TokenResponse> {
  const body = new URLSearchParams({ grant_type: 'authorization_code', code: auth.code, redirect_uri: auth.redirectUri, client_id: auth.client.clientId, client_secret: auth.client.clientSecret });
  if (auth.codeVerifier) body.set('code_verifier', auth.codeVerifier);
  const response = await fetch(`${baseUrl.replace(/\/$/, '')}/index.php/apps/oidc/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' }, body: body.toString() });
  const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.status !== 200) throw new CodeFlowError('ERR_FLOW_TOKEN', `the token endpoint answered ${response.status} ${String(json['error'] ?? '')}`, { status: response.status });
  return json as TokenResponse;
}

/**
 * The whole authorization-code flow without a browser (what `curl` does for the acceptance): DCR (unless a
 * client is given), PKCE S256, login with requesttoken and `Origin`, authorize (and consent), token, and
 * userinfo. Throws a CodeFlowError naming the step that failed.
 */
export async function runCodeFlow(options: CodeFlowOptions): Promise<CodeFlowResult> {
  const auth = await obtainAuthorizationCode(options);
  if (!auth.code) throw new CodeFlowError('ERR_FLOW_NO_CODE', `the client got no code: ${new URL(auth.callbackUrl).searchParams.get('error') ?? 'no error given'}`);
  const tokens = await exchangeCode(options.baseUrl, { client: auth.client, code: auth.code, redirectUri: auth.redirectUri, ...(auth.codeVerifier ? { codeVerifier: auth.codeVerifier } : {}) });
  const result: CodeFlowResult = { ...auth, code: auth.code, tokens };
  if (options.userinfo ?? true) {
    const response = await fetch(`${options.baseUrl.replace(/\/$/, '')}/index.php/apps/oidc/userinfo`, { headers: { Authorization: `Bearer ${tokens.access_token}`, Accept: 'application/json' } });
    if (response.status !== 200) throw new CodeFlowError('ERR_FLOW_USERINFO', `userinfo answered ${response.status}`, { status: response.status });
    result.userinfo = (await response.json()) as Record<string, unknown>;
  }
  return result;
}
