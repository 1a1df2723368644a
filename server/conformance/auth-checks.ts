import { OAuthProtectedResourceMetadataSchema } from '@modelcontextprotocol/sdk/shared/auth.js';
import { check, SPEC, type ConformanceCheck } from './conformance-check.ts';

/** Every check id of `runAuthChecks`, stable whether a check passes or fails. */
export const AUTH_CHECK_IDS = [
  'nc-auth-prm-discovery',
  'nc-auth-prm-root-fallback',
  'nc-auth-401-missing-token',
  'nc-auth-www-authenticate-resource-metadata',
  'nc-auth-401-invalid-token',
  'nc-auth-401-expired-token',
  'nc-auth-403-insufficient-scope',
  'nc-auth-valid-token-accepted',
  'nc-auth-as-metadata',
  'nc-auth-as-pkce-s256',
  'nc-auth-as-registration',
] as const;

/** What the checks need: the MCP endpoint and tokens of its authorization server. */
export interface AuthCheckOptions {
  /** The MCP endpoint (the protected resource). */
  serverUrl: string;
  /** A token the server must accept. */
  validToken: string;
  /** A token whose lifetime is over. */
  expiredToken: string;
  /** A valid token without the scopes a tool (`toolName`) needs. */
  underScopedToken: string;
  /** A tool the under-scoped token may not call (default `notes_list`). */
  toolName?: string;
}

const INITIALIZE = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'nc-oauth-lab-auth-checks', version: '1' } } });

/** Parses `Bearer a="b", c="d"` into its scheme and parameters (RFC 9110 §11.6.1). */
export function parseChallenge(header: string | null): { scheme: string; params: Record<string, string> } | undefined {
  if (!header) return undefined;
  const m = /^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s*(.*)$/.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))\s*,?/g;
  for (let p = re.exec(m[2]!); p; p = re.exec(m[2]!)) params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
  return { scheme: m[1]!, params };
}

async function post(url: string, body: string, token?: string): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...(token ? { Authorization: `Bearer ${token}` } : {}) }, body, redirect: 'manual' });
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  try {
    const res = await fetch(url, { headers: { Accept: 'application/json' }, redirect: 'manual' });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) as unknown };
    } catch {
      return { status: res.status, body: text.slice(0, 200) };
    }
  } catch (error) {
    return { status: 0, body: (error as Error).message };
  }
}

/** The discovery URLs of an authorization server, in the order the MCP spec (2025-11-25) has clients try them. */
export function authorizationServerMetadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  if (path === '') return [`${url.origin}/.well-known/oauth-authorization-server`, `${url.origin}/.well-known/openid-configuration`];
  return [`${url.origin}/.well-known/oauth-authorization-server${path}`, `${url.origin}/.well-known/openid-configuration${path}`, `${url.origin}${path}/.well-known/openid-configuration`];
}

function prmProblems(body: unknown, resource: string): string[] {
  const parsed = OAuthProtectedResourceMetadataSchema.safeParse(body);
  if (!parsed.success) return [`not RFC 9728 metadata: ${parsed.error.issues[0]?.message ?? 'invalid'}`];
  const m = parsed.data;
  const problems: string[] = [];
  if (m.resource.replace(/\/$/, '') !== resource.replace(/\/$/, '')) problems.push(`resource is '${m.resource}', not the MCP endpoint '${resource}'`);
  if (!m.authorization_servers || m.authorization_servers.length === 0) problems.push('no authorization_servers');
  if (m.bearer_methods_supported && !m.bearer_methods_supported.includes('header')) problems.push('bearer_methods_supported lacks header');
  return problems;
}

/**
 * The authorization checks the official suite has no server scenarios for: Protected Resource Metadata
 * (RFC 9728), the 401/403 challenges (RFC 6750 §3, RFC 9728 §5.1) and the authorization server's metadata
 * (RFC 8414 / OIDC Discovery) with what the MCP spec requires of it. One result per id of AUTH_CHECK_IDS.
 */
export async function runAuthChecks(options: AuthCheckOptions): Promise<ConformanceCheck[]> {
  const out: ConformanceCheck[] = [];
  const resource = options.serverUrl;
  const origin = new URL(resource).origin;
  const path = new URL(resource).pathname.replace(/\/$/, '');
  const suffixed = `${origin}/.well-known/oauth-protected-resource${path}`;

  const prm = await getJson(suffixed);
  out.push(check('nc-auth-prm-discovery', 'PrmDiscovery', 'Protected Resource Metadata at the path-suffixed well-known URL names the resource and its authorization servers', prm.status !== 200 ? [`GET ${suffixed} answered ${prm.status}`] : prmProblems(prm.body, resource), [SPEC.rfc9728Discovery, SPEC.mcpPrmDiscovery], { url: suffixed, status: prm.status, metadata: prm.body }));

  const root = await getJson(`${origin}/.well-known/oauth-protected-resource`);
  out.push(check('nc-auth-prm-root-fallback', 'PrmRootFallback', 'Protected Resource Metadata also at the root well-known URL (the MCP spec\'s fallback)', root.status !== 200 ? [`answered ${root.status}`] : prmProblems(root.body, resource), [SPEC.mcpPrmDiscovery], { status: root.status }, 'WARNING'));

  const missing = await post(resource, INITIALIZE);
  const missingChallenge = parseChallenge(missing.headers.get('www-authenticate'));
  const missingProblems: string[] = [];
  if (missing.status !== 401) missingProblems.push(`answered ${missing.status}, not 401`);
  if (missingChallenge?.scheme.toLowerCase() !== 'bearer') missingProblems.push('no WWW-Authenticate: Bearer challenge');
  if (!missingChallenge?.params['resource_metadata']) missingProblems.push('the challenge has no resource_metadata');
  if (missingChallenge?.params['error']) missingProblems.push(`the challenge carries error="${missingChallenge.params['error']}" though the request had no credentials (RFC 6750 §3.1: SHOULD NOT)`);
  out.push(check('nc-auth-401-missing-token', 'MissingTokenChallenge', 'A request without a token gets 401 with a Bearer challenge naming resource_metadata', missingProblems, [SPEC.rfc6750Challenge, SPEC.rfc9728Challenge, SPEC.mcpTokenUsage], { status: missing.status, challenge: missing.headers.get('www-authenticate') }));
  await missing.body?.cancel();

  const metadataUrl = missingChallenge?.params['resource_metadata'];
  const linked = metadataUrl ? await getJson(metadataUrl) : { status: 0, body: null };
  out.push(check('nc-auth-www-authenticate-resource-metadata', 'ChallengeMetadataResolves', 'The resource_metadata URL of the challenge serves metadata for this resource', !metadataUrl ? ['no resource_metadata to follow'] : linked.status !== 200 ? [`GET ${metadataUrl} answered ${linked.status}`] : prmProblems(linked.body, resource), [SPEC.rfc9728Challenge], { url: metadataUrl ?? null, status: linked.status }));

  const tokenCheck = async (id: string, name: string, description: string, token: string): Promise<void> => {
    const res = await post(resource, INITIALIZE, token);
    const challenge = parseChallenge(res.headers.get('www-authenticate'));
    const problems: string[] = [];
    if (res.status !== 401) problems.push(`answered ${res.status}, not 401`);
    if (challenge?.params['error'] !== 'invalid_token') problems.push(`error is '${challenge?.params['error'] ?? ''}', not invalid_token`);
    if (!challenge?.params['resource_metadata']) problems.push('the challenge has no resource_metadata');
    out.push(check(id, name, description, problems, [SPEC.rfc6750Errors, SPEC.rfc9728Challenge], { status: res.status, challenge: res.headers.get('www-authenticate') }));
    await res.body?.cancel();
  };
  await tokenCheck('nc-auth-401-invalid-token', 'InvalidTokenChallenge', 'An unknown token gets 401 error="invalid_token"', 'nc-oauth-lab-conformance-not-a-token-0000');
  await tokenCheck('nc-auth-401-expired-token', 'ExpiredTokenChallenge', 'An expired token gets 401 error="invalid_token"', options.expiredToken);

  const toolCall = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: options.toolName ?? 'notes_list', arguments: {} } });
  const scoped = await post(resource, toolCall, options.underScopedToken);
  const scopedChallenge = parseChallenge(scoped.headers.get('www-authenticate'));
  const scopeProblems: string[] = [];
  if (scoped.status !== 403) scopeProblems.push(`answered ${scoped.status}, not 403`);
  if (scopedChallenge?.params['error'] !== 'insufficient_scope') scopeProblems.push(`error is '${scopedChallenge?.params['error'] ?? ''}', not insufficient_scope`);
  if (!scopedChallenge?.params['scope']) scopeProblems.push('the challenge names no scope to request');
  out.push(check('nc-auth-403-insufficient-scope', 'InsufficientScopeChallenge', 'A token without the scope a tool needs gets 403 error="insufficient_scope" with the scope to request', scopeProblems, [SPEC.rfc6750Errors, SPEC.mcpScopeChallenge], { status: scoped.status, challenge: scoped.headers.get('www-authenticate') }));
  await scoped.body?.cancel();

  const ok = await post(resource, INITIALIZE, options.validToken);
  out.push(check('nc-auth-valid-token-accepted', 'ValidTokenAccepted', 'A valid token of the authorization server is accepted', ok.status === 200 ? [] : [`answered ${ok.status}`], [SPEC.mcpTokenUsage], { status: ok.status }));
  await ok.body?.cancel();

  const servers = (OAuthProtectedResourceMetadataSchema.safeParse(prm.body).data?.authorization_servers ?? []) as string[];
  const issuer = servers[0];
  const tried: { url: string; status: number }[] = [];
  let asMetadata: Record<string, unknown> | undefined;
  for (const url of issuer ? authorizationServerMetadataUrls(issuer) : []) {
    const res = await getJson(url);
    tried.push({ url, status: res.status });
    if (res.status === 200 && res.body && typeof res.body === 'object') {
      asMetadata = res.body as Record<string, unknown>;
      break;
    }
  }
  const asProblems: string[] = [];
  if (!issuer) asProblems.push('the resource metadata names no authorization server');
  else if (!asMetadata) asProblems.push(`no metadata at ${tried.map((t) => `${t.url} (${t.status})`).join(', ')}`);
  else {
    if (asMetadata['issuer'] !== issuer) asProblems.push(`issuer is '${String(asMetadata['issuer'])}', not '${issuer}'`);
    for (const field of ['authorization_endpoint', 'token_endpoint']) if (typeof asMetadata[field] !== 'string') asProblems.push(`no ${field}`);
  }
  out.push(check('nc-auth-as-metadata', 'AuthorizationServerMetadata', 'The authorization server publishes RFC 8414 or OpenID Connect discovery metadata at a URL MCP clients try', asProblems, [SPEC.rfc8414Metadata, SPEC.oidcDiscovery, SPEC.mcpAsDiscovery], { issuer: issuer ?? null, tried }));

  const methods = Array.isArray(asMetadata?.['code_challenge_methods_supported']) ? (asMetadata['code_challenge_methods_supported'] as unknown[]) : [];
  out.push(check('nc-auth-as-pkce-s256', 'AuthorizationServerPkce', 'The authorization server advertises PKCE S256 (MCP clients must refuse to proceed without it)', methods.includes('S256') ? [] : [`code_challenge_methods_supported is ${JSON.stringify(asMetadata?.['code_challenge_methods_supported'] ?? null)}`], [SPEC.mcpPkce], { code_challenge_methods_supported: asMetadata?.['code_challenge_methods_supported'] ?? null }));

  const registration = typeof asMetadata?.['registration_endpoint'] === 'string';
  out.push(check('nc-auth-as-registration', 'AuthorizationServerRegistration', 'The authorization server offers dynamic client registration (MCP: SHOULD)', registration ? [] : ['no registration_endpoint: clients need a pre-registered client id'], [SPEC.mcpDcr], { registration_endpoint: asMetadata?.['registration_endpoint'] ?? null }, 'WARNING'));
  return out;
}
