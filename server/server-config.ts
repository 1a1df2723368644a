import { isIP } from 'node:net';
import { z } from 'zod';
import { LOG_LEVELS, type LogLevel } from './redacting-logger.ts';

/** How callers authenticate: OAuth bearer tokens of Nextcloud's `oidc` app, or one user's app password. */
export const AUTH_MODES = ['oauth', 'basic'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** How MCP messages arrive: Streamable HTTP, or stdin/stdout (basic mode only). */
export const TRANSPORTS = ['http', 'stdio'] as const;
export type TransportKind = (typeof TRANSPORTS)[number];

/** The scopes a tool needs, by what it does (see `ServerConfig.readScopes` / `writeScopes`). */
export type ToolAccess = 'read' | 'write';

/**
 * The validated configuration of the MCP server. Every field has a flag and an `NC_MCP_*` variable
 * (`SERVER_OPTIONS`); flags win over the environment.
 */
export interface ServerConfig {
  /** The Nextcloud URL this server talks to (with its web root, without `/index.php`, no trailing slash). */
  nextcloudUrl: string;
  /**
   * The issuer users' tokens carry (`iss`), when it differs from `nextcloudUrl`: tokens name the host they
   * were requested through, while this server may reach Nextcloud on an internal address.
   */
  issuerUrl?: string;
  /** The server's own public URL: the MCP endpoint and the OAuth resource (RFC 9728 `resource`); a URL without a path means its `/mcp`. Default: the bound address + `/mcp`. */
  publicUrl?: string;
  auth: AuthMode;
  /** Basic mode: the login name and the app password (from the environment only). */
  basic?: { user: string; password: string };
  transport: TransportKind;
  host: string;
  port: number;
  /** Send `OCS-APIRequest: true` to Nextcloud's app APIs and DAV too; OCS calls always carry it (facts page, "Bearer tokens on Nextcloud APIs"). */
  ocsApiRequest: boolean;
  /** How long a validated opaque token is trusted before userinfo is asked again, seconds. */
  tokenCacheTtlSeconds: number;
  /** How long a rejected token is remembered, seconds. */
  failureCacheTtlSeconds: number;
  /** Required `aud` of JWT access tokens (RFC 9068 §4), when set. */
  audience?: string;
  /** `Host` header values accepted (DNS rebinding protection); `*` turns the check off. Empty: derived. */
  allowedHosts: string[];
  /** `Origin` header values accepted; requests without `Origin` are not browser requests and pass. Empty: derived. */
  allowedOrigins: string[];
  /** Scopes a token must carry for tools that read (when the token carries scopes at all). */
  readScopes: string[];
  /** Scopes a token must carry for tools that change data. */
  writeScopes: string[];
  /** Scopes this server asks clients to request (RFC 9728 `scopes_supported`, `scope` in 401 challenges). */
  advertisedScopes: string[];
  /** Timeout of every request to Nextcloud, milliseconds. */
  requestTimeoutMs: number;
  logLevel: LogLevel;
}

/** A configuration error: one line naming the setting and what to do. */
export class ServerConfigError extends Error {
  readonly code = 'ERR_SERVER_CONFIG';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ServerConfigError';
  }
}

/** One setting: its flag, its environment variable and what `--help` says. */
export interface ServerOption {
  /** Flag name without dashes. */
  flag: string;
  /** Environment variable, if the setting can come from the environment. */
  env?: string;
  type: 'string' | 'boolean';
  valueName?: string;
  choices?: readonly string[];
  description: string;
}

/** Every setting of the server, in `--help` order. The CLI command and the docs are generated from it. */
export const SERVER_OPTIONS: readonly ServerOption[] = [
  { flag: 'nextcloud-url', env: 'NC_MCP_NEXTCLOUD_URL', type: 'string', valueName: 'URL', description: 'Nextcloud base URL this server calls (required).' },
  { flag: 'issuer-url', env: 'NC_MCP_ISSUER_URL', type: 'string', valueName: 'URL', description: 'Public issuer URL in the tokens, when Nextcloud is reached here on another URL (default: --nextcloud-url).' },
  { flag: 'public-url', env: 'NC_MCP_PUBLIC_URL', type: 'string', valueName: 'URL', description: "This server's public URL, the OAuth resource; without a path its /mcp (default: http://HOST:PORT/mcp)." },
  { flag: 'auth', env: 'NC_MCP_AUTH', type: 'string', choices: AUTH_MODES, description: 'oauth: callers bring Nextcloud bearer tokens; basic: one user, NC_MCP_USER + NC_MCP_APP_PASSWORD (default: oauth).' },
  { flag: 'user', env: 'NC_MCP_USER', type: 'string', valueName: 'LOGIN', description: 'Basic mode: the Nextcloud login; the app password comes only from NC_MCP_APP_PASSWORD.' },
  { flag: 'transport', env: 'NC_MCP_TRANSPORT', type: 'string', choices: TRANSPORTS, description: 'http (Streamable HTTP) or stdio (basic mode only) (default: http).' },
  { flag: 'host', env: 'NC_MCP_HOST', type: 'string', valueName: 'HOST', description: 'Address to listen on (default: 127.0.0.1).' },
  { flag: 'port', env: 'NC_MCP_PORT', type: 'string', valueName: 'N', description: 'Port to listen on, 0 for any free port (default: 8090).' },
  { flag: 'no-ocs-api-request', env: 'NC_MCP_OCS_API_REQUEST', type: 'boolean', description: "Send 'OCS-APIRequest: true' only to OCS, not to Notes, Deck, Tables v1 and DAV (reproduces clients that do not; env: NC_MCP_OCS_API_REQUEST=false)." },
  { flag: 'token-cache-ttl', env: 'NC_MCP_TOKEN_CACHE_TTL', type: 'string', valueName: 'SECONDS', description: 'How long a checked opaque token is trusted before userinfo is asked again (default: 60).' },
  { flag: 'audience', env: 'NC_MCP_AUDIENCE', type: 'string', valueName: 'AUD', description: "Required 'aud' of JWT access tokens (default: not checked)." },
  { flag: 'allowed-hosts', env: 'NC_MCP_ALLOWED_HOSTS', type: 'string', valueName: 'LIST', description: "Comma-separated Host values accepted, '*' for any (default: the public URL's host, plus loopback names on loopback)." },
  { flag: 'allowed-origins', env: 'NC_MCP_ALLOWED_ORIGINS', type: 'string', valueName: 'LIST', description: 'Comma-separated browser Origins accepted (default: the public URL origin, plus loopback origins on loopback).' },
  { flag: 'read-scopes', env: 'NC_MCP_READ_SCOPES', type: 'string', valueName: 'SCOPES', description: 'Space-separated scopes a token needs for reading tools (default: openid).' },
  { flag: 'write-scopes', env: 'NC_MCP_WRITE_SCOPES', type: 'string', valueName: 'SCOPES', description: 'Space-separated scopes a token needs for tools that change data (default: openid).' },
  { flag: 'scopes', env: 'NC_MCP_SCOPES', type: 'string', valueName: 'SCOPES', description: 'Scopes clients are asked to request (default: openid profile email offline_access).' },
  { flag: 'request-timeout', env: 'NC_MCP_REQUEST_TIMEOUT', type: 'string', valueName: 'MS', description: 'Timeout of each request to Nextcloud in milliseconds (default: 30000).' },
  { flag: 'log-level', env: 'NC_MCP_LOG_LEVEL', type: 'string', choices: LOG_LEVELS, description: 'Log level; logs go to stderr, secrets redacted (default: info).' },
];

/** The environment variable that holds the basic-mode app password (never a flag: flags show up in `ps`). */
export const APP_PASSWORD_ENV = 'NC_MCP_APP_PASSWORD';

const DEFAULT_SCOPES = 'openid profile email offline_access';

function scopeList(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter((s) => s !== ''))];
}

function listOf(text: string | undefined): string[] {
  return (text ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** Whether an address is a loopback address or name. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1';
}

function baseUrl(label: string) {
  return z
    .string()
    .trim()
    .superRefine((text, ctx) => {
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        ctx.addIssue({ code: 'custom', message: `${label} '${text}' is not a URL: give it as https://host[/path]` });
        return;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: `${label} must be http or https, not ${url.protocol}` });
      else if (url.search || url.hash) ctx.addIssue({ code: 'custom', message: `${label} must not have a query or fragment` });
      else if (url.username || url.password) ctx.addIssue({ code: 'custom', message: `${label} must not carry credentials` });
    })
    .transform((text) => {
      const url = new URL(text);
      let path = url.pathname.replace(/\/+$/, '');
      if (label === '--nextcloud-url' || label === '--issuer-url') path = path.replace(/\/index\.php$/, '');
      return `${url.origin}${path}`;
    });
}

function intSetting(label: string, min: number, max: number) {
  return z
    .string()
    .trim()
    .refine((v) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max, { message: `${label} must be a whole number from ${min} to ${max}` })
    .transform(Number);
}

function boolSetting(label: string) {
  return z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'].includes(v), { message: `${label} must be true or false` })
    .transform((v) => ['true', '1', 'yes', 'on'].includes(v));
}

const rawSchema = z.object({
  nextcloudUrl: baseUrl('--nextcloud-url'),
  issuerUrl: baseUrl('--issuer-url').optional(),
  publicUrl: baseUrl('--public-url').optional(),
  auth: z.enum(AUTH_MODES, { message: `--auth must be one of ${AUTH_MODES.join(', ')}` }).default('oauth'),
  user: z.string().trim().min(1).optional(),
  transport: z.enum(TRANSPORTS, { message: `--transport must be one of ${TRANSPORTS.join(', ')}` }).default('http'),
  host: z.string().trim().min(1, { message: '--host must not be empty' }).default('127.0.0.1'),
  port: intSetting('--port', 0, 65535).default(8090),
  ocsApiRequest: boolSetting('NC_MCP_OCS_API_REQUEST').default(true),
  tokenCacheTtl: intSetting('--token-cache-ttl', 0, 86_400).default(60),
  audience: z.string().trim().min(1).optional(),
  allowedHosts: z.string().optional(),
  allowedOrigins: z.string().optional(),
  readScopes: z.string().default('openid'),
  writeScopes: z.string().default('openid'),
  scopes: z.string().default(DEFAULT_SCOPES),
  requestTimeout: intSetting('--request-timeout', 100, 600_000).default(30_000),
  logLevel: z.enum(LOG_LEVELS, { message: `--log-level must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
});

/** Flags as the CLI parsed them (`--flag` names), and the environment. */
export interface ConfigSources {
  flags: Readonly<Record<string, string | boolean | string[] | undefined>>;
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * Builds and validates the configuration from flags and `NC_MCP_*` variables (flags win). Throws a
 * ServerConfigError with a one-line message naming the setting and what to do.
 */
export function parseServerConfig(sources: ConfigSources): ServerConfig {
  const pick = (flag: string): string | undefined => {
    const option = SERVER_OPTIONS.find((o) => o.flag === flag);
    const value = sources.flags[flag];
    if (typeof value === 'string') return value;
    const fromEnv = option?.env ? sources.env[option.env] : undefined;
    return fromEnv === '' ? undefined : fromEnv;
  };
  const noOcs = sources.flags['no-ocs-api-request'] === true;
  const raw = {
    nextcloudUrl: pick('nextcloud-url'),
    issuerUrl: pick('issuer-url'),
    publicUrl: pick('public-url'),
    auth: pick('auth'),
    user: pick('user'),
    transport: pick('transport'),
    host: pick('host'),
    port: pick('port'),
    ocsApiRequest: noOcs ? 'false' : sources.env['NC_MCP_OCS_API_REQUEST'] || undefined,
    tokenCacheTtl: pick('token-cache-ttl'),
    audience: pick('audience'),
    allowedHosts: pick('allowed-hosts'),
    allowedOrigins: pick('allowed-origins'),
    readScopes: pick('read-scopes'),
    writeScopes: pick('write-scopes'),
    scopes: pick('scopes'),
    requestTimeout: pick('request-timeout'),
    logLevel: pick('log-level'),
  };
  if (raw.nextcloudUrl === undefined) throw new ServerConfigError('--nextcloud-url (or NC_MCP_NEXTCLOUD_URL) is required: the Nextcloud this server calls, e.g. https://cloud.example.com');
  const parsed = rawSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ServerConfigError(issue.message, { cause: parsed.error });
  }
  const v = parsed.data;
  const readScopes = scopeList(v.readScopes);
  const writeScopes = scopeList(v.writeScopes);
  const advertisedScopes = scopeList(v.scopes);
  const missing = [...readScopes, ...writeScopes].filter((s) => !advertisedScopes.includes(s));
  if (missing.length > 0) throw new ServerConfigError(`--scopes must include the scopes tools need (${[...new Set(missing)].join(' ')}): clients only request the advertised ones`);
  const config: ServerConfig = {
    nextcloudUrl: v.nextcloudUrl,
    auth: v.auth,
    transport: v.transport,
    host: v.host,
    port: v.port,
    ocsApiRequest: v.ocsApiRequest,
    tokenCacheTtlSeconds: v.tokenCacheTtl,
    failureCacheTtlSeconds: Math.min(5, v.tokenCacheTtl),
    allowedHosts: listOf(v.allowedHosts),
    allowedOrigins: listOf(v.allowedOrigins),
    readScopes,
    writeScopes,
    advertisedScopes,
    requestTimeoutMs: v.requestTimeout,
    logLevel: v.logLevel,
    ...(v.issuerUrl !== undefined ? { issuerUrl: v.issuerUrl } : {}),
    ...(v.publicUrl !== undefined ? { publicUrl: v.publicUrl } : {}),
    ...(v.audience !== undefined ? { audience: v.audience } : {}),
  };
  if (config.auth === 'basic') {
    const password = sources.env[APP_PASSWORD_ENV];
    if (!v.user) throw new ServerConfigError('basic mode needs the Nextcloud login in --user or NC_MCP_USER');
    if (!password) throw new ServerConfigError(`basic mode needs an app password in ${APP_PASSWORD_ENV} (Nextcloud: Settings > Security > Devices & sessions); it is never taken from a flag`);
    config.basic = { user: v.user, password };
    if (config.transport === 'http' && !isLoopbackHost(config.host)) {
      throw new ServerConfigError(`basic mode serves one user's Nextcloud to every caller: listen on a loopback address (127.0.0.1 or ::1), not '${config.host}', or use --auth oauth`);
    }
  } else if (config.transport === 'stdio') {
    throw new ServerConfigError('--transport stdio needs --auth basic: OAuth bearer tokens arrive only over HTTP');
  }
  return config;
}

/** The settings with their values as the server runs them, secrets left out, for the start-up log line. */
export function describeConfig(config: ServerConfig): Record<string, unknown> {
  const { basic, ...rest } = config;
  return { ...rest, ...(basic ? { basicUser: basic.user, appPassword: '[set]' } : {}) };
}
