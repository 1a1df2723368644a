import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HarnessError } from './harness-error.ts';
import type { OccOptions, OccRunner, PreparationOptions } from './nextcloud-instance.ts';
import { DEFAULT_PREPARATION } from './nextcloud-builder.ts';
import { prepareInstance } from './prepare-instance.ts';
import { SecretRedactor } from './secret-redactor.ts';

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
  const occ: OccRunner = async (args, options?: OccOptions) => {
    calls.push({ args: [...args], env: { ...(options?.env ?? {}) } });
    const [name, app, key] = args;
    if (name === fail) return { exitCode: 1, stdout: '', stderr: `${fail} broke` };
    if (name === 'config:app:get') return config.has(`${app}/${key}`) ? { exitCode: 0, stdout: `${config.get(`${app}/${key}`)}\n`, stderr: '' } : { exitCode: 1, stdout: '', stderr: '' };
    if (name === 'config:app:set') config.set(`${app}/${key}`, args[3]!.replace('--value=', ''));
    if (name === 'config:app:delete') config.delete(`${app}/${key}`);
    if (name === 'config:system:get') return { exitCode: 1, stdout: '', stderr: '' };
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
    expect(calls.map((c) => c.args.join(' ')).slice(-4)).toEqual(['user:delete carol', 'config:system:delete user_oidc oidc_provider_bearer_validation', 'config:app:delete oidc dynamic_client_registration', 'app:disable oidc user_oidc']);
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
