import { createHash, timingSafeEqual } from 'node:crypto';
import type { Hono } from 'hono';
import type { DoubleState } from '../double-state.ts';
import { requestOrigin } from '../login-routes.ts';
import type { DoubleContext, DoubleEnv } from '../request-context.ts';
import { PKCE_PATTERN } from './authorize-routes.ts';
import { discoveryDocument } from './discovery-document.ts';
import { exchangeGrant, signIdToken } from './issue-tokens.ts';
import { oidcSigningKey } from './oidc-keys.ts';
import { oidcStore, type OidcClient, type OidcGrant } from './oidc-store.ts';
import { appNotFound, phpJson, requestParams, stringParam } from './php-json.ts';
import { emailClaims, filterClaims, groupIds, parseClaimRequests, profileClaims, scopeList } from './user-claims.ts';

const TOKEN_CORS = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Methods': 'GET, POST' };

/** RFC 7636 section 4.6: the verifier's syntax, then S256 or plain against the stored challenge. */
export function verifyPkce(verifier: string, challenge: string, method: string): boolean {
  if (!PKCE_PATTERN.test(verifier)) return false;
  let computed: string;
  if (method === 'S256') computed = createHash('sha256').update(verifier).digest('base64url');
  else if (method === 'plain') computed = verifier;
  else return false;
  const a = Buffer.from(computed);
  const b = Buffer.from(challenge);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Client credentials of an `Authorization: Basic` header (RFC 6749 section 2.3.1: form-urlencoded parts). */
function basicCredentials(c: DoubleContext, urlDecode: boolean): { id: string; secret: string } | undefined {
  const header = c.req.header('authorization') ?? '';
  if (!/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  const decode = (s: string): string => {
    if (!urlDecode) return s;
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return { id: decode(decoded.slice(0, i)), secret: decode(decoded.slice(i + 1)) };
}

const invalidGrant = (c: DoubleContext, description: string): Response => phpJson(c, { error: 'invalid_grant', error_description: description }, 400);
const invalidClient = (c: DoubleContext, description: string): Response => phpJson(c, { error: 'invalid_client', error_description: description }, 400);

/**
 * `/apps/oidc/token` (OIDCApiController::getToken): grants `authorization_code` and `refresh_token`, client
 * authentication by `client_secret_post` or `client_secret_basic` (every version: before 2.0.9 the app's pseudo
 * user backend lets core's Basic login accept the client's credentials, H2CK/oidc BasicAuthBackend; from
 * 2.0.8 they are url-decoded, RFC 6749 §2.3.1), PKCE, code reuse (2.0: 400 and the row's token
 * revoked; before: 400 as an unknown code), the code valid for `expire_time`, the refresh token for
 * `refresh_expire_time` after the access token's `refreshed` time.
 */
async function token(c: DoubleContext, state: DoubleState): Promise<Response> {
  if (!state.isEnabled('oidc')) return appNotFound(c);
  const store = oidcStore(state);
  const f = state.features;
  const params = await requestParams(c);
  const grantType = stringParam(params, 'grant_type');
  let clientId = stringParam(params, 'client_id');
  let clientSecret = stringParam(params, 'client_secret');
  const verifier = stringParam(params, 'code_verifier');
  if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
    return invalidGrant(c, 'Invalid grant_type provided. Must be authorization_code or refresh_token.');
  }
  const code = grantType === 'refresh_token' ? stringParam(params, 'refresh_token') : stringParam(params, 'code');
  const v2 = f.codeReuseRevokesTokens;
  let grant: OidcGrant | undefined;
  let client: OidcClient | undefined;
  const codeRecord = grantType === 'authorization_code' && code !== undefined ? store.codes.get(code) : undefined;

  if (v2) {
    if (code === undefined || code.trim() === '') return phpJson(c, { error: 'invalid_request', error_description: 'Missing code or refresh_token.' }, 400);
    if (codeRecord?.usedAt !== undefined) {
      const reused = store.grants.get(codeRecord.grantId);
      if (reused && !reused.deleted) store.deleteGrant(reused);
      return invalidGrant(c, 'Authorization code has already been used.');
    }
    grant = store.grantByCode(code);
    if (!grant) return invalidGrant(c, 'Could not find access token for code or refresh_token.');
    if (clientId === undefined) {
      const basic = basicCredentials(c, f.clientSecretBasicUrlDecoded);
      if (basic) ({ id: clientId, secret: clientSecret } = basic);
    }
    if (clientId === undefined || clientId.trim() === '') return invalidClient(c, 'Missing client_id.');
    client = store.clients.get(clientId);
    if (!client) return invalidClient(c, 'Client not found.');
    if (client.type !== 'public' && client.clientSecret !== clientSecret) return invalidClient(c, 'Client authentication failed.');
    if (grant.clientId !== client.clientId) return invalidGrant(c, 'Grant is not valid for this client.');
    if (codeRecord && codeRecord.grantId !== grant.id) return invalidGrant(c, 'Authorization code is not valid.');
  } else {
    grant = code !== undefined ? store.grantByCode(code) : undefined;
    if (!grant) return phpJson(c, { error: 'invalid_request', error_description: 'Could not find access token for code or refresh_token.' }, 400);
    client = store.clients.get(grant.clientId);
    if (!client) return phpJson(c, { error: 'invalid_request', error_description: 'Could not find client for access token.' }, 400);
    if (clientId === undefined) {
      const basic = basicCredentials(c, f.clientSecretBasicUrlDecoded);
      if (basic) ({ id: clientId, secret: clientSecret } = basic);
    }
    if (client.type === 'public') {
      if (client.clientId !== clientId) return invalidClient(c, 'Client not found.');
    } else if (client.clientId !== clientId || client.clientSecret !== clientSecret) {
      return invalidClient(c, 'Client authentication failed.');
    }
  }

  if (store.isExpired(client)) return phpJson(c, { error: 'expired_client', error_description: 'Client expired.' }, 400);
  const now = store.nowSeconds();
  if (grantType === 'authorization_code') {
    if (now > grant.refreshed + store.expireTime()) {
      store.deleteGrant(grant);
      return invalidGrant(c, 'Access token already expired.');
    }
    if (grant.codeChallenge) {
      if (verifier === undefined || verifier === '') {
        store.deleteGrant(grant);
        return invalidGrant(c, 'code_verifier required for PKCE flow.');
      }
      if (!verifyPkce(verifier, grant.codeChallenge, grant.codeChallengeMethod || 'S256')) {
        store.deleteGrant(grant);
        return invalidGrant(c, 'Invalid code_verifier.');
      }
    }
  } else {
    const refreshExpire = store.refreshExpireTime();
    if (refreshExpire !== 'never' && now > grant.refreshed + refreshExpire) {
      store.deleteGrant(grant);
      return invalidGrant(c, 'Refresh token is expired.');
    }
  }
  if (codeRecord) codeRecord.usedAt = state.now();

  const issuer = requestOrigin(c);
  const result = await exchangeGrant(state, grant, client, issuer);
  const idToken = await signIdToken(state, grant, client, issuer, { includeScopeClaims: false });
  const body: Record<string, unknown> = { access_token: result.accessToken.token, token_type: 'Bearer', expires_in: store.expireTime() };
  const refreshExpire = store.refreshExpireTime();
  if (!f.refreshNeedsOfflineAccess) {
    body['refresh_token'] = result.newCode;
    body['id_token'] = idToken;
  } else {
    body['id_token'] = idToken;
    if (result.refreshIssued) body['refresh_token'] = result.newCode;
  }
  if (result.refreshIssued && refreshExpire !== 'never') body['refresh_expires_in'] = refreshExpire;
  return phpJson(c, body, 200, TOKEN_CORS);
}

/** The access token of a `/userinfo` request: `Authorization: Bearer`, else (POST) the `access_token` parameter. */
async function bearerOf(c: DoubleContext): Promise<string | undefined> {
  const match = /Bearer\s+(\S+)/.exec(c.req.header('authorization') ?? '');
  if (match) return match[1];
  if (c.req.method !== 'POST') return undefined;
  const value = stringParam(await requestParams(c), 'access_token');
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}

/** The live authorization row that holds `token` now. */
function grantOfAccessToken(state: DoubleState, token: string): OidcGrant | undefined {
  const record = oidcStore(state).accessTokens.get(token);
  if (!record || record.grantId === undefined) return undefined;
  const grant = oidcStore(state).grants.get(record.grantId);
  return grant && !grant.deleted && grant.accessToken === token ? grant : undefined;
}

/**
 * `/apps/oidc/userinfo` (UserInfoController): `sub` and `preferred_username` always, `scope` (oidc >= 1.12),
 * roles/groups, profile and email claims by scope or by the `claims` parameter. Errors are 400 JSON as the
 * app answers them (a missing, unknown or expired token is not a 401 there).
 */
async function userinfo(c: DoubleContext, state: DoubleState): Promise<Response> {
  if (!state.isEnabled('oidc')) return appNotFound(c);
  const store = oidcStore(state);
  const token = await bearerOf(c);
  if (token === undefined) return phpJson(c, { error: 'invalid_request', error_description: 'No bearer token found in request.' }, 400);
  const grant = grantOfAccessToken(state, token);
  if (!grant) return phpJson(c, { error: 'invalid_request', error_description: 'Could not find provided bearer token.' }, 400);
  const client = store.clients.get(grant.clientId);
  if (!client) return phpJson(c, { error: 'invalid_request', error_description: 'Could not find client for access token.' }, 400);
  if (store.isExpired(client)) return phpJson(c, { error: 'expired_client', error_description: 'Client expired.' }, 400);
  if (store.nowSeconds() > grant.refreshed + store.expireTime()) {
    store.deleteGrant(grant);
    return phpJson(c, { error: 'invalid_grant', error_description: 'Access token already expired.' }, 400);
  }
  const user = state.users.get(grant.uid);
  if (!user) return phpJson(c, { error: 'invalid_request', error_description: 'Could not find provided bearer token.' }, 400);
  const issuer = requestOrigin(c);
  const requests = state.features.claimsParameter ? parseClaimRequests(grant.userinfoClaims) : {};
  const scopes = scopeList(grant.scope);
  const payload: Record<string, unknown> = { sub: grant.uid, preferred_username: grant.uid };
  if (state.features.userinfoScopeClaim && grant.scope !== '') payload['scope'] = grant.scope;
  for (const claim of ['roles', 'groups'] as const) {
    if (scopes.includes(claim) || claim in requests) Object.assign(payload, filterClaims({ [claim]: groupIds(user) }, requests, scopes.includes(claim)));
  }
  const profile = profileClaims(state, user, issuer, { emptyNameParts: !state.features.idTokenScopeClaimsOnRequest });
  if (scopes.includes('profile') || Object.keys(profile).some((k) => k in requests)) Object.assign(payload, filterClaims(profile, requests, scopes.includes('profile')));
  const email = emailClaims(state, user);
  if (email && (scopes.includes('email') || 'email' in requests || 'email_verified' in requests)) Object.assign(payload, filterClaims(email, requests, scopes.includes('email')));
  return phpJson(c, payload, 200, TOKEN_CORS);
}

/**
 * `/apps/oidc/introspect` (RFC 7662, oidc >= 1.11): the calling client authenticates (Basic, read from the
 * header since 1.11.0's IntrospectionController, or `client_id`/`client_secret`); a token is `active` only for the client it was issued to or the
 * resource it names.
 */
async function introspect(c: DoubleContext, state: DoubleState): Promise<Response> {
  if (!state.isEnabled('oidc') || !state.features.introspection) return appNotFound(c);
  const store = oidcStore(state);
  const params = await requestParams(c);
  let credentials = basicCredentials(c, false);
  if (!credentials) {
    const id = stringParam(params, 'client_id');
    const secret = stringParam(params, 'client_secret');
    if (id !== undefined && secret !== undefined) credentials = { id, secret };
  }
  const caller = credentials ? store.clients.get(credentials.id) : undefined;
  if (!caller || !credentials || caller.clientSecret.length !== credentials.secret.length || !timingSafeEqual(Buffer.from(caller.clientSecret), Buffer.from(credentials.secret))) {
    return phpJson(c, { error: 'invalid_client', error_description: 'Client authentication failed.' }, 401);
  }
  const tokenValue = stringParam(params, 'token') ?? '';
  if (tokenValue === '') return phpJson(c, { error: 'invalid_request', error_description: 'Token parameter is required.' }, 400);
  const inactive = (): Response => phpJson(c, { active: false });
  const grant = grantOfAccessToken(state, tokenValue);
  if (!grant) return inactive();
  const exp = grant.refreshed + store.expireTime();
  if (store.nowSeconds() > exp) return inactive();
  if (!state.users.has(grant.uid)) return inactive();
  const owner = store.clients.get(grant.clientId);
  if (!owner) return inactive();
  const resource = grant.resource ?? '';
  const authorized = (resource !== '' && (resource === caller.clientId || (caller.resourceUrl !== undefined && resource === caller.resourceUrl))) || owner.clientId === caller.clientId;
  if (!authorized) return inactive();
  return phpJson(
    c,
    { active: true, scope: grant.scope, client_id: owner.clientId, username: grant.uid, token_type: 'Bearer', exp, iat: grant.authTime, sub: grant.uid, aud: owner.clientId },
    200,
    { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Methods': 'POST' },
  );
}

/**
 * The token side of the `oidc` app: discovery (at both paths), `/token`, `/userinfo`, `/jwks`,
 * `/introspect`, and the CORS preflight answers of its public endpoints.
 */
export function registerTokenRoutes(app: Hono<DoubleEnv>, state: DoubleState): void {
  const discovery = (c: DoubleContext): Response => {
    if (!state.isEnabled('oidc')) return c.req.path.startsWith('/.well-known') ? phpJson(c, { message: 'openid-configuration not supported' }, 404) : appNotFound(c);
    return phpJson(c, discoveryDocument(state, requestOrigin(c)), 200, { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Methods': 'GET' });
  };
  app.get('/.well-known/openid-configuration', discovery);
  app.get('/apps/oidc/openid-configuration', discovery);

  app.post('/apps/oidc/token', (c) => token(c, state));
  app.get('/apps/oidc/userinfo', (c) => userinfo(c, state));
  app.post('/apps/oidc/userinfo', (c) => userinfo(c, state));
  app.post('/apps/oidc/introspect', (c) => introspect(c, state));
  app.get('/apps/oidc/jwks', (c) => {
    if (!state.isEnabled('oidc')) return appNotFound(c);
    return phpJson(c, { keys: [oidcSigningKey(state).jwk] }, 200, { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Methods': 'GET' });
  });

  // CorsController: preflight answers of the public endpoints.
  for (const path of ['/apps/oidc/openid-configuration', '/apps/oidc/jwks', '/apps/oidc/userinfo', '/apps/oidc/logout', '/apps/oidc/token', '/apps/oidc/authorize', '/apps/oidc/register', '/apps/oidc/register/:clientId', '/apps/oidc/introspect']) {
    app.options(path, (c) => {
      if (!state.isEnabled('oidc')) return appNotFound(c);
      return c.body(null, 200, {
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Methods': 'PUT, POST, GET, DELETE, PATCH',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, Accept, OCS-APIRequest, Range, Depth, Destination, Overwrite, X-Requested-With',
        'Access-Control-Max-Age': '1728000',
      });
    });
  }
}
