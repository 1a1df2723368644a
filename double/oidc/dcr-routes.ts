import type { Hono } from 'hono';
import type { DoubleState } from '../double-state.ts';
import { clientAddress, requestOrigin } from '../login-routes.ts';
import { tooManyRequestsPage } from '../pages/render-page.ts';
import type { DoubleContext, DoubleEnv } from '../request-context.ts';
import { OIDC_APP_PATH } from './discovery-document.ts';
import { oidcStore, randomAlnum, type OidcClient } from './oidc-store.ts';
import { appNotFound, phpJson, requestParams, stringParam } from './php-json.ts';

/** AnonRateLimit of `/register`: 10 requests per 60 s per client address (facts page, "Configuration"). */
export const DCR_RATE_LIMIT = { limit: 10, periodSeconds: 60 } as const;

/** The app refuses a registration while more than this many dynamic clients exist (`getNumDcrClients() > 100`). */
export const DCR_MAX_CLIENTS = 100;

/** Scopes a registration may ask for: `[a-zA-Z0-9 _:./-]`, at most 512 characters (after trimming and cutting). */
const SCOPE_PATTERN = /^[a-zA-Z0-9 _:./-]*$/;

const SCOPE_ERROR = {
  error: 'invalid_scope',
  error_description: 'Scope contains invalid characters. Allowed: alphanumeric, spaces, underscores, hyphens, colons, periods, and forward slashes.',
};

/** Request times per address, for core's anonymous rate limiter. */
function rateLimiter(state: DoubleState): Map<string, number[]> {
  return state.store('oidc-dcr-rate-limit', () => new Map<string, number[]>());
}

/**
 * Core's RateLimitingMiddleware for `@AnonRateThrottle(limit=10, period=60)`: every request counts, the
 * 11th within 60 s is refused with 429 (`[]` as JSON, or core's 429 page for HTML clients). Off when system
 * config `ratelimit.protection.enabled` is false.
 */
function rateLimited(c: DoubleContext, state: DoubleState): Response | undefined {
  if (state.getSystemValue('ratelimit.protection.enabled') === false) return undefined;
  const now = state.now();
  const address = clientAddress(c);
  const recent = (rateLimiter(state).get(address) ?? []).filter((t) => t > now - DCR_RATE_LIMIT.periodSeconds * 1000);
  if (recent.length >= DCR_RATE_LIMIT.limit) {
    rateLimiter(state).set(address, recent);
    if ((c.req.header('accept') ?? '').toLowerCase().includes('html')) return c.html(tooManyRequestsPage(c.get('rc').session.requestToken), 429);
    return phpJson(c, [], 429);
  }
  recent.push(now);
  rateLimiter(state).set(address, recent);
  return undefined;
}

/** `registration_client_uri` of a client (linkToRouteAbsolute, so under the request's host). */
function registrationClientUri(c: DoubleContext, client: OidcClient): string {
  return `${requestOrigin(c)}${OIDC_APP_PATH}/register/${encodeURIComponent(client.clientId)}`;
}

function responseAndGrantTypes(client: OidcClient): { response_types: string[]; grant_types: string[] } {
  return client.flowType === 'code id_token' ? { response_types: ['code', 'id_token'], grant_types: ['authorization_code', 'implicit'] } : { response_types: ['code'], grant_types: ['authorization_code'] };
}

/** A new registration access token (64 alphanumeric characters). */
function newRegistrationToken(state: DoubleState, client: OidcClient): string {
  const store = oidcStore(state);
  const token = randomAlnum(64);
  store.registrationTokens.set(token, { token, clientId: client.clientId, createdAt: store.nowSeconds(), expiresAt: null });
  client.registrationAccessToken = token;
  return token;
}

/** Validates `scope` as the app does; returns the cleaned value or an error answer. */
function cleanScope(c: DoubleContext, scope: string): string | Response {
  const cleaned = [...scope.trim()].slice(0, 512).join('');
  if (!SCOPE_PATTERN.test(cleaned)) return phpJson(c, SCOPE_ERROR, 400);
  return cleaned;
}

function isValidUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol !== '' && url.host !== '';
  } catch {
    return false;
  }
}

/**
 * RFC 7592 authentication of `/register/{client_id}`: `Authorization: Bearer <registration_access_token>`
 * for that dynamically registered client. Returns the client or the error answer.
 */
function managedClient(c: DoubleContext, state: DoubleState, clientId: string): OidcClient | Response {
  const store = oidcStore(state);
  const header = c.req.header('authorization') ?? '';
  const token = header.startsWith('Bearer ') ? header.slice(7) : '';
  const record = token !== '' ? store.registrationTokens.get(token) : undefined;
  if (!record || (record.expiresAt !== null && record.expiresAt < store.nowSeconds())) {
    return phpJson(c, { error: 'invalid_token', error_description: 'Invalid or missing registration access token.' }, 401);
  }
  const client = store.clients.get(record.clientId);
  if (!client) return phpJson(c, { error: 'invalid_token', error_description: 'Token does not correspond to a valid client.' }, 401);
  if (client.clientId !== clientId) return phpJson(c, { error: 'unauthorized_client', error_description: 'Token does not match the requested client.' }, 403);
  if (!client.dynamic) return phpJson(c, { error: 'invalid_client', error_description: 'Only dynamically registered clients can be managed.' }, 403);
  return client;
}

/** The RFC 7592 client configuration response. */
function clientConfiguration(c: DoubleContext, state: DoubleState, client: OidcClient, registrationAccessToken?: string): Record<string, unknown> {
  const store = oidcStore(state);
  return {
    client_id: client.clientId,
    client_secret: client.clientSecret,
    ...(registrationAccessToken !== undefined ? { registration_access_token: registrationAccessToken } : {}),
    registration_client_uri: registrationClientUri(c, client),
    client_name: client.name,
    redirect_uris: client.redirectUris,
    token_endpoint_auth_method: 'client_secret_post',
    ...responseAndGrantTypes(client),
    id_token_signed_response_alg: client.signingAlg,
    application_type: 'web',
    client_id_issued_at: store.issuedAt(client),
    client_secret_expires_at: store.issuedAt(client) + store.clientExpireTime(),
    scope: client.allowedScopes,
  };
}

/**
 * Dynamic client registration (RFC 7591) at `/apps/oidc/register` and, from oidc 1.11, RFC 7592 client
 * management at `/apps/oidc/register/{client_id}`, as the facts page and H2CK/oidc's
 * DynamicRegistrationController describe them.
 */
export function registerDcrRoutes(app: Hono<DoubleEnv>, state: DoubleState): void {
  const store = oidcStore(state);
  const cors = (methods: string): Record<string, string> => ({ 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Methods': methods });

  app.post('/apps/oidc/register', async (c) => {
    if (!state.isEnabled('oidc')) return appNotFound(c);
    const limited = rateLimited(c, state);
    if (limited) return limited;
    if (state.getAppValue('oidc', 'dynamic_client_registration', 'false') !== 'true') {
      return phpJson(c, { error: 'dynamic_registration_not_allowed', error_description: 'Dynamic Client Registration is disabled.' }, 400);
    }
    const params = await requestParams(c);
    const redirectUris = params['redirect_uris'];
    if (redirectUris === undefined || redirectUris === null || redirectUris === '' || (Array.isArray(redirectUris) && redirectUris.length === 0) || !Array.isArray(redirectUris)) {
      return phpJson(c, { error: 'no_redirect_uris_provided', error_description: 'Dynamic Client Registration requires redirect_uris to be set.' }, 400);
    }
    const uris = redirectUris.map((u) => String(u));
    const applicationType = stringParam(params, 'application_type') === 'native' ? 'native' : 'web';
    store.cleanUpClients();
    if (store.dynamicClientCount() > DCR_MAX_CLIENTS) {
      return phpJson(c, { error: 'max_num_clients_exceeded', error_description: 'Maximum number of dynamic registered clients exceeded.' }, 400);
    }
    const clientName = stringParam(params, 'client_name');
    const name = clientName !== undefined && clientName !== '' ? [...clientName].slice(0, 64).join('') : `DCR-${clientAddress(c)}`;
    let tokenType: 'opaque' | 'jwt' = 'opaque';
    if (state.features.dcrTokenType) {
      const requested = params['token_type'] === undefined ? 'opaque' : params['token_type'];
      tokenType = requested === 'opaque' || requested === 'jwt' ? requested : state.getAppValue('oidc', 'default_token_type', 'opaque') === 'jwt' ? 'jwt' : 'opaque';
    }
    let allowedScopes = '';
    const scope = stringParam(params, 'scope');
    if (state.features.dcrTokenType && scope !== undefined) {
      const cleaned = cleanScope(c, scope);
      if (cleaned instanceof Response) return cleaned;
      allowedScopes = cleaned;
    }
    let resourceUrl: string | undefined;
    const resource = stringParam(params, 'resource_url');
    if (state.features.clientResourceUrl && resource !== undefined) {
      resourceUrl = resource.trim();
      if ([...resourceUrl].length > 512) return phpJson(c, { error: 'invalid_resource_url', error_description: 'Resource URL exceeds maximum length of 512 characters.' }, 400);
      if (!isValidUrl(resourceUrl)) return phpJson(c, { error: 'invalid_resource_url', error_description: 'Resource URL must be a valid URL (RFC 9728).' }, 400);
    }
    const responseTypes = Array.isArray(params['response_types']) ? (params['response_types'] as unknown[]).map(String) : ['code'];
    const alg = stringParam(params, 'id_token_signed_response_alg') ?? 'RS256';
    const client = store.createClient({
      name,
      redirectUris: uris,
      type: 'confidential',
      tokenType,
      allowedScopes,
      dynamic: true,
      signingAlg: alg === 'RS256' ? 'RS256' : 'HS256',
      flowType: !responseTypes.includes('code') && responseTypes.includes('id_token') ? 'code id_token' : 'code',
      ...(resourceUrl !== undefined ? { resourceUrl } : {}),
    });
    const body: Record<string, unknown> = { client_name: client.name, client_id: client.clientId, client_secret: client.clientSecret };
    if (state.features.clientManagement) {
      body['registration_access_token'] = newRegistrationToken(state, client);
      body['registration_client_uri'] = registrationClientUri(c, client);
    }
    Object.assign(body, {
      redirect_uris: uris,
      token_endpoint_auth_method: 'client_secret_post',
      ...responseAndGrantTypes(client),
      id_token_signed_response_alg: client.signingAlg,
      application_type: applicationType,
      client_id_issued_at: store.issuedAt(client),
      client_secret_expires_at: store.issuedAt(client) + store.clientExpireTime(),
    });
    if (state.features.dcrTokenType) Object.assign(body, { scope: client.allowedScopes, token_type: client.tokenType });
    if (resourceUrl !== undefined) body['resource_url'] = resourceUrl;
    return phpJson(c, body, 201, cors('POST'));
  });

  app.get('/apps/oidc/register/:clientId', (c) => {
    if (!state.isEnabled('oidc') || !state.features.clientManagement) return appNotFound(c);
    const client = managedClient(c, state, c.req.param('clientId'));
    if (client instanceof Response) return client;
    return phpJson(c, clientConfiguration(c, state, client), 200, cors('GET'));
  });

  app.put('/apps/oidc/register/:clientId', async (c) => {
    if (!state.isEnabled('oidc') || !state.features.clientManagement) return appNotFound(c);
    const client = managedClient(c, state, c.req.param('clientId'));
    if (client instanceof Response) return client;
    const params = await requestParams(c);
    const name = stringParam(params, 'client_name');
    if (name !== undefined) client.name = [...name].slice(0, 64).join('');
    const alg = stringParam(params, 'id_token_signed_response_alg');
    if (alg !== undefined) client.signingAlg = alg === 'RS256' ? 'RS256' : 'HS256';
    if (Array.isArray(params['response_types'])) {
      const types = (params['response_types'] as unknown[]).map(String);
      if (types.includes('code')) client.flowType = 'code';
      else if (types.includes('id_token')) client.flowType = 'code id_token';
    }
    const scope = stringParam(params, 'scope');
    if (scope !== undefined) {
      const cleaned = cleanScope(c, scope);
      if (cleaned instanceof Response) return cleaned;
      client.allowedScopes = cleaned;
    }
    if (Array.isArray(params['redirect_uris']) && params['redirect_uris'].length > 0) client.redirectUris = (params['redirect_uris'] as unknown[]).map(String);
    // Rotation (RFC 7592 section 3): the old token keeps working for a 60 s grace period.
    for (const record of store.registrationTokens.values()) {
      if (record.clientId === client.clientId && record.expiresAt === null) record.expiresAt = store.nowSeconds() + 60;
    }
    const token = newRegistrationToken(state, client);
    return phpJson(c, clientConfiguration(c, state, client, token), 200, cors('PUT'));
  });

  app.delete('/apps/oidc/register/:clientId', (c) => {
    if (!state.isEnabled('oidc') || !state.features.clientManagement) return appNotFound(c);
    const client = managedClient(c, state, c.req.param('clientId'));
    if (client instanceof Response) return client;
    store.deleteGrantsOfClient(client.clientId);
    store.deleteClient(client.clientId);
    return phpJson(c, [], 204, cors('DELETE'));
  });
}
