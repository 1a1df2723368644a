import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import type { DoubleState } from '../double-state.ts';
import { oidcSigningKey } from './oidc-keys.ts';
import { DEFAULT_SCOPE, oidcStore, randomAlnum, type AccessTokenRecord, type AuthorizationCode, type OidcClient, type OidcGrant, type RefreshTokenRecord } from './oidc-store.ts';
import { emailClaims, filterClaims, groupIds, parseClaimRequests, profileClaims, scopeList, type ClaimRequests } from './user-claims.ts';

/** An error of the token machinery, with a stable `code`. */
export class OidcTokenError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** What `/authorize` knows when it creates an authorization row and its code. */
export interface NewGrantInput {
  client: OidcClient;
  uid: string;
  scope: string;
  redirectUri: string;
  resource?: string;
  nonce?: string;
  /** Seconds; defaults to now. */
  authTime?: number;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  idTokenClaims?: string;
  userinfoClaims?: string;
}

/**
 * Creates the authorization row and its code as a successful `/authorize` does: a 128-character
 * alphanumeric code, the scope cut to 512 characters, `refreshed` = now.
 */
export function createGrant(state: DoubleState, input: NewGrantInput): { grant: OidcGrant; code: AuthorizationCode } {
  const store = oidcStore(state);
  const now = store.nowSeconds();
  const codeValue = randomAlnum(128);
  const grant: OidcGrant = {
    id: store.newId(),
    clientId: input.client.clientId,
    uid: input.uid,
    scope: input.scope.slice(0, 512),
    nonce: (input.nonce ?? '').slice(0, 256),
    authTime: input.authTime ?? now,
    refreshed: now,
    idTokenClaims: input.idTokenClaims ?? '',
    userinfoClaims: input.userinfoClaims ?? '',
    currentCode: codeValue,
    deleted: false,
    ...(input.resource !== undefined ? { resource: input.resource.slice(0, 2000) } : {}),
    ...(input.codeChallenge ? { codeChallenge: input.codeChallenge.slice(0, 128), codeChallengeMethod: input.codeChallengeMethod ?? 'S256' } : {}),
  };
  store.grants.set(grant.id, grant);
  const code: AuthorizationCode = {
    code: codeValue,
    clientId: grant.clientId,
    uid: grant.uid,
    scope: grant.scope,
    redirectUri: input.redirectUri,
    createdAt: state.now(),
    accessTokens: [],
    grantId: grant.id,
    ...(input.nonce ? { nonce: grant.nonce } : {}),
    ...(grant.codeChallenge ? { codeChallenge: grant.codeChallenge, codeChallengeMethod: input.codeChallengeMethod ?? 'S256' } : {}),
    ...(grant.resource !== undefined ? { resource: grant.resource } : {}),
  };
  store.codes.set(code.code, code);
  return { grant, code };
}

async function signJwt(state: DoubleState, payload: Record<string, unknown>, typ: 'JWT' | 'at+JWT'): Promise<string> {
  const key = oidcSigningKey(state);
  return new SignJWT(payload).setProtectedHeader({ typ, alg: 'RS256', kid: key.kid }).sign(key.privateKey);
}

/** The audience of a JWT access token: `resource`, else (oidc >= 1.13) the client id, else the default resource identifier. */
function accessTokenAudience(state: DoubleState, grant: OidcGrant, client: OidcClient): string {
  if (grant.resource !== undefined && grant.resource.trim() !== '') return grant.resource;
  if (state.features.clientResourceUrl) return client.clientId;
  return state.getAppValue('oidc', 'default_resource_identifier', 'https://rs.local/');
}

/**
 * An RFC 9068 access token as the app signs it (JwtGenerator::generateAccessToken): header `typ` `at+JWT`,
 * `iss`, `sub`, `aud`, `exp`, `auth_time`, `iat`, `acr`, `client_id`, `scope`, `jti`, roles/groups by scope;
 * from oidc 1.17 also `azp`, `preferred_username` and the profile/email claims of its scopes.
 */
async function jwtAccessToken(state: DoubleState, grant: OidcGrant, client: OidcClient, issuer: string): Promise<string> {
  const store = oidcStore(state);
  const user = state.users.get(grant.uid);
  if (!user) throw new OidcTokenError('ERR_OIDC_UNKNOWN_USER', `no user '${grant.uid}' for this authorization`);
  const now = store.nowSeconds();
  const payload: Record<string, unknown> = {
    iss: issuer,
    sub: grant.uid,
    aud: accessTokenAudience(state, grant, client),
    exp: now + store.expireTime(),
    auth_time: grant.authTime,
    iat: now,
    acr: '0',
    client_id: client.clientId,
  };
  if (state.features.jwtUserClaims) {
    payload['azp'] = client.clientId;
    payload['preferred_username'] = grant.uid;
  }
  payload['scope'] = grant.scope;
  payload['jti'] = String(grant.id);
  const scopes = scopeList(grant.scope);
  if (scopes.includes('roles')) payload['roles'] = groupIds(user);
  if (scopes.includes('groups')) payload['groups'] = groupIds(user);
  if (state.features.jwtUserClaims) {
    if (scopes.includes('profile')) Object.assign(payload, profileClaims(state, user, issuer, { emptyNameParts: false }));
    if (scopes.includes('email')) Object.assign(payload, emailClaims(state, user) ?? {});
  }
  return signJwt(state, payload, 'at+JWT');
}

/** Options of `signIdToken`. */
export interface IdTokenOptions {
  /** Include the claims of the granted scopes (the `/token` ID token of oidc >= 2.0 does not, unless asked). */
  includeScopeClaims: boolean;
  /** Access token for `at_hash` (implicit flow only; `/token` never sets it). */
  accessToken?: string;
}

/** OIDC Core section 3.1.3.6: left half of the SHA-256 of the value, base64url. */
export function halfHash(value: string): string {
  const digest = createHash('sha256').update(value).digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/**
 * The ID token as the app signs it (JwtGenerator::generateIdToken, RS256): `iss`, `sub`, `aud` and `azp`
 * (client id), `exp`, `auth_time`, `iat`, `acr`, `nbf`, `jti`, `nonce` when the request had one, and the
 * claims of the scopes. oidc < 2.0 always adds `preferred_username` and `scope`.
 */
export async function signIdToken(state: DoubleState, grant: OidcGrant, client: OidcClient, issuer: string, options: IdTokenOptions): Promise<string> {
  const store = oidcStore(state);
  const user = state.users.get(grant.uid);
  if (!user) throw new OidcTokenError('ERR_OIDC_UNKNOWN_USER', `no user '${grant.uid}' for this authorization`);
  const now = store.nowSeconds();
  const legacy = !state.features.idTokenScopeClaimsOnRequest;
  const requests: ClaimRequests = legacy ? {} : parseClaimRequests(grant.idTokenClaims);
  const include = legacy || options.includeScopeClaims || state.getAppValue('oidc', 'always_include_scope_claims') === 'true';
  const payload: Record<string, unknown> = {
    iss: issuer,
    sub: grant.uid,
    aud: client.clientId,
    exp: now + store.expireTime(),
    auth_time: grant.authTime,
    iat: now,
    acr: '0',
    azp: client.clientId,
  };
  if (legacy) {
    payload['preferred_username'] = grant.uid;
    payload['scope'] = grant.scope;
  } else if ('scope' in requests) payload['scope'] = grant.scope;
  payload['nbf'] = now;
  payload['jti'] = String(grant.id);
  if (options.accessToken) payload['at_hash'] = halfHash(options.accessToken);
  if (grant.nonce !== '') payload['nonce'] = grant.nonce;
  const scopes = scopeList(grant.scope);
  for (const claim of ['roles', 'groups'] as const) {
    const byScope = include && scopes.includes(claim);
    if (byScope || claim in requests) Object.assign(payload, filterClaims({ [claim]: groupIds(user) }, requests, byScope));
  }
  const profileByScope = include && scopes.includes('profile');
  const profile = { ...(legacy ? {} : { preferred_username: grant.uid }), ...profileClaims(state, user, issuer, { emptyNameParts: legacy }) };
  if (profileByScope || Object.keys(profile).some((k) => k in requests)) Object.assign(payload, filterClaims(profile, requests, profileByScope));
  const email = emailClaims(state, user);
  const emailByScope = include && scopes.includes('email');
  if (email && (emailByScope || 'email' in requests || 'email_verified' in requests)) Object.assign(payload, filterClaims(email, requests, emailByScope));
  return signJwt(state, payload, 'JWT');
}

/** What one exchange at `/token` produced. */
export interface ExchangeResult {
  accessToken: AccessTokenRecord;
  /** The new code of the row: the refresh token, whether or not the answer hands it out. */
  newCode: string;
  /** Whether the answer carries `refresh_token` (offline_access, `provide_refresh_token_always`, or oidc < 1.12). */
  refreshIssued: boolean;
  refreshToken?: RefreshTokenRecord;
}

/**
 * What `/token` does to the authorization row once the grant and the client are checked: a new
 * 128-character code (the refresh token), `refreshed` = now + `expire_time`, a new access token in the
 * client's format (opaque: 72 alphanumeric characters; JWT: RFC 9068), which replaces the row's previous
 * one. The refresh token is handed out with scope `offline_access` or `provide_refresh_token_always`
 * (oidc >= 1.12), always before.
 */
export async function exchangeGrant(state: DoubleState, grant: OidcGrant, client: OidcClient, issuer: string, format?: 'opaque' | 'jwt'): Promise<ExchangeResult> {
  const store = oidcStore(state);
  const previousCode = grant.currentCode;
  const previousToken = grant.accessToken;
  const now = store.nowSeconds();
  const expire = store.expireTime();
  grant.currentCode = randomAlnum(128);
  grant.refreshed = now + expire;
  const tokenFormat = format ?? client.tokenType;
  const token = tokenFormat === 'jwt' ? await jwtAccessToken(state, grant, client, issuer) : randomAlnum(72);
  grant.accessToken = token;
  if (previousToken) {
    const old = store.accessTokens.get(previousToken);
    if (old) old.revoked = true;
  }
  const oldRefresh = store.refreshTokens.get(previousCode);
  if (oldRefresh) oldRefresh.revoked = true;
  const code = store.codes.get(previousCode);
  const record: AccessTokenRecord = {
    token,
    format: tokenFormat,
    clientId: client.clientId,
    uid: grant.uid,
    scope: grant.scope,
    createdAt: state.now(),
    expiresIn: expire,
    revoked: false,
    grantId: grant.id,
    ...(code ? { code: code.code } : {}),
    ...(grant.resource !== undefined ? { resource: grant.resource } : {}),
  };
  store.accessTokens.set(token, record);
  if (code) code.accessTokens.push(token);
  const always = state.getAppValue('oidc', 'provide_refresh_token_always', 'false') === 'true';
  const refreshIssued = !state.features.refreshNeedsOfflineAccess || always || scopeList(grant.scope.trim()).includes('offline_access');
  const result: ExchangeResult = { accessToken: record, newCode: grant.currentCode, refreshIssued };
  if (refreshIssued) {
    const refresh: RefreshTokenRecord = { token: grant.currentCode, clientId: client.clientId, uid: grant.uid, scope: grant.scope, createdAt: state.now(), revoked: false, grantId: grant.id };
    store.refreshTokens.set(refresh.token, refresh);
    result.refreshToken = refresh;
  }
  return result;
}

/** Input of `issueAccessToken`. */
export interface IssueAccessTokenInput {
  uid: string;
  /** A registered client; without it an internal confidential client of the double is used. */
  clientId?: string;
  /** Default: the app's default scope `openid profile email roles`. */
  scope?: string;
  /** Default: the client's token type. */
  format?: 'opaque' | 'jwt';
  /** RFC 8707 resource, the JWT's `aud`. */
  resource?: string;
}

/** Name of the internal client `issueAccessToken` registers when no client is named. */
export const INTERNAL_CLIENT_NAME = 'nc-oauth-lab internal client';

/**
 * Mints an access token exactly as `/authorize` + `/token` would for `uid` (an authorization row, a used
 * code, the token in the client's or the given format, stored so that user_oidc accepts it), for tests
 * that need a token without the browser flow. The issuer is the double's base URL.
 */
export async function issueAccessToken(state: DoubleState, input: IssueAccessTokenInput): Promise<AccessTokenRecord> {
  const store = oidcStore(state);
  if (!state.users.has(input.uid)) throw new OidcTokenError('ERR_OIDC_UNKNOWN_USER', `issueAccessToken: no user '${input.uid}' in the double: add it first`);
  let client: OidcClient | undefined;
  if (input.clientId !== undefined) {
    client = store.clients.get(input.clientId);
    if (!client) throw new OidcTokenError('ERR_OIDC_UNKNOWN_CLIENT', `issueAccessToken: no client '${input.clientId}': register it first or leave clientId out`);
  } else {
    client = [...store.clients.values()].find((c) => c.name === INTERNAL_CLIENT_NAME && !c.dynamic);
    client ??= store.createClient({ name: INTERNAL_CLIENT_NAME, redirectUris: ['http://127.0.0.1/nc-oauth-lab/internal-callback'], tokenType: 'opaque' });
  }
  const { grant, code } = createGrant(state, {
    client,
    uid: input.uid,
    scope: input.scope ?? DEFAULT_SCOPE,
    redirectUri: client.redirectUris[0] ?? '',
    ...(input.resource !== undefined ? { resource: input.resource } : {}),
  });
  code.usedAt = state.now();
  const issuer = state.baseUrl || 'http://127.0.0.1';
  const result = await exchangeGrant(state, grant, client, issuer, input.format);
  return result.accessToken;
}
