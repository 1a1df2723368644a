import { randomBytes } from 'node:crypto';
import { confirmAppConfig } from './confirm-app-config.ts';
import { HarnessError } from './harness-error.ts';
import { basicAuthorization, ocsRequest } from './nextcloud-http.ts';
import type { OccResult, OccRunner, PreparationOptions, Progress, TestUser, TestUserRequest } from './nextcloud-instance.ts';
import type { SecretRedactor } from './secret-redactor.ts';

/** Apps as `occ app:list --output=json` lists them: app id -> version. */
export interface AppList {
  enabled: Record<string, string>;
  disabled: Record<string, string>;
}

/** What preparation needs of an instance. */
export interface PreparationTarget {
  baseUrl: string;
  admin: TestUser;
  occ: OccRunner;
}

/** A change the harness made and has not undone yet: what it is, and the occ command that undoes it by hand. */
export interface PendingUndo {
  /** `app config oidc dynamic_client_registration`, `test user nclab-1a2b3c-alice`. */
  what: string;
  /** `occ config:app:delete oidc dynamic_client_registration`: what a user runs to undo it by hand (never a secret). */
  manual: string;
}

/** Receives the changes not undone yet, each time that list changes (to keep a ledger a second process can read). */
export type PendingListener = (pending: readonly PendingUndo[]) => void;

/** The outcome of preparation: the users to log in with, and how to undo it. */
export interface PreparedInstance {
  users: TestUser[];
  /** The instance's apps as they are after preparation (the list read at start, with the apps enabled here). */
  apps: AppList;
  /** One line per change made (for progress and reports); never secrets. */
  changes: string[];
  /** The changes not undone yet, newest first (the order `restore()` undoes them in). */
  pending(): PendingUndo[];
  /** Undoes the changes in reverse order and removes the users the harness created. Errors are collected, not thrown. */
  restore(): Promise<string[]>;
}

/** Runs occ and throws ERR_OCC_FAILED (with stderr, redacted) on a non-zero exit code. */
export async function occOrThrow(occ: OccRunner, args: readonly string[], secrets: SecretRedactor, options: { env?: Record<string, string> } = {}): Promise<OccResult> {
  const result = await occ(args, options);
  if (result.exitCode !== 0) {
    const why = secrets.redact((result.stderr.trim() || result.stdout.trim()).split('\n').slice(-3).join(' ')).slice(0, 300);
    throw new HarnessError('ERR_OCC_FAILED', `occ ${secrets.redact(args.join(' '))} failed with exit code ${result.exitCode}: ${why || 'no output'}`, { detail: { exitCode: result.exitCode } });
  }
  return result;
}

/** Parses `occ app:list --output=json`. Throws ERR_OCC_FAILED when occ does not answer with that JSON. */
export async function listApps(occ: OccRunner, secrets: SecretRedactor): Promise<AppList> {
  const result = await occOrThrow(occ, ['app:list', '--output=json'], secrets);
  const text = result.stdout.slice(result.stdout.indexOf('{'));
  try {
    const parsed = JSON.parse(text) as Partial<AppList>;
    const asMap = (v: unknown): Record<string, string> => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)])) : {});
    return { enabled: asMap(parsed.enabled), disabled: asMap(parsed.disabled) };
  } catch (error) {
    throw new HarnessError('ERR_OCC_FAILED', `occ app:list --output=json did not print JSON: check the occ command line`, { cause: error });
  }
}

/** A strong generated password (passes Nextcloud's password_policy defaults). */
export function generatePassword(): string {
  return `Nc-${randomBytes(18).toString('base64url')}-9a`;
}

async function appValue(occ: OccRunner, app: string, key: string): Promise<string | undefined> {
  const result = await occ(['config:app:get', app, key]);
  return result.exitCode === 0 ? result.stdout.replace(/\r?\n$/, '') : undefined;
}

type SystemValue = string | number | boolean | null | unknown[] | Record<string, unknown>;

async function systemValue(occ: OccRunner, keys: readonly string[]): Promise<SystemValue | undefined> {
  const result = await occ(['config:system:get', ...keys, '--output=json']);
  if (result.exitCode !== 0) return undefined;
  const text = result.stdout.trim();
  try {
    return JSON.parse(text) as SystemValue;
  } catch {
    return text;
  }
}

function occType(value: SystemValue): string {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'float';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'json';
  return 'string';
}

function occValue(value: SystemValue): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** Hosts that Nextcloud always trusts (core's TrustedDomainHelper accepts localhost and loopback). */
function alwaysTrusted(host: string): boolean {
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]' || host === '::1';
}

/**
 * Prepares an instance as the facts page's "Configuration (occ)" section says, the same way for every
 * provider: apps `oidc` and `user_oidc` enabled, `firstrunwizard` disabled, DCR on (the STRING `true`),
 * bearer validation on (a real boolean, `--type=boolean`), consent page and token type as asked,
 * protections off when asked, trusted domains, and the test users (provisioning API, or
 * `occ user:add --password-from-env` with `OC_PASS` when the provisioning API is not there).
 * Every change is recorded so that `restore()` can undo it.
 */
export async function prepareInstance(
  target: PreparationTarget,
  apps: AppList,
  options: PreparationOptions,
  extraHosts: readonly string[],
  progress: Progress,
  secrets: SecretRedactor,
  onPending: PendingListener = () => undefined,
): Promise<PreparedInstance> {
  const { occ } = target;
  const undo: (PendingUndo & { run: () => Promise<void> })[] = [];
  const changes: string[] = [];
  const pending = (): PendingUndo[] => undo.map(({ what, manual }) => ({ what, manual })).reverse();
  const remember = (step: PendingUndo & { run: () => Promise<void> }): void => {
    undo.push(step);
    onPending(pending());
  };
  /** Undoes every recorded change, newest first, whatever fails; returns one line per step that failed (it stays pending). */
  const undoAll = async (): Promise<string[]> => {
    const failures: string[] = [];
    const failed: typeof undo = [];
    while (undo.length > 0) {
      const step = undo.at(-1)!;
      try {
        await step.run();
      } catch (error) {
        failed.unshift(step);
        failures.push(`${step.what}: ${secrets.redact(error instanceof Error ? error.message : String(error))}`);
      }
      undo.pop();
      onPending([...failed, ...undo].map(({ what, manual }) => ({ what, manual })).reverse());
    }
    undo.push(...failed);
    return failures;
  };
  const run = (args: readonly string[], env?: Record<string, string>): Promise<OccResult> => occOrThrow(occ, args, secrets, env ? { env } : {});
  const changed = (line: string): void => {
    changes.push(line);
    progress(`  ${line}`);
  };

  try {
    const toEnable = ['oidc', 'user_oidc'].filter((app) => !(app in apps.enabled));
    if (toEnable.length > 0) {
      await run(['app:enable', ...toEnable]);
      changed(`enabled ${toEnable.join(', ')}`);
      remember({ what: `apps ${toEnable.join(', ')} enabled`, manual: `occ app:disable ${toEnable.join(' ')}`, run: async () => void (await run(['app:disable', ...toEnable])) });
    }
    const enabledApps = { ...apps.enabled };
    const disabledApps = { ...apps.disabled };
    for (const app of toEnable) if (app in disabledApps) enabledApps[app] = disabledApps[app]!;
    const askedToEnable = [...new Set(options.enableApps ?? [])].filter((app) => !(app in apps.enabled) && app in apps.disabled);
    if (askedToEnable.length > 0) {
      await run(['app:enable', ...askedToEnable]);
      changed(`enabled ${askedToEnable.join(', ')}`);
      remember({ what: `apps ${askedToEnable.join(', ')} enabled`, manual: `occ app:disable ${askedToEnable.join(' ')}`, run: async () => void (await run(['app:disable', ...askedToEnable])) });
      for (const app of askedToEnable) enabledApps[app] = disabledApps[app]!;
    }
    for (const app of Object.keys(enabledApps)) delete disabledApps[app];
    if ('firstrunwizard' in apps.enabled) {
      await run(['app:disable', 'firstrunwizard']);
      changed('disabled firstrunwizard');
      remember({ what: 'app firstrunwizard disabled', manual: 'occ app:enable firstrunwizard', run: async () => void (await run(['app:enable', 'firstrunwizard'])) });
    }

    const appChanges: [app: string, key: string, value: string | undefined][] = [];
    const setApp = async (app: string, key: string, value: string | undefined): Promise<void> => {
      const before = await appValue(occ, app, key);
      if (before === value) return;
      appChanges.push([app, key, value]);
      if (value === undefined) await run(['config:app:delete', app, key]);
      else await run(['config:app:set', app, key, `--value=${value}`]);
      changed(value === undefined ? `deleted app config ${app} ${key}` : `app config ${app} ${key} = '${value}'`);
      const back = before === undefined ? ['config:app:delete', app, key] : ['config:app:set', app, key, `--value=${before}`];
      remember({ what: `app config ${app} ${key}`, manual: `occ ${shellWords(back)}`, run: async () => void (await run(back)) });
    };
    const setSystemBoolean = async (keys: readonly string[], value: boolean): Promise<void> => {
      const before = await systemValue(occ, keys);
      // `config:system:delete a b` writes `a` back without `b` (an empty array stays in config.php, from
      // code: core/Command/Config/System/DeleteConfig.php): a parent the harness created goes as a whole.
      const parentBefore = keys.length > 1 && before === undefined ? await systemValue(occ, keys.slice(0, 1)) : undefined;
      const deleteKeys = keys.length > 1 && before === undefined && parentBefore === undefined ? keys.slice(0, 1) : keys;
      // Always written: a string "true" reads like the boolean but does not work (facts page).
      await run(['config:system:set', ...keys, `--value=${value}`, '--type=boolean']);
      if (before === value) return;
      changed(`system config ${keys.join(' ')} = ${value} (boolean)`);
      const back = before === undefined ? ['config:system:delete', ...deleteKeys] : ['config:system:set', ...keys, `--value=${occValue(before)}`, `--type=${occType(before)}`];
      remember({ what: `system config ${keys.join(' ')}`, manual: `occ ${shellWords(back)}`, run: async () => void (await run(back)) });
    };

    await setApp('oidc', 'dynamic_client_registration', options.dcr ? 'true' : undefined);
    await setSystemBoolean(['user_oidc', 'oidc_provider_bearer_validation'], true);
    await setApp('oidc', 'allow_user_settings', options.consent ? 'enabled' : undefined);
    if (options.tokenType) await setApp('oidc', 'default_token_type', options.tokenType);
    if (options.protectionsOff) {
      await setSystemBoolean(['auth.bruteforce.protection.enabled'], false);
      await setSystemBoolean(['ratelimit.protection.enabled'], false);
    }

    // What occ changed reaches the web server only when its app config cache expires (NC >= 32 with a
    // local memory cache): confirm each change over HTTP before the instance is handed to scenarios.
    // One wait where nothing can be observed covers every change (all were made before it began).
    let waited = false;
    for (const [app, key, value] of appChanges) {
      const confirmed = await confirmAppConfig(target, app, key, value, { progress, ...(waited ? { unobservableWaitMs: 0 } : {}) });
      waited ||= !confirmed.observed;
    }

    if (options.trustedDomains) {
      const current = await systemValue(occ, ['trusted_domains']);
      const entries: [string, unknown][] = Array.isArray(current) ? current.map((v, i) => [String(i), v]) : current && typeof current === 'object' ? Object.entries(current) : [];
      const trusted = new Set(entries.map(([, v]) => String(v).replace(/:\d+$/, '')));
      let next = Math.max(-1, ...entries.map(([k]) => Number(k)).filter(Number.isInteger)) + 1;
      for (const host of new Set(extraHosts)) {
        if (alwaysTrusted(host) || trusted.has(host) || trusted.has('*')) continue;
        const index = String(next++);
        await run(['config:system:set', 'trusted_domains', index, `--value=${host}`]);
        changed(`trusted_domains ${index} = ${host}`);
        remember({ what: `system config trusted_domains ${index} (${host})`, manual: `occ config:system:delete trusted_domains ${index}`, run: async () => void (await run(['config:system:delete', 'trusted_domains', index])) });
      }
    }

    const users: TestUser[] = [];
    for (const request of options.users) {
      const user = await createUser(target, request, secrets, () =>
        // Known before the create is attempted: a create that fails or is cut off after the account exists is undone too.
        remember({ what: `test user ${request.uid}`, manual: `occ user:delete ${shellWords([request.uid])}`, run: () => deleteUser(target, request.uid, secrets) }),
      );
      users.push(user.user);
      changed(user.created ? `created test user ${request.uid}` : `reused test user ${request.uid} (password reset)`);
    }

    if ('firstrunwizard' in enabledApps) {
      disabledApps['firstrunwizard'] = enabledApps['firstrunwizard']!;
      delete enabledApps['firstrunwizard'];
    }
    return { users, apps: { enabled: enabledApps, disabled: disabledApps }, changes, pending, restore: undoAll };
  } catch (error) {
    const failures = await undoAll();
    if (failures.length === 0) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new HarnessError(error instanceof HarnessError ? error.code : 'ERR_PREPARE', `${message}; and could not undo: ${failures.join('; ')}`, {
      cause: error,
      detail: { leftBehind: pending() },
    });
  }
}

/** Words as a POSIX shell reads them back: plain words as they are, others in single quotes. */
function shellWords(words: readonly string[]): string {
  return words.map((w) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, "'\\''")}'`)).join(' ');
}

/**
 * Whether account `uid` exists: the provisioning API (`GET cloud/users/{uid}`), or `occ user:list` when
 * that API is not there.
 */
async function userExists(target: PreparationTarget, uid: string, secrets: SecretRedactor): Promise<boolean> {
  const answer = await ocsRequest(target.baseUrl, `/ocs/v2.php/cloud/users/${encodeURIComponent(uid)}`, { authorization: basicAuthorization(target.admin) });
  if (answer.httpStatus === 200 && answer.statuscode === 200) return true;
  if (answer.statuscode === 404 || answer.statuscode === 998) return false;
  const listed = await occOrThrow(target.occ, ['user:list', '--output=json'], secrets);
  try {
    return Object.hasOwn(JSON.parse(listed.stdout.slice(listed.stdout.indexOf('{'))) as object, uid);
  } catch (error) {
    throw new HarnessError('ERR_OCC_FAILED', 'occ user:list --output=json did not print JSON: check the occ command line', { cause: error });
  }
}

/**
 * Creates test user `request.uid` (or reuses it, setting the password, when it exists). `created` is called
 * just before the create is attempted, so that the caller records the removal first: a create that fails
 * after the account was made (Nextcloud 34 answered OCS 500/996 when the avatar could not be generated,
 * yet the account existed) or that is cut off is undone like a successful one.
 */
async function createUser(target: PreparationTarget, request: TestUserRequest, secrets: SecretRedactor, created: () => void): Promise<{ user: TestUser; created: boolean }> {
  const password = request.password ?? generatePassword();
  secrets.add(password);
  const user: TestUser = { uid: request.uid, password, ...(request.displayName ? { displayName: request.displayName } : {}), ...(request.email ? { email: request.email } : {}) };
  const authorization = basicAuthorization(target.admin);
  const form: Record<string, string> = { userid: request.uid, password };
  if (request.displayName) form['displayName'] = request.displayName;
  if (request.email) form['email'] = request.email;
  if (await userExists(target, request.uid, secrets)) {
    // The user exists (a provider's own setup, or an earlier run): set the password we know. Not ours to remove.
    const reset = await ocsRequest(target.baseUrl, `/ocs/v2.php/cloud/users/${encodeURIComponent(request.uid)}`, { method: 'PUT', authorization, form: { key: 'password', value: password } });
    if (reset.httpStatus === 200 && reset.statuscode === 200) return { user, created: false };
    if (reset.httpStatus === 404 && reset.statuscode === 0) {
      await occOrThrow(target.occ, ['user:resetpassword', '--password-from-env', request.uid], secrets, { env: { OC_PASS: password } });
      return { user, created: false };
    }
    throw new HarnessError('ERR_PREPARE', `test user ${request.uid} exists and its password could not be set: OCS ${reset.httpStatus}/${reset.statuscode} ${secrets.redact(reset.message)}`);
  }
  created();
  const answer = await ocsRequest(target.baseUrl, '/ocs/v2.php/cloud/users', { method: 'POST', authorization, form });
  if (answer.httpStatus === 200 && answer.statuscode === 200) return { user, created: true };
  if (answer.httpStatus === 401 || answer.statuscode === 997) {
    throw new HarnessError('ERR_BAD_OPTION', `the admin account '${target.admin.uid}' was refused by ${target.baseUrl}: check --admin-user and the admin password`);
  }
  if (answer.httpStatus === 404 && answer.statuscode === 0) {
    // No provisioning API (app disabled): occ with the password in the environment, never on the command line.
    await occOrThrow(target.occ, ['user:add', '--password-from-env', ...(request.displayName ? ['--display-name', request.displayName] : []), request.uid], secrets, { env: { OC_PASS: password } });
    return { user, created: true };
  }
  const why = `OCS ${answer.httpStatus}/${answer.statuscode} ${secrets.redact(answer.message.trim())}`.trim();
  throw new HarnessError('ERR_PREPARE', `creating test user ${request.uid} failed: ${why}`, { detail: { httpStatus: answer.httpStatus, statuscode: answer.statuscode } });
}

/** Removes test user `uid`; a user that does not exist (a create that never made it) is nothing to remove. */
async function deleteUser(target: PreparationTarget, uid: string, secrets: SecretRedactor): Promise<void> {
  if (!(await userExists(target, uid, secrets))) return;
  const answer = await ocsRequest(target.baseUrl, `/ocs/v2.php/cloud/users/${encodeURIComponent(uid)}`, { method: 'DELETE', authorization: basicAuthorization(target.admin) });
  if (answer.httpStatus === 200 && answer.statuscode === 200) return;
  if (answer.httpStatus === 404 && answer.statuscode === 0) {
    await occOrThrow(target.occ, ['user:delete', uid], secrets);
    return;
  }
  throw new HarnessError('ERR_PREPARE', `removing test user ${uid} failed: OCS ${answer.httpStatus}/${answer.statuscode} ${secrets.redact(answer.message)}`);
}
