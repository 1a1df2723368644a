/**
 * One check result in the format of the official MCP conformance suite (`@modelcontextprotocol/conformance`,
 * its `checks.json`): a stable id whether it passes or fails, a status, and the spec it checks.
 */
export interface ConformanceCheck {
  id: string;
  name: string;
  description: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO';
  timestamp: string;
  specReferences?: { id: string; url: string }[];
  details?: Record<string, unknown>;
  errorMessage?: string;
}

/** Spec sections the authorization checks cite. */
export const SPEC = {
  rfc9728Discovery: { id: 'RFC-9728-3.1', url: 'https://www.rfc-editor.org/rfc/rfc9728.html#section-3.1' },
  rfc9728Challenge: { id: 'RFC-9728-5.1', url: 'https://www.rfc-editor.org/rfc/rfc9728.html#section-5.1' },
  rfc6750Challenge: { id: 'RFC-6750-3', url: 'https://www.rfc-editor.org/rfc/rfc6750.html#section-3' },
  rfc6750Errors: { id: 'RFC-6750-3.1', url: 'https://www.rfc-editor.org/rfc/rfc6750.html#section-3.1' },
  rfc8414Metadata: { id: 'RFC-8414-3', url: 'https://www.rfc-editor.org/rfc/rfc8414.html#section-3' },
  oidcDiscovery: { id: 'OIDC-Discovery-4', url: 'https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig' },
  mcpPrmDiscovery: { id: 'MCP-Authorization-PRM-discovery', url: 'https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#protected-resource-metadata-discovery-requirements' },
  mcpAsDiscovery: { id: 'MCP-Authorization-AS-discovery', url: 'https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#authorization-server-metadata-discovery' },
  mcpPkce: { id: 'MCP-Authorization-PKCE', url: 'https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#authorization-code-protection' },
  mcpDcr: { id: 'MCP-Authorization-DCR', url: 'https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#dynamic-client-registration' },
  mcpScopeChallenge: { id: 'MCP-Scope-challenge-handling', url: 'https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#scope-challenge-handling' },
  mcpTokenUsage: { id: 'MCP-Access-token-usage', url: 'https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#access-token-usage' },
} as const;

/** A check result; `problems` empty means SUCCESS, else FAILURE (or `softStatus` for SHOULD-level checks). */
export function check(
  id: string,
  name: string,
  description: string,
  problems: readonly string[],
  specReferences: readonly { id: string; url: string }[],
  details: Record<string, unknown> = {},
  softStatus: 'FAILURE' | 'WARNING' = 'FAILURE',
): ConformanceCheck {
  return {
    id,
    name,
    description,
    status: problems.length === 0 ? 'SUCCESS' : softStatus,
    timestamp: new Date().toISOString(),
    specReferences: [...specReferences],
    details,
    ...(problems.length > 0 ? { errorMessage: problems.join('; ') } : {}),
  };
}
