// The authorization checks of the MCP conformance suite (@modelcontextprotocol/conformance, server auth
// scenarios), against the included MCP server in front of the variant's Nextcloud: what a spec-following
// MCP client finds before it can log in. The published suite (0.1.16) has authorization scenarios only for
// clients, none for servers, so each check is done here the way the MCP authorization spec tells a client
// to, with the challenge parser and discovery URLs of server/conformance: RFC 9728 protected-resource metadata, RFC 8414 / OpenID Connect discovery of the authorization
// server, PKCE S256, token endpoint auth methods, grant types, and the 401 with WWW-Authenticate
// (RFC 6750 §3, RFC 9728 §5.1).
import { authorizationServerMetadataUrls, parseChallenge } from '../../server/conformance/auth-checks.ts';
import { test } from '../fixtures/matrix-fixtures.ts';
import { httpObserve, type HttpObservation } from '../fixtures/observe-http.ts';
import { withChecks } from '../record-check.ts';

/** Client authentication methods of the IANA "OAuth Token Endpoint Authentication Methods" registry. */
const AUTH_METHODS = ['none', 'client_secret_post', 'client_secret_basic', 'client_secret_jwt', 'private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth'];

/** An `initialize` request without a token, as a client sends it first. */
const INITIALIZE = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'nc-oauth-lab-conformance', version: '0.1.0' } } });

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.map(String) : undefined;
}

/** The MCP conformance suite's authorization checks against the included MCP server. Declares the tests; the list (matrix.list.ts) calls it inside a describe. */
export function conformanceScenarios(): void {
  test(
    'MCP conformance: authorization discovery from the MCP server',
    withChecks(
      'conformance.auth.unauthorized-response',
      'conformance.auth.www-authenticate-header',
      'conformance.auth.prm-discovery',
      'conformance.auth.as-metadata-discovery',
      'conformance.auth.as-pkce-support',
      'conformance.auth.as-token-auth-methods',
      'conformance.auth.as-grant-types',
    ),
    async ({ mcpServer, check }) => {
      // 1. The unauthorized response and its challenge.
      const unauthorized = await httpObserve(mcpServer.url, { method: 'POST', body: INITIALIZE, headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' } });
      await check('conformance.auth.unauthorized-response', unauthorized.status === 401, { status: unauthorized.status, message: unauthorized.status === 401 ? '401 without a token' : `answered ${unauthorized.status} without a token` });
      const header = unauthorized.headers.get('www-authenticate') ?? '';
      const challenge = parseChallenge(header);
      const metadataUrl = challenge?.params['resource_metadata'];
      const validChallenge = challenge?.scheme.toLowerCase() === 'bearer' && metadataUrl !== undefined && URL.canParse(metadataUrl);
      await check('conformance.auth.www-authenticate-header', validChallenge, {
        status: unauthorized.status,
        // Worded so that the report's redaction of `Bearer <token>` leaves it readable.
        message: header === '' ? 'no WWW-Authenticate header' : validChallenge ? 'scheme Bearer, with resource_metadata' : `not scheme Bearer, with a resource_metadata URL: ${header}`,
      });

      // 2. Protected-resource metadata: from the challenge, else the well-known URLs (RFC 9728 §3.1, path-suffixed first).
      const resource = new URL(mcpServer.url);
      const candidates = [...(metadataUrl && URL.canParse(metadataUrl) ? [metadataUrl] : []), `${resource.origin}/.well-known/oauth-protected-resource${resource.pathname.replace(/\/$/, '')}`, `${resource.origin}/.well-known/oauth-protected-resource`];
      let prm: HttpObservation | undefined;
      for (const url of candidates) {
        prm = await httpObserve(url);
        if (prm.status === 200) break;
      }
      const doc = (prm?.json ?? {}) as Record<string, unknown>;
      const servers = strings(doc['authorization_servers']) ?? [];
      const sameResource = typeof doc['resource'] === 'string' && doc['resource'].replace(/\/$/, '') === mcpServer.url.replace(/\/$/, '');
      await check('conformance.auth.prm-discovery', prm?.status === 200 && sameResource && servers.length > 0, {
        status: prm?.status ?? 0,
        message: prm?.status !== 200 ? `no protected-resource metadata (${prm?.status} ${prm?.message ?? ''})` : !sameResource ? `resource ${String(doc['resource'])} is not ${mcpServer.url}` : servers.length === 0 ? 'no authorization_servers' : `${servers.length} authorization server(s)`,
      });

      // 3. The authorization server's metadata, as a client finds it from the issuer.
      const issuer = servers[0];
      let as: Record<string, unknown> | undefined;
      let asWhere = '';
      const tried: string[] = [];
      if (issuer && URL.canParse(issuer)) {
        for (const url of authorizationServerMetadataUrls(issuer)) {
          const answer = await httpObserve(url);
          tried.push(`${new URL(url).pathname} ${answer.status}`);
          const meta = answer.json as Record<string, unknown> | undefined;
          if (answer.status === 200 && meta && typeof meta === 'object' && String(meta['issuer']).replace(/\/$/, '') === issuer.replace(/\/$/, '')) {
            as = meta;
            asWhere = new URL(url).pathname;
            break;
          }
        }
      }
      const complete = as !== undefined && typeof as['authorization_endpoint'] === 'string' && typeof as['token_endpoint'] === 'string';
      await check('conformance.auth.as-metadata-discovery', complete, {
        message: !issuer ? 'no authorization server to look up' : as === undefined ? `no metadata with issuer ${issuer} (${tried.join(', ')})` : complete ? `metadata at ${asWhere}` : `metadata at ${asWhere} lacks authorization_endpoint or token_endpoint`,
      });
      const missingAs = { message: 'no authorization-server metadata' };
      if (!as) {
        await check('conformance.auth.as-pkce-support', false, missingAs);
        await check('conformance.auth.as-token-auth-methods', false, missingAs);
        await check('conformance.auth.as-grant-types', false, missingAs);
        return;
      }

      // 4. What the metadata advertises.
      const pkce = strings(as['code_challenge_methods_supported']);
      await check('conformance.auth.as-pkce-support', pkce?.includes('S256') ?? false, { message: pkce ? `code_challenge_methods_supported ${JSON.stringify(pkce)}` : 'no code_challenge_methods_supported: an MCP client must refuse this authorization server' });
      const methods = strings(as['token_endpoint_auth_methods_supported']);
      const unknownMethods = (methods ?? []).filter((m) => !AUTH_METHODS.includes(m));
      await check('conformance.auth.as-token-auth-methods', methods === undefined || (methods.length > 0 && unknownMethods.length === 0), {
        message: methods === undefined ? 'not advertised (RFC 8414 default: client_secret_basic)' : unknownMethods.length > 0 ? `unknown methods ${unknownMethods.join(', ')}` : `token_endpoint_auth_methods_supported ${JSON.stringify(methods)}`,
      });
      const grants = strings(as['grant_types_supported']);
      await check('conformance.auth.as-grant-types', grants === undefined || grants.includes('authorization_code'), {
        message: grants === undefined ? 'not advertised (RFC 8414 default: authorization_code, implicit)' : `grant_types_supported ${JSON.stringify(grants)}`,
      });
    },
  );
}
