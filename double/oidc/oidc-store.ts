import type { DoubleState } from '../double-state.ts';

/** A client of the `oidc` app (static from occ or dynamically registered). */
export interface OidcClient {
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
  /** RFC 7592 registration access token (dynamic clients). */
  registrationAccessToken?: string;
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
}

/** A refresh token. */
export interface RefreshTokenRecord {
  token: string;
  clientId: string;
  uid: string;
  scope: string;
  createdAt: number;
  revoked: boolean;
}

/** The `oidc` app's tables inside the double. */
export class OidcStore {
  readonly clients = new Map<string, OidcClient>();
  readonly codes = new Map<string, AuthorizationCode>();
  readonly accessTokens = new Map<string, AccessTokenRecord>();
  readonly refreshTokens = new Map<string, RefreshTokenRecord>();

  constructor(private readonly state: DoubleState) {}

  /** `expire_time` in seconds (app config, default 900). */
  expireTime(): number {
    return Number(this.state.getAppValue('oidc', 'expire_time', '900')) || 900;
  }

  /**
   * The stored access token if the `oidc` app still accepts it: known, not revoked, and younger than
   * about 2 x `expire_time` (facts page, "Tokens": accepted until about twice the advertised expiry).
   */
  validAccessToken(token: string): AccessTokenRecord | undefined {
    const record = this.accessTokens.get(token);
    if (!record || record.revoked) return undefined;
    if (this.state.now() > record.createdAt + 2 * record.expiresIn * 1000) return undefined;
    if (!this.state.users.has(record.uid)) return undefined;
    return record;
  }
}

/** The OidcStore of a double. */
export function oidcStore(state: DoubleState): OidcStore {
  return state.store('oidc', () => new OidcStore(state));
}
