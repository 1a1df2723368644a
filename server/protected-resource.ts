import { getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/sdk/server/auth/router.js';
import type { OAuthProtectedResourceMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';

/** The well-known path of Protected Resource Metadata (RFC 9728 §3). */
export const PRM_WELL_KNOWN = '/.well-known/oauth-protected-resource';

/**
 * The Protected Resource Metadata of this server (RFC 9728 §2): the resource (the public MCP URL), the
 * Nextcloud issuer as its authorization server, the scopes clients should ask for, and bearer tokens in
 * the `Authorization` header only (RFC 6750 §2.1).
 */
export function protectedResourceMetadata(resource: URL, authorizationServers: readonly string[], scopes: readonly string[]): OAuthProtectedResourceMetadata {
  return {
    resource: resource.href,
    authorization_servers: [...authorizationServers],
    scopes_supported: [...scopes],
    bearer_methods_supported: ['header'],
    resource_name: 'Nextcloud MCP server (nc-oauth-lab)',
  };
}

/**
 * Where clients find the metadata: the path-suffixed URL of RFC 9728 §3.1 (`/.well-known/oauth-protected-resource/mcp`
 * for `https://host/mcp`), as the MCP authorization spec and the SDK's `getOAuthProtectedResourceMetadataUrl` build it.
 */
export function resourceMetadataUrl(resource: URL): string {
  return getOAuthProtectedResourceMetadataUrl(resource);
}

/** The paths this server answers with its metadata: the path-suffixed form and the root form. */
export function metadataPaths(resource: URL): string[] {
  const suffixed = new URL(resourceMetadataUrl(resource)).pathname;
  return [...new Set([suffixed, PRM_WELL_KNOWN])];
}

/** Parameters of a `WWW-Authenticate: Bearer` challenge (RFC 6750 §3, RFC 9728 §5.1). */
export interface BearerChallenge {
  /** RFC 6750 §3.1 error code; absent when the request carried no credentials at all. */
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  errorDescription?: string;
  /** Space-separated scopes (RFC 6750 §3: `scope`). */
  scope?: string;
  resourceMetadata: string;
}

/** A quoted-string value; `error_description` may only hold %x20-21 / %x23-5B / %x5D-7E (RFC 6750 §3). */
function quoted(value: string, strict: boolean): string {
  const clean = strict ? value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, ' ') : value.replace(/[\\"]/g, (ch) => `\\${ch}`);
  return `"${clean}"`;
}

/** The `WWW-Authenticate` header value of a bearer challenge. */
export function bearerChallenge(challenge: BearerChallenge): string {
  const params: string[] = [];
  if (challenge.error) params.push(`error=${quoted(challenge.error, true)}`);
  if (challenge.errorDescription) params.push(`error_description=${quoted(challenge.errorDescription, true)}`);
  if (challenge.scope) params.push(`scope=${quoted(challenge.scope, true)}`);
  params.push(`resource_metadata=${quoted(challenge.resourceMetadata, false)}`);
  return `Bearer ${params.join(', ')}`;
}
