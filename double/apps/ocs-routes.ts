import { createHash, randomInt } from 'node:crypto';
import type { Hono } from 'hono';
import type { DoubleState, DoubleUser } from '../double-state.ts';
import type { DoubleEnv, RequestContext } from '../request-context.ts';
import { accountStore } from './account-store.ts';
import { isAdmin, OCS_INTERNAL_ERROR, OcsException, ocsRoute, phpJson } from './app-framework.ts';
import { backupCodeStore } from './backup-codes.ts';
import { capabilitiesData } from './capabilities.ts';
import { deckStore } from './deck-store.ts';
import { notesStore } from './notes-store.ts';
import { tablesStore } from './tables-store.ts';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `ISecureRandom::generate($length, UPPER . LOWER . DIGITS)`. */
export function randomAlnum(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALNUM[randomInt(ALNUM.length)];
  return out;
}

/** `FileInfo::SPACE_UNLIMITED`. */
const SPACE_UNLIMITED = -3;

/** Scopes of the account properties (`IAccountManager::SCOPE_*`) as a new account has them. */
const DEFAULT_SCOPES: Record<string, string> = {
  avatar: 'v2-federated',
  email: 'v2-federated',
  displayname: 'v2-federated',
  phone: 'v2-local',
  address: 'v2-local',
  website: 'v2-local',
  twitter: 'v2-local',
  bluesky: 'v2-local',
  fediverse: 'v2-local',
  organisation: 'v2-local',
  role: 'v2-local',
  headline: 'v2-local',
  biography: 'v2-local',
  profile_enabled: 'v2-local',
  pronouns: 'v2-federated',
};

const PROFILE_PROPERTIES = ['phone', 'address', 'website', 'twitter', 'bluesky', 'fediverse', 'organisation', 'role', 'headline', 'biography', 'profile_enabled', 'pronouns'] as const;

/** Languages the double offers (`IFactory::findAvailableLanguages`). */
const LANGUAGES = new Set(['en', 'en_GB', 'de', 'de_DE', 'fr', 'es', 'it', 'nl', 'pt_BR', 'pt_PT', 'pl', 'sv', 'da', 'fi', 'nb', 'cs', 'ja', 'zh_CN', 'ru', 'uk']);

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4, p: 1024 ** 5, pb: 1024 ** 5 };

/** `Util::computerFileSize`: bytes of a human size such as `5 GB`, or undefined. */
export function computerFileSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  return m && unit !== undefined ? Math.round(Number(m[1]) * unit) : undefined;
}

/** `Util::humanFileSize`: `5 GB`, `512 MB`, `1 KB`... */
export function humanFileSize(bytes: number): string {
  if (bytes < 0) return '?';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes / 1024;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${Math.round(value * 10) / 10} ${units[i]}`;
}

/** The groups that exist: `admin` and every group a user is in. */
function existingGroups(state: DoubleState): Set<string> {
  const groups = new Set(['admin']);
  for (const user of state.users.values()) for (const g of user.groups) groups.add(g);
  return groups;
}

/**
 * provisioning_api's `getUserData()`: the details of `target` as `viewer` may see them, or null when a
 * non-admin looks at someone else. Admins also get `enabled` and `storageLocation`; `includeScopes` adds
 * the `...Scope` fields (the user looking at themself).
 */
export function userData(state: DoubleState, viewer: DoubleUser, target: DoubleUser, includeScopes: boolean): Record<string, unknown> | null {
  const admin = isAdmin(viewer);
  if (!admin && viewer.uid !== target.uid) return null;
  const account = accountStore(state).get(target.uid);
  const data: Record<string, unknown> = {};
  if (admin) {
    data['enabled'] = true;
    data['storageLocation'] = `/var/www/html/data/${target.uid}`;
  }
  data['id'] = target.uid;
  data['firstLoginTimestamp'] = account.firstLogin;
  data['lastLoginTimestamp'] = account.lastLogin;
  data['lastLogin'] = account.lastLogin * 1000;
  data['backend'] = 'Database';
  data['subadmin'] = [];
  const quota = account.quota === 'none' ? undefined : computerFileSize(account.quota);
  data['quota'] = quota === undefined ? { free: SPACE_UNLIMITED, used: 0, total: SPACE_UNLIMITED, relative: 0, quota: SPACE_UNLIMITED } : { free: quota, used: 0, total: quota, relative: 0, quota };
  data['manager'] = '';
  if (includeScopes) data['avatarScope'] = DEFAULT_SCOPES['avatar'];
  data['email'] = target.email || null;
  if (includeScopes) data['emailScope'] = DEFAULT_SCOPES['email'];
  data['additional_mail'] = [];
  if (includeScopes) data['additional_mailScope'] = [];
  data['displayname'] = target.displayName;
  data['display-name'] = target.displayName;
  if (includeScopes) data['displaynameScope'] = DEFAULT_SCOPES['displayname'];
  for (const property of PROFILE_PROPERTIES) {
    data[property] = account.properties[property] ?? (property === 'profile_enabled' ? '1' : '');
    if (includeScopes) data[`${property}Scope`] = DEFAULT_SCOPES[property];
  }
  data['groups'] = [...target.groups];
  data['language'] = account.language;
  data['locale'] = account.locale;
  data['timezone'] = account.timezone;
  data['notify_email'] = null;
  data['backendCapabilities'] = { setDisplayName: true, setPassword: true };
  return data;
}

/**
 * PasswordConfirmationMiddleware for `@PasswordConfirmationRequired`: a Basic login (password or app
 * password) passes; a session passes when its `last-password-confirm` is at most 30 minutes (+15 s) old (a
 * session without the value counts as confirmed at its login); a bearer login by user_oidc's `oidc` path
 * never sets the value, so it fails with 403 "Password confirmation is required" (from code).
 */
function assertPasswordConfirmed(rc: RequestContext): void {
  if (rc.via === 'basic') return;
  const value = rc.session.values.get('last-password-confirm');
  if (rc.via === 'session' && value === undefined) return;
  const confirmedAt = typeof value === 'number' ? value : 0;
  if (confirmedAt < Math.floor(rc.state.now() / 1000) - (30 * 60 + 15)) throw new OcsException('Password confirmation is required', 403);
}

/** Whether the request logged in with Basic and one of the user's app passwords (session value `app_password`). */
function usedAppPassword(rc: RequestContext): boolean {
  return rc.via === 'basic' && rc.user !== undefined && rc.basic !== undefined && rc.user.appPasswords.has(rc.basic.password);
}

/** Nextcloud's rule for a new login name (`Manager::validateUserId`). */
function validateUserId(uid: string): void {
  if (uid.trim() === '') throw new OcsException('A valid Login must be provided', 101);
  if (uid !== uid.trim()) throw new OcsException('Login contains whitespace at the beginning or at the end', 101);
  if (uid === '.' || uid === '..') throw new OcsException('Login must not consist of dots only', 101);
  if (!/^[a-zA-Z0-9 _.@\-']+$/.test(uid)) {
    throw new OcsException('Only the following characters are allowed in a Login: "a-z", "A-Z", "0-9", spaces and "_.@-\'"', 101);
  }
}

/** OCS: capabilities, cloud/user, getapppassword, provisioning. */
export function registerOcsRoutes(app: Hono<DoubleEnv>, state: DoubleState): void {
  const accounts = accountStore(state);
  const touch = (user: DoubleUser | undefined): void => {
    if (user) accounts.touchLogin(user);
  };

  // core's OCSController::getCapabilities (@PublicPage).
  ocsRoute(app, state, 'GET', '/cloud/capabilities', { publicPage: true }, ({ user }) => {
    touch(user);
    const data = capabilitiesData(state, user);
    return { data, headers: { ETag: `"${createHash('md5').update(phpJson(data)).digest('hex')}"` } };
  });

  // provisioning_api UsersController::getCurrentUser (@NoAdminRequired @NoSubAdminRequired).
  ocsRoute(app, state, 'GET', '/cloud/user', {}, ({ user }) => {
    touch(user);
    return { data: userData(state, user!, user!, true) };
  });

  // core's AppPasswordController::getAppPassword (@NoAdminRequired @PasswordConfirmationRequired).
  ocsRoute(app, state, 'GET', '/core/getapppassword', {}, ({ c }) => {
    const rc = c.get('rc');
    touch(rc.user);
    assertPasswordConfirmed(rc);
    if (usedAppPassword(rc)) throw new OcsException('You cannot request an new apppassword with an apppassword', 403);
    const token = randomAlnum(72);
    rc.user!.appPasswords.add(token);
    return { data: { apppassword: token } };
  });

  // core's AppPasswordController::deleteAppPassword.
  ocsRoute(app, state, 'DELETE', '/core/apppassword', {}, ({ c }) => {
    const rc = c.get('rc');
    touch(rc.user);
    if (!usedAppPassword(rc)) throw new OcsException('no app password in use', 403);
    rc.user!.appPasswords.delete(rc.basic!.password);
    return { data: [] };
  });

  // ProvisioningApiMiddleware: without @NoSubAdminRequired only admins and subadmins (the double has none).
  const assertSubAdmin = (user: DoubleUser): void => {
    if (!isAdmin(user)) throw new OcsException('Logged in account must be at least a sub admin', 403);
  };

  ocsRoute(app, state, 'GET', '/cloud/users', {}, ({ user, params }) => {
    touch(user);
    assertSubAdmin(user!);
    const search = params.string('search', '').toLowerCase();
    const limit = params.int('limit', null);
    const offset = params.int('offset', 0);
    const matching = [...state.users.values()]
      .filter((u) => search === '' || u.uid.toLowerCase().includes(search) || u.displayName.toLowerCase().includes(search) || u.email.toLowerCase().includes(search))
      .map((u) => u.uid)
      .sort((a, b) => a.localeCompare(b));
    return { data: { users: matching.slice(offset, limit === null ? undefined : offset + limit) } };
  });

  ocsRoute(app, state, 'POST', '/cloud/users', {}, ({ c, user, params }) => {
    touch(user);
    assertSubAdmin(user!);
    assertPasswordConfirmed(c.get('rc'));
    const userid = params.string('userid');
    const password = params.string('password', '');
    const displayName = params.string('displayName', '');
    const email = params.string('email', '');
    const groups = Object.values(params.array('groups')).map(String);
    if (state.users.has(userid)) throw new OcsException('User already exists', 102);
    const known = existingGroups(state);
    for (const group of groups) if (!known.has(group)) throw new OcsException(`group ${group} does not exist`, 104);
    if (password.length > 469) throw new OcsException('Invalid password value', 101);
    if (password === '' && email === '') throw new OcsException('To send a password link to the user an email address is required.', 108);
    validateUserId(userid);
    state.addUser({ uid: userid, password: password === '' ? randomAlnum(14) : password, displayName: displayName === '' ? userid : displayName, email, groups });
    // A double-only fault (double-faults.ts): the account exists, the answer is an unhandled exception's.
    if (state.faults.has('user-create-fails-after-create')) throw new OcsException(OCS_INTERNAL_ERROR, 996);
    return { data: { id: userid } };
  });

  ocsRoute(app, state, 'GET', '/cloud/users/:userId', {}, ({ user, params }) => {
    touch(user);
    const target = state.users.get(params.string('userId'));
    if (!target) throw new OcsException('User does not exist', 404);
    const data = userData(state, user!, target, user!.uid === target.uid);
    if (data === null) throw new OcsException('', 998);
    return { data };
  });

  // UsersController::editUser (@NoAdminRequired @NoSubAdminRequired @PasswordConfirmationRequired).
  ocsRoute(app, state, 'PUT', '/cloud/users/:userId', {}, ({ c, user, params }) => {
    touch(user);
    assertPasswordConfirmed(c.get('rc'));
    const target = state.users.get(params.string('userId'));
    if (!target) throw new OcsException('', 998);
    const key = params.string('key');
    const value = params.string('value');
    const self = target.uid === user!.uid;
    if (!self && !isAdmin(user!)) throw new OcsException('', 998);
    const permitted = new Set(['display', 'displayname', 'email', 'password', 'language', 'locale', ...PROFILE_PROPERTIES.filter((p) => p !== 'bluesky' && p !== 'pronouns')]);
    if (!self || isAdmin(user!)) permitted.add('quota');
    if (!permitted.has(key)) throw new OcsException('', 113);
    const account = accounts.get(target.uid);
    switch (key) {
      case 'display':
      case 'displayname':
        target.displayName = value;
        break;
      case 'email':
        if (value !== '' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) throw new OcsException('', 101);
        target.email = value;
        break;
      case 'password':
        if (value.length > 469) throw new OcsException('Invalid password value', 102);
        target.password = value;
        break;
      case 'language':
        if (!LANGUAGES.has(value)) throw new OcsException('Invalid language', 102);
        account.language = value;
        break;
      case 'locale':
        if (!/^[a-z]{2,3}(_[A-Z][a-zA-Z]{1,3})?$/.test(value)) throw new OcsException('Invalid locale', 102);
        account.locale = value;
        break;
      case 'quota': {
        if (value === 'none' || value === 'default') {
          account.quota = value === 'default' ? 'none' : value;
          break;
        }
        const bytes = /^\d+(\.\d+)?$/.test(value) ? Number(value) : computerFileSize(value);
        if (bytes === undefined) throw new OcsException(`Invalid quota value ${value}`, 102);
        account.quota = bytes === -1 ? 'none' : humanFileSize(bytes);
        break;
      }
      default:
        account.properties[key] = value;
    }
    return { data: [] };
  });

  ocsRoute(app, state, 'DELETE', '/cloud/users/:userId', {}, ({ c, user, params }) => {
    touch(user);
    assertSubAdmin(user!);
    assertPasswordConfirmed(c.get('rc'));
    const target = state.users.get(params.string('userId'));
    if (!target) throw new OcsException('', 998);
    if (target.uid === user!.uid) throw new OcsException('', 101);
    state.users.delete(target.uid);
    accounts.delete(target.uid);
    // The apps' UserDeletedEvent listeners.
    notesStore(state).deleteUser(target.uid);
    deckStore(state).deleteUser(target.uid);
    tablesStore(state).deleteUser(target.uid);
    backupCodeStore(state).deleteUser(target.uid);
    for (const session of state.sessions.values()) if (session.uid === target.uid) session.uid = undefined;
    return { data: [] };
  });

  // provisioning_api AppConfigController::getValue (admin only): an app config value as the web process
  // sees it (IAppConfig::getValueMixed, through its local cache), `defaultValue` when it is not set.
  ocsRoute(app, state, 'GET', '/apps/provisioning_api/api/v1/config/apps/:app/:key', { adminRequired: true }, ({ params }) => {
    const appId = params.string('app');
    if (!/^[a-z0-9_-]+$/i.test(appId)) return { data: { data: { message: 'Invalid app id given' } }, status: 403 };
    return { data: { data: state.getAppValue(appId, params.string('key'), params.string('defaultValue', '')) } };
  });
}
