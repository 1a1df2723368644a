import { randomBytes, randomUUID } from 'node:crypto';
import type { DoubleFault } from './double-faults.ts';
import { features, validateVersions, type Features, type VariantVersions } from './version-gates.ts';

/** The patch modes a variant can have (see patches/). */
export const PATCH_MODES = ['none', 'user_oidc-app-api', 'server-cors'] as const;
export type PatchMode = (typeof PATCH_MODES)[number];

/** A Nextcloud user of the double. */
export interface DoubleUser {
  uid: string;
  password: string;
  displayName: string;
  email: string;
  groups: string[];
  /** App passwords (Basic auth), created with `/ocs/v2.php/core/getapppassword` or by options. */
  appPasswords: Set<string>;
}

/** A user as options and the CLI give it. */
export interface DoubleUserInput {
  uid: string;
  password: string;
  displayName?: string;
  email?: string;
  groups?: string[];
}

/** A server-side session, keyed by the session cookie. */
export interface DoubleSession {
  id: string;
  uid?: string;
  /** The CSRF token of the session (`data-requesttoken`, header `requesttoken`). */
  requestToken: string;
  /** Session values (`app_api`, pending authorize parameters, ...). */
  values: Map<string, unknown>;
  /** Whether 2FA is still pending for the logged-in user. */
  twoFactorPending: boolean;
}

/** Typed values of `config.php` (occ config:system:set --type). */
export type SystemValue = string | number | boolean | null | unknown[] | Record<string, unknown>;

/** Every app the double can play; each is installed unless `apps` says otherwise. */
export const DOUBLE_APPS = ['oidc', 'user_oidc', 'notes', 'deck', 'tables', 'calendar', 'contacts', 'dav', 'files', 'firstrunwizard', 'twofactor_backupcodes', 'twofactor_totp', 'app_api', 'federation'] as const;

/** Apps enabled on a fresh double (the shipped apps of a fresh install, plus the apps the scenarios use). */
const ENABLED_BY_DEFAULT = ['dav', 'files', 'notes', 'deck', 'tables', 'calendar', 'contacts', 'firstrunwizard', 'twofactor_backupcodes', 'app_api', 'federation'];

/**
 * What the double plays for an app: `true` installed and enabled, `'disabled'` installed but disabled,
 * `false` not installed (absent from `occ app:list`, its routes answer as Nextcloud answers for an app
 * it does not have: 404 on `/index.php/apps/<app>/...`, OCS 998 on its OCS routes).
 */
export type DoubleAppState = boolean | 'disabled';

/** `OC\AppConfig::LOCAL_CACHE_TTL` (3 s): how long the web process serves app config from its local cache. */
export const APP_CONFIG_LOCAL_CACHE_TTL_MS = 3000;

/** The local memory cache of the official image (`config/apcu.config.php`), which the double plays by default. */
export const DEFAULT_LOCAL_CACHE = '\\OC\\Memcache\\APCu';

/** Options of the double. */
export interface DoubleStateOptions extends VariantVersions {
  patch: PatchMode;
  users: DoubleUserInput[];
  /** Apps that differ from a fresh double, e.g. `{ deck: false, tables: false }` (see DoubleAppState). */
  apps?: Readonly<Record<string, DoubleAppState>>;
  /**
   * Milliseconds the web process keeps app config in its local cache where Nextcloud does (NC >= 32 with
   * `memcache.local` set and `cache_app_config` not false; see the gate appConfigLocalCache). Default
   * APP_CONFIG_LOCAL_CACHE_TTL_MS, as Nextcloud; 0 turns the delay off (a double faster than Nextcloud).
   */
  appConfigCacheTtlMs?: number;
  /** Milliseconds since the epoch; tests pass a controllable clock. */
  now?: () => number;
}

/** The default test users. */
export const DEFAULT_USERS: readonly DoubleUserInput[] = [
  { uid: 'admin', password: 'admin-password', displayName: 'Administrator', email: 'admin@example.test', groups: ['admin'] },
  { uid: 'alice', password: 'alice-password', displayName: 'Alice Liddell', email: 'alice@example.test', groups: ['users'] },
  { uid: 'bob', password: 'bob-password', displayName: 'Bob Builder', email: 'bob@example.test', groups: ['users'] },
];

/**
 * Everything the double remembers: the variant it plays, app and system config, users, sessions and the
 * per-app stores. It lives in memory and is gone on stop.
 */
export class DoubleState {
  readonly versions: VariantVersions;
  readonly features: Features;
  readonly patch: PatchMode;
  readonly instanceId: string;
  readonly now: () => number;
  /** Installed apps (`occ app:list` lists them, enabled or disabled). */
  readonly installedApps = new Set<string>(DOUBLE_APPS);
  /** Enabled apps. */
  readonly enabledApps = new Set<string>(ENABLED_BY_DEFAULT);
  /** `oc_appconfig`: app -> key -> string value (the database; occ reads and writes it directly). */
  readonly appConfig = new Map<string, Map<string, string>>();
  /** How long the web process serves app config from its local cache (see DoubleStateOptions.appConfigCacheTtlMs). */
  readonly appConfigCacheTtlMs: number;
  /** The web process's local cache of app config (`OC\AppConfig` in APCu), when one is filled. */
  private webAppConfig: { until: number; values: Map<string, Map<string, string>> } | undefined;
  /** `config.php` values with their types. */
  readonly systemConfig = new Map<string, SystemValue>();
  readonly users = new Map<string, DoubleUser>();
  /** Groups (`occ group:add`); users list theirs in `DoubleUser.groups`. */
  readonly groups = new Set<string>(['admin']);
  readonly sessions = new Map<string, DoubleSession>();
  /** Faults the double simulates (double-only, see double-faults.ts); none by default. */
  readonly faults = new Set<DoubleFault>();
  /** Stores of route modules, created on first use (see `store`). */
  private readonly stores = new Map<string, unknown>();
  /** Base URL once listening (set by startDouble). */
  baseUrl = '';

  constructor(options: DoubleStateOptions) {
    validateVersions(options);
    this.versions = { nextcloud: options.nextcloud, oidc: options.oidc, userOidc: options.userOidc };
    this.features = features(this.versions);
    this.patch = options.patch;
    this.now = options.now ?? Date.now;
    this.appConfigCacheTtlMs = options.appConfigCacheTtlMs ?? APP_CONFIG_LOCAL_CACHE_TTL_MS;
    this.instanceId = `oc${randomBytes(6).toString('hex')}`;
    for (const [app, playing] of Object.entries(options.apps ?? {})) {
      if (!(DOUBLE_APPS as readonly string[]).includes(app)) throw new Error(`the double knows no app '${app}': use one of ${DOUBLE_APPS.join(', ')}`);
      if (playing === false) this.installedApps.delete(app);
      if (playing === true) this.enabledApps.add(app);
      else this.enabledApps.delete(app);
    }
    for (const user of options.users) {
      this.addUser(user);
      for (const g of user.groups ?? []) this.groups.add(g);
    }
    this.systemConfig.set('instanceid', this.instanceId);
    this.systemConfig.set('installed', true);
    this.systemConfig.set('memcache.local', DEFAULT_LOCAL_CACHE);
  }

  /** Whether an app is enabled. */
  isEnabled(app: string): boolean {
    return this.enabledApps.has(app);
  }

  /**
   * Whether the web process caches app config locally: Nextcloud >= 32 (appConfigLocalCache), a local
   * memory cache configured (`memcache.local`), and system config `cache_app_config` not false.
   */
  webCachesAppConfig(): boolean {
    return this.features.appConfigLocalCache && this.appConfigCacheTtlMs > 0 && Boolean(this.systemConfig.get('memcache.local')) && this.systemConfig.get('cache_app_config') !== false;
  }

  /**
   * An app config value as the web process sees it, or `fallback`: from its local cache while that entry
   * lives (filled from the database on the first read after it expired), so a value occ changed is seen only
   * up to `appConfigCacheTtlMs` later. Routes read app config through this; occ reads `appConfig`.
   */
  getAppValue(app: string, key: string, fallback = ''): string {
    return this.webAppConfigView().get(app)?.get(key) ?? fallback;
  }

  private webAppConfigView(): ReadonlyMap<string, ReadonlyMap<string, string>> {
    if (!this.webCachesAppConfig()) {
      this.webAppConfig = undefined;
      return this.appConfig;
    }
    const now = Date.now();
    if (!this.webAppConfig || now >= this.webAppConfig.until) {
      this.webAppConfig = { until: now + this.appConfigCacheTtlMs, values: new Map([...this.appConfig].map(([app, values]) => [app, new Map(values)])) };
    }
    return this.webAppConfig.values;
  }

  /** Sets an app config value from the web process: the database, and its own local cache is cleared (AppConfig::clearLocalCache). */
  setAppValue(app: string, key: string, value: string): void {
    this.setAppValueInDatabase(app, key, value);
    this.webAppConfig = undefined;
  }

  /** Deletes an app config value from the web process (the database, and its local cache is cleared). */
  deleteAppValue(app: string, key: string): boolean {
    this.webAppConfig = undefined;
    return this.deleteAppValueInDatabase(app, key);
  }

  /**
   * Sets an app config value as occ does: in the database only. occ runs in PHP's CLI, whose memory cache
   * is not the web server's: the web process keeps its cached values until they expire.
   */
  setAppValueInDatabase(app: string, key: string, value: string): void {
    let m = this.appConfig.get(app);
    if (!m) this.appConfig.set(app, (m = new Map()));
    m.set(key, value);
  }

  /** Deletes an app config value as occ does: in the database only (see setAppValueInDatabase). */
  deleteAppValueInDatabase(app: string, key: string): boolean {
    return this.appConfig.get(app)?.delete(key) ?? false;
  }

  /** A system config value with its type, as `config.php` holds it. */
  getSystemValue(key: string): SystemValue | undefined {
    return this.systemConfig.get(key);
  }

  /** Adds a user; throws when the uid exists. */
  addUser(input: DoubleUserInput): DoubleUser {
    if (!/^[a-zA-Z0-9 _.@\-']+$/.test(input.uid)) throw new Error(`invalid user id '${input.uid}'`);
    if (this.users.has(input.uid)) throw new Error(`The user "${input.uid}" already exists.`);
    const user: DoubleUser = {
      uid: input.uid,
      password: input.password,
      displayName: input.displayName ?? input.uid,
      email: input.email ?? `${input.uid}@example.test`,
      groups: input.groups ?? [],
      appPasswords: new Set(),
    };
    this.users.set(user.uid, user);
    return user;
  }

  /** Checks a login name and password or app password. */
  checkPassword(uid: string, password: string): DoubleUser | undefined {
    const user = this.users.get(uid);
    if (!user) return undefined;
    return user.password === password || user.appPasswords.has(password) ? user : undefined;
  }

  /** Creates a new anonymous session. */
  newSession(): DoubleSession {
    const session: DoubleSession = { id: randomUUID(), requestToken: randomBytes(24).toString('base64url'), values: new Map(), twoFactorPending: false };
    this.sessions.set(session.id, session);
    return session;
  }

  /**
   * The store of a route module, created by `create` on first use, so that each module keeps its own
   * typed state (clients and tokens, notes, files, ...) inside the double.
   */
  store<T>(name: string, create: () => T): T {
    if (!this.stores.has(name)) this.stores.set(name, create());
    return this.stores.get(name) as T;
  }
}
