import { randomBytes } from 'node:crypto';
import { HarnessError } from './harness-error.ts';
import { basicAuthorization, nextcloudFetch } from './nextcloud-http.ts';
import type { OccRunner, Progress, TestUser } from './nextcloud-instance.ts';
import { occOrThrow } from './prepare-instance.ts';
import type { SecretRedactor } from './secret-redactor.ts';

/** The provider id of core's `twofactor_backupcodes` app: its challenge is `/login/challenge/backup_codes`. */
export const BACKUP_CODES_PROVIDER = 'backup_codes';

/** What switching a second factor on needs: the instance, its occ and the run's secrets. */
export interface SecondFactorTarget {
  baseUrl: string;
  occ: OccRunner;
  secrets: SecretRedactor;
}

/** A test user who needs a second factor at login, with the one-time backup codes that answer it. */
export interface BackupCodesSecondFactor {
  user: TestUser;
  /** The next unused backup code (each answers one challenge), or undefined when all ten are used. */
  nextCode(): string | undefined;
  /** Puts the two-factor enforcement back as it was and removes the harness's group. Errors are collected, not thrown. */
  undo(): Promise<string[]>;
}

const ENFORCEMENT_KEYS = ['twofactor_enforced', 'twofactor_enforced_groups', 'twofactor_enforced_excluded_groups'] as const;

async function systemJson(occ: OccRunner, key: string): Promise<unknown> {
  const result = await occ(['config:system:get', key, '--output=json']);
  if (result.exitCode !== 0) return undefined;
  try {
    return JSON.parse(result.stdout.trim()) as unknown;
  } catch {
    return result.stdout.trim();
  }
}

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (value && typeof value === 'object') return Object.values(value).map(String);
  return [];
}

/**
 * Makes `user` need a second factor at login, with backup codes to answer it (core's `twofactor_backupcodes`
 * app, which must be enabled). Backup codes alone never ask for a second factor (core's
 * `Manager::isTwoFactorAuthenticated` leaves them out; from code), so the harness also enforces two-factor
 * authentication for a group of its own that only `user` is in (`occ twofactorauth:enforce --on --group`,
 * keeping groups already enforced). The codes come from the API the personal security settings page uses,
 * `POST /index.php/apps/twofactor_backupcodes/settings/create` (`@PasswordConfirmationRequired`: a Basic
 * login with the password confirms it; CSRF: `OCS-APIRequest: true` passes the check on NC >= 31). Each code
 * is registered as a secret. `undo()` restores the enforcement and deletes the group; the codes go with the
 * test user when the harness removes it (and without enforcement they ask for nothing).
 */
export async function enableBackupCodes(target: SecondFactorTarget, user: TestUser, progress: Progress = () => undefined): Promise<BackupCodesSecondFactor> {
  const { occ, secrets } = target;
  const undo: { what: string; run: () => Promise<void> }[] = [];
  const run = async (args: readonly string[]): Promise<void> => void (await occOrThrow(occ, args, secrets));
  const undoAll = async (): Promise<string[]> => {
    const failures: string[] = [];
    for (const step of undo.reverse()) {
      try {
        await step.run();
      } catch (error) {
        failures.push(`${step.what}: ${secrets.redact(error instanceof Error ? error.message : String(error))}`);
      }
    }
    undo.length = 0;
    return failures;
  };
  try {
    const group = `nclab-2fa-${randomBytes(3).toString('hex')}`;
    await run(['group:add', group]);
    undo.push({ what: `delete group ${group}`, run: () => run(['group:delete', group]) });
    await run(['group:adduser', group, user.uid]);

    const response = await nextcloudFetch(target.baseUrl, '/index.php/apps/twofactor_backupcodes/settings/create', {
      method: 'POST',
      headers: { Authorization: basicAuthorization(user), 'OCS-APIRequest': 'true', Accept: 'application/json' },
    });
    const body = (await response.json().catch(() => undefined)) as { codes?: unknown } | undefined;
    const codes = Array.isArray(body?.codes) ? body.codes.filter((c): c is string => typeof c === 'string' && c !== '') : [];
    secrets.add(...codes);
    if (response.status !== 200 || codes.length === 0) {
      throw new HarnessError('ERR_PREPARE', `generating backup codes for ${user.uid} failed: ${target.baseUrl}/index.php/apps/twofactor_backupcodes/settings/create answered ${response.status}`, { detail: { status: response.status } });
    }

    const before = Object.fromEntries(await Promise.all(ENFORCEMENT_KEYS.map(async (k) => [k, await systemJson(occ, k)] as const)));
    const enforced = before['twofactor_enforced'] === 'true';
    const groups = enforced ? list(before['twofactor_enforced_groups']) : [];
    const excluded = enforced ? list(before['twofactor_enforced_excluded_groups']) : [];
    if (!(enforced && groups.length === 0 && excluded.length === 0)) {
      await run(['twofactorauth:enforce', '--on', ...[...groups, group].flatMap((g) => ['--group', g]), ...excluded.flatMap((g) => ['--exclude', g])]);
      undo.push({
        what: 'two-factor enforcement',
        run: async () => {
          for (const key of ENFORCEMENT_KEYS) {
            const value = before[key];
            if (value === undefined) await run(['config:system:delete', key]);
            else if (typeof value === 'string') await run(['config:system:set', key, `--value=${value}`]);
            else await run(['config:system:set', key, `--value=${JSON.stringify(value)}`, '--type=json']);
          }
        },
      });
    }
    progress(`  two-factor authentication enforced for ${user.uid} (group ${group}), ${codes.length} backup codes generated`);
    const unused = [...codes];
    return { user, nextCode: () => unused.shift(), undo: undoAll };
  } catch (error) {
    await undoAll();
    throw error;
  }
}
