// Discovery and PKCE advertisement (OpenID Connect Discovery 1.0 §4, RFC 8414 §2, RFC 7636 §4.2).
import { test } from '../fixtures/matrix-fixtures.ts';
import { httpObserve } from '../fixtures/observe-http.ts';
import { withChecks } from '../record-check.ts';

const REQUIRED = ['issuer', 'authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri'] as const;

/** Discovery and PKCE advertisement. Declares the tests; the list (matrix.list.ts) calls it inside a describe. */
export function discoveryScenarios(): void {
  test('discovery document and PKCE advertisement', withChecks('discovery.openid-configuration', 'discovery.pkce-advertised'), async ({ nextcloud, check }) => {
    // Follows a redirect the web server may put in front of the well-known URL, as a client would.
    let answer = await httpObserve(`${nextcloud.baseUrl}/.well-known/openid-configuration`);
    const location = answer.headers.get('location');
    if (answer.status >= 300 && answer.status < 400 && location) answer = await httpObserve(new URL(location, nextcloud.baseUrl).href);
    const doc = (answer.json && typeof answer.json === 'object' ? answer.json : {}) as Record<string, unknown>;
    const missing = REQUIRED.filter((field) => typeof doc[field] !== 'string' || doc[field] === '');
    await check('discovery.openid-configuration', answer.status === 200 && missing.length === 0, {
      status: answer.status,
      // No URL in the message: it names the instance's port, and cells must compare equal across runs.
      message: answer.status !== 200 ? answer.message : missing.length > 0 ? `missing ${missing.join(', ')}` : `issuer ${doc['issuer'] === nextcloud.publicUrl ? "is the instance's public URL" : 'differs from the public URL'}`,
    });
    const methods = Array.isArray(doc['code_challenge_methods_supported']) ? (doc['code_challenge_methods_supported'] as unknown[]).map(String) : undefined;
    await check('discovery.pkce-advertised', methods !== undefined && methods.includes('S256') && methods.includes('plain'), {
      status: answer.status,
      message: methods === undefined ? 'no code_challenge_methods_supported in the discovery document' : `code_challenge_methods_supported: ${JSON.stringify(methods)}`,
    });
  });
}
