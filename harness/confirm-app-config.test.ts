import { afterEach, describe, expect, it } from 'vitest';
import { startDouble, type StartedDouble } from '../double/index.ts';
import { confirmAppConfig, observeAppConfig, setAppConfig } from './confirm-app-config.ts';
import { HarnessError } from './harness-error.ts';
import { basicAuthorization, ocsRequest } from './nextcloud-http.ts';
import type { OccRunner } from './nextcloud-instance.ts';
import { SecretRedactor } from './secret-redactor.ts';

let double: StartedDouble | undefined;
afterEach(async () => {
  await double?.stop();
  double = undefined;
});

const ADMIN = { uid: 'admin', password: 'admin-password' };

function target(d: StartedDouble, occ: OccRunner = async (args) => d.occ(args)) {
  return { baseUrl: d.url, admin: ADMIN, occ, secrets: new SecretRedactor() };
}

describe('an app config value changed through occ', () => {
  it('is confirmed over HTTP once the web server sees it, after the cache of NC >= 32 expired', async () => {
    double = await startDouble({ nextcloud: 34, appConfigCacheTtlMs: 800 });
    const t = target(double);
    expect(await observeAppConfig(t, 'oidc', 'dynamic_client_registration', 'true')).toEqual({ observable: true, inEffect: true, seen: 'registration_endpoint listed' });
    const progress: string[] = [];
    const started = Date.now();
    await setAppConfig(t, 'oidc', 'dynamic_client_registration', undefined, { progress: (l) => progress.push(l) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect((await observeAppConfig(t, 'oidc', 'dynamic_client_registration', undefined)).inEffect).toBe(true);
    const refused = await fetch(`${double.url}/index.php/apps/oidc/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:9/cb'] }) });
    expect(refused.status).toBe(400);
    expect(progress.join('\n')).toMatch(/app config oidc dynamic_client_registration deleted reached the web server after \d+\.\d s/);
  });

  it('observes any other key through the provisioning API, as the web process sees it', async () => {
    double = await startDouble({ nextcloud: 34, appConfigCacheTtlMs: 600 });
    const t = target(double);
    expect(await observeAppConfig(t, 'oidc', 'allow_user_settings', undefined)).toEqual({ observable: true, inEffect: true, seen: 'not set' });
    await double.occ(['config:app:set', 'oidc', 'allow_user_settings', '--value=enabled']);
    expect(await observeAppConfig(t, 'oidc', 'allow_user_settings', 'enabled')).toEqual({ observable: true, inEffect: false, seen: 'not set' });
    const { observed, waitedMs } = await confirmAppConfig(t, 'oidc', 'allow_user_settings', 'enabled');
    expect(observed).toBe(true);
    expect(waitedMs).toBeGreaterThan(0);
    const forUser = await ocsRequest(double.url, '/ocs/v2.php/apps/provisioning_api/api/v1/config/apps/oidc/allow_user_settings', { authorization: basicAuthorization({ uid: 'alice', password: 'alice-password' }) });
    expect(forUser.httpStatus).toBe(403);
  });

  it('fails with ERR_SETTING_NOT_IN_EFFECT when the web server never sees it (bounded wait)', async () => {
    double = await startDouble({ nextcloud: 34, appConfigCacheTtlMs: 0 });
    // An occ of another instance: it answers 0 but changes nothing here.
    const t = target(double, async () => ({ exitCode: 0, stdout: '', stderr: '' }));
    const started = Date.now();
    const error = await setAppConfig(t, 'oidc', 'dynamic_client_registration', 'false', { timeoutMs: 1200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as HarnessError).code).toBe('ERR_SETTING_NOT_IN_EFFECT');
    expect((error as HarnessError).message).toMatch(/^app config oidc dynamic_client_registration = 'false' was set through occ but the web server still sees registration_endpoint listed after \d+ s: /);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
