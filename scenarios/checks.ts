/**
 * The check catalogue of the compatibility matrix: every check id a scenario may record, with what
 * passing means and where the behaviour is specified. A check id is stable and dotted; a scenario records
 * it under the same id whether it passes or fails (as the MCP conformance suite does), and the
 * expectations data (scenarios/expectations/*.json) says per version where it is expected to pass.
 *
 * References name the RFC section, the section of the project's facts page (`nextcloud-facts.md`, kept
 * beside the checkout) or the upstream suite the check comes from.
 */

/** One reference of a check: a title and, where the reference is public, its URL. */
export interface CheckRef {
  title: string;
  url?: string;
}

/** What a check is: its title, what passing means, and where that is specified. */
export interface CheckDefinition {
  /** Short title for reports. */
  title: string;
  /** What the scenario does and what counts as passing. */
  description: string;
  /** The specification, facts-page section or upstream suite behind the check. */
  refs: readonly CheckRef[];
  /**
   * Apps (ids of `occ app:list`) the check needs beyond core and the two OAuth apps. On an instance where
   * one is not installed or disabled the check is not measured: its cell is `skipped` with the reason.
   */
  apps?: readonly AppId[];
}

/** The apps a check can need, with the name reports use ("Deck is not installed"). */
export const APP_NAMES = {
  notes: 'Notes',
  deck: 'Deck',
  tables: 'Tables',
  twofactor_backupcodes: 'Two-factor backup codes',
} as const;

/** An app a check can need. */
export type AppId = keyof typeof APP_NAMES;

/** A reference to an RFC section, linked to rfc-editor.org. */
function rfc(number: number, section?: string): CheckRef {
  return {
    title: `RFC ${number}${section ? ` §${section}` : ''}`,
    url: `https://www.rfc-editor.org/rfc/rfc${number}${section ? `#section-${section}` : ''}`,
  };
}

/** A reference to a section of the facts page (`nextcloud-facts.md` beside the checkout). */
function facts(section: string): CheckRef {
  return { title: `facts page: ${section}` };
}

/** A reference to a specification that is not an RFC. */
function spec(title: string, url: string): CheckRef {
  return { title, url };
}

const OIDC_DISCOVERY = spec('OpenID Connect Discovery 1.0 §4', 'https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig');
const OIDC_USERINFO = spec('OpenID Connect Core 1.0 §5.3', 'https://openid.net/specs/openid-connect-core-1_0.html#UserInfo');
const OIDC_OFFLINE = spec('OpenID Connect Core 1.0 §11', 'https://openid.net/specs/openid-connect-core-1_0.html#OfflineAccess');
const MCP_AUTH = spec('MCP specification: Authorization', 'https://modelcontextprotocol.io/specification/2025-06-18/basic/authorization');
const MCP_LIFECYCLE = spec('MCP specification: Lifecycle', 'https://modelcontextprotocol.io/specification/2025-06-18/basic/lifecycle');
const MCP_TOOLS = spec('MCP specification: Tools', 'https://modelcontextprotocol.io/specification/2025-06-18/server/tools');

/** The conformance suite's server authorization scenario a check comes from. */
function conformance(scenario: string): CheckRef {
  return spec(`@modelcontextprotocol/conformance scenario ${scenario}`, 'https://github.com/modelcontextprotocol/conformance');
}

/**
 * Every check of the matrix, in report order. Ids are stable: renaming one breaks `matrix diff` against
 * older reports and the expectations data, so add new ids instead.
 */
export const CHECKS = {
  // Discovery
  'discovery.openid-configuration': {
    title: 'Discovery document',
    description:
      'GET /.well-known/openid-configuration answers 200 with issuer, authorization_endpoint, token_endpoint, userinfo_endpoint and jwks_uri.',
    refs: [OIDC_DISCOVERY, rfc(8414, '3'), facts('Endpoints of the oidc app')],
  },
  'discovery.pkce-advertised': {
    title: 'PKCE advertised in discovery',
    description: 'The discovery document lists code_challenge_methods_supported with S256 and plain.',
    refs: [rfc(8414, '2'), rfc(7636, '4.2'), facts('Endpoints of the oidc app')],
  },

  // Dynamic client registration
  'dcr.register': {
    title: 'DCR: register a client',
    description:
      'With dynamic_client_registration on, POST /apps/oidc/register with redirect_uris answers 201 with client_id and client_secret.',
    refs: [rfc(7591, '3.2.1'), facts('Endpoints of the oidc app'), facts('Configuration (occ)')],
  },
  'dcr.disabled': {
    title: 'DCR: refused when disabled',
    description: 'With dynamic_client_registration off, POST /apps/oidc/register answers 400 {"error":"dynamic_registration_not_allowed"}.',
    refs: [rfc(7591, '3.2.2'), facts('Endpoints of the oidc app')],
  },
  'dcr.delete': {
    title: 'DCR: delete the client (RFC 7592)',
    description: 'DELETE /apps/oidc/register/{client_id} with the registration access token as Bearer answers 204.',
    refs: [rfc(7592, '2.3'), facts('Endpoints of the oidc app')],
  },

  // Browser login
  'login.browser.no-consent': {
    title: 'Browser login without consent page',
    description: 'A real browser logs in through /authorize and the login form and arrives at redirect_uri with code and state.',
    refs: [rfc(6749, '4.1'), facts('The browser login')],
  },
  'login.browser.consent': {
    title: 'Browser login with consent page',
    description: 'With allow_user_settings=enabled the consent page is shown; Allow leads to redirect_uri with code and state.',
    refs: [rfc(6749, '4.1'), facts('The browser login'), facts('Configuration (occ)')],
  },

  // Authorization code, PKCE, tokens
  'oauth.pkce.s256': {
    title: 'PKCE S256',
    description: 'A code requested with an S256 code_challenge is exchanged for tokens with the matching code_verifier.',
    refs: [rfc(7636, '4.2'), rfc(7636, '4.6'), facts('Endpoints of the oidc app')],
  },
  'oauth.pkce.plain': {
    title: 'PKCE plain',
    description: 'A code requested with a plain code_challenge is exchanged for tokens with the matching code_verifier.',
    refs: [rfc(7636, '4.2'), rfc(7636, '4.6'), facts('Endpoints of the oidc app')],
  },
  'oauth.pkce.missing-verifier': {
    title: 'PKCE: missing verifier refused',
    description: 'A code requested with a code_challenge and exchanged without code_verifier is refused with 400 invalid_grant.',
    refs: [rfc(7636, '4.6'), facts('Endpoints of the oidc app')],
  },
  'oauth.pkce.wrong-verifier': {
    title: 'PKCE: wrong verifier refused',
    description: 'A code requested with a code_challenge and exchanged with a wrong code_verifier is refused with 400 invalid_grant.',
    refs: [rfc(7636, '4.6'), facts('Endpoints of the oidc app')],
  },
  'oauth.pkce.invalid-challenge': {
    title: 'PKCE: invalid challenge refused',
    description: 'An authorization request with a malformed code_challenge is redirected back with error=invalid_request.',
    refs: [rfc(7636, '4.4.1'), facts('Endpoints of the oidc app')],
  },
  'oauth.userinfo': {
    title: 'Userinfo',
    description: 'GET /apps/oidc/userinfo with the access token answers 200 with sub and preferred_username.',
    refs: [OIDC_USERINFO, facts('Endpoints of the oidc app')],
  },
  'oauth.code-reuse.rejected': {
    title: 'Authorization code reuse refused',
    description: 'Exchanging the same authorization code a second time is refused with 400.',
    refs: [rfc(6749, '4.1.2'), facts('Endpoints of the oidc app')],
  },
  'oauth.code-reuse.revokes-tokens': {
    title: 'Code reuse revokes the issued tokens',
    description: 'After a reused authorization code, the opaque access token issued from that code is no longer accepted.',
    refs: [rfc(6749, '4.1.2'), facts('Endpoints of the oidc app')],
  },
  'oauth.refresh.offline-access': {
    title: 'Refresh with offline_access',
    description: 'A code requested with scope offline_access yields a refresh_token, and the refresh_token grant returns a new access token.',
    refs: [rfc(6749, '6'), OIDC_OFFLINE, facts('Versions that matter')],
  },
  'oauth.refresh.requires-offline-access': {
    title: 'No refresh token without offline_access',
    description: 'A code requested without scope offline_access yields no refresh_token (provide_refresh_token_always off).',
    refs: [OIDC_OFFLINE, facts('Versions that matter')],
  },
  'oauth.introspection': {
    title: 'Token introspection',
    description: 'POST /apps/oidc/introspect with the client credentials answers active: true for a valid access token.',
    refs: [rfc(7662, '2.2'), facts('Endpoints of the oidc app')],
  },
  'oauth.token.client-secret-basic': {
    title: 'Token endpoint with client_secret_basic',
    description: 'The token endpoint accepts client credentials sent as HTTP Basic (client_secret_basic), as discovery advertises.',
    refs: [rfc(6749, '2.3.1'), facts('Versions that matter')],
  },

  // Nextcloud APIs with a Bearer token (no cookies)
  'bearer.ocs.capabilities': {
    title: 'OCS capabilities with Bearer',
    description: "GET /ocs/v2.php/cloud/capabilities with OCS-APIRequest and the Bearer token answers 200 with the logged-in user's capabilities.",
    refs: [rfc(6750, '2.1'), facts('Bearer tokens on Nextcloud APIs')],
  },
  'bearer.ocs.user': {
    title: 'OCS cloud/user with Bearer',
    description: "GET /ocs/v2.php/cloud/user with the Bearer token answers 200 with the token's user.",
    refs: [rfc(6750, '2.1'), facts('Bearer tokens on Nextcloud APIs')],
  },
  'bearer.notes.get': {
    title: 'Notes GET with Bearer only',
    description: 'GET /index.php/apps/notes/api/v1/notes with the Bearer token and no OCS-APIRequest header answers 200.',
    refs: [facts('Bearer tokens on Nextcloud APIs'), facts('The user_oidc patch')],
    apps: ['notes'],
  },
  'bearer.notes.post': {
    title: 'Notes POST with Bearer only',
    description: 'POST a note to /index.php/apps/notes/api/v1/notes with the Bearer token and no OCS-APIRequest header answers 200.',
    refs: [facts('Bearer tokens on Nextcloud APIs'), facts('The user_oidc patch')],
    apps: ['notes'],
  },
  'bearer.notes.ocs-header.get': {
    title: 'Notes GET with Bearer + OCS-APIRequest',
    description: 'GET /index.php/apps/notes/api/v1/notes with the Bearer token and OCS-APIRequest: true answers 200.',
    refs: [facts('Bearer tokens on Nextcloud APIs')],
    apps: ['notes'],
  },
  'bearer.notes.ocs-header.post': {
    title: 'Notes POST with Bearer + OCS-APIRequest',
    description: 'POST a note with the Bearer token and OCS-APIRequest: true answers 200.',
    refs: [facts('Bearer tokens on Nextcloud APIs')],
    apps: ['notes'],
  },
  'bearer.dav.files.propfind': {
    title: 'DAV files PROPFIND with Bearer',
    description: 'PROPFIND /remote.php/dav/files/{uid}/ with Depth 1 and the Bearer token answers 207.',
    refs: [rfc(4918, '9.1'), facts('Bearer tokens on Nextcloud APIs')],
  },
  'bearer.dav.calendar.propfind': {
    title: 'DAV calendars PROPFIND with Bearer',
    description: 'PROPFIND /remote.php/dav/calendars/{uid}/ with Depth 1 and the Bearer token answers 207.',
    refs: [rfc(4918, '9.1'), rfc(4791, '4.2'), facts('Bearer tokens on Nextcloud APIs')],
  },

  // The same APIs with an invalid token
  'invalid-token.ocs.capabilities': {
    title: 'OCS capabilities with an invalid token',
    description: 'With an invalid Bearer token, cloud/capabilities answers 200 with the anonymous capabilities only.',
    refs: [rfc(6750, '3.1'), facts('Bearer tokens on Nextcloud APIs')],
  },
  'invalid-token.ocs.user': {
    title: 'OCS cloud/user with an invalid token',
    description: 'With an invalid Bearer token, cloud/user answers 401 with OCS statuscode 997 "Current user is not logged in".',
    refs: [rfc(6750, '3.1'), facts('Bearer tokens on Nextcloud APIs')],
  },
  'invalid-token.notes': {
    title: 'Notes with an invalid token',
    description: 'With an invalid Bearer token, the Notes API answers 401.',
    refs: [rfc(6750, '3.1'), facts('Bearer tokens on Nextcloud APIs')],
    apps: ['notes'],
  },
  'invalid-token.dav.files': {
    title: 'DAV files with an invalid token',
    description: 'With an invalid Bearer token, PROPFIND on the files home answers 401 with the Sabre NotAuthenticated error.',
    refs: [rfc(6750, '3.1'), facts('Bearer tokens on Nextcloud APIs')],
  },
  'invalid-token.dav.calendar': {
    title: 'DAV calendars with an invalid token',
    description: 'With an invalid Bearer token, PROPFIND on the calendar home answers 401 with the Sabre NotAuthenticated error.',
    refs: [rfc(6750, '3.1'), facts('Bearer tokens on Nextcloud APIs')],
  },

  // Sessions around bearer requests
  'session.cookie-after-bearer': {
    title: 'Cookie session still works after a bearer request',
    description: 'A client that keeps cookies: after a bearer request without cookies, a request with only the session cookie it was given still answers 200 for that user.',
    refs: [facts('Versions that matter')],
  },
  'session.getapppassword-after-bearer': {
    title: 'getapppassword still works after a bearer request',
    description: 'After a bearer request without cookies, GET /ocs/v2.php/core/getapppassword with only the session cookie it was given answers 200 with an app password.',
    refs: [facts('Versions that matter')],
  },
  'session.twofactor-enforced': {
    title: 'Two-factor authentication still enforced',
    description:
      'A user with a second factor who made a bearer request in the same session still has to pass the second factor before reaching a page (the user_oidc patch side effect).',
    refs: [facts('The user_oidc patch')],
    apps: ['twofactor_backupcodes'],
  },

  // The included MCP server in front of Nextcloud
  'mcp.initialize': {
    title: 'MCP initialize',
    description: 'An MCP client with the access token completes initialize over Streamable HTTP.',
    refs: [MCP_LIFECYCLE, MCP_AUTH],
  },
  'mcp.tools.list': {
    title: 'MCP tools/list',
    description: 'tools/list answers with the Nextcloud tools.',
    refs: [MCP_TOOLS],
  },
  'mcp.notes.roundtrip': {
    title: 'MCP round trip: Notes',
    description: 'Through MCP tools: create a note, read it back, delete it.',
    refs: [MCP_TOOLS, facts('Bearer tokens on Nextcloud APIs'), facts('Other APIs an MCP server calls')],
    apps: ['notes'],
  },
  'mcp.files.roundtrip': {
    title: 'MCP round trip: Files',
    description: 'Through MCP tools: write a file, list and read it, delete it (WebDAV).',
    refs: [MCP_TOOLS, facts('Other APIs an MCP server calls')],
  },
  'mcp.calendar.roundtrip': {
    title: 'MCP round trip: Calendar',
    description: 'Through MCP tools: create an event, list it by time range, delete it (CalDAV).',
    refs: [MCP_TOOLS, facts('Other APIs an MCP server calls')],
  },
  'mcp.contacts.roundtrip': {
    title: 'MCP round trip: Contacts',
    description: 'Through MCP tools: create a contact, list it, delete it (CardDAV).',
    refs: [MCP_TOOLS, facts('Other APIs an MCP server calls')],
  },
  'mcp.deck.roundtrip': {
    title: 'MCP round trip: Deck',
    description: 'Through MCP tools: create a board, a stack and a card, read them back, delete them.',
    refs: [MCP_TOOLS, facts('Other APIs an MCP server calls'), facts('Bearer tokens on Nextcloud APIs')],
    apps: ['deck'],
  },
  'mcp.tables.roundtrip': {
    title: 'MCP round trip: Tables',
    description: 'Through MCP tools: list tables, insert a row, read the rows back.',
    refs: [MCP_TOOLS, facts('Other APIs an MCP server calls')],
    apps: ['tables'],
  },
  'mcp.unauthorized': {
    title: 'MCP without a token',
    description:
      'A request without a token answers 401 with WWW-Authenticate: Bearer ... resource_metadata="..."; that metadata names the Nextcloud issuer as authorization server.',
    refs: [rfc(9728, '5.1'), rfc(6750, '3'), MCP_AUTH],
  },

  // The official MCP conformance suite's authorization checks, against the MCP server in front of the variant
  'conformance.auth.prm-discovery': {
    title: 'Conformance: protected-resource metadata discovery',
    description: 'The MCP server publishes RFC 9728 protected-resource metadata with resource and authorization_servers.',
    refs: [rfc(9728, '3'), conformance('server/auth-prm-discovery')],
  },
  'conformance.auth.as-metadata-discovery': {
    title: 'Conformance: authorization-server metadata',
    description: 'The authorization server named in the resource metadata publishes RFC 8414 or OpenID Connect discovery metadata.',
    refs: [rfc(8414, '3'), OIDC_DISCOVERY, conformance('server/auth-as-metadata-discovery')],
  },
  'conformance.auth.as-pkce-support': {
    title: 'Conformance: PKCE support (S256)',
    description: 'The authorization-server metadata lists S256 in code_challenge_methods_supported.',
    refs: [rfc(7636, '4.2'), MCP_AUTH, conformance('server/auth-as-pkce-support')],
  },
  'conformance.auth.as-token-auth-methods': {
    title: 'Conformance: token endpoint auth methods',
    description: 'The authorization-server metadata lists valid token_endpoint_auth_methods_supported.',
    refs: [rfc(8414, '2'), conformance('server/auth-as-token-auth-methods')],
  },
  'conformance.auth.as-grant-types': {
    title: 'Conformance: grant types',
    description: 'The authorization-server metadata advertises grant types without a conformance failure (authorization_code usable).',
    refs: [rfc(8414, '2'), conformance('server/auth-as-grant-types')],
  },
  'conformance.auth.unauthorized-response': {
    title: 'Conformance: unauthorized response',
    description: 'The MCP server answers 401 to a request without a token.',
    refs: [rfc(6750, '3.1'), conformance('server/auth-unauthorized-response')],
  },
  'conformance.auth.www-authenticate-header': {
    title: 'Conformance: WWW-Authenticate',
    description: 'The 401 carries a WWW-Authenticate Bearer challenge with resource_metadata.',
    refs: [rfc(6750, '3'), rfc(9728, '5.1'), conformance('server/auth-www-authenticate-header')],
  },
} as const satisfies Record<string, CheckDefinition>;

/** A check id of the catalogue. */
export type CheckId = keyof typeof CHECKS;

/** Every check id, in report order. */
export const CHECK_IDS: readonly CheckId[] = Object.keys(CHECKS) as CheckId[];

/** True when `id` names a check of the catalogue. */
export function isCheckId(id: string): id is CheckId {
  return Object.hasOwn(CHECKS, id);
}

/** The definition of a check. */
export function checkDefinition(id: CheckId): CheckDefinition {
  return CHECKS[id];
}

/** The apps `id` needs (see CheckDefinition.apps); empty for a check of core and the OAuth apps only. */
export function checkApps(id: CheckId): readonly AppId[] {
  const def: CheckDefinition = CHECKS[id];
  return def.apps ?? [];
}

/** Every app some check needs, in APP_NAMES order: the apps whose versions a matrix variant records. */
export const CHECK_APP_IDS: readonly AppId[] = Object.keys(APP_NAMES) as AppId[];

/** The group of a check: the part of its id before the first dot (`bearer`, `mcp`, ...). */
export function checkGroup(id: string): string {
  return id.split('.')[0]!;
}

/** Position of a check in report order, or Infinity for ids the catalogue does not know. */
export function checkOrder(id: string): number {
  const i = (CHECK_IDS as readonly string[]).indexOf(id);
  return i < 0 ? Number.POSITIVE_INFINITY : i;
}
