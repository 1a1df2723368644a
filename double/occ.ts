import { backupCodeStore } from './apps/backup-codes.ts';
import type { DoubleState, SystemValue } from './double-state.ts';
import { oidcSigningKey } from './oidc/oidc-keys.ts';

/** What `occ` printed and its exit code, as from a real `php occ` run. */
export interface OccResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** An occ command of a route module: `name` as typed (`oidc:create`), `run` with the words after it. */
export interface OccCommand {
  name: string;
  run(state: DoubleState, args: readonly string[], env: Readonly<Record<string, string | undefined>>): OccResult;
}

const ok = (stdout = ''): OccResult => ({ exitCode: 0, stdout, stderr: '' });
const fail = (stderr: string, exitCode = 1): OccResult => ({ exitCode, stdout: '', stderr });

/** Splits `--name=value` / `--name value` options from positional words. */
export function parseOccArgs(args: readonly string[], valued: readonly string[]): { positionals: string[]; options: Map<string, string | true> } {
  const positionals: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      if (eq > 0) options.set(word.slice(2, eq), word.slice(eq + 1));
      else if (valued.includes(word.slice(2)) && i + 1 < args.length) options.set(word.slice(2), args[++i]!);
      else options.set(word.slice(2), true);
    } else if (/^-[a-z]$/.test(word) && word !== '-n') {
      options.set(word.slice(1), i + 1 < args.length ? args[++i]! : true);
    } else positionals.push(word);
  }
  return { positionals, options };
}

/** Casts an occ `--value` by `--type`, as `config:system:set` does. */
export function castSystemValue(value: string, type: string): SystemValue {
  switch (type) {
    case 'string':
      return value;
    case 'boolean':
      if (value === 'true' || value === '1' || value === 'yes') return true;
      if (value === 'false' || value === '0' || value === 'no') return false;
      throw new Error(`Unable to parse value as boolean`);
    case 'integer':
      if (!/^-?\d+$/.test(value)) throw new Error(`Unable to parse value as integer`);
      return Number(value);
    case 'double':
    case 'float':
      if (Number.isNaN(Number(value))) throw new Error(`Unable to parse value as float`);
      return Number(value);
    case 'json':
      return JSON.parse(value) as SystemValue;
    case 'null':
      return null;
    default:
      throw new Error(`Invalid type: ${type}`);
  }
}

function setNested(state: DoubleState, keys: readonly string[], value: SystemValue): void {
  const [first, ...rest] = keys;
  if (rest.length === 0) {
    state.systemConfig.set(first!, value);
    return;
  }
  const current = state.systemConfig.get(first!);
  const root: Record<string, unknown> = typeof current === 'object' && current !== null && !Array.isArray(current) ? { ...current } : {};
  let node = root;
  for (const k of rest.slice(0, -1)) {
    const child = node[k];
    node = node[k] = typeof child === 'object' && child !== null ? { ...(child as Record<string, unknown>) } : {};
  }
  node[rest.at(-1)!] = value;
  state.systemConfig.set(first!, root);
}

function getNested(state: DoubleState, keys: readonly string[]): unknown {
  let node: unknown = state.systemConfig.get(keys[0]!);
  for (const k of keys.slice(1)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[k];
  }
  return node;
}

const CORE_COMMANDS: OccCommand[] = [
  {
    name: 'status',
    run: (state) => ok(`  - installed: true\n  - version: ${state.versions.nextcloud}\n  - maintenance: false\n`),
  },
  {
    name: 'app:enable',
    run: (state, args) => {
      const { positionals } = parseOccArgs(args, ['g', 'groups']);
      if (positionals.length === 0) return fail('Not enough arguments (missing: "app-id").');
      let out = '';
      for (const app of positionals) {
        if (!state.installedApps.has(app)) return fail(`Could not download app ${app}`);
        state.enabledApps.add(app);
        if (app === 'oidc') initOidcApp(state);
        out += `${app} ${app === 'oidc' ? state.versions.oidc : app === 'user_oidc' ? state.versions.userOidc : ''} enabled\n`.replace('  ', ' ');
      }
      return ok(out);
    },
  },
  {
    name: 'app:disable',
    run: (state, args) => {
      const { positionals } = parseOccArgs(args, []);
      if (positionals.length === 0) return fail('Not enough arguments (missing: "app-id").');
      return ok(positionals.map((app) => (state.enabledApps.delete(app) ? `${app} disabled\n` : `No such app enabled: ${app}\n`)).join(''));
    },
  },
  {
    name: 'app:list',
    run: (state, args) => {
      const { options } = parseOccArgs(args, ['output']);
      const versionOf = (app: string): string => (app === 'oidc' ? state.versions.oidc : app === 'user_oidc' ? state.versions.userOidc : `${state.versions.nextcloud}.0.0`);
      const enabled = Object.fromEntries([...state.enabledApps].sort().map((a) => [a, versionOf(a)]));
      const disabled = Object.fromEntries([...state.installedApps].filter((a) => !state.enabledApps.has(a)).sort().map((a) => [a, versionOf(a)]));
      const output = options.get('output');
      if (output === 'json' || output === 'json_pretty') return ok(`${JSON.stringify({ enabled, disabled }, null, output === 'json_pretty' ? 2 : undefined)}\n`);
      const list = (m: Record<string, string>): string => Object.entries(m).map(([a, v]) => `  - ${a}: ${v}\n`).join('');
      return ok(`Enabled:\n${list(enabled)}Disabled:\n${list(disabled)}`);
    },
  },
  {
    name: 'config:app:set',
    run: (state, args) => {
      const { positionals, options } = parseOccArgs(args, ['value', 'type']);
      const [app, key] = positionals;
      const value = options.get('value');
      if (!app || !key) return fail('Not enough arguments (missing: "app, name").');
      if (typeof value !== 'string') return fail('The "--value" option requires a value.');
      state.setAppValueInDatabase(app, key, value);
      return ok(`Config value '${key}' for app '${app}' is now set to '${value}', stored as ${options.get('type') ?? 'mixed'} in fast cache\n`);
    },
  },
  {
    name: 'config:app:get',
    run: (state, args) => {
      const { positionals } = parseOccArgs(args, ['default-value']);
      const [app, key] = positionals;
      if (!app || !key) return fail('Not enough arguments (missing: "app, name").');
      const value = state.appConfig.get(app)?.get(key);
      return value === undefined ? { exitCode: 1, stdout: '', stderr: '' } : ok(`${value}\n`);
    },
  },
  {
    name: 'config:app:delete',
    run: (state, args) => {
      const { positionals } = parseOccArgs(args, []);
      const [app, key] = positionals;
      if (!app || !key) return fail('Not enough arguments (missing: "app, name").');
      return state.deleteAppValueInDatabase(app, key) ? ok(`Config value '${key}' of app '${app}' deleted\n`) : ok(`Config value '${key}' of app '${app}' could not be deleted because it did not exist\n`);
    },
  },
  {
    name: 'config:system:set',
    run: (state, args) => {
      const { positionals, options } = parseOccArgs(args, ['value', 'type']);
      if (positionals.length === 0) return fail('Not enough arguments (missing: "name").');
      const value = options.get('value');
      if (typeof value !== 'string') return fail('The "--value" option requires a value.');
      const type = options.get('type');
      let cast: SystemValue;
      try {
        cast = castSystemValue(value, typeof type === 'string' ? type : 'string');
      } catch (error) {
        return fail((error as Error).message);
      }
      setNested(state, positionals, cast);
      return ok(`System config value ${positionals.join(' => ')} set to ${typeof cast === 'string' ? 'string' : typeof cast} ${JSON.stringify(cast)}\n`);
    },
  },
  {
    name: 'config:system:get',
    run: (state, args) => {
      const { positionals, options } = parseOccArgs(args, ['output']);
      if (positionals.length === 0) return fail('Not enough arguments (missing: "name").');
      const value = getNested(state, positionals);
      if (value === undefined) return { exitCode: 1, stdout: '', stderr: '' };
      // core's Base::writeMixedInOutputFormat: --output=json prints json_encode($value) (a string keeps its quotes).
      const output = options.get('output');
      if (output === 'json' || output === 'json_pretty') return ok(`${JSON.stringify(value, null, output === 'json_pretty' ? 4 : undefined)}\n`);
      return ok(`${typeof value === 'object' ? JSON.stringify(value) : String(value)}\n`);
    },
  },
  {
    // core's ListConfigs: `config:list [app] [--private] --output=json` prints {"system": ..., "apps": {app: {key: value}}};
    // without --private, sensitive system values are replaced (the double keeps no secret in config.php but says so alike).
    name: 'config:list',
    run: (state, args) => {
      const { positionals, options } = parseOccArgs(args, ['output']);
      const app = positionals[0] ?? 'all';
      const sensitive = /password|secret|salt|dbuser/i;
      const system = Object.fromEntries([...state.systemConfig].map(([k, v]) => [k, !options.has('private') && sensitive.test(k) ? '***REMOVED SENSITIVE VALUE***' : v]));
      const apps = Object.fromEntries([...state.appConfig].filter(([a]) => app === 'all' || app === a).map(([a, m]) => [a, Object.fromEntries(m)]));
      const out = app === 'all' ? { system, apps } : app === 'system' ? { system } : { apps };
      return ok(`${JSON.stringify(out, null, options.get('output') === 'json' ? undefined : 4)}\n`);
    },
  },
  {
    name: 'config:system:delete',
    run: (state, args) => {
      const { positionals } = parseOccArgs(args, []);
      if (positionals.length === 0) return fail('Not enough arguments (missing: "name").');
      if (positionals.length === 1) state.systemConfig.delete(positionals[0]!);
      else {
        const parent = getNested(state, positionals.slice(0, -1));
        if (typeof parent === 'object' && parent !== null) {
          const copy = { ...(parent as Record<string, unknown>) };
          delete copy[positionals.at(-1)!];
          setNested(state, positionals.slice(0, -1), copy);
        }
      }
      return ok(`System config value ${positionals.join(' => ')} deleted\n`);
    },
  },
  {
    name: 'user:add',
    run: (state, args, env) => {
      const { positionals, options } = parseOccArgs(args, ['display-name', 'group', 'g', 'email']);
      const uid = positionals[0];
      if (!uid) return fail('Not enough arguments (missing: "uid").');
      if (state.users.has(uid)) return fail(`The user "${uid}" already exists.`);
      if (!options.has('password-from-env')) return fail('--password-from-env is the only way the double takes a password (set OC_PASS).');
      const password = env['OC_PASS'];
      if (!password) return fail('--password-from-env given, but OC_PASS is empty!');
      const display = options.get('display-name');
      const group = options.get('group') ?? options.get('g');
      const email = options.get('email');
      state.addUser({ uid, password, displayName: typeof display === 'string' ? display : uid, groups: typeof group === 'string' ? [group] : [], ...(typeof email === 'string' ? { email } : {}) });
      return ok(`The user "${uid}" was created successfully\n`);
    },
  },
  {
    name: 'user:delete',
    run: (state, args) => {
      const { positionals } = parseOccArgs(args, []);
      const uid = positionals[0];
      if (!uid) return fail('Not enough arguments (missing: "uid").');
      if (!state.users.delete(uid)) return fail(`User does not exist`);
      backupCodeStore(state).deleteUser(uid);
      for (const s of state.sessions.values()) if (s.uid === uid) s.uid = undefined;
      return ok('The specified user was deleted\n');
    },
  },
  {
    // core's TwoFactorAuth\Enforce: stores the state in system config (MandatoryTwoFactor::setState).
    name: 'twofactorauth:enforce',
    run: (state, args) => {
      const values = (flag: string): string[] => args.flatMap((a, i) => (a.startsWith(`--${flag}=`) ? [a.slice(flag.length + 3)] : a === `--${flag}` && i + 1 < args.length ? [args[i + 1]!] : []));
      const on = args.includes('--on');
      const off = args.includes('--off');
      if (on && off) return fail('Can not enable and disable at the same time.');
      if (on || off) {
        state.systemConfig.set('twofactor_enforced', on ? 'true' : 'false');
        state.systemConfig.set('twofactor_enforced_groups', values('group'));
        state.systemConfig.set('twofactor_enforced_excluded_groups', values('exclude'));
      }
      const enforced = state.getSystemValue('twofactor_enforced') === 'true';
      const groups = (state.getSystemValue('twofactor_enforced_groups') as string[] | undefined) ?? [];
      if (!enforced) return ok('Two-factor authentication is not enforced\n');
      return ok(groups.length > 0 ? `Two-factor authentication is enforced for members of the group(s) ${groups.join(', ')}\n` : 'Two-factor authentication is enforced for all users\n');
    },
  },
  {
    name: 'group:add',
    run: (state, args) => {
      const gid = parseOccArgs(args, ['display-name']).positionals[0];
      if (!gid) return fail('Not enough arguments (missing: "groupid").');
      if (state.groups.has(gid)) return fail(`Group "${gid}" already exists.`);
      state.groups.add(gid);
      return ok(`Created group "${gid}"\n`);
    },
  },
  {
    name: 'group:adduser',
    run: (state, args) => {
      const [gid, uid] = parseOccArgs(args, []).positionals;
      if (!gid || !uid) return fail('Not enough arguments (missing: "group, user").');
      if (!state.groups.has(gid)) return fail('group not found');
      const user = state.users.get(uid);
      if (!user) return fail('user not found');
      if (!user.groups.includes(gid)) user.groups.push(gid);
      return ok();
    },
  },
  {
    name: 'group:delete',
    run: (state, args) => {
      const gid = parseOccArgs(args, []).positionals[0];
      if (!gid) return fail('Not enough arguments (missing: "groupid").');
      if (!state.groups.delete(gid)) return fail('Group does not exist.');
      for (const user of state.users.values()) user.groups = user.groups.filter((g) => g !== gid);
      return ok('Group was removed\n');
    },
  },
  {
    name: 'user:list',
    run: (state, args) => {
      const { options } = parseOccArgs(args, ['output']);
      const users = Object.fromEntries([...state.users.values()].map((u) => [u.uid, u.displayName]));
      return ok(options.get('output') === 'json' ? `${JSON.stringify(users)}\n` : Object.entries(users).map(([u, d]) => `  - ${u}: ${d}\n`).join(''));
    },
  },
];

/**
 * What the `oidc` app does when enabled through occ: create its signing keys (see oidc/oidc-keys.ts) and
 * its default expiry settings (facts page, "Configuration").
 */
function initOidcApp(state: DoubleState): void {
  for (const [key, value] of [['expire_time', '900'], ['refresh_expire_time', '900'], ['client_expire_time', '3600']] as const) {
    if (state.appConfig.get('oidc')?.get(key) === undefined) state.setAppValueInDatabase('oidc', key, value);
  }
  // Its migration creates the signing key (H2CK/oidc lib/Migration/CreateKeys.php): the key's app config
  // exists from the enable on, not from the first token (a run then finds it there and leaves it alone).
  oidcSigningKey(state);
}

/** The double's `occ`: runs one command line (words after `occ`) against the state. */
export function runOcc(state: DoubleState, args: readonly string[], extra: readonly OccCommand[] = [], env: Readonly<Record<string, string | undefined>> = {}): OccResult {
  const [name, ...rest] = args.filter((a) => a !== '-n' && a !== '--no-interaction' && a !== '-q');
  if (!name) return ok('Nextcloud double occ: commands ' + [...CORE_COMMANDS, ...extra].map((c) => c.name).join(', ') + '\n');
  const command = [...CORE_COMMANDS, ...extra].find((c) => c.name === name);
  if (!command) return fail(`Command "${name}" is not defined.`);
  return command.run(state, rest, env);
}
