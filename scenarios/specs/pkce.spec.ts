// PKCE at the oidc app (RFC 7636): S256 and plain exchanges, a missing or wrong verifier, a malformed challenge.
import { randomBytes } from 'node:crypto';
import { test } from '../fixtures/matrix-fixtures.ts';
import { authorizationCode, exchange, isInvalidGrant } from '../fixtures/oauth-steps.ts';
import { withChecks } from '../record-check.ts';

/** PKCE: S256, plain, a missing or wrong verifier, a malformed challenge. Declares the tests; the list (matrix.list.ts) calls it inside a describe. */
export function pkceScenarios(): void {
  test('PKCE S256 and plain exchanges', withChecks('oauth.pkce.s256', 'oauth.pkce.plain'), async ({ logins, check }, testInfo) => {
    for (const [method, id] of [['S256', 'oauth.pkce.s256'], ['plain', 'oauth.pkce.plain']] as const) {
      const attempt = await authorizationCode(logins, testInfo, { pkce: method });
      if (attempt.failure) {
        await check(id, false, attempt.failure);
        continue;
      }
      const { tokens, refusal } = await exchange(logins.client, attempt);
      await check(id, tokens !== undefined, tokens ? { status: 200, message: `tokens issued for the ${method} verifier` } : refusal);
    }
  });

  test('PKCE: a missing or wrong verifier is refused', withChecks('oauth.pkce.missing-verifier', 'oauth.pkce.wrong-verifier'), async ({ logins, check }, testInfo) => {
    const cases = [
      ['oauth.pkce.missing-verifier', null, 'without code_verifier'],
      ['oauth.pkce.wrong-verifier', randomBytes(32).toString('base64url'), 'with a wrong code_verifier'],
    ] as const;
    for (const [id, verifier, what] of cases) {
      const attempt = await authorizationCode(logins, testInfo, { pkce: 'S256' });
      if (attempt.failure) {
        await check(id, false, attempt.failure);
        continue;
      }
      const { tokens, refusal } = await exchange(logins.client, attempt, { codeVerifier: verifier });
      await check(id, isInvalidGrant(refusal), tokens ? { status: 200, message: `tokens were issued ${what}` } : refusal);
    }
  });

  test('PKCE: a malformed code_challenge is refused', withChecks('oauth.pkce.invalid-challenge'), async ({ logins, check }, testInfo) => {
    // 42 characters: one short of RFC 7636 §4.2's minimum, and a character outside its alphabet.
    const challenge = `${'a'.repeat(41)}!`;
    const attempt = await authorizationCode(logins, testInfo, { pkce: 'none', extra: { code_challenge: challenge, code_challenge_method: 'S256' } });
    const error = attempt.callback?.error;
    if (attempt.callback?.code) {
      await check('oauth.pkce.invalid-challenge', false, { message: 'the oidc app issued a code for a malformed code_challenge' });
      return;
    }
    await check('oauth.pkce.invalid-challenge', error === 'invalid_request', error ? { message: `the redirect URI received error=${error}` } : attempt.failure);
  });
}
