/**
 * The Nextcloud instance the harness works with, and the provider interface that brings one up.
 *
 * A provider (double, external, docker) only LAUNCHES or attaches to a Nextcloud and hands back a
 * `LaunchedNextcloud`: URLs, admin credentials, an `occ` runner, logs and stop. The harness then does the
 * rest the same way for every provider (see `NextcloudBuilder.start()`): it reads the variant from
 * `status.php` and `occ app:list --output=json`, prepares the instance through `occ` and the provisioning
 * API as the facts page's "Configuration" section says, and returns a `StartedNextcloud`.
 */
import type { PatchMode } from '../double/index.ts';
import type { AppList } from './prepare-instance.ts';
import type { SecretRedactor } from './secret-redactor.ts';

/** The providers of Nextcloud instances. */
export const PROVIDER_NAMES = ['double', 'external', 'docker'] as const;

/** Which provider made an instance: the in-process double, an instance that already runs, or a container. */
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** A Nextcloud account the harness logs in with. */
export interface TestUser {
  uid: string;
  password: string;
  displayName?: string;
  email?: string;
  groups?: readonly string[];
}

/** What an instance's patch is, as far as the harness could find out. */
export type VariantPatch = PatchMode | 'unknown';

/**
 * The variant an instance stands for, as FOUND on it (status.php, `occ app:list`), not as asked for.
 */
export interface InstanceVariant {
  /** Nextcloud's `versionstring` from status.php, e.g. `32.0.1`. */
  nextcloud: string;
  /** The major of `nextcloud`. */
  nextcloudMajor: number;
  /** Version of the `oidc` app (H2CK/oidc) from `occ app:list`. */
  oidc: string;
  /** Version of the `user_oidc` app from `occ app:list`. */
  userOidc: string;
  /** The companion patch (facts page, "The user_oidc patch"). */
  patch: VariantPatch;
  /**
   * How `patch` was found: declared by a provider that built the instance (double, docker), read from
   * `occ integrity:check-app user_oidc` / `integrity:check-core` (a signed file that differs), or unknown.
   */
  patchSource: 'provider' | 'integrity-check' | 'unknown';
  /** True when status.php names the nc-oauth-lab Nextcloud double (a test double, not a real Nextcloud). */
  isDouble: boolean;
}

/** What `occ` printed and its exit code. */
export interface OccResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Options of one occ run. */
export interface OccOptions {
  /** Extra environment for occ (e.g. `OC_PASS` for `user:add --password-from-env`). */
  env?: Readonly<Record<string, string>>;
  /** Milliseconds before the run is killed (default 120 000). */
  timeoutMs?: number;
}

/** Runs one occ command (the words after `occ`). Never throws for a non-zero exit code; see `exitCode`. */
export type OccRunner = (args: readonly string[], options?: OccOptions) => Promise<OccResult>;

/** Receives progress lines (already free of secrets). The CLI prints them on stderr. */
export type Progress = (line: string) => void;

/** What a provider's `launch` receives. */
export interface LaunchContext {
  progress: Progress;
  /** Register every secret the provider learns or makes (admin password, generated passwords). */
  secrets: SecretRedactor;
}

/**
 * A Nextcloud that runs (or was attached to) and answers HTTP and occ, before the harness prepares it.
 * This is all a provider has to produce.
 */
export interface LaunchedNextcloud {
  /** Base URL as the harness reaches it, without a trailing slash (webroot included, e.g. `http://h/nextcloud`). */
  baseUrl: string;
  /** Base URL as a browser and the token issuer see it; equal to `baseUrl` unless a proxy or container network differs. */
  publicUrl: string;
  /** An admin account, used for the provisioning API (creating and removing test users). */
  admin: TestUser;
  /** Runs occ on the instance. */
  occ: OccRunner;
  /** The instance's logs so far (container logs, `nextcloud.log`, the harness's occ transcript); never secrets. */
  logs(): Promise<string>;
  /** Stops what the provider started (nothing for an external instance). Called after the harness restored its changes. */
  stop(): Promise<void>;
  /** The patch a provider knows it built in (double, docker). Left out, the harness looks for it. */
  declaredPatch?: PatchMode;
  /**
   * What `stop()` would remove and is still there (containers, networks), each with the command that
   * removes it by hand; for the ledger a parent process reads when this one is killed (see
   * `NextcloudBuilder.withLeftoverLedger`). Left out: nothing outlives the process.
   */
  leftovers?(): { what: string; manual: string }[];
  /** One line naming what this is, for progress and reports (the double says it is a test double). */
  description: string;
}

/**
 * The provider interface: brings up (double, docker) or attaches to (external) one Nextcloud. A provider
 * throws a HarnessError `ERR_NEXTCLOUD_UNREACHABLE` / `ERR_PROVIDER_UNAVAILABLE` (exit code 2) for what
 * the user has to fix, with a one-line message that says what to do.
 */
export interface NextcloudProvider {
  readonly providerName: ProviderName;
  launch(context: LaunchContext): Promise<LaunchedNextcloud>;
}

/** How the harness prepares an instance (facts page, "Configuration (occ)"). */
export interface PreparationOptions {
  /** Dynamic client registration on: app config `oidc dynamic_client_registration` = the STRING `true` (default true). */
  dcr: boolean;
  /** The consent page: `oidc allow_user_settings` = `enabled`; false deletes the key, so consent is granted silently (default false). */
  consent: boolean;
  /** Default access token format (`oidc default_token_type`); left as it is when undefined. */
  tokenType?: 'opaque' | 'jwt';
  /** Brute-force and rate-limit protection off (system config booleans) for tests (default false). */
  protectionsOff: boolean;
  /** The test users to create; their passwords are generated when left out. */
  users: readonly TestUserRequest[];
  /** Put back the config values the harness changed and remove the users it created, on stop (default true). */
  restoreOnStop: boolean;
  /** Add the hosts of the base and public URL to `trusted_domains` when missing (default true). */
  trustedDomains: boolean;
  /** Look for the patch with `occ integrity:check-*` when the provider does not declare it (default true). */
  detectPatch: boolean;
  /**
   * Apps to enable where they are installed but disabled (`occ app:enable`, disabled again on stop), so
   * that the checks that need them can run; an app that is not installed stays absent (its checks are skipped).
   */
  enableApps?: readonly string[];
}

/** A test user to create; `password` is generated (and registered as a secret) when left out. */
export interface TestUserRequest {
  uid: string;
  password?: string;
  displayName?: string;
  email?: string;
  groups?: readonly string[];
}

/**
 * A prepared Nextcloud: what every scenario, the CLI and the matrix work with. Made by
 * `NextcloudBuilder.start()`; `stop()` restores the harness's changes, removes its users and stops the
 * provider's instance.
 */
export interface StartedNextcloud {
  readonly provider: ProviderName;
  /** One line naming the instance (the double says it is a test double). */
  readonly description: string;
  /** Base URL as the harness reaches it, without a trailing slash. */
  readonly baseUrl: string;
  /** Base URL as a browser and the token issuer see it. */
  readonly publicUrl: string;
  /** The variant found on the instance. */
  readonly variant: InstanceVariant;
  /** The instance's apps (`occ app:list`, read once at start), as they are after preparation. */
  readonly apps: Readonly<AppList>;
  /** The admin account used for preparation. */
  readonly admin: TestUser;
  /** The test users the harness created (or reused), with their passwords. */
  readonly users: readonly TestUser[];
  /** How the instance was prepared. */
  readonly preparation: Readonly<PreparationOptions>;
  /** The run's secrets; use it to redact anything that is logged. */
  readonly secrets: SecretRedactor;
  /** The test user `uid`, or the first test user. Throws ERR_BAD_OPTION for an unknown uid. */
  user(uid?: string): TestUser;
  /** Runs occ on the instance. */
  occ: OccRunner;
  /**
   * Sets (or, with `undefined`, deletes) an app config value through occ and waits until the web server
   * sees it (the discovery document for DCR, else the provisioning API): Nextcloud >= 32 serves app config
   * from a local cache for 3 s. Throws ERR_SETTING_NOT_IN_EFFECT (bounded wait) when it never takes effect.
   */
  setAppConfig(app: string, key: string, value: string | undefined): Promise<void>;
  /** Logs of the instance and the harness's occ transcript, redacted. */
  logs(): Promise<string>;
  /**
   * Runs `cleanup` when the instance stops, before it is restored (last registered first; a failure is reported
   * as progress, never thrown): e.g. deleting the OAuth client of a login whose tokens are used until then.
   */
  onStop(cleanup: () => Promise<void>): void;
  /** Runs the `onStop` cleanups, restores, removes the test users, stops. Safe to call twice. */
  stop(): Promise<void>;
  /**
   * What is changed and not undone yet (config values, test users, the provider's containers), newest
   * first, each with the command that undoes it by hand: what a process that must leave now leaves behind.
   */
  leftovers(): { what: string; manual: string }[];
}
