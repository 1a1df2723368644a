import { createHash } from 'node:crypto';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { createRemoteJWKSet, customFetch, decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { FetchLike, IssuerMetadata, OidcDiscovery } from './oidc-discovery.ts';
import type { Logger } from './redacting-logger.ts';

/** Who a request acts for, as the token (or the basic-mode configuration) says. */
export interface Principal {
  /** The Nextcloud user id: `sub` of the `oidc` app's tokens and userinfo, which is the uid (H2CK/oidc `JwtGenerator`, `UserInfoController`). */
  uid: string;
  /** Scopes the token carries; undefined when they are unknown (an opaque token whose userinfo does not list them). */
  scopes?: string[];
  clientId?: string;
  /** Expiry in seconds since the epoch, when known. */
  expiresAt?: number;
  /** How the caller was recognised. */
  via: 'jwt' | 'userinfo' | 'basic';
}

/** Nextcloud could not be asked whether a token is valid (network error, timeout, 5xx): answered 503, never cached. */
export class TokenCheckUnavailableError extends Error {
  readonly code = 'ERR_TOKEN_CHECK_UNAVAILABLE';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TokenCheckUnavailableError';
  }
}

/** Counters of the validator, for tests and the benchmark. */
export interface TokenValidatorStats {
  /** Requests sent to the userinfo endpoint. */
  userinfoCalls: number;
  /** JWT signatures checked. */
  jwtVerifications: number;
  /** Answers served from the cache (valid or rejected). */
  cacheHits: number;
}

/** Options of `TokenValidator`. */
export interface TokenValidatorOptions {
  discovery: OidcDiscovery;
  /** Issuers whose `iss` is accepted, given the discovery document. */
  expectedIssuers: (metadata: IssuerMetadata) => string[];
  /** Required `aud` of JWTs (RFC 9068 §4 step 3), when set. */
  audience?: string;
  /** Trust a checked opaque token this long, seconds (0: ask userinfo every time). */
  cacheTtlSeconds: number;
  /** Remember a rejected token this long, seconds. */
  failureTtlSeconds: number;
  fetch: FetchLike;
  timeoutMs: number;
  logger: Logger;
  /** Clock in milliseconds (tests move it). */
  now?: () => number;
  /** Most cache entries kept (default 10000). */
  maxEntries?: number;
}

interface CacheEntry {
  until: number;
  principal?: Principal;
  error?: InvalidTokenError;
}

/** Leeway for `exp`/`nbf`/`iat` between Nextcloud's clock and this server's, seconds. */
const CLOCK_TOLERANCE_SECONDS = 30;

/** The SHA-256 of a token, hex: the only form in which a token is kept or logged (its first 12 digits). */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function scopesOf(value: unknown): string[] | undefined {
  if (typeof value === 'string') return value.split(' ').filter((s) => s !== '');
  if (Array.isArray(value) && value.every((s) => typeof s === 'string')) return value as string[];
  return undefined;
}

function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

/**
 * Checks the bearer tokens of the `oidc` app as a resource server:
 * - JWT access tokens (RFC 9068) signed with a key of the issuer's JWKS: signature, `typ` `at+jwt`, `iss`,
 *   `exp` (and `aud` when configured), without asking Nextcloud;
 * - opaque tokens, and JWTs signed with the client secret (HS256, which only Nextcloud can check): through
 *   the userinfo endpoint (OIDC Core §5.3), which answers 400 for an unknown or expired token.
 * Results are cached by the token's SHA-256, never longer than the token lives (JWT `exp`; opaque: the TTL);
 * concurrent checks of one unknown token share one userinfo request; rejections are cached briefly.
 */
export class TokenValidator {
  readonly stats: TokenValidatorStats = { userinfoCalls: 0, jwtVerifications: 0, cacheHits: 0 };
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<Principal>>();
  private jwks?: { uri: string; set: ReturnType<typeof createRemoteJWKSet> };
  private readonly now: () => number;

  constructor(private readonly options: TokenValidatorOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The principal of a valid token; throws InvalidTokenError (401) or TokenCheckUnavailableError (503). */
  async validate(token: string): Promise<Principal> {
    const key = tokenHash(token);
    const cached = this.cache.get(key);
    if (cached) {
      if (cached.until > this.now()) {
        this.stats.cacheHits += 1;
        if (cached.error) throw cached.error;
        return cached.principal!;
      }
      this.cache.delete(key);
    }
    const running = this.inflight.get(key);
    if (running) {
      this.stats.cacheHits += 1;
      return running;
    }
    const check = this.check(token, key).finally(() => this.inflight.delete(key));
    this.inflight.set(key, check);
    return check;
  }

  /** Forgets every cached answer. */
  clear(): void {
    this.cache.clear();
  }

  private async check(token: string, key: string): Promise<Principal> {
    const log = this.options.logger.child({ tokenId: key.slice(0, 12) });
    try {
      const { principal, until } = await this.checkUncached(token);
      this.remember(key, { principal, until });
      log.debug('token accepted', { uid: principal.uid, via: principal.via });
      return principal;
    } catch (error) {
      if (error instanceof InvalidTokenError) {
        this.remember(key, { error, until: this.now() + this.options.failureTtlSeconds * 1000 });
        log.info('token rejected', { reason: error.message });
      }
      throw error;
    }
  }

  private remember(key: string, entry: CacheEntry): void {
    if (entry.until <= this.now()) return;
    const max = this.options.maxEntries ?? 10_000;
    if (this.cache.size >= max) {
      const now = this.now();
      for (const [k, e] of this.cache) if (e.until <= now) this.cache.delete(k);
      while (this.cache.size >= max) this.cache.delete(this.cache.keys().next().value!);
    }
    this.cache.set(key, entry);
  }

  private async metadata(): Promise<IssuerMetadata> {
    try {
      return await this.options.discovery.metadata();
    } catch (error) {
      throw new TokenCheckUnavailableError(`cannot check tokens: ${(error as Error).message}`, { cause: error });
    }
  }

  private async checkUncached(token: string): Promise<{ principal: Principal; until: number }> {
    const ttlUntil = this.now() + this.options.cacheTtlSeconds * 1000;
    if (looksLikeJwt(token)) {
      let alg: string | undefined;
      try {
        alg = decodeProtectedHeader(token).alg;
      } catch {
        alg = undefined;
      }
      if (alg !== undefined) {
        if (alg === 'none') throw new InvalidTokenError('unsigned JWTs are not accepted');
        if (!alg.startsWith('HS')) return this.checkJwt(token, ttlUntil);
        // HS256 JWTs are signed with the client secret: only Nextcloud can check them.
        const principal = await this.checkUserinfo(token);
        const payload = decodeJwt(token);
        const expiresAt = typeof payload.exp === 'number' ? payload.exp : undefined;
        const scopes = scopesOf(payload['scope']) ?? principal.scopes;
        const clientId = typeof payload['client_id'] === 'string' ? payload['client_id'] : principal.clientId;
        const merged: Principal = { ...principal, ...(scopes ? { scopes } : {}), ...(clientId ? { clientId } : {}), ...(expiresAt !== undefined ? { expiresAt } : {}) };
        return { principal: merged, until: expiresAt !== undefined ? Math.min(ttlUntil, expiresAt * 1000) : ttlUntil };
      }
    }
    return { principal: await this.checkUserinfo(token), until: ttlUntil };
  }

  private jwksFor(uri: string): ReturnType<typeof createRemoteJWKSet> {
    if (this.jwks?.uri !== uri) {
      const fetchImpl = this.options.fetch;
      this.jwks = {
        uri,
        set: createRemoteJWKSet(new URL(uri), {
          timeoutDuration: this.options.timeoutMs,
          cooldownDuration: 30_000,
          cacheMaxAge: 600_000,
          [customFetch]: (url, init) => fetchImpl(url, { ...init, redirect: 'manual' } as RequestInit),
        }),
      };
    }
    return this.jwks.set;
  }

  private async checkJwt(token: string, ttlUntil: number): Promise<{ principal: Principal; until: number }> {
    const metadata = await this.metadata();
    const issuers = this.options.expectedIssuers(metadata);
    this.stats.jwtVerifications += 1;
    let payload: JWTPayload;
    try {
      const result = await jwtVerify(token, this.jwksFor(metadata.jwksUri), {
        issuer: issuers,
        ...(this.options.audience !== undefined ? { audience: this.options.audience } : {}),
        currentDate: new Date(this.now()),
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'sub'],
      });
      const typ = (result.protectedHeader.typ ?? '').toLowerCase().replace(/^application\//, '');
      if (typ !== 'at+jwt') throw new InvalidTokenError(`a JWT of type '${result.protectedHeader.typ ?? ''}' is not an access token (RFC 9068 needs typ at+jwt)`);
      payload = result.payload;
    } catch (error) {
      throw this.jwtError(error);
    }
    const uid = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined;
    if (!uid) throw new InvalidTokenError('the token names no user (sub)');
    const scopes = scopesOf(payload['scope']);
    const clientId = typeof payload['client_id'] === 'string' ? payload['client_id'] : typeof payload['azp'] === 'string' ? payload['azp'] : undefined;
    const principal: Principal = { uid, via: 'jwt', expiresAt: payload.exp!, ...(scopes ? { scopes } : {}), ...(clientId ? { clientId } : {}) };
    return { principal, until: Math.min(ttlUntil, payload.exp! * 1000) };
  }

  private jwtError(error: unknown): Error {
    if (error instanceof InvalidTokenError) return error;
    if (error instanceof joseErrors.JWTExpired) return new InvalidTokenError('the token has expired');
    if (error instanceof joseErrors.JWTClaimValidationFailed) {
      if (error.claim === 'iss') return new InvalidTokenError(`the token's issuer is not this server's Nextcloud`);
      if (error.claim === 'aud') return new InvalidTokenError('the token was not issued for this server (aud)');
      return new InvalidTokenError(`the token's '${error.claim}' claim is invalid: ${error.reason}`);
    }
    if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWSSignatureVerificationFailed) {
      return new InvalidTokenError("the token's signature does not verify with Nextcloud's keys");
    }
    if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid || error instanceof TypeError) {
      return new TokenCheckUnavailableError(`cannot load Nextcloud's signing keys: ${(error as Error).message}`, { cause: error });
    }
    if (error instanceof joseErrors.JOSEError) return new InvalidTokenError(`the token is not a valid JWT (${error.code})`);
    return new TokenCheckUnavailableError(`cannot check the token: ${(error as Error).message}`, { cause: error });
  }

  private async checkUserinfo(token: string): Promise<Principal> {
    const metadata = await this.metadata();
    this.stats.userinfoCalls += 1;
    let response: Response;
    try {
      response = await this.options.fetch(metadata.userinfoEndpoint, {
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      throw new TokenCheckUnavailableError(`cannot reach Nextcloud's userinfo endpoint: ${(error as Error).message}`, { cause: error });
    }
    const text = await response.text();
    let body: Record<string, unknown> | undefined;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    if (response.status === 200 && body && typeof body['sub'] === 'string' && body['sub'] !== '') {
      const scopes = scopesOf(body['scope']);
      return { uid: body['sub'], via: 'userinfo', ...(scopes ? { scopes } : {}) };
    }
    if (response.status === 400 || response.status === 401 || response.status === 403) {
      const description = typeof body?.['error_description'] === 'string' ? body['error_description'] : `userinfo answered ${response.status}`;
      throw new InvalidTokenError(`Nextcloud does not accept the token: ${description}`);
    }
    if (response.status === 200) throw new TokenCheckUnavailableError("Nextcloud's userinfo answer names no user (sub)");
    throw new TokenCheckUnavailableError(`Nextcloud's userinfo endpoint answered ${response.status}${response.status === 404 ? ' (is the oidc app enabled?)' : ''}`);
  }
}
