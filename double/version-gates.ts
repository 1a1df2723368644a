/**
 * The version gates of the facts page (../shared/nextcloud-facts.md, "Versions that matter"), kept as data in
 * one place. The double reads every version-dependent behaviour from here; nothing else in the double
 * compares versions.
 */

/** A `major.minor.patch` version. */
export type Semver = readonly [number, number, number];

/** Parses `1.10.0` (or `1.10`, `v1.10.0`) into a Semver, or undefined when it is not one. */
export function parseSemver(text: string): Semver | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

/** Negative, zero or positive as `a` is before, equal to or after `b`. */
export function compareSemver(a: Semver, b: Semver): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** A closed range of versions: `from` inclusive, `to` inclusive; either side may be open. */
export interface VersionRange {
  from?: string;
  to?: string;
}

/** True when `v` lies in `range`. */
export function inRange(v: Semver, range: VersionRange): boolean {
  if (range.from !== undefined && compareSemver(v, parseSemver(range.from)!) < 0) return false;
  if (range.to !== undefined && compareSemver(v, parseSemver(range.to)!) > 0) return false;
  return true;
}

/** Nextcloud majors the double can play. */
export const NEXTCLOUD_MAJORS = [31, 32, 33, 34, 35] as const;
export type NextcloudMajor = (typeof NEXTCLOUD_MAJORS)[number];

/** A release line of an app, with the Nextcloud majors it installs on. */
export interface ReleaseLine {
  versions: VersionRange;
  nextcloud: readonly [number, number];
  notes: string;
}

/** Release lines of the `oidc` app (H2CK/oidc), from the facts page. */
export const OIDC_RELEASES: readonly ReleaseLine[] = [
  { versions: { from: '1.8.0', to: '1.8.99' }, nextcloud: [30, 32], notes: 'no PKCE (1.8.0 and 1.8.1: NC 30-31)' },
  { versions: { from: '1.9.0', to: '1.9.99' }, nextcloud: [30, 32], notes: 'no PKCE' },
  { versions: { from: '1.10.0', to: '1.10.99' }, nextcloud: [30, 32], notes: 'PKCE (S256 and plain)' },
  { versions: { from: '1.11.0', to: '1.11.99' }, nextcloud: [30, 32], notes: 'introspection, RFC 7592, DCR token_type, consent page' },
  { versions: { from: '1.12.0', to: '1.14.5' }, nextcloud: [30, 32], notes: 'refresh tokens only with offline_access' },
  { versions: { from: '1.14.6', to: '1.16.99' }, nextcloud: [31, 33], notes: '1.16.2 broke consent; 1.16.3 fixed it' },
  { versions: { from: '1.17.0', to: '1.17.99' }, nextcloud: [31, 34], notes: 'JWT access tokens carry azp and preferred_username (appinfo/info.xml: NC 31-34)' },
  { versions: { from: '2.0.0', to: '2.0.2' }, nextcloud: [31, 34], notes: 'code reuse rejected, claims parameter' },
  { versions: { from: '2.0.3', to: '2.0.99' }, nextcloud: [32, 35], notes: '2.0.8 url-decodes client_secret_basic credentials, 2.0.9 replaces the pseudo user backend (H2CK/oidc#685, #688)' },
];

/** Release lines of the `user_oidc` app (nextcloud/user_oidc), from the facts page and each tag's appinfo/info.xml. */
export const USER_OIDC_RELEASES: readonly ReleaseLine[] = [
  { versions: { from: '5.0.0', to: '5.99.99' }, nextcloud: [25, 30], notes: 'no oidc_provider_bearer_validation' },
  { versions: { from: '6.0.0', to: '6.99.99' }, nextcloud: [26, 32], notes: 'no oidc_provider_bearer_validation' },
  { versions: { from: '7.0.0', to: '7.99.99' }, nextcloud: [28, 32], notes: 'bearer validation through the oidc app' },
  { versions: { from: '8.0.0', to: '8.3.99' }, nextcloud: [29, 33], notes: '' },
  { versions: { from: '8.4.0', to: '8.10.99' }, nextcloud: [29, 34], notes: '8.7.0-8.10.1: the registered-provider (check_bearer) path sets the session user (nextcloud/user_oidc#1452); the oidc-app path does not' },
  {
    versions: { from: '8.11.0', to: '8.11.99' },
    nextcloud: [29, 35],
    notes: 'unreleased: main carries 8.11.0-dev with NC 35 support and the revert of setSessionUser (nextcloud/user_oidc#1486); no released user_oidc installs on NC 35 yet',
  },
];

/** The newest versions the double knows, used when an option leaves a version out. */
export const DEFAULT_VERSIONS = {
  oidc: { 31: '1.16.6', 32: '1.16.6', 33: '1.16.6', 34: '2.0.9', 35: '2.0.9' } as Record<NextcloudMajor, string>,
  userOidc: { 31: '8.10.1', 32: '8.10.1', 33: '8.10.1', 34: '8.10.1', 35: '8.11.0' } as Record<NextcloudMajor, string>,
};

/** Which component a gate reads. */
export type Component = 'nextcloud' | 'oidc' | 'user_oidc';

/** One behaviour that depends on versions, with where the facts page says so. */
export interface Gate {
  component: Component;
  /** Ranges in which the behaviour is on. */
  ranges: readonly VersionRange[];
  /** Also required of Nextcloud's major (for behaviours that depend on both). */
  nextcloud?: VersionRange;
  notes: string;
}

/** Every version gate of the double. */
export const GATES = {
  /** PKCE (S256 and plain), advertised in discovery. */
  pkce: { component: 'oidc', ranges: [{ from: '1.10.0' }], notes: 'oidc 1.10.0 added PKCE' },
  /** `/introspect` and `introspection_endpoint` in discovery. */
  introspection: { component: 'oidc', ranges: [{ from: '1.11.0' }], notes: 'oidc 1.11.0' },
  /** RFC 7592 client read/update/delete at `/register/{client_id}`. */
  clientManagement: { component: 'oidc', ranges: [{ from: '1.11.0' }], notes: 'oidc 1.11.0' },
  /** DCR accepts `token_type`. */
  dcrTokenType: { component: 'oidc', ranges: [{ from: '1.11.0' }], notes: 'oidc 1.11.0' },
  /** The consent page exists (shown only with `allow_user_settings=enabled`). */
  consentPage: { component: 'oidc', ranges: [{ from: '1.11.0' }], notes: 'oidc 1.11.0' },
  /** Refresh tokens only with scope `offline_access` (or `provide_refresh_token_always`). */
  refreshNeedsOfflineAccess: { component: 'oidc', ranges: [{ from: '1.12.0' }], notes: 'oidc 1.12.0' },
  /** The consent grant answers 500 after Allow. */
  consentGrantBroken: { component: 'oidc', ranges: [{ from: '1.16.2', to: '1.16.2' }], notes: 'oidc 1.16.2 broke consent; 1.16.3 fixed it' },
  /** Reusing an authorization code revokes the opaque tokens issued from it. */
  codeReuseRevokesTokens: { component: 'oidc', ranges: [{ from: '2.0.0' }], notes: 'oidc 2.0.0 rejects code reuse; observed on 2.0.9, not on 1.16.6' },
  /** The `claims` request parameter. */
  claimsParameter: { component: 'oidc', ranges: [{ from: '2.0.0' }], notes: 'oidc 2.0.0' },
  /** The login redirect page and the consent grant carry the authorization parameters in the URL (before: only in the session). */
  redirectCarriesQuery: { component: 'oidc', ranges: [{ from: '1.16.3' }], notes: 'H2CK/oidc 1.16.3 LoginRedirectorController/PageController; 1.10 and 1.11 observed without query' },
  /** Clients have an RFC 9728 `resource_url` (DCR, occ) and a JWT access token without `resource` gets `aud` = client id (before: app config default_resource_identifier, `https://rs.local/`). */
  clientResourceUrl: { component: 'oidc', ranges: [{ from: '1.13.0' }], notes: 'H2CK/oidc 1.13.0 DynamicRegistrationController, JwtGenerator::generateAccessToken' },
  /** JWT access tokens carry `azp`, `preferred_username` and the profile/email claims of their scopes. */
  jwtUserClaims: { component: 'oidc', ranges: [{ from: '1.17.0' }], notes: 'H2CK/oidc 1.17.0 JwtGenerator::generateAccessToken' },
  /** `/userinfo` answers the token's `scope` too. */
  userinfoScopeClaim: { component: 'oidc', ranges: [{ from: '1.12.0' }], notes: 'H2CK/oidc 1.12.0 UserInfoController' },
  /** Discovery lists grant type `refresh_token` and response mode `fragment`. */
  discoveryRefreshGrant: { component: 'oidc', ranges: [{ from: '2.0.0' }], notes: 'H2CK/oidc 2.0.0 DiscoveryGenerator' },
  /** `response_mode=form_post` (and its discovery entry). */
  formPostResponseMode: { component: 'oidc', ranges: [{ from: '2.0.2' }], notes: 'H2CK/oidc 2.0.2 DiscoveryGenerator, FormPostResponse' },
  /** The ID token of `/token` carries scope claims (profile, email, ...) only when the `claims` parameter asks for them. */
  idTokenScopeClaimsOnRequest: { component: 'oidc', ranges: [{ from: '2.0.0' }], notes: 'H2CK/oidc 2.0.0 OIDCApiController::getToken generateIdToken(..., false, false)' },
  /**
   * `client_secret_basic` credentials are url-decoded (RFC 6749 §2.3.1) at `/token`. Basic itself works in
   * every version the double plays (from code: H2CK/oidc 0.8.0 registers a pseudo user backend,
   * BasicAuthBackend, so that core's HTTP Basic login accepts a client's id and secret at `/token` and
   * `/introspect`; observed on 1.16.6 with NC 32.0.1); 2.0.8 adds the decoding (H2CK/oidc#685), 2.0.9
   * hides the header from core instead of the pseudo backend (H2CK/oidc#688).
   */
  clientSecretBasicUrlDecoded: { component: 'oidc', ranges: [{ from: '2.0.8' }], notes: 'H2CK/oidc 2.0.8 OIDCApiController::getToken urldecode (#685)' },
  /**
   * user_oidc validates bearer tokens through the oidc app (`oidc_provider_bearer_validation`). On this
   * path `Backend::getCurrentUserId` returns the oidc app's user id and leaves the session to core's
   * `loginWithApache` in every release (from code, 7.0.0-8.10.1 and main), so the session cookie of a bearer
   * request keeps working (observed on NC 32.0.1 with 8.10.1). The 8.7.0-8.10.1 regression
   * (`setSessionUser` before core's login, nextcloud/user_oidc#1376, reported in #1452, reverted by #1486)
   * is on the registered-provider `check_bearer` path only, which the double does not have.
   */
  bearerValidation: { component: 'user_oidc', ranges: [{ from: '7.0.0' }], notes: 'user_oidc 7.0.0' },
  /** Every bearer request fails (user_oidc 7.3.2 on NC <= 31, fixed in 7.4.0). */
  bearerAlwaysFails: { component: 'user_oidc', ranges: [{ from: '7.3.2', to: '7.3.2' }], nextcloud: { to: '31.99.99' }, notes: 'user_oidc 7.3.2 on NC <= 31' },
  /** A request with an `OCS-APIRequest` header passes the CSRF check. */
  ocsApiRequestPassesCsrf: { component: 'nextcloud', ranges: [{ from: '31.0.0' }], notes: 'Nextcloud 31' },
  /** The login POST needs an `Origin` header (without one the login page is shown again). */
  loginNeedsOrigin: { component: 'nextcloud', ranges: [{ from: '34.0.0' }], notes: 'Nextcloud 34' },
  /** The dav app registers `FederatedCalendarAuth`, whose "not for a federated calendar" joins every DAV 401 message. */
  davFederatedCalendarAuth: { component: 'nextcloud', ranges: [{ from: '32.0.0' }], notes: 'Nextcloud 32, federated calendar shares (nextcloud/server#54127); from code' },
  /**
   * The web process keeps app config in the local memory cache (APCu) for 3 s (`OC\AppConfig::LOCAL_CACHE_TTL`)
   * unless system config `cache_app_config` is false: a value occ changes reaches the web server only when that
   * entry expires (nextcloud/server#54383; from code, and observed on the official image: DCR off through occ
   * still registered for ~4 s, no delay with cache_app_config=false).
   */
  appConfigLocalCache: { component: 'nextcloud', ranges: [{ from: '32.0.0' }], notes: 'nextcloud/server#54383 (merged 2025-08-12); from code, observed on the official image' },
} as const satisfies Record<string, Gate>;

export type GateName = keyof typeof GATES;

/** The versions a double plays. */
export interface VariantVersions {
  nextcloud: NextcloudMajor;
  oidc: string;
  userOidc: string;
}

/** A version that is not known or does not fit with the others. */
export class VersionError extends Error {
  readonly code = 'ERR_UNKNOWN_VERSION';
}

/**
 * Checks that the versions exist and install together; throws a VersionError with a one-line message
 * naming what is wrong and what to do.
 */
export function validateVersions(v: VariantVersions): void {
  if (!(NEXTCLOUD_MAJORS as readonly number[]).includes(v.nextcloud)) {
    throw new VersionError(`Nextcloud ${v.nextcloud} is not supported: use one of ${NEXTCLOUD_MAJORS.join(', ')}`);
  }
  const check = (app: string, version: string, lines: readonly ReleaseLine[]): void => {
    const sv = parseSemver(version);
    const line = sv && lines.find((l) => inRange(sv, l.versions));
    if (!sv || !line) throw new VersionError(`unknown ${app} version '${version}': use a released version such as ${lines.at(-1)!.versions.from}`);
    if (v.nextcloud < line.nextcloud[0] || v.nextcloud > line.nextcloud[1]) {
      throw new VersionError(`${app} ${version} installs on Nextcloud ${line.nextcloud[0]}-${line.nextcloud[1]}, not ${v.nextcloud}: pick another ${app} version`);
    }
  };
  check('oidc', v.oidc, OIDC_RELEASES);
  check('user_oidc', v.userOidc, USER_OIDC_RELEASES);
}

/** Whether a gate is on for these versions. */
export function gate(name: GateName, v: VariantVersions): boolean {
  const g: Gate = GATES[name];
  const nc: Semver = [v.nextcloud, 0, 0];
  const version = g.component === 'nextcloud' ? nc : parseSemver(g.component === 'oidc' ? v.oidc : v.userOidc);
  if (!version) return false;
  if (g.nextcloud && !inRange(nc, g.nextcloud)) return false;
  return g.ranges.some((r) => inRange(version, r));
}

/** All gates evaluated for one variant. */
export type Features = Record<GateName, boolean>;

/** Evaluates every gate for `v`. */
export function features(v: VariantVersions): Features {
  return Object.fromEntries(Object.keys(GATES).map((k) => [k, gate(k as GateName, v)])) as Features;
}

/** The release the double reports in `status.php` for each major. */
export const NEXTCLOUD_RELEASE: Record<NextcloudMajor, string> = { 31: '31.0.9', 32: '32.0.1', 33: '33.0.2', 34: '34.0.1', 35: '35.0.0' };
