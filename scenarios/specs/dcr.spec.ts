// Dynamic client registration (RFC 7591) and client deletion (RFC 7592 §2.3) at the oidc app.
import { randomBytes } from 'node:crypto';
import { test } from '../fixtures/matrix-fixtures.ts';
import { httpObserve } from '../fixtures/observe-http.ts';
import { withChecks } from '../record-check.ts';

const REGISTER = '/index.php/apps/oidc/register';

function registration(redirectUri: string): { body: string } {
  const name = `nc-oauth-lab dcr ${randomBytes(3).toString('hex')}`;
  return { body: JSON.stringify({ redirect_uris: [redirectUri], client_name: name }) };
}

/** Dynamic client registration: register, delete, refused while off. Declares the tests; the list (matrix.list.ts) calls it inside a describe. */
export function dcrScenarios(): void {
  test('register a client and delete it again', withChecks('dcr.register', 'dcr.delete'), async ({ nextcloud, logins, check }) => {
    const { body } = registration(logins.callbacks.redirectUri);
    const answer = await httpObserve(`${nextcloud.baseUrl}${REGISTER}`, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
    const client = (answer.json && typeof answer.json === 'object' ? answer.json : {}) as Record<string, unknown>;
    const clientId = typeof client['client_id'] === 'string' ? client['client_id'] : undefined;
    const hasSecret = typeof client['client_secret'] === 'string' && client['client_secret'] !== '';
    nextcloud.secrets.add(
      typeof client['client_secret'] === 'string' ? client['client_secret'] : undefined,
      typeof client['registration_access_token'] === 'string' ? client['registration_access_token'] : undefined,
    );
    await check('dcr.register', answer.status === 201 && clientId !== undefined && hasSecret, {
      status: answer.status,
      message: answer.status === 201 ? `client_id ${clientId ? 'issued' : 'missing'}, client_secret ${hasSecret ? 'issued' : 'missing'}` : answer.message,
    });
    let deleted = false;
    try {
      const uri = client['registration_client_uri'];
      const token = client['registration_access_token'];
      if (typeof uri !== 'string' || typeof token !== 'string') {
        await check('dcr.delete', false, { status: answer.status, message: 'the registration answer has no registration_client_uri and registration_access_token (no RFC 7592 client management)' });
        return;
      }
      const target = new URL(uri, nextcloud.baseUrl);
      const url = target.href.startsWith(nextcloud.publicUrl) ? nextcloud.baseUrl + target.href.slice(nextcloud.publicUrl.length) : target.href;
      const removal = await httpObserve(url, { method: 'DELETE', bearer: token });
      deleted = removal.status === 204;
      await check('dcr.delete', deleted, { status: removal.status, message: removal.message || (deleted ? 'deleted' : '') });
    } finally {
      // Leave no client behind on a real instance, whatever the checks saw.
      if (!deleted && clientId) await nextcloud.occ(['oidc:remove', clientId]);
    }
  });

  test('registration refused while DCR is off', withChecks('dcr.disabled'), async ({ nextcloud, logins, check }) => {
    // Through occ, confirmed over HTTP (the discovery document) before the registration: NC >= 32 serves
    // app config from a local cache for 3 s (see harness/confirm-app-config.ts).
    await nextcloud.setAppConfig('oidc', 'dynamic_client_registration', 'false');
    try {
      const { body } = registration(logins.callbacks.redirectUri);
      const answer = await httpObserve(`${nextcloud.baseUrl}${REGISTER}`, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
      const error = (answer.json as { error?: unknown } | undefined)?.error;
      await check('dcr.disabled', answer.status === 400 && error === 'dynamic_registration_not_allowed', { status: answer.status, message: answer.message });
      const leaked = (answer.json as { client_id?: unknown } | undefined)?.client_id;
      if (typeof leaked === 'string') await nextcloud.occ(['oidc:remove', leaked]);
    } finally {
      await nextcloud.setAppConfig('oidc', 'dynamic_client_registration', 'true');
    }
  });
}
