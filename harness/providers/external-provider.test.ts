import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDouble, type StartedDouble } from '../../double/index.ts';
import { HarnessError } from '../harness-error.ts';
import type { OccRunner } from '../nextcloud-instance.ts';
import { commandLineOcc, ExternalNextcloud, normaliseBaseUrl } from './external-provider.ts';

/** A double started like a fresh install, standing in for a Nextcloud that already runs. */
async function freshInstance(): Promise<{ double: StartedDouble; occ: OccRunner }> {
  const double = await startDouble({ configure: false, users: [{ uid: 'admin', password: 'admin-password', groups: ['admin'] }] });
  return { double, occ: async (args, options) => double.occ(args, options?.env ?? {}) };
}

async function rejection(promise: Promise<unknown>): Promise<HarnessError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HarnessError);
  return error as HarnessError;
}

describe('ExternalNextcloud', () => {
  it('prepares an instance, reports what it finds, and restores every value it changed', async () => {
    const { double, occ } = await freshInstance();
    const state = double.state;
    // The admin's own settings before the run: DCR explicitly off, a string "true" that does not work, protections on.
    await occ(['config:app:set', 'oidc', 'dynamic_client_registration', '--value=false']);
    await occ(['config:system:set', 'user_oidc', 'oidc_provider_bearer_validation', '--value=true']);
    await occ(['config:system:set', 'auth.bruteforce.protection.enabled', '--value=true', '--type=boolean']);
    await occ(['config:system:set', 'trusted_domains', '0', '--value=cloud.example.test']);
    try {
      const nc = await new ExternalNextcloud(`${double.url}/index.php/`).withAdmin('admin', 'admin-password').withOccRunner(occ).withProtectionsOff().withPublicUrl('http://nc.example.test:8080').withPatchDetection(false).start();
      expect(nc.provider).toBe('external');
      expect(nc.baseUrl).toBe(double.url);
      expect(nc.publicUrl).toBe('http://nc.example.test:8080');
      expect(nc.variant).toMatchObject({ nextcloud: '32.0.1', nextcloudMajor: 32, oidc: '1.16.6', userOidc: '8.10.1', patch: 'unknown', patchSource: 'unknown', isDouble: true });
      expect(state.getAppValue('oidc', 'dynamic_client_registration')).toBe('true');
      expect(state.getSystemValue('user_oidc')).toEqual({ oidc_provider_bearer_validation: true });
      expect(state.getSystemValue('auth.bruteforce.protection.enabled')).toBe(false);
      expect(state.getSystemValue('trusted_domains')).toEqual({ '0': 'cloud.example.test', '1': 'nc.example.test' });
      expect(nc.users).toHaveLength(3);
      for (const user of nc.users) {
        expect(user.uid).toMatch(/^nclab-[0-9a-f]{6}-(alice|bob|carol)$/);
        expect(state.checkPassword(user.uid, user.password)).toBeDefined();
      }
      const uids = nc.users.map((u) => u.uid);
      await nc.stop();
      for (const uid of uids) expect(state.users.has(uid)).toBe(false);
      expect(state.appConfig.get('oidc')?.get('dynamic_client_registration')).toBe('false');
      expect(state.getSystemValue('user_oidc')).toEqual({ oidc_provider_bearer_validation: 'true' });
      expect(state.getSystemValue('auth.bruteforce.protection.enabled')).toBe(true);
      expect(state.getSystemValue('trusted_domains')).toEqual({ '0': 'cloud.example.test' });
      expect(state.isEnabled('oidc')).toBe(false);
      expect(state.isEnabled('firstrunwizard')).toBe(true);
    } finally {
      await double.stop();
    }
  });

  it('keeps its changes when told not to restore', async () => {
    const { double, occ } = await freshInstance();
    try {
      const nc = await new ExternalNextcloud(double.url).withAdmin('admin', 'admin-password').withOccRunner(occ).withRestoreOnStop(false).withTestUsers([{ uid: 'kept', password: 'Kept-password-1' }]).start();
      await nc.stop();
      expect(double.state.users.has('kept')).toBe(true);
      expect(double.state.isEnabled('oidc')).toBe(true);
    } finally {
      await double.stop();
    }
  });

  it('says what to fix when Nextcloud cannot be reached, is not Nextcloud, or refuses the admin', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const noOcc: OccRunner = async () => ({ exitCode: 0, stdout: '', stderr: '' });
    const down = await rejection(new ExternalNextcloud(`http://127.0.0.1:${port}`).withAdmin('admin', 'pw-admin').withOccRunner(noOcc).start());
    expect(down.code).toBe('ERR_NEXTCLOUD_UNREACHABLE');
    expect(down.exitCode).toBe(2);
    expect(down.message).toBe(`cannot reach Nextcloud at http://127.0.0.1:${port}: ECONNREFUSED; start it or check --url`);

    const other = createServer((_req, res) => res.writeHead(404).end('nope'));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
      const notNextcloud = await rejection(new ExternalNextcloud(url).withAdmin('admin', 'pw-admin').withOccRunner(noOcc).start());
      expect(notNextcloud.code).toBe('ERR_NOT_NEXTCLOUD');
      expect(notNextcloud.message).toMatch(/status\.php answered 404 .*check --url/);
    } finally {
      other.closeAllConnections();
      await new Promise<void>((r) => other.close(() => r()));
    }

    const { double, occ } = await freshInstance();
    try {
      const refused = await rejection(new ExternalNextcloud(double.url).withAdmin('admin', 'wrong-admin-password').withOccRunner(occ).start());
      expect(refused.code).toBe('ERR_BAD_OPTION');
      expect(refused.message).toMatch(/the admin account 'admin' was refused/);
      expect(refused.message).not.toContain('wrong-admin-password');
      // What it did before the refusal is undone.
      expect(double.state.isEnabled('oidc')).toBe(false);
      const noAdmin = await rejection(new ExternalNextcloud(double.url).withOccRunner(occ).start());
      expect(noAdmin.message).toMatch(/needs an admin account/);
      const noOccGiven = await rejection(new ExternalNextcloud(double.url).withAdmin('admin', 'admin-password').start());
      expect(noOccGiven.message).toMatch(/needs --occ/);
      const broken = await rejection(new ExternalNextcloud(double.url).withAdmin('admin', 'admin-password').withOcc('/nonexistent/php occ').start());
      expect(broken.code).toBe('ERR_BAD_OPTION');
      expect(broken.message).toMatch(/^occ does not run with --occ "\/nonexistent\/php occ" \(exit 127/);
    } finally {
      await double.stop();
    }
  });

  it('normalises the URL and rejects what is not one', () => {
    expect(normaliseBaseUrl('https://cloud.example.test/nextcloud/index.php?x=1#y')).toBe('https://cloud.example.test/nextcloud');
    expect(() => normaliseBaseUrl('cloud.example.test')).toThrow(/--url 'cloud.example.test' is not a URL/);
    expect(() => normaliseBaseUrl('ftp://x')).toThrow(/http or https/);
    expect(() => normaliseBaseUrl('http://admin:pw@x')).toThrow(/must not carry credentials/);
  });
});

describe('commandLineOcc', () => {
  let dir: string;
  let script: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nclab-occ-'));
    script = join(dir, 'fake occ.mjs');
    await writeFile(
      script,
      `import { writeFileSync } from 'node:fs';\nwriteFileSync(process.env.OUT, JSON.stringify({ args: process.argv.slice(2), pass: process.env.OC_PASS ?? null }));\nprocess.stdout.write('out\\n');\nprocess.stderr.write('err\\n');\nprocess.exit(Number(process.env.CODE ?? 0));\n`,
    );
    await chmod(script, 0o755);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('runs the command line without a shell, with the words after it and the environment', async () => {
    const out = join(dir, 'out.json');
    const occ = commandLineOcc(`${process.execPath} '${script}'`);
    const result = await occ(['user:add', '--password-from-env', 'a b'], { env: { OC_PASS: 'pw-from-env', OUT: out, CODE: '3' } });
    expect(result).toEqual({ exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual({ args: ['user:add', '--password-from-env', 'a b', '--no-interaction'], pass: 'pw-from-env' });
  });

  it('reports a missing program as exit code 127', async () => {
    const result = await commandLineOcc('/nonexistent/php occ')(['status']);
    expect(result.exitCode).toBe(127);
    expect(result.stderr).toMatch(/ENOENT|not found/i);
  });
});
