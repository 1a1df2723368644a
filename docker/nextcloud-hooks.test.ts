import { accessSync, chmodSync, constants, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startDouble } from '../double/index.ts';
import { POST_INSTALLATION_HOOKS_DIR } from './nextcloud-image.ts';
import { runHooksWithFakeOcc, type HookRun } from './run-hooks-with-fake-occ.ts';

// The post-installation hooks, run as the official image's entrypoint runs them (every executable *.sh of
// the folder in name order, stop at the first failure), against a recording fake occ.

/** Runs the hooks with the admin the image's install makes, plus `env`. */
const runHooks = (env: Record<string, string> = {}): Promise<HookRun> => runHooksWithFakeOcc({ NEXTCLOUD_ADMIN_USER: 'admin', ...env });

const argv = (run: HookRun): string[] => run.calls.map((c) => c.args.join(' '));

const BASE = [
  'app:enable oidc user_oidc',
  'config:app:set oidc dynamic_client_registration --value=true',
  'config:app:set oidc default_token_type --value=opaque',
  'config:app:set oidc allow_user_settings --value=no',
  'config:system:set user_oidc oidc_provider_bearer_validation --value=true --type=boolean',
];

describe('post-installation hooks: files', () => {
  it('are executable POSIX sh scripts named NN-nc-oauth-lab-*.sh, as the entrypoint needs', () => {
    const hooks = readdirSync(POST_INSTALLATION_HOOKS_DIR).sort();
    expect(hooks).toEqual([
      '10-nc-oauth-lab-apps.sh',
      '20-nc-oauth-lab-oidc.sh',
      '30-nc-oauth-lab-user-oidc.sh',
      '40-nc-oauth-lab-urls.sh',
      '50-nc-oauth-lab-users.sh',
      '90-nc-oauth-lab-test-mode.sh',
    ]);
    for (const hook of hooks) {
      const path = join(POST_INSTALLATION_HOOKS_DIR, hook);
      expect(readFileSync(path, 'utf8').startsWith('#!/bin/sh\n'), hook).toBe(true);
      expect(statSync(path).mode & 0o777, hook).toBe(0o755);
      accessSync(path, constants.X_OK);
      expect(readFileSync(path, 'utf8'), hook).toContain('OCC="${OCC:-php /var/www/html/occ}"');
    }
  });
});

describe('post-installation hooks: default environment', () => {
  it('enable the apps, DCR on as the string, bearer validation as a boolean, consent off, nothing else', async () => {
    const run = await runHooks();
    expect(run.exitCode).toBe(0);
    expect(argv(run)).toEqual(BASE);
    expect(run.calls.every((c) => c.ocPass === undefined)).toBe(true);
    expect(run.stdout).toContain('brute-force and rate-limit protection stay on');
  });

  it('skips a hook without the executable bit, as the entrypoint does', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-hooks-copy-'));
    try {
      cpSync(POST_INSTALLATION_HOOKS_DIR, copy, { recursive: true });
      chmodSync(join(copy, '20-nc-oauth-lab-oidc.sh'), 0o644);
      const run = await runHooksWithFakeOcc({}, copy);
      expect(run.ran).not.toContain('20-nc-oauth-lab-oidc.sh');
      expect(argv(run)).toEqual([BASE[0], BASE[4]]);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('runs the real occ through php when OCC is unset', () => {
    for (const hook of readdirSync(POST_INSTALLATION_HOOKS_DIR)) {
      expect(readFileSync(join(POST_INSTALLATION_HOOKS_DIR, hook), 'utf8')).not.toMatch(/^\s*php /m);
    }
  });
});

describe('post-installation hooks: test mode', () => {
  it('disables firstrunwizard, adds the test users with OC_PASS, and turns the protections off last', async () => {
    const run = await runHooks({ NC_OAUTH_LAB_TEST_MODE: 'true' });
    expect(run.exitCode).toBe(0);
    expect(argv(run)).toEqual([
      'app:enable oidc user_oidc',
      'app:disable firstrunwizard',
      ...BASE.slice(1),
      'user:add --password-from-env --group=users alice',
      'user:add --password-from-env --group=users bob',
      'config:system:set auth.bruteforce.protection.enabled --value=false --type=boolean',
      'config:system:set ratelimit.protection.enabled --value=false --type=boolean',
    ]);
    const adds = run.calls.filter((c) => c.args[0] === 'user:add');
    expect(adds.map((c) => c.ocPass)).toEqual(['alice-password', 'bob-password']);
    // OC_PASS is set for user:add only, and no password is printed.
    expect(run.calls.filter((c) => c.ocPass !== undefined)).toHaveLength(2);
    expect(run.stdout + run.stderr).not.toContain('-password');
  });

  it('accepts 1/yes/on for true and keeps firstrunwizard when told to', async () => {
    const run = await runHooks({ NC_OAUTH_LAB_TEST_MODE: 'yes', NC_OAUTH_LAB_DISABLE_FIRSTRUNWIZARD: 'false', NC_OAUTH_LAB_USERS: '' });
    expect(run.exitCode).toBe(0);
    expect(argv(run)).toEqual([
      ...BASE,
      'config:system:set auth.bruteforce.protection.enabled --value=false --type=boolean',
      'config:system:set ratelimit.protection.enabled --value=false --type=boolean',
    ]);
  });
});

describe('post-installation hooks: each switch', () => {
  it("enables the apps the image carries (its /etc/nc-oauth-lab/apps), and refuses an app id that is not one", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-apps-file-'));
    try {
      const file = join(dir, 'apps');
      writeFileSync(file, 'oidc user_oidc notes tables calendar\n');
      const run = await runHooks({ NC_OAUTH_LAB_APPS_FILE: file });
      expect(run.exitCode).toBe(0);
      expect(argv(run)[0]).toBe('app:enable oidc user_oidc notes tables calendar');
      const bad = await runHooks({ NC_OAUTH_LAB_APPS: 'oidc notes;rm' });
      expect(bad.exitCode).toBe(1);
      expect(bad.stderr).toBe("nc-oauth-lab: 'notes;rm' in NC_OAUTH_LAB_APPS is not an app id\n");
      expect(bad.calls).toEqual([]);
      // Without the file (an image built before the file existed): oidc and user_oidc.
      expect(argv(await runHooks({ NC_OAUTH_LAB_APPS_FILE: join(dir, 'absent') }))[0]).toBe('app:enable oidc user_oidc');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('NC_OAUTH_LAB_APPS and NC_OAUTH_LAB_DISABLE_FIRSTRUNWIZARD outside test mode', async () => {
    const run = await runHooks({ NC_OAUTH_LAB_APPS: 'oidc user_oidc notes', NC_OAUTH_LAB_DISABLE_FIRSTRUNWIZARD: 'true' });
    expect(argv(run).slice(0, 2)).toEqual(['app:enable oidc user_oidc notes', 'app:disable firstrunwizard']);
  });

  it('NC_OAUTH_LAB_DCR=false stores the string false', async () => {
    const run = await runHooks({ NC_OAUTH_LAB_DCR: 'false' });
    expect(argv(run)[1]).toBe('config:app:set oidc dynamic_client_registration --value=false');
  });

  it('NC_OAUTH_LAB_TOKEN_TYPE=jwt and NC_OAUTH_LAB_CONSENT=true', async () => {
    const run = await runHooks({ NC_OAUTH_LAB_TOKEN_TYPE: 'jwt', NC_OAUTH_LAB_CONSENT: 'true' });
    expect(argv(run).slice(2, 4)).toEqual(['config:app:set oidc default_token_type --value=jwt', 'config:app:set oidc allow_user_settings --value=enabled']);
  });

  it('the three expiry times, only when set', async () => {
    const run = await runHooks({ NC_OAUTH_LAB_EXPIRE_TIME: '60', NC_OAUTH_LAB_REFRESH_EXPIRE_TIME: '120', NC_OAUTH_LAB_CLIENT_EXPIRE_TIME: '7200' });
    expect(argv(run)).toEqual([
      ...BASE.slice(0, 4),
      'config:app:set oidc expire_time --value=60',
      'config:app:set oidc refresh_expire_time --value=120',
      'config:app:set oidc client_expire_time --value=7200',
      BASE[4],
    ]);
  });

  it('NC_OAUTH_LAB_BEARER_VALIDATION=false is still a boolean', async () => {
    const run = await runHooks({ NC_OAUTH_LAB_BEARER_VALIDATION: 'off' });
    expect(argv(run)[4]).toBe('config:system:set user_oidc oidc_provider_bearer_validation --value=false --type=boolean');
  });

  it('overwrite.cli.url and trusted domains appended after the existing ones, skipping those already there', async () => {
    const run = await runHooks({
      NC_OAUTH_LAB_OVERWRITE_CLI_URL: 'http://nextcloud:8080',
      NC_OAUTH_LAB_TRUSTED_DOMAINS: 'nextcloud localhost host.docker.internal',
      FAKE_OCC_TRUSTED_DOMAINS: 'localhost 127.0.0.1',
    });
    expect(run.exitCode).toBe(0);
    expect(argv(run).slice(5)).toEqual([
      'config:system:set overwrite.cli.url --value=http://nextcloud:8080',
      'config:system:get trusted_domains',
      'config:system:set trusted_domains 2 --value=nextcloud',
      'config:system:set trusted_domains 3 --value=host.docker.internal',
    ]);
  });

  it('trusted domains start at index 0 when the list is not set', async () => {
    const run = await runHooks({ NC_OAUTH_LAB_TRUSTED_DOMAINS: 'nextcloud' });
    expect(argv(run).slice(5)).toEqual(['config:system:get trusted_domains', 'config:system:set trusted_domains 0 --value=nextcloud']);
  });

  it('NC_OAUTH_LAB_USERS: groups optional, the admin skipped, passwords only through OC_PASS', async () => {
    const run = await runHooks({ NC_OAUTH_LAB_USERS: 'carol:s3cret:staff admin:ignored dave:pa$$word' });
    expect(run.exitCode).toBe(0);
    expect(argv(run).slice(5)).toEqual(['user:add --password-from-env --group=staff carol', 'user:add --password-from-env dave']);
    expect(run.calls.slice(5).map((c) => c.ocPass)).toEqual(['s3cret', 'pa$$word']);
    expect(run.stdout).toContain('user admin is the admin');
    expect(run.stdout + run.stderr).not.toMatch(/s3cret|pa\$\$word|ignored/);
  });
});

describe('post-installation hooks: bad input stops the hook before it changes anything', () => {
  const cases: [string, Record<string, string>, string, RegExp][] = [
    ['DCR', { NC_OAUTH_LAB_DCR: 'maybe' }, '20-nc-oauth-lab-oidc.sh', /NC_OAUTH_LAB_DCR must be true or false, not 'maybe'/],
    ['token type', { NC_OAUTH_LAB_TOKEN_TYPE: 'JWT' }, '20-nc-oauth-lab-oidc.sh', /NC_OAUTH_LAB_TOKEN_TYPE must be opaque or jwt, not 'JWT'/],
    ['expiry', { NC_OAUTH_LAB_EXPIRE_TIME: '15m' }, '20-nc-oauth-lab-oidc.sh', /NC_OAUTH_LAB_EXPIRE_TIME must be a number of seconds, not '15m'/],
    ['bearer', { NC_OAUTH_LAB_BEARER_VALIDATION: 'TRUE' }, '30-nc-oauth-lab-user-oidc.sh', /NC_OAUTH_LAB_BEARER_VALIDATION must be true or false/],
    ['cli url', { NC_OAUTH_LAB_OVERWRITE_CLI_URL: 'nextcloud:8080' }, '40-nc-oauth-lab-urls.sh', /must be an http\(s\) URL/],
    ['domain', { NC_OAUTH_LAB_TRUSTED_DOMAINS: 'ok.example bad;domain' }, '40-nc-oauth-lab-urls.sh', /'bad;domain' in NC_OAUTH_LAB_TRUSTED_DOMAINS is not a host name/],
  ];
  for (const [name, env, hook, message] of cases) {
    it(`${name}: ${hook} fails with a one-line message`, async () => {
      const run = await runHooks(env);
      expect(run.exitCode).toBe(1);
      expect(run.failedHook).toBe(hook);
      expect(run.stderr.trim()).toMatch(message);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      const hooksBefore = ['10', '20', '30', '40'].indexOf(hook.slice(0, 2));
      // Only the hooks before the failing one called occ (the URL hook may have read the domain list).
      const expected = BASE.slice(0, [0, 1, 4, 5][hooksBefore]);
      expect(argv(run).filter((c) => !c.startsWith('config:system:get'))).toEqual(expected);
    });
  }

  it('users: a bad entry creates nobody and the message shows no password', async () => {
    const run = await runHooks({ NC_OAUTH_LAB_USERS: 'erin:erin-pw frank-without-password' });
    expect(run.exitCode).toBe(1);
    expect(run.failedHook).toBe('50-nc-oauth-lab-users.sh');
    expect(run.stderr.trim()).toBe('nc-oauth-lab: NC_OAUTH_LAB_USERS entry 2 is not uid:password[:group]');
    expect(argv(run)).toEqual(BASE);
  });

  it('users: a bad user id and an empty password are named', async () => {
    let run = await runHooks({ NC_OAUTH_LAB_USERS: 'bad/uid:pw' });
    expect(run.stderr.trim()).toBe("nc-oauth-lab: NC_OAUTH_LAB_USERS entry 1: 'bad/uid' is not a user id (letters, digits, _ . @ -)");
    run = await runHooks({ NC_OAUTH_LAB_USERS: 'grace::users' });
    expect(run.stderr.trim()).toBe('nc-oauth-lab: NC_OAUTH_LAB_USERS entry 1: user grace has no password');
  });

  it('test mode: a value that is not a boolean fails in the first hook', async () => {
    const run = await runHooks({ NC_OAUTH_LAB_TEST_MODE: 'sometimes' });
    expect(run.failedHook).toBe('10-nc-oauth-lab-apps.sh');
    expect(run.calls).toEqual([]);
  });

  it('a failing occ stops the hooks: nothing after it runs', async () => {
    const run = await runHooks({ FAKE_OCC_FAIL: 'app:enable', NC_OAUTH_LAB_TEST_MODE: 'true' });
    expect(run.exitCode).toBe(1);
    expect(run.failedHook).toBe('10-nc-oauth-lab-apps.sh');
    expect(argv(run)).toEqual(['app:enable oidc user_oidc']);
    expect(run.stderr).toContain('fake occ: app:enable failed');
  });
});

describe('post-installation hooks replayed on the Nextcloud double (uses the double, not a real Nextcloud)', () => {
  it('give an instance whose DCR, bearer validation and users work as configured', async () => {
    const run = await runHooks({ NC_OAUTH_LAB_TEST_MODE: 'true', NC_OAUTH_LAB_TOKEN_TYPE: 'jwt' });
    const double = await startDouble({ configure: false, users: [{ uid: 'admin', password: 'admin-password', groups: ['admin'] }] });
    try {
      for (const call of run.calls) {
        const result = await double.occ(call.args, call.ocPass === undefined ? {} : { OC_PASS: call.ocPass });
        expect(result.exitCode, `${call.args.join(' ')}: ${result.stderr}`).toBe(0);
      }
      const register = await fetch(`${double.url}/index.php/apps/oidc/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ client_name: 'hooks test', redirect_uris: ['http://127.0.0.1:9/callback'] }),
      });
      expect(register.status).toBe(201);
      expect(double.state.systemConfig.get('user_oidc')).toEqual({ oidc_provider_bearer_validation: true });
      expect(double.state.systemConfig.get('auth.bruteforce.protection.enabled')).toBe(false);
      expect(double.state.appConfig.get('oidc')?.get('default_token_type')).toBe('jwt');
      expect([...double.state.users.keys()].sort()).toEqual(['admin', 'alice', 'bob']);
    } finally {
      await double.stop();
    }
  });

  it('with DCR off, registration answers 400 dynamic_registration_not_allowed', async () => {
    const run = await runHooks({ NC_OAUTH_LAB_DCR: 'false' });
    const double = await startDouble({ configure: false });
    try {
      for (const call of run.calls) expect((await double.occ(call.args)).exitCode).toBe(0);
      const register = await fetch(`${double.url}/index.php/apps/oidc/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:9/callback'] }),
      });
      expect(register.status).toBe(400);
      expect(await register.json()).toMatchObject({ error: 'dynamic_registration_not_allowed' });
    } finally {
      await double.stop();
    }
  });
});
