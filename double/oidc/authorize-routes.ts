import type { Hono } from 'hono';
import type { DoubleSession, DoubleState } from '../double-state.ts';
import { absoluteUrl, csrfFailed, loginUrl, passesWebCsrfCheck, requestOrigin, requirePageUser, seeOther, setSameSiteCookies } from '../login-routes.ts';
import { consentPage } from '../pages/consent-page.ts';
import { formPostPage } from '../pages/form-post-page.ts';
import { AUTHORIZE_PARAMETERS, oidcRedirectPage } from '../pages/oidc-redirect-page.ts';
import { INDEX_PHP, accessForbiddenPage, internalErrorPage } from '../pages/render-page.ts';
import type { DoubleContext, DoubleEnv } from '../request-context.ts';
import { OIDC_APP_PATH } from './discovery-document.ts';
import { createGrant } from './issue-tokens.ts';
import { CONSENT_LIFETIME_SECONDS, DEFAULT_SCOPE, oidcStore, type OidcClient } from './oidc-store.ts';
import { verifyOwnJwt } from './oidc-keys.ts';
import { appNotFound, phpJson, requestParams, stringParam } from './php-json.ts';

/** `code_challenge` (and `code_verifier`) syntax, RFC 7636 section 4.1. */
export const PKCE_PATTERN = /^[A-Za-z0-9._~-]{43,128}$/;

/** One authorization request's parameters (all optional strings, as the app framework passes them). */
type AuthorizeParams = Partial<Record<(typeof AUTHORIZE_PARAMETERS)[number], string>>;

const CLIENT_NOT_AUTHORIZED = 'Your client is not authorized to connect. Please inform the administrator of your client.';
const REDIRECT_URI_NOT_ACCEPTED = 'The received redirect URI is not accepted to connect. Please inform the administrator of your client.';

/** Session keys of the pending request (`oidc_client_id`, ...). */
function sessionKey(name: string): string {
  return `oidc_${name}`;
}

function readParams(raw: Record<string, unknown>): AuthorizeParams {
  const out: AuthorizeParams = {};
  for (const key of AUTHORIZE_PARAMETERS) {
    const v = stringParam(raw, key);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

function storeInSession(session: DoubleSession, params: AuthorizeParams): void {
  for (const key of AUTHORIZE_PARAMETERS) {
    const v = params[key];
    if (v === undefined) session.values.delete(sessionKey(key));
    else session.values.set(sessionKey(key), v);
  }
}

function fromSession(session: DoubleSession, key: (typeof AUTHORIZE_PARAMETERS)[number]): string | undefined {
  const v = session.values.get(sessionKey(key));
  return typeof v === 'string' ? v : undefined;
}

const empty = (v: string | undefined): boolean => v === undefined || v === '';

/** `http_build_query(..., PHP_QUERY_RFC3986)` of the non-empty parameters. */
function buildQuery(params: Readonly<Record<string, string | undefined>>): string {
  return Object.entries(params)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
}

/** Appends a query (or fragment) to the client's redirect URI as the app does. */
function appendToRedirectUri(redirectUri: string, query: string, fragment: boolean): string {
  if (query === '') return redirectUri;
  const mark = fragment ? '#' : '?';
  let separator = redirectUri.includes(mark) ? '&' : mark;
  if (redirectUri.endsWith(mark) || redirectUri.endsWith('&')) separator = '';
  return `${redirectUri}${separator}${query}`;
}

/** The response mode the request asks for, lower-cased; `default` and empty mean none. */
function responseModeOf(state: DoubleState, raw: string | undefined): string | undefined {
  if (!state.features.discoveryRefreshGrant || raw === undefined) return undefined;
  const mode = raw.trim().toLowerCase();
  return mode === '' || mode === 'default' ? undefined : mode;
}

/** An error sent back to the client: `redirect_uri?error=...&error_description=...&state=...` (or as form post). */
function errorRedirect(c: DoubleContext, state: DoubleState, redirectUri: string, error: string, description: string | undefined, stateParam: string | undefined, responseMode?: string): Response {
  const params: Record<string, string | undefined> = { error, error_description: description, state: empty(stateParam) ? undefined : stateParam };
  if (responseMode === 'form_post' && state.features.formPostResponseMode) {
    return c.html(formPostPage(redirectUri, Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined))));
  }
  return seeOther(c, appendToRedirectUri(redirectUri, buildQuery(params), responseMode === 'fragment'));
}

/** The client of a request after the app's clean-up of expired dynamic clients, or the error page. */
function loadClient(c: DoubleContext, state: DoubleState, clientId: string | undefined): OidcClient | Response {
  const store = oidcStore(state);
  const token = c.get('rc').session.requestToken;
  if (empty(clientId)) return c.html(accessForbiddenPage(CLIENT_NOT_AUTHORIZED, token));
  store.cleanUpClients();
  const client = store.clients.get(clientId!);
  if (!client) return c.html(accessForbiddenPage(CLIENT_NOT_AUTHORIZED, token));
  // "Your client is expired." is rendered with the template core/400, which core does not have.
  if (store.isExpired(client)) return c.html(internalErrorPage(token), 500);
  return client;
}

/** The scope filtered by the client's allowed scopes (lower-cased, unique), `openid profile email roles` when nothing is left. */
function filterScope(scope: string, allowed: string): string {
  const split = (s: string): string[] => [...new Set(s.trim().toLowerCase().split(' ').map((x) => x.trim()).filter((x) => x !== ''))];
  const allowedList = split(allowed);
  const kept = split(scope).filter((s) => allowedList.length === 0 || allowedList.includes(s));
  return kept.length > 0 ? kept.join(' ') : DEFAULT_SCOPE;
}

/** Validates the `claims` request parameter (OIDC Core section 5.5); returns the id_token and userinfo members as JSON. */
function parseClaimsParameter(raw: string | undefined): { idToken: string; userinfo: string } | undefined {
  if (empty(raw)) return { idToken: '', userinfo: '' };
  let value: unknown;
  try {
    value = JSON.parse(raw!);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const section = (name: string): string | undefined => {
    const member = (value as Record<string, unknown>)[name];
    if (member === undefined) return '';
    if (typeof member !== 'object' || member === null || Array.isArray(member)) return undefined;
    for (const [claim, request] of Object.entries(member as Record<string, unknown>)) {
      if (claim === '') return undefined;
      if (request !== null && (typeof request !== 'object' || Array.isArray(request))) return undefined;
      if (request !== null) {
        const r = request as Record<string, unknown>;
        if ('essential' in r && typeof r['essential'] !== 'boolean') return undefined;
        if ('values' in r && !Array.isArray(r['values'])) return undefined;
      }
    }
    return Object.keys(member as object).length === 0 ? '' : JSON.stringify(member);
  };
  const idToken = section('id_token');
  const userinfo = section('userinfo');
  if (idToken === undefined || userinfo === undefined) return undefined;
  return { idToken, userinfo };
}

/**
 * `/apps/oidc/authorize` (GET and POST), the LoginRedirectorController of the facts page: not logged in ->
 * parameters into the session, 303 to the login page whose `redirect_url` is the redirect page; logged in ->
 * client, redirect URI (exact match, else an error page and no redirect), scope, response type, consent
 * (oidc >= 1.11 with `allow_user_settings` = `enabled`), PKCE (oidc >= 1.10), then 303 to
 * `redirect_uri?state=...&code=...`.
 */
async function authorize(c: DoubleContext, state: DoubleState): Promise<Response> {
  if (!state.isEnabled('oidc')) return appNotFound(c);
  const rc = c.get('rc');
  const session = rc.session;
  const store = oidcStore(state);
  let params = readParams(await requestParams(c));
  const f = state.features;

  if (session.uid && session.twoFactorPending) return requirePageUser(c) as Response;
  if (!rc.user) {
    storeInSession(session, params);
    session.values.set('oidc_login_pending', true);
    const filtered = Object.fromEntries(AUTHORIZE_PARAMETERS.filter((k) => !empty(params[k])).map((k) => [k, params[k]!]));
    const redirectPage = `${OIDC_APP_PATH}/redirect${f.redirectCarriesQuery && Object.keys(filtered).length > 0 ? `?${buildQuery(filtered)}` : ''}`;
    return seeOther(c, loginUrl({ redirect_url: redirectPage }));
  }
  const user = rc.user;

  // Parameters that did not come with the request wait in the session (the redirect page of oidc < 1.16.3
  // and the consent page's fallback navigate without them).
  if (f.redirectCarriesQuery) {
    if (empty(params.client_id)) params = Object.fromEntries(AUTHORIZE_PARAMETERS.map((k) => [k, fromSession(session, k)]).filter((e) => e[1] !== undefined));
  } else {
    for (const key of AUTHORIZE_PARAMETERS) if (empty(params[key]) && fromSession(session, key) !== undefined) params[key] = fromSession(session, key);
  }
  const loginPending = session.values.get('oidc_login_pending') === true;
  session.values.delete('oidc_login_pending');
  const storedAuthTime = session.values.get('oidc_auth_time');
  const authTime = !loginPending && typeof storedAuthTime === 'number' ? storedAuthTime : store.nowSeconds();
  session.values.set('oidc_auth_time', authTime);

  const redirectUri = params.redirect_uri;
  const stateParam = params.state;
  const responseMode = responseModeOf(state, params.response_mode);
  // "Authorization session expired." is rendered with the missing template core/400.
  if (empty(redirectUri)) return c.html(internalErrorPage(session.requestToken), 500);
  const loaded = loadClient(c, state, params.client_id);
  if (loaded instanceof Response) return loaded;
  const client = loaded;
  let scope = filterScope(params.scope ?? DEFAULT_SCOPE, client.allowedScopes);
  if (!client.redirectUris.includes(redirectUri!)) return c.html(accessForbiddenPage(REDIRECT_URI_NOT_ACCEPTED, session.requestToken));

  let resource = params.resource;
  if (empty(resource)) resource = f.clientResourceUrl ? client.resourceUrl : state.getAppValue('oidc', 'default_resource_identifier', 'https://rs.local/');

  const claims = f.claimsParameter ? parseClaimsParameter(params.claims) : { idToken: '', userinfo: '' };
  if (!claims) return errorRedirect(c, state, redirectUri!, 'invalid_request', 'Invalid claims parameter.', stateParam, responseMode);

  const responseTypes = (params.response_type ?? '').trim().toLowerCase().split(/\s+/).filter((t) => t !== '');
  if (responseTypes.length === 0 && f.claimsParameter) return errorRedirect(c, state, redirectUri!, 'unsupported_response_type', 'Missing response_type', stateParam, responseMode);
  if (responseMode !== undefined && !['fragment', 'query', ...(f.formPostResponseMode ? ['form_post'] : [])].includes(responseMode)) {
    return errorRedirect(c, state, redirectUri!, 'unsupported_response_mode', 'Unsupported response_mode', stateParam);
  }
  const codeFlow = responseTypes.includes('code');
  const implicit = responseTypes.includes('token') || responseTypes.includes('id_token');
  if (responseTypes.includes('id_token') && empty(params.nonce)) {
    return errorRedirect(c, state, redirectUri!, f.claimsParameter ? 'invalid_request' : 'request_not_supported', 'Missing nonce', stateParam, responseMode);
  }
  if (responseTypes.includes('token') && !responseTypes.includes('id_token')) {
    return errorRedirect(c, state, redirectUri!, 'request_not_supported', 'Missing id_token', stateParam, responseMode);
  }
  // The double implements the code flow only: implicit requests get the answer of a client whose flow
  // type does not allow them.
  if (implicit || !codeFlow) return errorRedirect(c, state, redirectUri!, 'unsupported_response_type', f.claimsParameter ? 'Unsupported response_type' : undefined, stateParam, responseMode);

  if (f.consentPage) {
    const consentOn = state.getAppValue('oidc', 'allow_user_settings', 'no') === 'enabled';
    const existing = store.consent(user.uid, client.clientId);
    if (!consentOn) {
      if (!existing) store.saveConsent({ uid: user.uid, clientId: client.clientId, scopesGranted: scope, createdAt: store.nowSeconds(), updatedAt: store.nowSeconds(), expiresAt: null });
      else if (existing.scopesGranted !== scope) Object.assign(existing, { scopesGranted: scope, updatedAt: store.nowSeconds() });
    } else {
      const required = !existing || existing.scopesGranted !== scope || (existing.expiresAt !== null && store.nowSeconds() > existing.expiresAt);
      if (required) {
        storeInSession(session, { ...params, scope });
        session.values.set('oidc_consent_pending', true);
        session.values.set('oidc_client_name', client.name);
        session.values.set('oidc_requested_scopes', scope);
        if (resource !== undefined) session.values.set(sessionKey('resource'), resource);
        return seeOther(c, `${OIDC_APP_PATH}/consent`);
      }
      scope = existing.scopesGranted;
    }
  }

  let codeChallenge: string | undefined;
  let codeChallengeMethod: 'S256' | 'plain' | undefined;
  if (f.pkce && !empty(params.code_challenge)) {
    if (!PKCE_PATTERN.test(params.code_challenge!)) return errorRedirect(c, state, redirectUri!, 'invalid_request', 'Invalid code_challenge format', stateParam, responseMode);
    const method = empty(params.code_challenge_method) ? 'S256' : params.code_challenge_method!;
    if (method !== 'S256' && method !== 'plain') return errorRedirect(c, state, redirectUri!, 'invalid_request', 'Unsupported code_challenge_method', stateParam, responseMode);
    codeChallenge = params.code_challenge;
    codeChallengeMethod = method;
  }

  const { code } = createGrant(state, {
    client,
    uid: user.uid,
    scope,
    redirectUri: redirectUri!,
    authTime,
    idTokenClaims: claims.idToken,
    userinfoClaims: claims.userinfo,
    ...(!empty(resource) ? { resource: resource! } : {}),
    ...(!empty(params.nonce) ? { nonce: params.nonce! } : {}),
    ...(codeChallenge ? { codeChallenge, codeChallengeMethod: codeChallengeMethod! } : {}),
  });
  const answer = { state: stateParam ?? '', code: code.code };
  if (responseMode === 'form_post') return c.html(formPostPage(redirectUri!, answer));
  return seeOther(c, appendToRedirectUri(redirectUri!, buildQuery(answer), responseMode === 'fragment'));
}

/** The request parameters the consent grant sends back to `/authorize`. */
function afterConsentQuery(state: DoubleState, session: DoubleSession, grantedScopes: string): string {
  const get = (k: (typeof AUTHORIZE_PARAMETERS)[number]): string | undefined => fromSession(session, k);
  if (!state.features.redirectCarriesQuery) return buildQuery({ client_id: get('client_id'), scope: grantedScopes });
  const all: Record<string, string | undefined> = {};
  for (const key of AUTHORIZE_PARAMETERS) all[key] = key === 'scope' ? grantedScopes : get(key);
  return buildQuery(Object.fromEntries(Object.entries(all).filter(([, v]) => !empty(v))));
}

/** Clears the pending request from the session. */
function clearPending(session: DoubleSession): void {
  for (const key of AUTHORIZE_PARAMETERS) session.values.delete(sessionKey(key));
  for (const key of ['oidc_consent_pending', 'oidc_client_name', 'oidc_requested_scopes']) session.values.delete(key);
}

/**
 * The authorization side of the `oidc` app: `/authorize`, the redirect page after login, the consent page
 * with its grant and deny calls (oidc >= 1.11), and the end-session endpoint `/logout`.
 */
export function registerAuthorizeRoutes(app: Hono<DoubleEnv>, state: DoubleState): void {
  const store = oidcStore(state);

  app.get('/apps/oidc/authorize', (c) => authorize(c, state));
  app.post('/apps/oidc/authorize', (c) => authorize(c, state));

  app.get('/apps/oidc/redirect', (c) => {
    if (!state.isEnabled('oidc')) return appNotFound(c);
    const user = requirePageUser(c);
    if (user instanceof Response) return user;
    const session = c.get('rc').session;
    const query = c.req.query();
    const params: Record<string, string> = {};
    for (const key of AUTHORIZE_PARAMETERS) {
      const v = !empty(query['client_id']) ? query[key] : fromSession(session, key);
      if (state.features.redirectCarriesQuery && v !== undefined) params[key] = v;
    }
    setSameSiteCookies(c);
    return c.html(oidcRedirectPage(state, user, session.requestToken, params), 200, { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Methods': 'GET' });
  });

  app.get('/apps/oidc/consent', (c) => {
    if (!state.isEnabled('oidc') || !state.features.consentPage) return appNotFound(c);
    const user = requirePageUser(c);
    if (user instanceof Response) return user;
    const session = c.get('rc').session;
    // "No consent request pending." is rendered with the missing template core/400.
    if (session.values.get('oidc_consent_pending') !== true) return c.html(internalErrorPage(session.requestToken), 500);
    const clientName = session.values.get('oidc_client_name');
    const scopes = session.values.get('oidc_requested_scopes');
    setSameSiteCookies(c);
    return c.html(
      consentPage(state, user, session.requestToken, {
        clientName: typeof clientName === 'string' ? clientName : 'Unknown Application',
        scopes: typeof scopes === 'string' ? scopes : 'openid',
        clientId: fromSession(session, 'client_id') ?? '',
      }),
    );
  });

  app.post('/apps/oidc/consent/grant', async (c) => {
    if (!state.isEnabled('oidc') || !state.features.consentPage) return appNotFound(c);
    const rc = c.get('rc');
    if (!rc.user) return seeOther(c, `${INDEX_PHP}/login`);
    if (!passesWebCsrfCheck(c)) return csrfFailed(c);
    if (state.features.consentGrantBroken) return c.html(internalErrorPage(rc.session.requestToken), 500);
    const session = rc.session;
    if (session.values.get('oidc_consent_pending') !== true) return seeOther(c, `${requestOrigin(c)}/`);
    const params = await requestParams(c);
    const requested = session.values.get('oidc_requested_scopes');
    let granted = (stringParam(params, 'scopes') ?? (typeof requested === 'string' ? requested : '')).trim();
    if (!granted.split(' ').includes('openid')) granted = `openid ${granted}`.trim();
    const client = store.clients.get(fromSession(session, 'client_id') ?? '');
    if (!client) return seeOther(c, `${requestOrigin(c)}/`);
    const now = store.nowSeconds();
    store.saveConsent({ uid: rc.user.uid, clientId: client.clientId, scopesGranted: granted, createdAt: now, updatedAt: now, expiresAt: now + CONSENT_LIFETIME_SECONDS });
    session.values.set('oidc_consent_pending', false);
    session.values.set(sessionKey('scope'), granted);
    return seeOther(c, `${OIDC_APP_PATH}/authorize?${afterConsentQuery(state, session, granted)}`);
  });

  app.post('/apps/oidc/consent/deny', (c) => {
    if (!state.isEnabled('oidc') || !state.features.consentPage) return appNotFound(c);
    const rc = c.get('rc');
    if (!rc.user) return seeOther(c, `${INDEX_PHP}/login`);
    if (!passesWebCsrfCheck(c)) return csrfFailed(c);
    const session = rc.session;
    const redirectUri = fromSession(session, 'redirect_uri');
    const stateParam = fromSession(session, 'state');
    const responseMode = fromSession(session, 'response_mode');
    clearPending(session);
    if (empty(redirectUri)) return seeOther(c, `${requestOrigin(c)}/`);
    if (responseMode?.trim().toLowerCase() === 'form_post' && state.features.formPostResponseMode) {
      return c.html(formPostPage(redirectUri!, { error: 'access_denied', error_description: 'User denied consent', ...(empty(stateParam) ? {} : { state: stateParam! }) }));
    }
    const separator = redirectUri!.includes('?') ? '&' : '?';
    return seeOther(c, `${redirectUri}${separator}error=access_denied&error_description=User%20denied%20consent${empty(stateParam) ? '' : `&state=${encodeURIComponent(stateParam!)}`}`);
  });

  const endSession = async (c: DoubleContext): Promise<Response> => {
    if (!state.isEnabled('oidc')) return appNotFound(c);
    const rc = c.get('rc');
    const params = await requestParams(c);
    const hint = stringParam(params, 'id_token_hint');
    const clientId = stringParam(params, 'client_id');
    let uid: string | undefined;
    if (!empty(hint)) {
      // An expired ID token is fine as a hint; any other defect is refused.
      const decoded = verifyOwnJwt(state, hint!, undefined);
      if (!decoded) return phpJson(c, { error: 'invalid_jwt', error_description: 'Provided JWT signature verification failed.' }, 401);
      const username = decoded.payload['preferred_username'] ?? decoded.payload['sub'];
      if (typeof username !== 'string' || !state.users.has(username)) return phpJson(c, { error: 'invalid_user', error_description: 'Provided user in JWT is unknown.' }, 401);
      if (clientId !== undefined && clientId !== decoded.payload['aud']) return phpJson(c, { error: 'invalid_jwt', error_description: 'Provided client_id does not match to the one issued the JWT.' }, 401);
      uid = username;
    }
    if (rc.session.uid) {
      uid = rc.session.uid;
      rc.session.uid = undefined;
      rc.session.twoFactorPending = false;
      rc.session.values.clear();
    }
    if (uid !== undefined) for (const grant of store.grants.values()) if (grant.uid === uid && !grant.deleted) store.deleteGrant(grant);
    return seeOther(c, absoluteUrl(c, loginUrl({})));
  };
  app.get('/apps/oidc/logout', endSession);
  app.post('/apps/oidc/logout', endSession);
}
