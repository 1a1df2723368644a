import { describe, expect, it } from 'vitest';
import { HarnessError } from '../harness-error.ts';
import { basicAuthorization, ocsRequest } from '../nextcloud-http.ts';
import { DoubleNextcloud } from './double-provider.ts';

describe('DoubleNextcloud (the Nextcloud double, prepared like a real instance)', () => {
  it('runs the onStop cleanups on stop, last first and before restoring, reporting a failure without throwing', async () => {
    const progress: string[] = [];
    const builder = new DoubleNextcloud().withNextcloud(34).withProgress((l) => progress.push(l));
    const nc = await builder.start();
    const state = builder.startedDouble!.state;
    const ran: string[] = [];
    nc.onStop(async () => void ran.push(`first, users still there: ${state.users.has('alice')}`));
    nc.onStop(async () => {
      ran.push('second');
      throw new Error('client already gone');
    });
    await nc.stop();
    await nc.stop();
    expect(ran).toEqual(['second', 'first, users still there: true']);
    expect(progress).toContain('  cleanup on stop failed: client already gone');
    expect(state.users.has('alice')).toBe(false);
  });

  it('starts a fresh double, prepares it through occ and the provisioning API, and undoes it on stop', async () => {
    const progress: string[] = [];
    const builder = new DoubleNextcloud().withNextcloud(34).withPatch('user_oidc-app-api').withConsent().withTokenType('jwt').withProtectionsOff().withProgress((l) => progress.push(l));
    const nc = await builder.start();
    const state = builder.startedDouble!.state;
    try {
      expect(nc.provider).toBe('double');
      expect(nc.description).toMatch(/test double, not a real Nextcloud/);
      expect(nc.variant).toEqual({ nextcloud: '34.0.1', nextcloudMajor: 34, oidc: '2.0.9', userOidc: '8.10.1', patch: 'user_oidc-app-api', patchSource: 'provider', isDouble: true });
      // facts page, "Configuration (occ)": the string 'true', the real boolean, consent, token type, protections.
      expect(state.getAppValue('oidc', 'dynamic_client_registration')).toBe('true');
      expect(state.getSystemValue('user_oidc')).toEqual({ oidc_provider_bearer_validation: true });
      expect(state.getAppValue('oidc', 'allow_user_settings')).toBe('enabled');
      expect(state.getAppValue('oidc', 'default_token_type')).toBe('jwt');
      expect(state.getSystemValue('auth.bruteforce.protection.enabled')).toBe(false);
      expect(state.getSystemValue('ratelimit.protection.enabled')).toBe(false);
      expect(state.isEnabled('oidc') && state.isEnabled('user_oidc')).toBe(true);
      expect(state.isEnabled('firstrunwizard')).toBe(false);
      expect(nc.users.map((u) => u.uid)).toEqual(['alice', 'bob']);
      expect(nc.user('bob').password).toBe('bob-password');
      const me = await ocsRequest(nc.baseUrl, '/ocs/v2.php/cloud/user', { authorization: basicAuthorization(nc.user()) });
      expect(me.httpStatus).toBe(200);
      expect((me.data as { id: string }).id).toBe('alice');
      expect(() => nc.user('carol')).toThrow(/no test user 'carol': use one of alice, bob/);
      expect(progress.some((l) => /created test user alice/.test(l))).toBe(true);
      expect((await nc.occ(['config:app:get', 'oidc', 'dynamic_client_registration'])).stdout.trim()).toBe('true');
      const logs = await nc.logs();
      expect(logs).toMatch(/occ app:enable oidc user_oidc -> exit 0/);
      expect(logs).not.toContain('alice-password');
    } finally {
      await nc.stop();
    }
    expect(state.users.has('alice')).toBe(false);
    expect(state.isEnabled('oidc')).toBe(false);
    expect(state.isEnabled('firstrunwizard')).toBe(true);
    expect(state.appConfig.get('oidc')?.get('dynamic_client_registration') ?? '(unset)').toBe('(unset)');
    // The harness created the user_oidc entry: it goes as a whole (deleting only the sub key leaves an empty array in config.php).
    expect(state.getSystemValue('user_oidc')).toBeUndefined();
    await nc.stop();
  });

  it('leaves consent off and DCR off when asked', async () => {
    const builder = new DoubleNextcloud().withDcr(false).withTestUsers([{ uid: 'carol' }]);
    const nc = await builder.start();
    try {
      const state = builder.startedDouble!.state;
      expect(state.getAppValue('oidc', 'dynamic_client_registration', '(unset)')).toBe('(unset)');
      expect(state.getAppValue('oidc', 'allow_user_settings', '(unset)')).toBe('(unset)');
      expect(nc.user().uid).toBe('carol');
      expect(nc.user().password).toMatch(/^Nc-[A-Za-z0-9_-]{24}-9a$/);
      expect(nc.secrets.redact(`pw ${nc.user().password}`)).toBe('pw ***');
    } finally {
      await nc.stop();
    }
  });

  it('plays an instance without an app, enables a disabled app when asked and disables it again on stop', async () => {
    const builder = new DoubleNextcloud().withApps({ deck: 'disabled', tables: false }).withEnabledApps(['deck', 'tables']);
    const nc = await builder.start();
    const state = builder.startedDouble!.state;
    try {
      expect(Object.keys(nc.apps.enabled)).toEqual(expect.arrayContaining(['deck', 'notes', 'oidc', 'user_oidc']));
      expect(nc.apps.enabled).not.toHaveProperty('tables');
      expect(nc.apps.disabled).not.toHaveProperty('tables');
      expect(nc.apps.disabled).toHaveProperty('firstrunwizard');
      expect(nc.apps.enabled).not.toHaveProperty('firstrunwizard');
      expect(state.isEnabled('deck')).toBe(true);
      expect(await nc.logs()).toMatch(/occ app:enable deck -> exit 0/);
    } finally {
      await nc.stop();
    }
    expect(state.isEnabled('deck')).toBe(false);
    expect(state.installedApps.has('tables')).toBe(false);
  });

  it('turns an impossible variant into a one-line error with exit code 2', async () => {
    const error = await new DoubleNextcloud().withNextcloud(35).withOidc('1.10.0').start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as HarnessError).code).toBe('ERR_BAD_OPTION');
    expect((error as HarnessError).exitCode).toBe(2);
    expect((error as HarnessError).message).toMatch(/oidc 1\.10\.0 installs on Nextcloud 30-32, not 35/);
  });
});
