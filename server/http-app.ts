import { InsufficientScopeError, InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { NextcloudCredentials } from './nextcloud-client.ts';
import { bearerChallenge, metadataPaths, protectedResourceMetadata, resourceMetadataUrl } from './protected-resource.ts';
import type { Logger } from './redacting-logger.ts';
import type { AuthMode, ToolAccess } from './server-config.ts';
import { TokenCheckUnavailableError, tokenHash, type Principal, type TokenValidator } from './token-validator.ts';

/** Who called, and the credentials this server uses at Nextcloud for them. */
export interface Caller {
  principal: Principal;
  credentials: NextcloudCredentials;
}

/** Options of `createHttpApp`. */
export interface HttpAppOptions {
  auth: AuthMode;
  /** The public MCP URL (the OAuth resource). */
  resource: URL;
  /** Issuers named in the metadata (`authorization_servers`). */
  authorizationServers: readonly string[];
  /** Scopes clients are asked for (`scopes_supported`, `scope` of 401 challenges). */
  advertisedScopes: readonly string[];
  /** Scopes per tool access class. */
  scopesFor: Record<ToolAccess, readonly string[]>;
  /** Access class of each tool by name. */
  toolAccess: ReadonlyMap<string, ToolAccess>;
  /** Lower-cased `Host` values accepted; contains `*` to accept any. */
  allowedHosts: readonly string[];
  /** Browser origins accepted (requests without `Origin` pass). */
  allowedOrigins: readonly string[];
  /** OAuth mode: the token checker. */
  validator?: TokenValidator;
  /** Basic mode: the one caller. */
  basicCaller?: Caller;
  /** An MCP server for one request. */
  createServer(caller: Caller): McpServer;
  logger: Logger;
  /** Largest request body, bytes (default 8 MiB). */
  maxBodyBytes?: number;
}

/** Hono variables of a request: the caller once authenticated, for the handler and the request log line. */
interface AppEnv {
  Variables: { caller: Caller; uid: string; rpc: string };
}

interface JsonRpcMessage {
  jsonrpc?: string;
  id?: string | number | null;
  method?: string;
  params?: { name?: unknown };
}

function jsonRpcError(c: Context, status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return c.json({ jsonrpc: '2.0', error: { code, message }, id: null }, status as 400, headers);
}

/** Host header check against DNS rebinding (MCP transports spec, "Security Warning"); returns the reason to refuse, if any. */
export function hostRejection(host: string | undefined, allowed: readonly string[]): string | undefined {
  if (allowed.includes('*')) return undefined;
  if (!host) return 'the request has no Host header';
  return allowed.includes(host.toLowerCase()) ? undefined : `Host '${host}' is not one of this server's names`;
}

/** Origin header check: browsers send it; a foreign origin is refused. Returns the reason to refuse, if any. */
export function originRejection(origin: string | undefined, allowed: readonly string[]): string | undefined {
  if (origin === undefined || allowed.includes('*')) return undefined;
  return allowed.includes(origin.toLowerCase()) ? undefined : `Origin '${origin}' is not allowed to call this server`;
}

/** Wraps a streamed response so that `onEnd` runs once the body is done or the client went away. */
function onBodyEnd(response: Response, onEnd: () => void): Response {
  if (!response.body) {
    onEnd();
    return response;
  }
  const reader = response.body.getReader();
  let ended = false;
  const end = (): void => {
    if (!ended) {
      ended = true;
      onEnd();
    }
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          end();
        } else controller.enqueue(value);
      } catch (error) {
        controller.error(error);
        end();
      }
    },
    cancel(reason) {
      end();
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/**
 * The HTTP side of the server: Protected Resource Metadata (RFC 9728), the Streamable HTTP MCP endpoint
 * (stateless: one MCP server per request, built from the caller's token), Host/Origin checks against DNS
 * rebinding, and the RFC 6750 §3 challenges: 401 without or with a bad token, 403 `insufficient_scope` when
 * a JWT carries scopes and lacks the ones a tool needs.
 */
export function createHttpApp(options: HttpAppOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const mcpPath = options.resource.pathname === '' ? '/' : options.resource.pathname;
  const metadataUrl = resourceMetadataUrl(options.resource);
  const log = options.logger;

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.use('*', async (c, next) => {
    const started = Date.now();
    const reason = hostRejection(c.req.header('host'), options.allowedHosts);
    if (reason) {
      log.warn('request refused (DNS rebinding protection)', { method: c.req.method, path: c.req.path, reason });
      return jsonRpcError(c, 403, -32000, `Forbidden: ${reason}`);
    }
    await next();
    log.info('request', { method: c.req.method, path: c.req.path, status: c.res.status, ms: Date.now() - started, ...(c.get('uid') ? { uid: c.get('uid') } : {}), ...(c.get('rpc') ? { rpc: c.get('rpc') } : {}) });
  });

  if (options.auth === 'oauth') {
    const metadata = protectedResourceMetadata(options.resource, options.authorizationServers, options.advertisedScopes);
    for (const path of metadataPaths(options.resource)) {
      app.on(['GET', 'HEAD'], path, (c) => c.json(metadata, 200, { 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'max-age=300' }));
      app.options(path, (c) => c.body(null, 204, { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Methods': 'GET, OPTIONS', 'Access-Control-Allow-Headers': '*' }));
    }
  }

  const corsHeaders = (origin: string | undefined): Record<string, string> =>
    origin
      ? {
          'Access-Control-Allow-Origin': origin,
          Vary: 'Origin',
          'Access-Control-Expose-Headers': 'Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate',
        }
      : {};

  app.use(mcpPath, async (c, next) => {
    const origin = c.req.header('origin');
    const reason = originRejection(origin, options.allowedOrigins);
    if (reason) {
      log.warn('request refused (DNS rebinding protection)', { method: c.req.method, path: c.req.path, reason });
      return jsonRpcError(c, 403, -32000, `Forbidden: ${reason}`);
    }
    await next();
    for (const [k, v] of Object.entries(corsHeaders(origin))) c.res.headers.set(k, v);
  });


  const challenge = (c: Context<AppEnv>, status: 401 | 403, error: InvalidTokenError | InsufficientScopeError | undefined, description: string, scope: string | undefined): Response => {
    const header = bearerChallenge({
      ...(error ? { error: error.errorCode as 'invalid_token' | 'insufficient_scope', errorDescription: description } : {}),
      ...(scope ? { scope } : {}),
      resourceMetadata: metadataUrl,
    });
    return c.json({ error: error?.errorCode ?? 'unauthorized', error_description: description }, status, { 'WWW-Authenticate': header });
  };

  const authenticate = async (c: Context<AppEnv>): Promise<Caller | Response> => {
    if (options.auth === 'basic') return options.basicCaller!;
    const header = c.req.header('authorization');
    const advertised = options.advertisedScopes.join(' ');
    const match = header ? /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header) : null;
    if (!header || !/^bearer\b/i.test(header)) {
      return challenge(c, 401, undefined, 'This MCP server needs a bearer token from Nextcloud (see the resource metadata).', advertised);
    }
    if (!match) return challenge(c, 401, new InvalidTokenError('malformed'), 'The Authorization header is not a well-formed bearer token.', advertised);
    const token = match[1]!;
    try {
      const principal = await options.validator!.validate(token);
      return { principal, credentials: { kind: 'bearer', token } };
    } catch (error) {
      if (error instanceof InvalidTokenError) return challenge(c, 401, error, error.message, advertised);
      if (error instanceof TokenCheckUnavailableError) {
        log.error('token check unavailable', { tokenId: tokenHash(token).slice(0, 12), error });
        return c.json({ error: 'temporarily_unavailable', error_description: error.message }, 503, { 'Retry-After': '5' });
      }
      throw error;
    }
  };

  app.use(mcpPath, async (c, next) => {
    if (c.req.method === 'OPTIONS') return next();
    const caller = await authenticate(c);
    if (caller instanceof Response) return caller;
    c.set('caller', caller);
    c.set('uid', caller.principal.uid);
    return next();
  });

  app.options(mcpPath, (c) =>
    c.body(null, 204, {
      'Access-Control-Allow-Methods': 'POST, OPTIONS',
      'Access-Control-Allow-Headers': 'Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID',
      'Access-Control-Max-Age': '600',
    }),
  );

  app.post(mcpPath, bodyLimit({ maxSize: options.maxBodyBytes ?? 8 * 1024 * 1024, onError: (c) => jsonRpcError(c, 413, -32600, 'Request body too large') }), async (c) => {
    const caller = c.get('caller');
    let parsed: unknown;
    try {
      parsed = await c.req.json();
    } catch (error) {
      return jsonRpcError(c, 400, -32700, `Parse error: ${(error as Error).message}`);
    }
    const messages = (Array.isArray(parsed) ? parsed : [parsed]) as JsonRpcMessage[];
    c.set('rpc', messages.map((m) => (m?.method === 'tools/call' && typeof m.params?.name === 'string' ? `tools/call:${m.params.name}` : (m?.method ?? 'response'))).join(','));
    const denied = scopeDenial(c, caller.principal, messages);
    if (denied) return denied;
    const server = options.createServer(caller);
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: false });
    await server.connect(transport);
    const authInfo: AuthInfo = {
      token: caller.credentials.kind === 'bearer' ? caller.credentials.token : '',
      clientId: caller.principal.clientId ?? '',
      scopes: caller.principal.scopes ?? [],
      ...(caller.principal.expiresAt !== undefined ? { expiresAt: caller.principal.expiresAt } : {}),
      extra: { uid: caller.principal.uid, via: caller.principal.via },
    };
    const response = await transport.handleRequest(c.req.raw, { parsedBody: parsed, authInfo });
    return onBodyEnd(response, () => {
      void server.close().catch(() => undefined);
    });
  });

  app.on(['GET', 'DELETE', 'PUT', 'PATCH'], mcpPath, (c) => jsonRpcError(c, 405, -32000, 'Method not allowed: this server is stateless, send JSON-RPC messages with POST.', { Allow: 'POST, OPTIONS' }));

  /** The 403 of a tool call whose tool needs scopes the token does not carry (only when it carries scopes at all). */
  const scopeDenial = (c: Context<AppEnv>, principal: Principal, messages: JsonRpcMessage[]): Response | undefined => {
    if (options.auth !== 'oauth' || principal.scopes === undefined) return undefined;
    const needed = new Set<string>();
    for (const m of messages) {
      let access: ToolAccess | undefined;
      if (m.method === 'tools/call' && typeof m.params?.name === 'string') access = options.toolAccess.get(m.params.name);
      else if (m.method === 'resources/read') access = 'read';
      for (const s of access ? options.scopesFor[access] : []) needed.add(s);
    }
    const missing = [...needed].filter((s) => !principal.scopes!.includes(s));
    if (missing.length === 0) return undefined;
    const scope = [...new Set([...principal.scopes, ...needed])].join(' ');
    const error = new InsufficientScopeError(`this call needs the scope ${missing.join(' ')}`);
    return challenge(c, 403, error, `The token lacks the scope this call needs: ${missing.join(' ')}.`, scope);
  };

  app.notFound((c) => c.json({ error: 'not_found', error_description: `nothing at ${c.req.path}: the MCP endpoint is ${mcpPath}` }, 404));
  app.onError((error, c) => {
    log.error('request failed', { method: c.req.method, path: c.req.path, error });
    return jsonRpcError(c, 500, -32603, 'Internal server error');
  });
  return app;
}
