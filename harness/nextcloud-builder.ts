import { setAppConfig } from './confirm-app-config.ts';
import { detectPatch, variantFromStatus } from './detect-variant.ts';
import { HarnessError } from './harness-error.ts';
import { readStatus } from './nextcloud-http.ts';
import type {
  InstanceVariant,
  LaunchContext,
  LaunchedNextcloud,
  NextcloudProvider,
  OccRunner,
  PreparationOptions,
  Progress,
  ProviderName,
  StartedNextcloud,
  TestUser,
  TestUserRequest,
} from './nextcloud-instance.ts';
import { LeftoverLedger } from './leftover-ledger.ts';
import { listApps, prepareInstance, type AppList } from './prepare-instance.ts';
import { SecretRedactor } from './secret-redactor.ts';

/** Preparation defaults: DCR on, no consent page, token type left alone, protections left on, restore on stop. */
export const DEFAULT_PREPARATION: Readonly<Omit<PreparationOptions, 'users'>> = {
  dcr: true,
  consent: false,
  protectionsOff: false,
  restoreOnStop: true,
  trustedDomains: true,
  detectPatch: true,
};

/** Keeps a transcript of every occ run (command and exit code, redacted; never stdout, which can hold secrets). */
function recordingOcc(occ: OccRunner, transcript: string[], secrets: SecretRedactor): OccRunner {
  return async (args, options) => {
    const started = Date.now();
    const result = await occ(args, options);
    const stderr = result.exitCode !== 0 && result.stderr.trim() ? `: ${secrets.redact(result.stderr.trim().split('\n').slice(-1)[0]!).slice(0, 200)}` : '';
    transcript.push(`${new Date(started).toISOString()} occ ${secrets.redact(args.join(' '))} -> exit ${result.exitCode} (${Date.now() - started} ms)${stderr}`);
    return result;
  };
}

/**
 * A Nextcloud to start, in the style of testcontainers-node: `with...()` methods set options and return
 * `this`; `start()` returns a `StartedNextcloud`. Each provider is a subclass that implements `launch()`
 * (the `NextcloudProvider` interface) and adds its own `with...()` methods; everything after launch
 * (variant detection, preparation, restore on stop) is done here, the same way for every provider.
 *
 * ```ts
 * const nc = await new DoubleNextcloud().withNextcloud(34).withPatch('user_oidc-app-api').withConsent().start();
 * try { ... nc.user('alice') ... } finally { await nc.stop(); }
 * ```
 */
export abstract class NextcloudBuilder implements NextcloudProvider {
  abstract readonly providerName: ProviderName;
  protected preparation: PreparationOptions = { ...DEFAULT_PREPARATION, users: [] };
  protected progress: Progress = () => undefined;
  protected secrets = new SecretRedactor();
  private usersAsked = false;
  private ledgerPath: string | undefined;
  /** What the start in progress has changed and not undone (for a process that must leave before it ends). */
  private startPending: () => { what: string; manual: string }[] = () => [];

  /** Brings the instance up or attaches to it (the provider's part). */
  abstract launch(context: LaunchContext): Promise<LaunchedNextcloud>;

  /** Test users created when none were asked for with `withTestUsers`. */
  protected abstract defaultUsers(): TestUserRequest[];

  /** Dynamic client registration on (default) or left off. */
  withDcr(on = true): this {
    this.preparation.dcr = on;
    return this;
  }

  /** The consent page on (`allow_user_settings=enabled`, oidc >= 1.11) or off (default). */
  withConsent(on = true): this {
    this.preparation.consent = on;
    return this;
  }

  /** The default access token format (`default_token_type`). */
  withTokenType(tokenType: 'opaque' | 'jwt'): this {
    this.preparation.tokenType = tokenType;
    return this;
  }

  /** Brute-force and rate-limit protection off, for tests (facts page: DCR allows 10 registrations per 60 s). */
  withProtectionsOff(on = true): this {
    this.preparation.protectionsOff = on;
    return this;
  }

  /** The test users to create (replaces the provider's default users). */
  withTestUsers(users: readonly TestUserRequest[]): this {
    this.preparation.users = [...users];
    this.usersAsked = true;
    return this;
  }

  /** Whether `stop()` puts back changed config values and removes created users (default true). */
  withRestoreOnStop(on = true): this {
    this.preparation.restoreOnStop = on;
    return this;
  }

  /** Whether missing hosts of the base and public URL are added to `trusted_domains` (default true). */
  withTrustedDomains(on = true): this {
    this.preparation.trustedDomains = on;
    return this;
  }

  /** Whether the patch is looked for with `occ integrity:check-*` when the provider does not know it (default true). */
  withPatchDetection(on = true): this {
    this.preparation.detectPatch = on;
    return this;
  }

  /**
   * Apps to enable for the run where they are installed but disabled (disabled again on stop); an app that
   * is not installed stays absent and the checks that need it are skipped.
   */
  withEnabledApps(apps: readonly string[]): this {
    this.preparation.enableApps = [...new Set([...(this.preparation.enableApps ?? []), ...apps])];
    return this;
  }

  /** Where progress lines go (the CLI: stderr). */
  withProgress(progress: Progress): this {
    this.progress = progress;
    return this;
  }

  /**
   * What a `start()` in progress (or one that failed to undo everything) has changed and not undone yet,
   * newest first, each with the command that undoes it by hand. After start, see `StartedNextcloud.leftovers`.
   */
  leftovers(): { what: string; manual: string }[] {
    return this.startPending();
  }

  /**
   * Keeps a ledger file of what the harness changed and has not undone yet (config values, test users, the
   * provider's containers), each with the command that undoes it by hand, so that a parent process can say
   * exactly what was left when this one is killed during its cleanup. The file is removed once nothing is
   * pending.
   */
  withLeftoverLedger(path: string): this {
    this.ledgerPath = path;
    return this;
  }

  /** Shares a SecretRedactor with the caller, so that its logs are redacted with the run's secrets. */
  withSecrets(secrets: SecretRedactor): this {
    this.secrets = secrets;
    return this;
  }

  /**
   * Launches (or attaches to) the instance, reads its variant, prepares it and returns it. On any failure
   * the changes made so far are undone and the provider's instance is stopped before the error is thrown.
   */
  async start(): Promise<StartedNextcloud> {
    const progress = this.progress;
    const secrets = this.secrets;
    const preparation: PreparationOptions = { ...this.preparation, users: this.usersAsked ? this.preparation.users : this.defaultUsers() };
    const launched = await this.launch({ progress, secrets });
    secrets.add(launched.admin.password);
    const ledger = this.ledgerPath ? new LeftoverLedger(this.ledgerPath, launched.description) : undefined;
    ledger?.set('provider', launched.leftovers?.() ?? []);
    let preparing: readonly { what: string; manual: string }[] = [];
    this.startPending = () => [...preparing, ...(launched.leftovers?.() ?? [])];
    const transcript: string[] = [];
    const occ = recordingOcc(launched.occ, transcript, secrets);
    let restore: (() => Promise<string[]>) | undefined;
    try {
      progress(`reading the variant of ${launched.baseUrl}`);
      const status = await readStatus(launched.baseUrl);
      const apps = await listApps(occ, secrets);
      const found = variantFromStatus(launched.baseUrl, status, apps);
      progress(`preparing ${launched.baseUrl} through occ and the provisioning API`);
      const hosts = [new URL(launched.baseUrl).hostname, new URL(launched.publicUrl).hostname];
      const prepared = await prepareInstance({ baseUrl: launched.baseUrl, admin: launched.admin, occ }, apps, preparation, hosts, progress, secrets, (pending) => {
        preparing = pending;
        ledger?.set('prepare', pending);
      });
      restore = prepared.restore;
      let patch: Pick<InstanceVariant, 'patch' | 'patchSource'> = { patch: 'unknown', patchSource: 'unknown' };
      if (launched.declaredPatch) patch = { patch: launched.declaredPatch, patchSource: 'provider' };
      else if (preparation.detectPatch) {
        progress('looking for the companion patches (occ integrity:check-app user_oidc, integrity:check-core)');
        const detected = await detectPatch(occ);
        patch = { patch: detected.patch, patchSource: detected.source };
      }
      const variant: InstanceVariant = { ...found, ...patch };
      progress(`${launched.description}: Nextcloud ${variant.nextcloud}, oidc ${variant.oidc}, user_oidc ${variant.userOidc}, patch ${variant.patch}`);
      return this.started(launched, variant, prepared.apps, preparation, prepared.users, occ, transcript, restore, ledger, prepared.pending);
    } catch (error) {
      if (restore) await restore().catch(() => undefined);
      await launched.stop().catch(() => undefined);
      ledger?.set('provider', launched.leftovers?.() ?? []);
      throw error;
    }
  }

  private started(
    launched: LaunchedNextcloud,
    variant: InstanceVariant,
    apps: AppList,
    preparation: PreparationOptions,
    users: TestUser[],
    occ: OccRunner,
    transcript: string[],
    restore: () => Promise<string[]>,
    ledger: LeftoverLedger | undefined,
    pending: () => { what: string; manual: string }[],
  ): StartedNextcloud {
    const secrets = this.secrets;
    const progress = this.progress;
    const cleanups: (() => Promise<void>)[] = [];
    let stopping: Promise<void> | undefined;
    return {
      provider: this.providerName,
      description: launched.description,
      baseUrl: launched.baseUrl,
      publicUrl: launched.publicUrl,
      variant,
      apps,
      admin: launched.admin,
      users,
      preparation,
      secrets,
      user(uid?: string): TestUser {
        const user = uid === undefined ? users[0] : users.find((u) => u.uid === uid);
        if (!user) throw new HarnessError('ERR_BAD_OPTION', uid === undefined ? 'the instance has no test users' : `no test user '${uid}': use one of ${users.map((u) => u.uid).join(', ')}`);
        return user;
      },
      occ,
      setAppConfig: (app, key, value) => setAppConfig({ baseUrl: launched.baseUrl, admin: launched.admin, occ, secrets }, app, key, value, { progress }),
      async logs(): Promise<string> {
        const own = await launched.logs().catch((error: unknown) => `(logs unavailable: ${error instanceof Error ? error.message : String(error)})`);
        return secrets.redact(`${own}\n--- occ transcript (nc-oauth-lab harness) ---\n${transcript.join('\n')}\n`);
      },
      onStop(cleanup: () => Promise<void>): void {
        cleanups.push(cleanup);
      },
      leftovers() {
        return [...(preparation.restoreOnStop ? pending() : []), ...(launched.leftovers?.() ?? [])];
      },
      stop(): Promise<void> {
        stopping ??= (async () => {
          for (const cleanup of cleanups.splice(0).reverse()) {
            await cleanup().catch((error: unknown) => progress(`  cleanup on stop failed: ${secrets.redact(error instanceof Error ? error.message : String(error))}`));
          }
          if (preparation.restoreOnStop) {
            progress(`restoring ${launched.baseUrl}`);
            const failures = await restore();
            for (const failure of failures) progress(`  could not restore ${failure}`);
          } else {
            // Kept on purpose (--keep): not left behind by an interruption.
            ledger?.set('prepare', []);
          }
          try {
            await launched.stop();
          } finally {
            ledger?.set('provider', launched.leftovers?.() ?? []);
          }
        })();
        return stopping;
      },
    };
  }
}
