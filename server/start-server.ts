import { serve, type ServerType } from '@hono/node-server';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { AddressInfo } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { createHttpApp, type Caller } from './http-app.ts';
import { ALL_TOOLS, createMcpServer } from './mcp-server-factory.ts';
import { NextcloudClient, NextcloudError } from './nextcloud-client.ts';
import { OidcDiscovery, type FetchLike } from './oidc-discovery.ts';
import { createLogger, type Logger } from './redacting-logger.ts';
import { describeConfig, isLoopbackHost, type ServerConfig, type ToolAccess } from './server-config.ts';
import { TokenValidator } from './token-validator.ts';

/** An error while starting: Nextcloud refused the basic credentials, the port is taken, ... */
export class ServerStartError extends Error {
  readonly code: 'ERR_SERVER_LISTEN' | 'ERR_SERVER_CREDENTIALS' | 'ERR_SERVER_NEXTCLOUD';
  constructor(code: ServerStartError['code'], message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ServerStartError';
    this.code = code;
  }
}

/** Options of `startServer` and `runStdioServer` beyond the configuration. */
export interface StartServerOptions {
  config: ServerConfig;
  /** The fetch used for Nextcloud (tests wrap it to count requests). */
  fetch?: FetchLike;
  /** Clock in milliseconds for token expiry (tests move it). */
  now?: () => number;
  /** Where log lines go (default: stderr). */
  logWrite?: (line: string) => void;
}

/** A running HTTP server. */
export interface StartedServer {
  /** The MCP endpoint (the OAuth resource). */
  url: string;
  /** The address it listens on, `http://host:port`. */
  origin: string;
  config: ServerConfig;
  logger: Logger;
  /** OAuth mode: the token validator (its `stats` count userinfo calls). */
  validator?: TokenValidator;
  stop(): Promise<void>;
}

/** Tool name to access class, for the per-tool scope check. */
export function toolAccessMap(): Map<string, ToolAccess> {
  return new Map(ALL_TOOLS.map((t) => [t.name, t.access]));
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** Basic mode: checks the credentials at Nextcloud and learns the user id (the login name can differ from it). */
async function basicCaller(config: ServerConfig, logger: Logger, fetchImpl: FetchLike | undefined): Promise<Caller> {
  const basic = config.basic!;
  const probe = new NextcloudClient({ baseUrl: config.nextcloudUrl, credentials: { kind: 'basic', ...basic }, uid: basic.user, ocsApiRequest: true, timeoutMs: config.requestTimeoutMs, logger, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
  try {
    const user = await probe.ocs<{ id?: string }>({ path: '/ocs/v2.php/cloud/user' });
    const uid = typeof user.id === 'string' && user.id !== '' ? user.id : basic.user;
    return { principal: { uid, via: 'basic' }, credentials: { kind: 'basic', ...basic } };
  } catch (error) {
    if (error instanceof NextcloudError && (error.status === 401 || error.nextcloudMessage === 'Current user is not logged in')) {
      throw new ServerStartError('ERR_SERVER_CREDENTIALS', `Nextcloud refused the basic credentials of '${basic.user}': check NC_MCP_USER and the app password in NC_MCP_APP_PASSWORD`, { cause: error });
    }
    throw new ServerStartError('ERR_SERVER_NEXTCLOUD', `cannot use Nextcloud at ${config.nextcloudUrl}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The MCP endpoint, which is also the OAuth resource: the public URL when it has a path, else its `/mcp`
 * (`https://mcp.example.com` serves `https://mcp.example.com/mcp`); without a public URL the bound address + `/mcp`.
 */
export function resourceUrl(publicUrl: string | undefined, origin: string): URL {
  const base = new URL(publicUrl ?? origin);
  if (base.pathname === '' || base.pathname === '/') base.pathname = '/mcp';
  return base;
}

/** Loopback names (and the public URL's host) at the bound port: the Host values a local client sends. */
function derivedHosts(resource: URL, port: number): string[] {
  return [...new Set([resource.host.toLowerCase(), `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`])];
}

function derivedOrigins(resource: URL, port: number): string[] {
  return [...new Set([resource.origin.toLowerCase(), `http://localhost:${port}`, `http://127.0.0.1:${port}`, `http://[::1]:${port}`])];
}

/**
 * Starts the MCP server over Streamable HTTP: in oauth mode a resource server for Nextcloud's `oidc` app,
 * in basic mode (loopback only) one user's server. Resolves once it listens.
 */
export async function startServer(options: StartServerOptions): Promise<StartedServer> {
  const { config } = options;
  const logger = createLogger({ level: config.logLevel, ...(options.logWrite ? { write: options.logWrite } : {}) });
  if (config.basic) logger.addSecret(config.basic.password);
  const caller = config.auth === 'basic' ? await basicCaller(config, logger, options.fetch) : undefined;

  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  let validator: TokenValidator | undefined;
  let discovery: OidcDiscovery | undefined;
  if (config.auth === 'oauth') {
    discovery = new OidcDiscovery({ nextcloudUrl: config.nextcloudUrl, ...(config.issuerUrl ? { issuerUrl: config.issuerUrl } : {}), fetch: fetchImpl, timeoutMs: config.requestTimeoutMs, logger });
    validator = new TokenValidator({
      discovery,
      expectedIssuers: (metadata) => (config.issuerUrl ? [config.issuerUrl] : [...new Set([config.nextcloudUrl, metadata.issuer])]),
      ...(config.audience ? { audience: config.audience } : {}),
      cacheTtlSeconds: config.tokenCacheTtlSeconds,
      failureTtlSeconds: config.failureCacheTtlSeconds,
      fetch: fetchImpl,
      timeoutMs: config.requestTimeoutMs,
      logger,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  // The resource URL needs the port, which port 0 only gives once listening: bind first, then build the app.
  let handler: (request: Request) => Response | Promise<Response> = () => new Response('starting', { status: 503 });
  let server: ServerType;
  try {
    server = await new Promise<ServerType>((resolve, reject) => {
      const s = serve({ fetch: (request: Request) => handler(request), port: config.port, hostname: config.host }, () => resolve(s));
      s.once('error', reject);
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ServerStartError('ERR_SERVER_LISTEN', `cannot listen on ${config.host}:${config.port} (${code ?? (error as Error).message}): pick another --port or --host`, { cause: error });
  }
  const port = (server.address() as AddressInfo).port;
  const origin = `http://${hostForUrl(config.host)}:${port}`;
  const resource = resourceUrl(config.publicUrl, origin);
  if (!config.publicUrl && !isLoopbackHost(config.host)) logger.warn('no --public-url: clients are told the resource is at a loopback URL; set --public-url to the URL clients use', { resource: resource.href });
  const allowedHosts = config.allowedHosts.length > 0 ? config.allowedHosts.map((h) => h.toLowerCase()) : derivedHosts(resource, port);
  const allowedOrigins = config.allowedOrigins.length > 0 ? config.allowedOrigins.map((o) => o.toLowerCase()) : derivedOrigins(resource, port);
  const app = createHttpApp({
    auth: config.auth,
    resource,
    authorizationServers: [config.issuerUrl ?? config.nextcloudUrl],
    advertisedScopes: config.advertisedScopes,
    scopesFor: { read: config.readScopes, write: config.writeScopes },
    toolAccess: toolAccessMap(),
    allowedHosts,
    allowedOrigins,
    ...(validator ? { validator } : {}),
    ...(caller ? { basicCaller: caller } : {}),
    createServer: (c) =>
      createMcpServer({
        principal: c.principal,
        logger: logger.child({ uid: c.principal.uid }),
        nextcloud: new NextcloudClient({
          baseUrl: config.nextcloudUrl,
          credentials: c.credentials,
          uid: c.principal.uid,
          ocsApiRequest: config.ocsApiRequest,
          timeoutMs: config.requestTimeoutMs,
          logger,
          ...(options.fetch ? { fetch: options.fetch } : {}),
        }),
      }),
    logger,
  });
  handler = (request) => app.fetch(request);
  logger.info('MCP server listening', { url: resource.href, listen: origin, ...describeConfig(config), allowedHosts, allowedOrigins });
  if (discovery) {
    discovery.metadata().catch((error: unknown) => logger.warn('Nextcloud OpenID discovery failed; token checks will retry', { error }));
  }
  return {
    url: resource.href,
    origin,
    config,
    logger,
    ...(validator ? { validator } : {}),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A running stdio server. */
export interface RunningStdioServer {
  /** Resolves when stdin closes. */
  closed: Promise<void>;
  stop(): Promise<void>;
}

/** Runs the MCP server over stdin/stdout for one user (basic mode); logs go to stderr. */
export async function runStdioServer(options: StartServerOptions & { stdin?: Readable; stdout?: Writable }): Promise<RunningStdioServer> {
  const { config } = options;
  const logger = createLogger({ level: config.logLevel, ...(options.logWrite ? { write: options.logWrite } : {}) });
  if (config.basic) logger.addSecret(config.basic.password);
  const caller = await basicCaller(config, logger, options.fetch);
  const server = createMcpServer({
    principal: caller.principal,
    logger: logger.child({ uid: caller.principal.uid }),
    nextcloud: new NextcloudClient({ baseUrl: config.nextcloudUrl, credentials: caller.credentials, uid: caller.principal.uid, ocsApiRequest: config.ocsApiRequest, timeoutMs: config.requestTimeoutMs, logger, ...(options.fetch ? { fetch: options.fetch } : {}) }),
  });
  const transport = new StdioServerTransport(options.stdin, options.stdout);
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
  });
  await server.connect(transport);
  logger.info('MCP server on stdio', { ...describeConfig(config), uid: caller.principal.uid });
  return { closed, stop: () => server.close() };
}
