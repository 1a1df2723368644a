import { randomInt } from 'node:crypto';
import type { DoubleState } from '../double-state.ts';
import { verifyOwnJwt } from './oidc-keys.ts';

/** Characters of client ids, secrets, codes and opaque tokens (ISecureRandom upper, lower, digits). */
export const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random string of `length` alphanumeric characters, as the app's ISecureRandom::generate makes them. */
export function randomAlnum(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALNUM[randomInt(ALNUM.length)];
  return out;
}

/** The scope the app uses when a request names none (H2CK/oidc Application::DEFAULT_SCOPE). */
export const DEFAULT_SCOPE = 'openid profile email roles';

/** How long a consent given on the consent page lasts: 90 days (facts page, `/consent/grant`). */
export const CONSENT_LIFETIME_SECONDS = 7_776_000;

/** A client of the `oidc` app (static from occ or dynamically registered). */
export interface OidcClient {
  /** Internal row id (`oc_oidc_clients.id`). */
  id: number;
  clientId: string;
  clientSecret: string;
  name: string;
  redirectUris: string[];
  type: 'confidential' | 'public';
  /** Access token format of this client. */
  tokenType: 'opaque' | 'jwt';
  /** Space-separated allowed scopes; empty means any. */
  allowedScopes: string;
  /** Registered through `/register` (deleted after `client_expire_time`). */
  dynamic: boolean;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** RFC 7592 registration access token (dynamic clients, oidc >= 1.11). */
  registrationAccessToken?: string;
  /** ID token signing algorithm (`RS256` or `HS256`). */
  signingAlg: 'RS256' | 'HS256';
  /** Allowed response types: `code`, or `code id_token` (implicit allowed too). */
  flowType: 'code' | 'code id_token';
  /** RFC 9728 resource URL of the client, if any. */
  resourceUrl?: string;
  /** Regular expression that picks the e-mail address for claims; empty means the primary one. */
  emailRegex: string;
}

/**
 * One authorization as the app stores it: the row of `oc_oidc_access_tokens` that a successful
 * `/authorize` creates and that `/token` updates on every exchange and refresh.
 */
export interface OidcGrant {
  id: number;
  clientId: string;
  uid: string;
  scope: string;
  resource?: string;
  nonce: string;
  /** When the user authenticated (seconds), the `auth_time` claim. */
  authTime: number;
  /** Seconds; the access token is accepted until `refreshed + expire_time`. */
  refreshed: number;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  /** JSON of the `claims` request parameter's `id_token` member (oidc >= 2.0). */
  idTokenClaims: string;
  /** JSON of the `claims` request parameter's `userinfo` member (oidc >= 2.0). */
  userinfoClaims: string;
  /** The code, then the refresh token, that `/token` accepts for this row. */
  currentCode: string;
  /** The access token the row holds now. */
  accessToken?: string;
  /** The row is gone (PKCE failure, expiry, code reuse on 2.0). */
  deleted: boolean;
}

/** An authorization code. */
export interface AuthorizationCode {
  code: string;
  clientId: string;
  uid: string;
  scope: string;
  redirectUri: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  /** The `resource` parameter (RFC 8707), carried into a JWT's `aud` when given. */
  resource?: string;
  createdAt: number;
  /** Set when the code was exchanged; a second exchange is a reuse. */
  usedAt?: number;
  /** Access tokens issued from this code (revoked on reuse where the version does). */
  accessTokens: string[];
  /** The authorization row the code belongs to. */
  grantId: number;
}

/** An access token as the `oidc` app stores it (opaque and JWT alike). */
export interface AccessTokenRecord {
  token: string;
  format: 'opaque' | 'jwt';
  clientId: string;
  uid: string;
  scope: string;
  createdAt: number;
  /** `expires_in` given to the client, seconds. */
  expiresIn: number;
  revoked: boolean;
  /** The code it was issued from, if any. */
  code?: string;
  /** The authorization row that holds it. */
  grantId?: number;
  /** The `resource` it was issued for. */
  resource?: string;
}

/** A refresh token. */
export interface RefreshTokenRecord {
  token: string;
  clientId: string;
  uid: string;
  scope: string;
  createdAt: number;
  revoked: boolean;
  grantId?: number;
}

/** A user's consent to a client (`oc_oidc_user_consents`). */
export interface UserConsent {
  uid: string;
  clientId: string;
  scopesGranted: string;
  createdAt: number;
  updatedAt: number;
  /** Seconds, or null for consents the app records itself when the consent page is off. */
  expiresAt: number | null;
}

/** An RFC 7592 registration access token (`oc_oidc_registration_tokens`). */
export interface RegistrationToken {
  token: string;
  clientId: string;
  createdAt: number;
  /** Seconds, or null: rotated tokens keep working for a 60 s grace period. */
  expiresAt: number | null;
}

/** The input of `OidcStore.createClient`. */
export interface NewClientInput {
  name: string;
  redirectUris: string[];
  type?: 'confidential' | 'public';
  tokenType?: 'opaque' | 'jwt';
  allowedScopes?: string;
  dynamic?: boolean;
  signingAlg?: 'RS256' | 'HS256';
  flowType?: 'code' | 'code id_token';
  resourceUrl?: string;
  emailRegex?: string;
  clientId?: string;
  clientSecret?: string;
}

/** The `oidc` app's tables inside the double. */
export class OidcStore {
  readonly clients = new Map<string, OidcClient>();
  readonly codes = new Map<string, AuthorizationCode>();
  readonly accessTokens = new Map<string, AccessTokenRecord>();
  readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  readonly grants = new Map<number, OidcGrant>();
  /** Consents by `uid` and client id. */
  readonly consents = new Map<string, UserConsent>();
  readonly registrationTokens = new Map<string, RegistrationToken>();
  /** Last login of each user (seconds), the `updated_at` claim. */
  readonly lastLogin = new Map<string, number>();
  private nextId = 1;

  constructor(private readonly state: DoubleState) {}

  /** The clock in seconds, as the app's ITimeFactory::getTime gives it. */
  nowSeconds(): number {
    return Math.floor(this.state.now() / 1000);
  }

  /** `expire_time` in seconds (app config, default 900). */
  expireTime(): number {
    return Number(this.state.getAppValue('oidc', 'expire_time', '900')) || 900;
  }

  /** `refresh_expire_time` in seconds, or `never` (app config, default 900). */
  refreshExpireTime(): number | 'never' {
    const raw = this.state.getAppValue('oidc', 'refresh_expire_time', '900');
    return raw === 'never' ? 'never' : Number(raw) || 0;
  }

  /** `client_expire_time` in seconds (app config, default 3600). */
  clientExpireTime(): number {
    return Number(this.state.getAppValue('oidc', 'client_expire_time', '3600')) || 0;
  }

  /** A new internal row id. */
  newId(): number {
    return this.nextId++;
  }

  /** Inserts a client; client id and secret are 64 alphanumeric characters unless given. */
  createClient(input: NewClientInput): OidcClient {
    const client: OidcClient = {
      id: this.newId(),
      clientId: input.clientId ?? randomAlnum(64),
      clientSecret: input.clientSecret ?? randomAlnum(64),
      name: input.name,
      redirectUris: [...input.redirectUris],
      type: input.type ?? 'confidential',
      tokenType: input.tokenType ?? 'opaque',
      allowedScopes: input.allowedScopes ?? '',
      dynamic: input.dynamic ?? false,
      createdAt: this.state.now(),
      signingAlg: input.signingAlg ?? 'RS256',
      flowType: input.flowType ?? 'code',
      emailRegex: input.emailRegex ?? '',
      ...(input.resourceUrl !== undefined ? { resourceUrl: input.resourceUrl } : {}),
    };
    this.clients.set(client.clientId, client);
    return client;
  }

  /** `issued_at` of a client in seconds. */
  issuedAt(client: OidcClient): number {
    return Math.floor(client.createdAt / 1000);
  }

  /** Whether a dynamic client outlived `client_expire_time` (it may still exist until the next clean-up). */
  isExpired(client: OidcClient): boolean {
    return client.dynamic && this.nowSeconds() > this.issuedAt(client) + this.clientExpireTime();
  }

  /**
   * ClientMapper::cleanUp: deletes dynamic clients issued more than `client_expire_time` ago. The app runs
   * it on every registration and authorization request (and from a background job).
   */
  cleanUpClients(): void {
    const limit = this.nowSeconds() - this.clientExpireTime();
    for (const client of [...this.clients.values()]) {
      if (client.dynamic && this.issuedAt(client) < limit) this.deleteClient(client.clientId);
    }
  }

  /** Deletes a client with its consents and registration tokens; returns whether it existed. */
  deleteClient(clientId: string): boolean {
    if (!this.clients.delete(clientId)) return false;
    for (const [key, consent] of this.consents) if (consent.clientId === clientId) this.consents.delete(key);
    for (const [token, record] of this.registrationTokens) if (record.clientId === clientId) this.registrationTokens.delete(token);
    return true;
  }

  /** Deletes the authorization rows (and so the tokens) of a client, as RFC 7592 DELETE does. */
  deleteGrantsOfClient(clientId: string): void {
    for (const grant of this.grants.values()) if (grant.clientId === clientId) this.deleteGrant(grant);
  }

  /** Number of dynamically registered clients. */
  dynamicClientCount(): number {
    let n = 0;
    for (const c of this.clients.values()) if (c.dynamic) n++;
    return n;
  }

  /** Deletes an authorization row: its current access token and code/refresh token stop working. */
  deleteGrant(grant: OidcGrant): void {
    grant.deleted = true;
    if (grant.accessToken) {
      const record = this.accessTokens.get(grant.accessToken);
      if (record) record.revoked = true;
    }
    const refresh = this.refreshTokens.get(grant.currentCode);
    if (refresh) refresh.revoked = true;
  }

  /** The live authorization row whose current code or refresh token is `code`. */
  grantByCode(code: string): OidcGrant | undefined {
    for (const grant of this.grants.values()) if (!grant.deleted && grant.currentCode === code) return grant;
    return undefined;
  }

  /** Consent of `uid` for `clientId`. */
  consent(uid: string, clientId: string): UserConsent | undefined {
    return this.consents.get(`${uid}\n${clientId}`);
  }

  /** Creates or replaces a consent. */
  saveConsent(consent: UserConsent): void {
    this.consents.set(`${consent.uid}\n${consent.clientId}`, consent);
  }

  /**
   * The stored access token if the `oidc` app still accepts it, as its TokenValidationRequestListener
   * (what user_oidc asks) decides: the row that holds the token, younger than `refreshed + expire_time`
   * (about 2 x `expire_time` after issue; facts page, "Tokens"). A JWT whose row is gone (code reuse,
   * refresh) is still accepted on its signature, `exp`, an `aud` naming a client and a known
   * `preferred_username`, as the listener does.
   */
  validAccessToken(token: string): AccessTokenRecord | undefined {
    const record = this.accessTokens.get(token);
    if (!record) return undefined;
    if (!record.revoked) {
      const grant = record.grantId !== undefined ? this.grants.get(record.grantId) : undefined;
      if (grant && !grant.deleted && grant.accessToken === token) {
        if (this.nowSeconds() > grant.refreshed + this.expireTime()) {
          this.deleteGrant(grant);
          return undefined;
        }
        return this.state.users.has(record.uid) ? record : undefined;
      }
      if (!grant) {
        if (this.state.now() > record.createdAt + 2 * record.expiresIn * 1000) return undefined;
        return this.state.users.has(record.uid) ? record : undefined;
      }
    }
    if (record.format !== 'jwt') return undefined;
    const decoded = verifyOwnJwt(this.state, token, this.nowSeconds());
    if (!decoded) return undefined;
    const aud = decoded.payload['aud'];
    if (typeof aud !== 'string' || !this.clients.has(aud)) return undefined;
    const username = decoded.payload['preferred_username'];
    if (typeof username !== 'string' || !this.state.users.has(username)) return undefined;
    return record;
  }
}

/** The OidcStore of a double. */
export function oidcStore(state: DoubleState): OidcStore {
  return state.store('oidc', () => new OidcStore(state));
}
