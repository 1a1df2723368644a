import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BrowserSession } from './browser/browser-login.ts';
import { HarnessError } from './harness-error.ts';
import { CallbackServer } from './oauth/callback-server.ts';
import { OAuthClient } from './oauth/oauth-client.ts';
import { describeOAuthFlows } from './oauth-flow-suite.ts';
import { DoubleNextcloud } from './providers/double-provider.ts';
import { enableBackupCodes } from './second-factor.ts';

const outputDir = await mkdtemp(join(tmpdir(), 'nclab-oauth-flows-'));
afterAll(() => rm(outputDir, { recursive: true, force: true }));

describeOAuthFlows('OAuth flows against the Nextcloud double (NC 32, oidc 1.16.6)', () => new DoubleNextcloud().withProtectionsOff().start(), { timeoutMs: 60_000, outputDir });

describe('double-only cases', () => {
  it('closes the firstrunwizard modal that covers the consent page (about 5 s)', { timeout: 120_000 }, async () => {
    const nc = await new DoubleNextcloud().withConsent().withProtectionsOff().start();
    const browser = await BrowserSession.launch(nc.secrets);
    const callbacks = await CallbackServer.start();
    try {
      expect((await nc.occ(['app:enable', 'firstrunwizard'])).exitCode).toBe(0);
      const client = await OAuthClient.register(nc, { redirectUris: [callbacks.redirectUri] });
      const request = await client.authorizationRequest();
      const seen = await browser.login(nc.user('bob'), request, callbacks, { timeoutMs: 90_000 });
      expect(seen.consentShown).toBe(true);
      expect(seen.firstRunWizardClosed).toBe(true);
      expect(seen.callback.code).toBeDefined();
    } finally {
      await callbacks.close();
      await browser.close();
      await nc.stop();
    }
  });

  it('answers the second-factor challenge with one backup code, and says so when it has none', { timeout: 120_000 }, async () => {
    const nc = await new DoubleNextcloud().withNextcloud(34).withTestUsers([{ uid: 'alice' }, { uid: 'carol' }]).start();
    const browser = await BrowserSession.launch(nc.secrets);
    const callbacks = await CallbackServer.start();
    const factor = await enableBackupCodes(nc, nc.user('carol'));
    try {
      const client = await OAuthClient.register(nc, { redirectUris: [callbacks.redirectUri] });
      const refused = await browser.login(nc.user('carol'), await client.authorizationRequest(), callbacks, { timeoutMs: 60_000 }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(HarnessError);
      expect((refused as HarnessError).code).toBe('ERR_LOGIN_REJECTED');
      expect((refused as HarnessError).message).toMatch(/asks carol for a second factor/);
      await browser.forget({ uid: 'carol' });
      const used: string[] = [];
      const seen = await browser.login(nc.user('carol'), await client.authorizationRequest(), callbacks, {
        timeoutMs: 60_000,
        secondFactor: () => {
          const code = factor.nextCode();
          if (code) used.push(code);
          return code;
        },
      });
      expect(seen.secondFactorAnswered).toBe(true);
      expect(seen.pages).toEqual(expect.arrayContaining(['/index.php/login/selectchallenge', '/index.php/login/challenge/backup_codes']));
      expect(seen.callback.code).toBeDefined();
      expect(used).toHaveLength(1);
      await client.delete();
    } finally {
      expect(await factor.undo()).toEqual([]);
      await callbacks.close();
      await browser.close();
      await nc.stop();
    }
  });

  it('sends an RFC 8707 resource; a JWT access token names it as its audience', { timeout: 120_000 }, async () => {
    const nc = await new DoubleNextcloud().withNextcloud(34).start();
    const browser = await BrowserSession.launch(nc.secrets);
    const callbacks = await CallbackServer.start();
    try {
      const client = await OAuthClient.register(nc, { redirectUris: [callbacks.redirectUri], tokenType: 'jwt' });
      expect(client.registration.tokenType).toBe('jwt');
      const request = await client.authorizationRequest({ resource: 'http://127.0.0.1:9/mcp' });
      expect(request.url.searchParams.get('resource')).toBe('http://127.0.0.1:9/mcp');
      const tokens = await client.exchangeCode((await browser.login(nc.user(), request, callbacks, { timeoutMs: 90_000 })).callback, request);
      expect(tokens.format).toBe('jwt');
      expect(tokens.accessTokenClaims?.aud).toBe('http://127.0.0.1:9/mcp');
      expect(tokens.accessTokenClaims?.['client_id']).toBe(client.registration.clientId);
      await client.delete();
    } finally {
      await callbacks.close();
      await browser.close();
      await nc.stop();
    }
  });

  it('knows that oidc 1.10 has PKCE but neither introspection nor RFC 7592', async () => {
    const nc = await new DoubleNextcloud().withOidc('1.10.0').start();
    try {
      const client = await OAuthClient.register(nc, { redirectUris: ['http://127.0.0.1:9/callback'] });
      expect(client.pkceMethods).toEqual(['S256', 'plain']);
      expect(client.supportsIntrospection).toBe(false);
      expect(client.registration.registrationClientUri).toBeUndefined();
      await client.delete();
      expect((await nc.occ(['oidc:list'])).stdout).not.toContain(client.registration.clientId);
    } finally {
      await nc.stop();
    }
  });

  it('refuses plain http to a host that is not loopback unless allowed', async () => {
    const error = await OAuthClient.register({ baseUrl: 'http://nextcloud.example.test', publicUrl: 'http://nextcloud.example.test' }, { redirectUris: ['http://127.0.0.1:9/cb'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as HarnessError).code).toBe('ERR_INSECURE_HTTP');
    expect((error as HarnessError).message).toMatch(/--allow-insecure-http/);
  });
});
