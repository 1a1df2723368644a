import { DEFAULT_USERS, startDouble, VersionError, type DoubleAppState, type NextcloudMajor, type PatchMode, type StartedDouble } from '../../double/index.ts';
import { HarnessError } from '../harness-error.ts';
import { NextcloudBuilder } from '../nextcloud-builder.ts';
import type { LaunchContext, LaunchedNextcloud, TestUser, TestUserRequest } from '../nextcloud-instance.ts';

/** The double's admin account (double-only credentials, see README "The Nextcloud double"). */
export const DOUBLE_ADMIN: TestUser = (() => {
  const admin = DEFAULT_USERS.find((u) => u.uid === 'admin')!;
  return { uid: admin.uid, password: admin.password };
})();

/**
 * The `double` provider: the Nextcloud double, started in process on 127.0.0.1 (a test double, not a real
 * Nextcloud). It starts like a fresh install (`configure: false`: apps installed but disabled, no test
 * users besides the admin) and is then prepared through occ and the provisioning API exactly like an
 * external instance. Default test users: `alice` / `alice-password` and `bob` / `bob-password`.
 */
export class DoubleNextcloud extends NextcloudBuilder {
  readonly providerName = 'double' as const;
  private nextcloud: NextcloudMajor = 32;
  private oidc: string | undefined;
  private userOidc: string | undefined;
  private patch: PatchMode = 'none';
  private host = '127.0.0.1';
  private now: (() => number) | undefined;
  private apps: Record<string, DoubleAppState> = {};
  private appConfigCacheTtlMs: number | undefined;
  private double: StartedDouble | undefined;

  /** Nextcloud major the double plays (31-35, default 32). */
  withNextcloud(major: NextcloudMajor): this {
    this.nextcloud = major;
    return this;
  }

  /** `oidc` app version (default: the newest for the major). */
  withOidc(version: string): this {
    this.oidc = version;
    return this;
  }

  /** `user_oidc` app version (default: the newest for the major). */
  withUserOidc(version: string): this {
    this.userOidc = version;
    return this;
  }

  /** Patch mode (default `none`). */
  withPatch(patch: PatchMode): this {
    this.patch = patch;
    return this;
  }

  /** Loopback address to listen on (default 127.0.0.1). */
  withHost(host: string): this {
    this.host = host;
    return this;
  }

  /**
   * Apps the double plays differently from a fresh double: `{ deck: false, tables: false }` is an instance
   * without Deck and Tables (as the recorded real NC 32.0.1), `'disabled'` an app that is installed but disabled.
   */
  withApps(apps: Readonly<Record<string, DoubleAppState>>): this {
    this.apps = { ...this.apps, ...apps };
    return this;
  }

  /**
   * Milliseconds the double's web process serves app config from its local cache after occ changed it
   * (default 3000, as Nextcloud >= 32 with APCu; 0 plays `cache_app_config=false`).
   */
  withAppConfigCacheTtl(ms: number): this {
    this.appConfigCacheTtlMs = ms;
    return this;
  }

  /** The double's clock (milliseconds since the epoch), for expiry tests. */
  withClock(now: () => number): this {
    this.now = now;
    return this;
  }

  /** The running double, for tests that look inside (after `start()`). */
  get startedDouble(): StartedDouble | undefined {
    return this.double;
  }

  protected defaultUsers(): TestUserRequest[] {
    return DEFAULT_USERS.filter((u) => u.uid !== DOUBLE_ADMIN.uid).map((u) => ({ uid: u.uid, password: u.password, ...(u.displayName ? { displayName: u.displayName } : {}), ...(u.email ? { email: u.email } : {}) }));
  }

  async launch(context: LaunchContext): Promise<LaunchedNextcloud> {
    context.progress(`starting the Nextcloud double (a test double, not a real Nextcloud): Nextcloud ${this.nextcloud}, patch ${this.patch}`);
    let double: StartedDouble;
    try {
      double = await startDouble({
        nextcloud: this.nextcloud,
        ...(this.oidc ? { oidc: this.oidc } : {}),
        ...(this.userOidc ? { userOidc: this.userOidc } : {}),
        patch: this.patch,
        configure: false,
        users: [{ ...DEFAULT_USERS.find((u) => u.uid === DOUBLE_ADMIN.uid)!, groups: ['admin'] }],
        host: this.host,
        port: 0,
        ...(Object.keys(this.apps).length > 0 ? { apps: this.apps } : {}),
        ...(this.appConfigCacheTtlMs !== undefined ? { appConfigCacheTtlMs: this.appConfigCacheTtlMs } : {}),
        ...(this.now ? { now: this.now } : {}),
      });
    } catch (error) {
      if (error instanceof VersionError) throw new HarnessError('ERR_BAD_OPTION', error.message, { cause: error });
      if (error instanceof Error && error.message.startsWith('the double knows no app')) throw new HarnessError('ERR_BAD_OPTION', error.message, { cause: error });
      throw error;
    }
    this.double = double;
    const v = double.state.versions;
    return {
      baseUrl: double.url,
      publicUrl: double.url,
      admin: DOUBLE_ADMIN,
      occ: async (args, options) => double.occ(args, options?.env ?? {}),
      logs: async () => `the Nextcloud double (in process) at ${double.url}: Nextcloud ${v.nextcloud}, oidc ${v.oidc}, user_oidc ${v.userOidc}, patch ${double.state.patch}; it writes no nextcloud.log`,
      stop: () => double.stop(),
      declaredPatch: double.state.patch,
      description: `the Nextcloud double (a test double, not a real Nextcloud) at ${double.url}`,
    };
  }
}
