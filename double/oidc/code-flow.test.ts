import { afterEach, describe, expect, it } from 'vitest';
import { startDouble, type StartedDouble } from '../start-double.ts';
import { CodeFlowError, runCodeFlow } from './code-flow.ts';

let double: StartedDouble | undefined;
afterEach(async () => {
  await double?.stop();
  double = undefined;
});

describe('runCodeFlow (what curl does for the acceptance)', () => {
  it('DCR + PKCE S256 + login with requesttoken and Origin + authorize + token + userinfo on NC 34 / oidc 2.0.9', async () => {
    double = await startDouble({ nextcloud: 34, oidc: '2.0.9' });
    const result = await runCodeFlow({ baseUrl: double.url, user: 'alice', password: 'alice-password' });
    expect(result.client.registration?.['token_endpoint_auth_method']).toBe('client_secret_post');
    expect(result.codeVerifier).toBeDefined();
    expect(result.consentShown).toBe(false);
    expect(result.tokens.access_token).toMatch(/^[A-Za-z0-9]{72}$/);
    expect(result.tokens.refresh_token).toMatch(/^[A-Za-z0-9]{128}$/);
    expect(result.userinfo).toMatchObject({ sub: 'alice', preferred_username: 'alice', email: 'alice@example.test' });
    // The token logs the client in through user_oidc on an OCS API.
    const user = await fetch(`${double.url}/ocs/v2.php/cloud/user?format=json`, { headers: { Authorization: `Bearer ${result.tokens.access_token}`, 'OCS-APIRequest': 'true' } });
    expect(user.status).toBe(200);
  });

  it('goes through the consent page with a JWT client', async () => {
    double = await startDouble({ consent: true });
    const result = await runCodeFlow({ baseUrl: double.url, user: 'bob', password: 'bob-password', tokenType: 'jwt', scope: 'openid profile' });
    expect(result.consentShown).toBe(true);
    expect(result.tokens.access_token.split('.')).toHaveLength(3);
    expect(result.userinfo).toMatchObject({ sub: 'bob', name: 'Bob Builder' });
  });

  it('names the failing step: no Origin on NC 34, a wrong password, Deny on the consent page', async () => {
    double = await startDouble({ nextcloud: 34, consent: true });
    await expect(runCodeFlow({ baseUrl: double.url, user: 'alice', password: 'alice-password', sendOrigin: false })).rejects.toMatchObject({ code: 'ERR_FLOW_LOGIN', message: expect.stringContaining('no Origin header') as unknown });
    await expect(runCodeFlow({ baseUrl: double.url, user: 'alice', password: 'nope' })).rejects.toBeInstanceOf(CodeFlowError);
    await expect(runCodeFlow({ baseUrl: double.url, user: 'alice', password: 'alice-password', consent: 'deny' })).rejects.toMatchObject({ code: 'ERR_FLOW_NO_CODE', message: expect.stringContaining('access_denied') as unknown });
  });
});
