import { randomInt } from 'node:crypto';
import type { Hono } from 'hono';
import type { DoubleState, DoubleUser } from '../double-state.ts';
import { csrfFailed, passesWebCsrfCheck } from '../login-routes.ts';
import type { DoubleEnv } from '../request-context.ts';

/** The provider id of core's `twofactor_backupcodes` app (`BackupCodesProvider::getId`). */
export const BACKUP_CODES_PROVIDER_ID = 'backup_codes';

/** `ISecureRandom::CHAR_HUMAN_READABLE`, the alphabet of backup codes. */
const HUMAN_READABLE = 'abcdefgijkmnopqrstwxyzABCDEFGHJKLMNPQRSTWXYZ23456789';

/** `BackupCodeStorage::CODE_LENGTH` and the number `createCodes` makes. */
const CODE_LENGTH = 16;
const CODE_COUNT = 10;

/** One backup code of a user (Nextcloud stores a hash; the double keeps it in memory only). */
interface BackupCode {
  code: string;
  used: boolean;
}

/** The backup codes of every user (`oc_twofactor_backupcodes`). */
export class BackupCodeStore {
  private readonly codes = new Map<string, BackupCode[]>();

  /** `BackupCodeStorage::createCodes`: replaces the user's codes with 10 new ones and returns them. */
  createCodes(uid: string): string[] {
    const made = Array.from({ length: CODE_COUNT }, () => Array.from({ length: CODE_LENGTH }, () => HUMAN_READABLE[randomInt(HUMAN_READABLE.length)]).join(''));
    this.codes.set(uid, made.map((code) => ({ code, used: false })));
    return made;
  }

  /** `getBackupCodesState`: enabled when the user has codes, with the total and the used count. */
  stateOf(uid: string): { enabled: boolean; total: number; used: number } {
    const codes = this.codes.get(uid) ?? [];
    return { enabled: codes.length > 0, total: codes.length, used: codes.filter((c) => c.used).length };
  }

  /** `validateCode`: an unused code of the user is accepted once, then marked used. */
  validateCode(uid: string, code: string): boolean {
    const match = (this.codes.get(uid) ?? []).find((c) => !c.used && c.code === code);
    if (!match) return false;
    match.used = true;
    return true;
  }

  /** The UserDeleted listener: the user's codes go with the user. */
  deleteUser(uid: string): void {
    this.codes.delete(uid);
  }
}

/** The double's backup code store. */
export function backupCodeStore(state: DoubleState): BackupCodeStore {
  return state.store('twofactor_backupcodes', () => new BackupCodeStore());
}

/** Whether the backup codes provider is usable for a user: the app enabled and codes generated (`isTwoFactorAuthEnabledForUser`). */
export function backupCodesEnabledFor(state: DoubleState, user: DoubleUser): boolean {
  return state.isEnabled('twofactor_backupcodes') && backupCodeStore(state).stateOf(user.uid).enabled;
}

/** The groups in which a system config array lists (config.php arrays come as lists or objects with numeric keys). */
function groupList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (value && typeof value === 'object') return Object.values(value).map(String);
  return [];
}

/**
 * `MandatoryTwoFactor::isEnforcedFor`: system config `twofactor_enforced` is the STRING `true`; with
 * `twofactor_enforced_groups` only their members, else everybody but the members of
 * `twofactor_enforced_excluded_groups`.
 */
export function twoFactorEnforcedFor(state: DoubleState, user: DoubleUser): boolean {
  if (state.getSystemValue('twofactor_enforced') !== 'true') return false;
  const enforced = groupList(state.getSystemValue('twofactor_enforced_groups'));
  if (enforced.length > 0) return enforced.some((g) => user.groups.includes(g));
  return !groupList(state.getSystemValue('twofactor_enforced_excluded_groups')).some((g) => user.groups.includes(g));
}

/**
 * `Manager::isTwoFactorAuthenticated`: enforcement, or an enabled provider OTHER than backup codes (which
 * alone never ask for a second factor). The double plays no other provider, so only enforcement does.
 */
export function needsSecondFactor(state: DoubleState, user: DoubleUser): boolean {
  return twoFactorEnforcedFor(state, user);
}

/**
 * The settings API of `twofactor_backupcodes` (SettingsController, `@NoAdminRequired`): `GET /settings/state`
 * and `POST /settings/create` (`@PasswordConfirmationRequired`, CSRF-checked: a session's requesttoken or,
 * NC >= 31, an `OCS-APIRequest` header), which the personal security settings page calls to generate codes.
 */
export function registerBackupCodesRoutes(app: Hono<DoubleEnv>, state: DoubleState): void {
  const store = backupCodeStore(state);
  app.get('/apps/twofactor_backupcodes/settings/state', (c, next) => {
    if (!state.isEnabled('twofactor_backupcodes')) return next();
    const user = c.get('rc').user;
    if (!user) return c.json({ message: 'Current user is not logged in' }, 401);
    return c.json(store.stateOf(user.uid));
  });
  app.post('/apps/twofactor_backupcodes/settings/create', (c, next) => {
    if (!state.isEnabled('twofactor_backupcodes')) return next();
    const rc = c.get('rc');
    if (!rc.user) return c.json({ message: 'Current user is not logged in' }, 401);
    if (!passesWebCsrfCheck(c)) return csrfFailed(c);
    // PasswordConfirmationMiddleware: a Basic login sets last-password-confirm; a session needs it within 30 min.
    if (rc.via !== 'basic') {
      const at = rc.session.values.get('last-password-confirm');
      if (typeof at !== 'number' || at < Math.floor(state.now() / 1000) - (30 * 60 + 15)) return c.json({ message: 'Password confirmation is required' }, 403);
    }
    const codes = store.createCodes(rc.user.uid);
    return c.json({ codes, state: store.stateOf(rc.user.uid) });
  });
}
