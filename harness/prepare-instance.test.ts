import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HarnessError } from './harness-error.ts';
import type { OccOptions, OccRunner, PreparationOptions } from './nextcloud-instance.ts';
import { DEFAULT_PREPARATION } from './nextcloud-builder.ts';
import { prepareInstance } from './prepare-instance.ts';
import { SecretRedactor } from './secret-redactor.ts';
import { startDouble } from '../double/index.ts';

/** A Nextcloud without the provisioning API (its routes answer core's 404 page). */
let server: Server;
let baseUrl: string;
beforeAll(async () => {
  server = createServer((_req, res) => res.writeHead(404, { 'Content-Type': 'text/html' }).end('<html>Page not found</html>'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

/** An occ that records its calls and keeps app config in a map, failing on `fail`. */
function recordingOcc(fail?: string): { occ: OccRunner; calls: { args: string[]; env: Record<string, string> }[]; config: Map<string, string> } {
  const calls: { args: string[]; env: Record<string, string> }[] = [];
  const config = new Map<string, string>();
  const users: string[] = [];
  const occ: OccRunner = async (args, options?: OccOptions) => {
    calls.push({ args: [...args], env: { ...(options?.env ?? {}) } });
    const [name, app, key] = args;
    if (name === fail) return { exitCode: 1, stdout: '', stderr: `${fail} broke` };
    if (name === 'config:app:get') return config.has(`${app}/${key}`) ? { exitCode: 0, stdout: `${config.get(`${app}/${key}`)}\n`, stderr: '' } : { exitCode: 1, stdout: '', stderr: '' };
    if (name === 'config:app:set') config.set(`${app}/${key}`, args[3]!.replace('--value=', ''));
    if (name === 'config:app:delete') config.delete(`${app}/${key}`);
    if (name === 'config:system:get') return { exitCode: 1, stdout: '', stderr: '' };
    if (name === 'user:list') return { exitCode: 0, stdout: `${JSON.stringify(Object.fromEntries(users.map((u) => [u, u])))}\n`, stderr: '' };
    if (name === 'user:add') users.push(args.at(-1)!);
    if (name === 'user:delete') users.splice(users.indexOf(args.at(-1)!), 1);
    return { exitCode: 0, stdout: '', stderr: '' };
  };
  return { occ, calls, config };
}

const options = (overrides: Partial<PreparationOptions> = {}): PreparationOptions => ({ ...DEFAULT_PREPARATION, users: [{ uid: 'carol', password: 'carol-Secret-1' }], ...overrides });

describe('prepareInstance', () => {
  it('creates users with occ user:add --password-from-env when there is no provisioning API, the password only in OC_PASS', async () => {
    const { occ, calls } = recordingOcc();
    const secrets = new SecretRedactor();
    const prepared = await prepareInstance({ baseUrl, admin: { uid: 'admin', password: 'pw' }, occ }, { enabled: {}, disabled: { oidc: '2.0.9', user_oidc: '8.10.1' } }, options(), [], () => undefined, secrets);
    const add = calls.find((c) => c.args[0] === 'user:add')!;
    expect(add.args).toEqual(['user:add', '--password-from-env', 'carol']);
    expect(add.env).toEqual({ OC_PASS: 'carol-Secret-1' });
    expect(calls.flatMap((c) => c.args).join(' ')).not.toContain('carol-Secret-1');
    expect(secrets.redact('carol-Secret-1')).toBe('***');
    expect(calls.map((c) => c.args.join(' '))).toEqual(
      expect.arrayContaining(['app:enable oidc user_oidc', 'config:app:set oidc dynamic_client_registration --value=true', 'config:system:set user_oidc oidc_provider_bearer_validation --value=true --type=boolean']),
    );
    expect(prepared.changes).toContain('created test user carol');
    // No provisioning API to remove the user either: occ user:delete.
    expect(await prepared.restore()).toEqual([]);
    expect(prepared.pending()).toEqual([]);
    expect(calls.map((c) => c.args.join(' ')).slice(-5)).toEqual(['user:list --output=json', 'user:delete carol', 'config:system:delete user_oidc', 'config:app:delete oidc dynamic_client_registration', 'app:disable oidc user_oidc']);
  });

  it('undoes what it did when a later step fails, and says which occ command failed', async () => {
    const { occ, calls, config } = recordingOcc('user:add');
    const error = await prepareInstance({ baseUrl, admin: { uid: 'admin', password: 'pw' }, occ }, { enabled: { firstrunwizard: '3.0.0' }, disabled: { oidc: '2.0.9', user_oidc: '8.10.1' } }, options({ consent: true }), [], () => undefined, new SecretRedactor()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as HarnessError).code).toBe('ERR_OCC_FAILED');
    expect((error as HarnessError).message).toBe('occ user:add --password-from-env carol failed with exit code 1: user:add broke');
    const run = calls.map((c) => c.args.join(' '));
    expect(run).toContain('app:enable firstrunwizard');
    expect(run).toContain('app:disable oidc user_oidc');
    expect(config.size).toBe(0);
  });
});

describe('prepareInstance against the double with a user create that fails after the user exists', () => {
  it('removes the half-created user and every setting, says so, and lists the manual undo while pending', async () => {
    const double = await startDouble({ configure: false, faults: ['user-create-fails-after-create'], users: [{ uid: 'admin', password: 'admin-password', groups: ['admin'] }] });
    try {
      const occ: OccRunner = async (args, o) => double.occ(args, o?.env ?? {});
      // The admin's instance: the apps enabled (enabling writes the oidc app's defaults), DCR off, protections on.
      await occ(['app:enable', 'oidc', 'user_oidc']);
      await occ(['config:app:set', 'oidc', 'dynamic_client_registration', '--value=false']);
      await occ(['config:system:set', 'auth.bruteforce.protection.enabled', '--value=true', '--type=boolean']);
      const before = { users: [...double.state.users.keys()], app: JSON.stringify([...double.state.appConfig].map(([a, m]) => [a, [...m]])), system: JSON.stringify([...double.state.systemConfig]) };
      const seen: string[][] = [];
      const error = await prepareInstance(
        { baseUrl: double.url, admin: { uid: 'admin', password: 'admin-password' }, occ },
        { enabled: { oidc: '1.16.6', user_oidc: '8.10.1', firstrunwizard: '32.0.0' }, disabled: {} },
        options({ users: [{ uid: 'nclab-test-alice' }], protectionsOff: true }),
        [],
        () => undefined,
        new SecretRedactor(),
        (pending) => void seen.push(pending.map((p) => `${p.what}: ${p.manual}`)),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HarnessError);
      expect((error as HarnessError).message).toBe('creating test user nclab-test-alice failed: OCS 500/996 Internal Server Error');
      expect([...double.state.users.keys()]).toEqual(before.users);
      expect(JSON.stringify([...double.state.appConfig].map(([a, m]) => [a, [...m]]))).toBe(before.app);
      expect(JSON.stringify([...double.state.systemConfig])).toBe(before.system);
      // While the create ran, the user was pending with the command that removes it by hand; at the end nothing is.
      expect(seen.some((p) => p[0] === 'test user nclab-test-alice: occ user:delete nclab-test-alice')).toBe(true);
      expect(seen.flat()).toContain('app config oidc dynamic_client_registration: occ config:app:set oidc dynamic_client_registration --value=false');
      expect(seen.flat()).toContain('system config auth.bruteforce.protection.enabled: occ config:system:set auth.bruteforce.protection.enabled --value=true --type=boolean');
      expect(seen.at(-1)).toEqual([]);
    } finally {
      await double.stop();
    }
  });
});
