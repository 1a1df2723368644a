import type { DoubleState, DoubleUser } from '../double-state.ts';
import { escapeHtml } from './render-page.ts';
import { userPage } from './user-page.ts';

/** The authorization parameters the redirect page may carry as `data-*` attributes. */
export const AUTHORIZE_PARAMETERS = [
  'client_id', 'state', 'response_type', 'redirect_uri', 'scope', 'nonce', 'resource', 'code_challenge', 'code_challenge_method', 'prompt', 'max_age', 'response_mode', 'claims',
] as const;

/**
 * Script of the `oidc` app's redirect page: it sends the browser back to `/authorize` by itself, with the
 * parameters found on `#oidc-redirect` (none before oidc 1.16.3: they wait in the session).
 */
const REDIRECT_SCRIPT = `document.addEventListener('DOMContentLoaded', function () {
  var el = document.getElementById('oidc-redirect');
  var params = new URLSearchParams();
  ${JSON.stringify(AUTHORIZE_PARAMETERS)}.forEach(function (key) {
    var value = el && el.getAttribute('data-' + key.replace(/_/g, '-'));
    if (value) { params.append(key, value); }
  });
  var heading = document.createElement('h2');
  heading.style.textAlign = 'center';
  heading.textContent = 'OpenID Connect Redirect';
  el.appendChild(heading);
  var query = params.toString();
  window.location.replace(OC.generateUrl('apps/oidc/authorize') + (query ? '?' + query : ''));
});`;

/** The `oidc` app's page after login (`/apps/oidc/redirect`): `#oidc-redirect` and its script. */
export function oidcRedirectPage(state: DoubleState, user: DoubleUser, requestToken: string, params: Readonly<Record<string, string>>): string {
  const data = AUTHORIZE_PARAMETERS.filter((k) => (params[k] ?? '') !== '')
    .map((k) => ` data-${k.replace(/_/g, '-')}="${escapeHtml(params[k]!)}"`)
    .join('');
  return userPage(state, user, requestToken, 'OpenID Connect', `<div id="oidc-redirect"${data}></div>`, REDIRECT_SCRIPT);
}

