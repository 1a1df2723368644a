// Tokens of the oidc app: userinfo (OIDC Core §5.3), code reuse (RFC 6749 §4.1.2), refresh and
// offline_access (RFC 6749 §6, OIDC Core §11), introspection (RFC 7662) and client_secret_basic (RFC 6749 §2.3.1).
import { test } from '../fixtures/matrix-fixtures.ts';
import { httpObserve } from '../fixtures/observe-http.ts';
import { authorizationCode, errorObservation, exchange, reachable } from '../fixtures/oauth-steps.ts';
import { withChecks } from '../record-check.ts';

/** Tokens: userinfo, code reuse, refresh and offline_access, introspection, client_secret_basic. Declares the tests; the list (matrix.list.ts) calls it inside a describe. */
export function oauthScenarios(): void {
  test('userinfo with the access token', withChecks('oauth.userinfo'), async ({ nextcloud, logins, check }) => {
    const { tokens, user } = await logins.tokens();
    const endpoint = logins.client.metadata.userinfo_endpoint;
    if (!endpoint) {
      await check('oauth.userinfo', false, { message: 'the discovery document names no userinfo_endpoint' });
      return;
    }
    const answer = await httpObserve(reachable(nextcloud, endpoint), { bearer: tokens.accessToken });
    const claims = (answer.json ?? {}) as Record<string, unknown>;
    const ok = answer.status === 200 && typeof claims['sub'] === 'string' && claims['preferred_username'] === user.uid;
    await check('oauth.userinfo', ok, {
      status: answer.status,
      message: answer.status === 200 ? `sub ${typeof claims['sub'] === 'string' ? 'present' : 'missing'}, preferred_username ${String(claims['preferred_username'] ?? 'missing')}` : answer.message,
    });
  });

  test('authorization code reuse', withChecks('oauth.code-reuse.rejected', 'oauth.code-reuse.revokes-tokens'), async ({ nextcloud, logins, check }, testInfo) => {
    const attempt = await authorizationCode(logins, testInfo, { scope: 'openid profile' });
    const first = attempt.failure ? undefined : await exchange(logins.client, attempt);
    if (attempt.failure || !first?.tokens) {
      const why = attempt.failure ?? first?.refusal ?? {};
      await check('oauth.code-reuse.rejected', false, { ...why, message: `no first exchange to repeat: ${why.message ?? ''}` });
      await check('oauth.code-reuse.revokes-tokens', false, { ...why, message: `no first exchange to repeat: ${why.message ?? ''}` });
      return;
    }
    const second = await exchange(logins.client, attempt);
    await check('oauth.code-reuse.rejected', second.refusal?.status === 400, second.tokens ? { status: 200, message: 'the reused code was exchanged for new tokens' } : second.refusal);
    const endpoint = reachable(nextcloud, logins.client.metadata.userinfo_endpoint ?? `${nextcloud.publicUrl}/index.php/apps/oidc/userinfo`);
    const after = await httpObserve(endpoint, { bearer: first.tokens.accessToken });
    // Refused in any way counts: the oidc app answers an unknown token at userinfo with 400 invalid_request.
    await check('oauth.code-reuse.revokes-tokens', after.status >= 400 && after.status < 500, {
      status: after.status,
      message: after.status === 200 ? `the ${first.tokens.format} access token from the reused code is still accepted by userinfo` : after.message,
    });
  });

  test('refresh tokens and offline_access', withChecks('oauth.refresh.offline-access', 'oauth.refresh.requires-offline-access'), async ({ logins, check }, testInfo) => {
    const offline = await authorizationCode(logins, testInfo, { scope: 'openid profile offline_access' });
    const withOffline = offline.failure ? { refusal: offline.failure } : await exchange(logins.client, offline);
    if (!withOffline.tokens) await check('oauth.refresh.offline-access', false, withOffline.refusal);
    else if (!withOffline.tokens.refreshToken) await check('oauth.refresh.offline-access', false, { status: 200, message: 'no refresh_token for scope offline_access' });
    else {
      try {
        const refreshed = await logins.client.refresh(withOffline.tokens.refreshToken);
        await check('oauth.refresh.offline-access', refreshed.accessToken !== '' && refreshed.accessToken !== withOffline.tokens.accessToken, { status: 200, message: 'the refresh_token grant returned a new access token' });
      } catch (error) {
        await check('oauth.refresh.offline-access', false, errorObservation(error));
      }
    }
    const online = await authorizationCode(logins, testInfo, { scope: 'openid profile' });
    const withoutOffline = online.failure ? { refusal: online.failure } : await exchange(logins.client, online);
    if (!withoutOffline.tokens) await check('oauth.refresh.requires-offline-access', false, withoutOffline.refusal);
    else {
      const issued = withoutOffline.tokens.refreshToken !== undefined;
      await check('oauth.refresh.requires-offline-access', !issued, { status: 200, message: issued ? 'a refresh_token was issued without offline_access' : 'no refresh_token without offline_access' });
    }
  });

  test('token introspection', withChecks('oauth.introspection'), async ({ logins, check }) => {
    const { tokens } = await logins.tokens();
    if (!logins.client.supportsIntrospection) {
      await check('oauth.introspection', false, { message: 'the discovery document advertises no introspection_endpoint' });
      return;
    }
    try {
      const answer = await logins.client.introspect(tokens.accessToken);
      await check('oauth.introspection', answer.active === true, { status: 200, message: `active: ${String(answer.active)}` });
    } catch (error) {
      await check('oauth.introspection', false, errorObservation(error));
    }
  });

  test('token endpoint with client_secret_basic', withChecks('oauth.token.client-secret-basic'), async ({ nextcloud, logins, check }, testInfo) => {
    const attempt = await authorizationCode(logins, testInfo, { scope: 'openid' });
    if (attempt.failure) {
      await check('oauth.token.client-secret-basic', false, attempt.failure);
      return;
    }
    const { clientId, clientSecret } = logins.client.registration;
    // RFC 6749 §2.3.1: client id and secret form-urlencoded, then Basic.
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret ?? '')}`, 'utf8').toString('base64');
    const body = new URLSearchParams({ grant_type: 'authorization_code', code: attempt.callback!.code!, redirect_uri: attempt.request.redirectUri, code_verifier: attempt.request.codeVerifier ?? '' });
    const endpoint = reachable(nextcloud, logins.client.metadata.token_endpoint ?? `${nextcloud.publicUrl}/index.php/apps/oidc/token`);
    const answer = await httpObserve(endpoint, { method: 'POST', body: body.toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${basic}` } });
    const token = (answer.json as { access_token?: unknown } | undefined)?.access_token;
    if (typeof token === 'string') nextcloud.secrets.add(token);
    await check('oauth.token.client-secret-basic', answer.status === 200 && typeof token === 'string', { status: answer.status, message: answer.status === 200 ? 'tokens issued to a client_secret_basic client' : answer.message });
  });
}
