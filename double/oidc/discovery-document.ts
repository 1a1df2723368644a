import type { DoubleState } from '../double-state.ts';
import { INDEX_PHP } from '../pages/render-page.ts';
import { oidcStore } from './oidc-store.ts';

/** Where the `oidc` app's routes live. */
export const OIDC_APP_PATH = `${INDEX_PHP}/apps/oidc`;

/**
 * The OpenID Provider Metadata (OpenID Connect Discovery 1.0 section 3) as the `oidc` app generates it
 * (DiscoveryGenerator), for the scheme and host the request came through: the issuer has no path, the
 * endpoints live under `/index.php/apps/oidc`. Fields by version and settings (facts page, "Endpoints"):
 * `code_challenge_methods_supported` from 1.10, `introspection_endpoint` from 1.11, `registration_endpoint`
 * only while `dynamic_client_registration` is the string `true`, `offline_access` from 1.12, the scopes
 * clients allow from 1.11, grant type `refresh_token` and response mode `fragment` and the `claims_parameter_supported` family from 2.0, `form_post`
 * from 2.0.2.
 */
export function discoveryDocument(state: DoubleState, origin: string): Record<string, unknown> {
  const f = state.features;
  const app = `${origin}${OIDC_APP_PATH}`;
  const scopes = ['openid', 'profile', 'email', 'roles', 'groups'];
  if (f.refreshNeedsOfflineAccess) scopes.push('offline_access');
  if (f.clientManagement) {
    for (const client of oidcStore(state).clients.values()) {
      for (const scope of client.allowedScopes.toLowerCase().split(' ')) if (scope.trim() !== '' && !scopes.includes(scope)) scopes.push(scope);
    }
  }
  const responseModes = ['query'];
  if (f.discoveryRefreshGrant) responseModes.push('fragment');
  if (f.formPostResponseMode) responseModes.push('form_post');
  const grantTypes = ['authorization_code', 'implicit'];
  if (f.discoveryRefreshGrant) grantTypes.push('refresh_token');
  const doc: Record<string, unknown> = {
    issuer: origin,
    authorization_endpoint: `${app}/authorize`,
    token_endpoint: `${app}/token`,
    userinfo_endpoint: `${app}/userinfo`,
    jwks_uri: `${app}/jwks`,
    scopes_supported: scopes,
    response_types_supported: ['code', 'code id_token', 'id_token'],
    response_modes_supported: responseModes,
    grant_types_supported: grantTypes,
    acr_values_supported: ['0'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256', 'HS256'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    display_values_supported: ['page'],
    claim_types_supported: ['normal'],
    claims_supported: [
      'iss', 'sub', 'aud', 'exp', 'auth_time', 'iat', 'acr', 'azp', 'preferred_username', 'scope', 'nbf', 'jti', 'roles', 'groups', 'name', 'given_name',
      'family_name', 'middle_name', 'updated_at', 'website', 'email', 'email_verified', 'website', 'phone_number', 'address', 'picture', 'quota',
    ],
  };
  if (f.claimsParameter) Object.assign(doc, { claims_parameter_supported: true, request_parameter_supported: false, request_uri_parameter_supported: false });
  doc['end_session_endpoint'] = `${app}/logout`;
  if (state.getAppValue('oidc', 'dynamic_client_registration') === 'true') doc['registration_endpoint'] = `${app}/register`;
  if (f.introspection) {
    doc['introspection_endpoint'] = `${app}/introspect`;
    doc['introspection_endpoint_auth_methods_supported'] = ['client_secret_post', 'client_secret_basic'];
  }
  if (f.pkce) doc['code_challenge_methods_supported'] = ['S256', 'plain'];
  return doc;
}
