import { randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import * as oidc from 'openid-client';
import { HarnessError, type HarnessErrorCode } from '../harness-error.ts';
import { networkReason, unreachable } from '../nextcloud-http.ts';
import type { OccRunner } from '../nextcloud-instance.ts';
import { occOrThrow } from '../prepare-instance.ts';
import { SecretRedactor } from '../secret-redactor.ts';
import type { CallbackResult } from './callback-server.ts';

/** PKCE variants (RFC 7636 §4.2): S256, plain, or no PKCE at all (oidc < 1.10 has none; it stays optional after). */
export type PkceMethod = 'S256' | 'plain' | 'none';

/** The PKCE variants, for options and loops. */
export const PKCE_METHODS: readonly PkceMethod[] = ['S256', 'plain', 'none'];

/** What the OAuth client needs of an instance (a StartedNextcloud has all of it). */
export interface OAuthTarget {
  /** Where the harness reaches Nextcloud. */
  baseUrl: string;
  /** Where a browser reaches Nextcloud (authorization URLs are rewritten to it). */
  publicUrl: string;
  /** occ, for static clients (`oidc:create`) and for removing clients without RFC 7592. */
  occ?: OccRunner;
  /** Secrets the client learns (client secret, tokens, codes) are registered here. */
  secrets?: SecretRedactor;
}

/** Options of the OAuth client. */
export interface OAuthOptions {
  /**
   * Allow plain http to a host that is not loopback. Without it, http is allowed for 127.0.0.0/8, ::1 and
   * localhost only (RFC 8252 §8.3 loopback), and https is required elsewhere.
   */
  allowInsecureHttp?: boolean;
  /** Timeout of each HTTP request in seconds (default 30). */
  timeoutSeconds?: number;
}

/** The client to register or create. */
export interface ClientRequest {
  redirectUris: readonly string[];
  /** Client name (default `nc-oauth-lab-<random>`; static clients are removed by it). */
  clientName?: string;
  /** Allowed scopes of the client (DCR `scope`, occ `--allowed_scopes`); any scope when left out. */
  scope?: string;
  /** Access token format of the client (DCR `token_type`, oidc >= 1.11; occ `--token_type`). */
  tokenType?: 'opaque' | 'jwt';
  /** Static clients only: `confidential` (default) or `public` (no secret at the token endpoint). */
  type?: 'confidential' | 'public';
}

/** A client of the `oidc` app, as registered. Holds secrets: never log it. */
export interface ClientRegistration {
  kind: 'dynamic' | 'static';
  clientId: string;
  clientSecret?: string;
  clientName: string;
  redirectUris: string[];
  tokenType?: string;
  /** RFC 7592 §3: the registration access token and the client configuration endpoint (oidc >= 1.11). */
  registrationAccessToken?: string;
  registrationClientUri?: string;
  /** RFC 7591 §3.2.1; 0 means never. The `oidc` app deletes dynamic clients after `client_expire_time`. */
  clientSecretExpiresAt?: number;
}

/** An authorization request (RFC 6749 §4.1.1 with PKCE, RFC 7636 §4.3, and OIDC's nonce). Holds the verifier: never log it. */
export interface AuthorizationRequest {
  /** The authorization URL for the browser (on the public URL). */
  url: URL;
  state: string;
  nonce: string;
  pkce: PkceMethod;
  codeVerifier?: string;
  codeChallenge?: string;
  redirectUri: string;
  scope: string;
  resource?: string;
}

/** A token endpoint answer (RFC 6749 §5.1), with what the harness reads from it. Holds tokens: never log it. */
export interface TokenSet {
  accessToken: string;
  tokenType: string;
  /** `jwt` when the access token is a JWT (RFC 9068), else `opaque`. */
  format: 'jwt' | 'opaque';
  expiresIn?: number;
  /** When the access token expires, from `expires_in` at the time of the answer. */
  expiresAt?: Date;
  scope?: string;
  refreshToken?: string;
  idToken?: string;
  idTokenClaims?: Record<string, unknown>;
  /** The claims of a JWT access token (not verified here; the resource server verifies). */
  accessTokenClaims?: JWTPayload;
}

/** Options of the code exchange, for negative tests. */
export interface ExchangeOverrides {
  /** Send this `code_verifier` instead of the request's (a wrong one), or `null` to send none. */
  codeVerifier?: string | null;
}

/** True for the hosts RFC 8252 §8.3 calls loopback. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Throws ERR_INSECURE_HTTP for plain http to a non-loopback host unless allowed. Returns whether http is in use. */
export function checkTransport(url: string, options: OAuthOptions): boolean {
  const parsed = new URL(url);
  if (parsed.protocol === 'https:') return false;
  if (isLoopbackHost(parsed.hostname) || options.allowInsecureHttp) return true;
  throw new HarnessError('ERR_INSECURE_HTTP', `${parsed.origin} is plain http on a host that is not loopback: use https, or pass --allow-insecure-http if you accept that tokens cross the network in clear`);
}

/** Whether an access token is a JWT (three base64url parts with a JOSE header), per RFC 9068 §2.1. */
export function accessTokenFormat(token: string): 'jwt' | 'opaque' {
  if (token.split('.').length !== 3) return 'opaque';
  try {
    return typeof decodeProtectedHeader(token).alg === 'string' ? 'jwt' : 'opaque';
  } catch {
    return 'opaque';
  }
}

function oauthError(code: HarnessErrorCode, what: string, error: unknown, secrets: SecretRedactor): HarnessError {
  if (error instanceof HarnessError) return error;
  if (error instanceof oidc.ResponseBodyError) {
    const description = error.error_description ? ` (${secrets.redact(error.error_description)})` : '';
    return new HarnessError(code, `${what}: ${error.status} ${error.error}${description}`, { cause: error, detail: { status: error.status, error: error.error } });
  }
  if (error instanceof oidc.AuthorizationResponseError) {
    return new HarnessError(code === 'ERR_TOKEN' ? 'ERR_AUTHORIZATION_DENIED' : code, `${what}: the authorization server answered ${error.error}${error.error_description ? ` (${secrets.redact(error.error_description)})` : ''}`, { cause: error, detail: { error: error.error } });
  }
  const message = error instanceof Error ? error.message : String(error);
  const status = (error as { cause?: { status?: unknown } }).cause?.status;
  const oauthCode = (error as { code?: unknown }).code;
  return new HarnessError(code, `${what}: ${secrets.redact(message)}${typeof status === 'number' ? ` (HTTP ${status})` : ''}`, {
    cause: error,
    detail: { ...(typeof status === 'number' ? { status } : {}), ...(typeof oauthCode === 'string' ? { openidClientCode: oauthCode } : {}) },
  });
}

function isNetworkError(error: unknown): boolean {
  return error instanceof TypeError && /fetch failed/i.test(error.message);
}

/**
 * The Nextcloud `oidc` app's metadata (OpenID Connect Discovery 1.0 §4; RFC 8414). Tries the issuer's
 * `/.well-known/openid-configuration` (with the issuer check), then `/index.php/.well-known/openid-configuration`.
 * Returns the URL that worked, for `dynamicClientRegistration`.
 */
export async function discoverNextcloud(target: OAuthTarget, options: OAuthOptions = {}): Promise<{ metadata: oidc.ServerMetadata; discoveryUrl: URL }> {
  const secrets = target.secrets ?? new SecretRedactor();
  const insecure = checkTransport(target.baseUrl, options);
  const execute = insecure ? [oidc.allowInsecureRequests] : [];
  const candidates = [new URL(target.baseUrl), new URL(`${target.baseUrl}/index.php/.well-known/openid-configuration`)];
  let first: unknown;
  for (const url of candidates) {
    try {
      const config = await oidc.discovery(url, 'nc-oauth-lab-discovery', undefined, undefined, { execute, timeout: options.timeoutSeconds ?? 30 });
      return { metadata: config.serverMetadata(), discoveryUrl: url };
    } catch (error) {
      if (isNetworkError(error)) throw unreachable(target.baseUrl, error);
      first ??= error;
    }
  }
  throw oauthError('ERR_DISCOVERY', `OpenID discovery failed at ${target.baseUrl}/.well-known/openid-configuration (is the oidc app enabled?)`, first, secrets);
}

/**
 * An OAuth client of Nextcloud's `oidc` app, built on openid-client: registered dynamically (RFC 7591)
 * or made with `occ oidc:create`; authorization requests with state, nonce and PKCE; the code exchange;
 * userinfo; refresh; introspection (RFC 7662, oidc >= 1.11); deletion (RFC 7592 §2.3, or `occ oidc:remove`).
 */
export class OAuthClient {
  private deleted = false;

  private constructor(
    /** The openid-client configuration (server metadata and client). */
    readonly config: oidc.Configuration,
    /** The client as registered. Holds the client secret: never log it. */
    readonly registration: ClientRegistration,
    private readonly target: OAuthTarget,
    private readonly options: OAuthOptions,
    private readonly secrets: SecretRedactor,
  ) {}

  /** The authorization server's metadata. */
  get metadata(): oidc.ServerMetadata {
    return this.config.serverMetadata();
  }

  /** Whether discovery advertises an introspection endpoint (oidc >= 1.11). */
  get supportsIntrospection(): boolean {
    return typeof this.metadata.introspection_endpoint === 'string';
  }

  /** The PKCE methods discovery advertises (`[]` before oidc 1.10). */
  get pkceMethods(): string[] {
    return [...(this.metadata.code_challenge_methods_supported ?? [])];
  }

  private static execute(target: OAuthTarget, options: OAuthOptions): ((c: oidc.Configuration) => void)[] {
    return checkTransport(target.baseUrl, options) ? [oidc.allowInsecureRequests] : [];
  }

  /**
   * Registers a client dynamically (RFC 7591 §3) with openid-client's `dynamicClientRegistration`. Nextcloud
   * makes every such client confidential with `client_secret_post`. Throws ERR_DCR with the OAuth error
   * (`dynamic_registration_not_allowed` when DCR is off).
   */
  static async register(target: OAuthTarget, request: ClientRequest, options: OAuthOptions = {}): Promise<OAuthClient> {
    const secrets = target.secrets ?? new SecretRedactor();
    const { discoveryUrl, metadata: server } = await discoverNextcloud(target, options);
    const clientName = request.clientName ?? `nc-oauth-lab-${randomBytes(4).toString('hex')}`;
    const metadata: Partial<oidc.ClientMetadata> = {
      redirect_uris: [...request.redirectUris],
      client_name: clientName,
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
      ...(request.scope !== undefined ? { scope: request.scope } : {}),
      ...(request.tokenType !== undefined ? { token_type: request.tokenType } : {}),
    };
    let config: oidc.Configuration;
    if (typeof server.registration_endpoint !== 'string') {
      // Discovery leaves registration_endpoint out while DCR is off; the app's endpoint still answers, and
      // its answer (400 dynamic_registration_not_allowed) is what the caller needs to see.
      config = await OAuthClient.registerAt(`${target.baseUrl}/index.php/apps/oidc/register`, server, metadata, target, options, secrets);
    } else {
      try {
        config = await oidc.dynamicClientRegistration(discoveryUrl, metadata, undefined, { execute: OAuthClient.execute(target, options), timeout: options.timeoutSeconds ?? 30 });
      } catch (error) {
        if (isNetworkError(error)) throw unreachable(target.baseUrl, error);
        throw oauthError('ERR_DCR', 'dynamic client registration failed', error, secrets);
      }
    }
    const m = config.clientMetadata() as Record<string, unknown>;
    const registration: ClientRegistration = {
      kind: 'dynamic',
      clientId: String(m['client_id']),
      clientName: typeof m['client_name'] === 'string' ? m['client_name'] : clientName,
      redirectUris: Array.isArray(m['redirect_uris']) ? (m['redirect_uris'] as unknown[]).map(String) : [...request.redirectUris],
      ...(typeof m['client_secret'] === 'string' ? { clientSecret: m['client_secret'] } : {}),
      ...(typeof m['token_type'] === 'string' ? { tokenType: m['token_type'] } : {}),
      ...(typeof m['registration_access_token'] === 'string' ? { registrationAccessToken: m['registration_access_token'] } : {}),
      ...(typeof m['registration_client_uri'] === 'string' ? { registrationClientUri: m['registration_client_uri'] } : {}),
      ...(typeof m['client_secret_expires_at'] === 'number' ? { clientSecretExpiresAt: m['client_secret_expires_at'] } : {}),
    };
    secrets.add(registration.clientSecret, registration.registrationAccessToken);
    return new OAuthClient(config, registration, target, options, secrets);
  }

  /** RFC 7591 §3.1 by hand, for an endpoint that discovery does not advertise. */
  private static async registerAt(endpoint: string, server: oidc.ServerMetadata, metadata: Partial<oidc.ClientMetadata>, target: OAuthTarget, options: OAuthOptions, secrets: SecretRedactor): Promise<oidc.Configuration> {
    let response: Response;
    try {
      response = await fetch(endpoint, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(metadata), redirect: 'manual', signal: AbortSignal.timeout((options.timeoutSeconds ?? 30) * 1000) });
    } catch (error) {
      throw unreachable(target.baseUrl, error);
    }
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // Not JSON: reported by status below.
    }
    if (response.status !== 201 || typeof body['client_id'] !== 'string') {
      const error = typeof body['error'] === 'string' ? body['error'] : 'no OAuth error';
      const description = typeof body['error_description'] === 'string' ? ` (${secrets.redact(body['error_description'])})` : '';
      throw new HarnessError('ERR_DCR', `dynamic client registration failed (discovery advertises no registration_endpoint): ${response.status} ${error}${description}`, { detail: { status: response.status, error } });
    }
    const config = new oidc.Configuration(server, body['client_id'], body as Partial<oidc.ClientMetadata>);
    for (const extension of OAuthClient.execute(target, options)) extension(config);
    return config;
  }

  /**
   * Creates a static client with `occ oidc:create <name> <redirect_uri>... --type ... [--token_type ...]
   * [--allowed_scopes ...]`, which prints the client as JSON (H2CK/oidc lib/Command/Clients/OIDCCreate.php).
   */
  static async createStatic(target: OAuthTarget, request: ClientRequest, options: OAuthOptions = {}): Promise<OAuthClient> {
    const secrets = target.secrets ?? new SecretRedactor();
    if (!target.occ) throw new HarnessError('ERR_STATIC_CLIENT', 'a static client needs occ on the instance');
    const { metadata } = await discoverNextcloud(target, options);
    const clientName = request.clientName ?? `nc-oauth-lab-${randomBytes(4).toString('hex')}`;
    const args = ['oidc:create', clientName, ...request.redirectUris, `--type=${request.type ?? 'confidential'}`];
    if (request.tokenType) args.push(`--token_type=${request.tokenType}`);
    if (request.scope) args.push(`--allowed_scopes=${request.scope}`);
    const result = await occOrThrow(target.occ, args, secrets);
    let created: Record<string, unknown>;
    try {
      created = JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))) as Record<string, unknown>;
    } catch (error) {
      throw new HarnessError('ERR_STATIC_CLIENT', 'occ oidc:create did not print the client as JSON', { cause: error });
    }
    const clientId = created['client_id'];
    const clientSecret = created['client_secret'];
    if (typeof clientId !== 'string') throw new HarnessError('ERR_STATIC_CLIENT', 'occ oidc:create printed no client_id');
    secrets.add(typeof clientSecret === 'string' ? clientSecret : undefined);
    const isPublic = (request.type ?? 'confidential') === 'public';
    const config = new oidc.Configuration(metadata, clientId, isPublic ? {} : { client_secret: String(clientSecret) }, isPublic ? oidc.None() : oidc.ClientSecretPost(String(clientSecret)));
    for (const extension of OAuthClient.execute(target, options)) extension(config);
    if (options.timeoutSeconds) config.timeout = options.timeoutSeconds;
    const registration: ClientRegistration = {
      kind: 'static',
      clientId,
      clientName: typeof created['name'] === 'string' ? created['name'] : clientName,
      redirectUris: Array.isArray(created['redirect_uris']) ? (created['redirect_uris'] as unknown[]).map((u) => (typeof u === 'string' ? u : String((u as { redirect_uri?: unknown }).redirect_uri ?? u))) : [...request.redirectUris],
      ...(!isPublic && typeof clientSecret === 'string' ? { clientSecret } : {}),
      ...(typeof created['token_type'] === 'string' ? { tokenType: created['token_type'] } : {}),
    };
    return new OAuthClient(config, registration, target, options, secrets);
  }

  /**
   * Builds an authorization request (RFC 6749 §4.1.1) with a random `state` and `nonce`, PKCE as asked
   * (RFC 7636 §4.1-4.3: S256 by default, `plain` sends the verifier as the challenge, `none` sends
   * neither) and `resource` (RFC 8707 §2) when given. The URL points at the public URL.
   */
  async authorizationRequest(request: { scope?: string; pkce?: PkceMethod; resource?: string; redirectUri?: string; state?: string; nonce?: string; extra?: Record<string, string> } = {}): Promise<AuthorizationRequest> {
    const pkce = request.pkce ?? 'S256';
    const state = request.state ?? oidc.randomState();
    const nonce = request.nonce ?? oidc.randomNonce();
    const scope = request.scope ?? 'openid profile email';
    const redirectUri = request.redirectUri ?? this.registration.redirectUris[0]!;
    const params: Record<string, string> = { response_type: 'code', redirect_uri: redirectUri, scope, state, nonce, ...(request.extra ?? {}) };
    let codeVerifier: string | undefined;
    let codeChallenge: string | undefined;
    if (pkce !== 'none') {
      codeVerifier = oidc.randomPKCECodeVerifier();
      codeChallenge = pkce === 'S256' ? await oidc.calculatePKCECodeChallenge(codeVerifier) : codeVerifier;
      params['code_challenge'] = codeChallenge;
      params['code_challenge_method'] = pkce;
      this.secrets.add(codeVerifier);
    }
    if (request.resource) params['resource'] = request.resource;
    const built = oidc.buildAuthorizationUrl(this.config, params);
    const url = this.target.publicUrl !== this.target.baseUrl && built.href.startsWith(this.target.baseUrl) ? new URL(this.target.publicUrl + built.href.slice(this.target.baseUrl.length)) : built;
    return { url, state, nonce, pkce, redirectUri, scope, ...(codeVerifier ? { codeVerifier } : {}), ...(codeChallenge ? { codeChallenge } : {}), ...(request.resource ? { resource: request.resource } : {}) };
  }

  /**
   * Exchanges the code of a callback (RFC 6749 §4.1.3) with openid-client's `authorizationCodeGrant`,
   * checking `state` (RFC 6749 §10.12), the ID token's `nonce` and sending the PKCE verifier
   * (RFC 7636 §4.5). Throws ERR_AUTHORIZATION_DENIED for an error callback, ERR_TOKEN for a refused
   * exchange (`invalid_grant` for a wrong or missing verifier, or a reused code).
   */
  async exchangeCode(callback: CallbackResult | URL, request: AuthorizationRequest, overrides: ExchangeOverrides = {}): Promise<TokenSet> {
    const url = callback instanceof URL ? callback : callback.url;
    const verifier = overrides.codeVerifier === null ? undefined : (overrides.codeVerifier ?? request.codeVerifier);
    this.secrets.add(url.searchParams.get('code') ?? undefined);
    try {
      const response = await oidc.authorizationCodeGrant(this.config, url, {
        expectedState: request.state,
        ...(request.scope.split(' ').includes('openid') ? { expectedNonce: request.nonce } : {}),
        ...(verifier ? { pkceCodeVerifier: verifier } : {}),
      });
      return this.tokenSet(response);
    } catch (error) {
      if (isNetworkError(error)) throw unreachable(this.target.baseUrl, error);
      throw oauthError('ERR_TOKEN', 'the code exchange failed', error, this.secrets);
    }
  }

  /** Userinfo (OIDC Core §5.3) with openid-client's `fetchUserInfo`; `expectedSubject` checks `sub`. */
  async userinfo(accessToken: string, expectedSubject?: string): Promise<oidc.UserInfoResponse> {
    try {
      return await oidc.fetchUserInfo(this.config, accessToken, expectedSubject ?? oidc.skipSubjectCheck);
    } catch (error) {
      if (isNetworkError(error)) throw unreachable(this.target.baseUrl, error);
      throw oauthError('ERR_USERINFO', 'userinfo failed', error, this.secrets);
    }
  }

  /** Refresh (RFC 6749 §6) with openid-client's `refreshTokenGrant`. The `oidc` app >= 1.12 issues refresh tokens only with `offline_access`. */
  async refresh(refreshToken: string, scope?: string): Promise<TokenSet> {
    try {
      return this.tokenSet(await oidc.refreshTokenGrant(this.config, refreshToken, scope ? { scope } : undefined));
    } catch (error) {
      if (isNetworkError(error)) throw unreachable(this.target.baseUrl, error);
      throw oauthError('ERR_REFRESH', 'the refresh failed', error, this.secrets);
    }
  }

  /** Introspection (RFC 7662 §2) with openid-client's `tokenIntrospection`; ERR_INTROSPECTION when not advertised (oidc < 1.11). */
  async introspect(token: string): Promise<oidc.IntrospectionResponse> {
    if (!this.supportsIntrospection) throw new HarnessError('ERR_INTROSPECTION', 'the authorization server advertises no introspection_endpoint (oidc < 1.11)');
    try {
      return await oidc.tokenIntrospection(this.config, token);
    } catch (error) {
      if (isNetworkError(error)) throw unreachable(this.target.baseUrl, error);
      throw oauthError('ERR_INTROSPECTION', 'introspection failed', error, this.secrets);
    }
  }

  /**
   * Deletes the client: a dynamic one with RFC 7592 §2.3 (`DELETE` on `registration_client_uri` with the
   * registration access token; Nextcloud answers 204), else `occ oidc:remove <name>`. Safe to call twice.
   */
  async delete(): Promise<void> {
    if (this.deleted) return;
    const r = this.registration;
    if (r.kind === 'dynamic' && r.registrationClientUri && r.registrationAccessToken) {
      checkTransport(r.registrationClientUri, this.options);
      let response: Response;
      try {
        response = await fetch(r.registrationClientUri, { method: 'DELETE', headers: { Authorization: `Bearer ${r.registrationAccessToken}` }, redirect: 'manual', signal: AbortSignal.timeout((this.options.timeoutSeconds ?? 30) * 1000) });
      } catch (error) {
        throw new HarnessError('ERR_CLIENT_DELETE', `deleting the client failed: ${networkReason(error)}`, { cause: error });
      }
      await response.body?.cancel();
      if (response.status !== 204 && response.status !== 200) {
        throw new HarnessError('ERR_CLIENT_DELETE', `deleting the client (RFC 7592) answered ${response.status}, not 204`, { detail: { status: response.status } });
      }
    } else if (this.target.occ) {
      // `oidc:remove` takes the client_id in current releases and the client name in older ones; a miss
      // is not an error there ("Client `x` not found."), so the other spelling is tried after it.
      const byId = await occOrThrow(this.target.occ, ['oidc:remove', r.clientId], this.secrets).catch(() => undefined);
      if (!byId || /not found|could not find/i.test(byId.stdout)) {
        const byName = await occOrThrow(this.target.occ, ['oidc:remove', r.clientName], this.secrets);
        if (/not found|could not find/i.test(byName.stdout)) throw new HarnessError('ERR_CLIENT_DELETE', `occ oidc:remove found the client neither by client_id nor by name '${r.clientName}'`);
      }
    } else {
      throw new HarnessError('ERR_CLIENT_DELETE', 'the client has no RFC 7592 registration (oidc < 1.11) and no occ is available to remove it');
    }
    this.deleted = true;
  }

  private tokenSet(response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): TokenSet {
    this.secrets.add(response.access_token, response.refresh_token, response.id_token);
    const format = accessTokenFormat(response.access_token);
    const set: TokenSet = { accessToken: response.access_token, tokenType: response.token_type, format };
    if (typeof response.expires_in === 'number') {
      set.expiresIn = response.expires_in;
      set.expiresAt = new Date(Date.now() + response.expires_in * 1000);
    }
    if (typeof response.scope === 'string') set.scope = response.scope;
    if (response.refresh_token) set.refreshToken = response.refresh_token;
    if (response.id_token) {
      set.idToken = response.id_token;
      const claims = response.claims();
      if (claims) set.idTokenClaims = { ...claims };
    }
    if (format === 'jwt') {
      try {
        set.accessTokenClaims = decodeJwt(response.access_token);
      } catch {
        // Not a JWT after all; the format check is best effort.
      }
    }
    return set;
  }
}
