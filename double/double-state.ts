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
  /** Whether a second factor is enabled for the user (the patch's 2FA side effect). */
  twoFactor: boolean;
}

/** A user as options and the CLI give it. */
export interface DoubleUserInput {
  uid: string;
  password: string;
  displayName?: string;
  email?: string;
  groups?: string[];
  twoFactor?: boolean;
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
  /** Whether a bearer request was made in this session (user_oidc 8.7.0-8.10.1 bug). */
  bearerSeen: boolean;
}

/** Typed values of `config.php` (occ config:system:set --type). */
export type SystemValue = string | number | boolean | null | unknown[] | Record<string, unknown>;

/** Options of the double. */
export interface DoubleStateOptions extends VariantVersions {
  patch: PatchMode;
  users: DoubleUserInput[];
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
  /** Enabled apps. */
  readonly enabledApps = new Set<string>(['dav', 'files', 'notes', 'deck', 'tables', 'calendar', 'contacts', 'firstrunwizard', 'app_api']);
  /** `oc_appconfig`: app -> key -> string value. */
  readonly appConfig = new Map<string, Map<string, string>>();
  /** `config.php` values with their types. */
  readonly systemConfig = new Map<string, SystemValue>();
  readonly users = new Map<string, DoubleUser>();
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
    this.instanceId = `oc${randomBytes(6).toString('hex')}`;
    for (const user of options.users) this.addUser(user);
    this.systemConfig.set('instanceid', this.instanceId);
    this.systemConfig.set('installed', true);
  }

  /** Whether an app is enabled. */
  isEnabled(app: string): boolean {
    return this.enabledApps.has(app);
  }

  /** An app config value, or `fallback`. */
  getAppValue(app: string, key: string, fallback = ''): string {
    return this.appConfig.get(app)?.get(key) ?? fallback;
  }

  setAppValue(app: string, key: string, value: string): void {
    let m = this.appConfig.get(app);
    if (!m) this.appConfig.set(app, (m = new Map()));
    m.set(key, value);
  }

  deleteAppValue(app: string, key: string): boolean {
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
      twoFactor: input.twoFactor ?? false,
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
    const session: DoubleSession = { id: randomUUID(), requestToken: randomBytes(24).toString('base64url'), values: new Map(), twoFactorPending: false, bearerSeen: false };
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
