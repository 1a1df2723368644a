/** The MCP server: an OAuth resource server for Nextcloud's `oidc` app with Nextcloud tools (see README, "The MCP server"). */
export {
  APP_PASSWORD_ENV,
  AUTH_MODES,
  SERVER_OPTIONS,
  ServerConfigError,
  TRANSPORTS,
  describeConfig,
  isLoopbackHost,
  parseServerConfig,
  type AuthMode,
  type ConfigSources,
  type ServerConfig,
  type ServerOption,
  type ToolAccess,
  type TransportKind,
} from './server-config.ts';
export { ServerStartError, resourceUrl, runStdioServer, startServer, toolAccessMap, type RunningStdioServer, type StartServerOptions, type StartedServer } from './start-server.ts';
export { ALL_TOOLS, ERROR_META_KEY, SERVER_INFO, createMcpServer, toolErrorResult, type SessionContext } from './mcp-server-factory.ts';
export { TokenValidator, TokenCheckUnavailableError, tokenHash, type Principal, type TokenValidatorOptions, type TokenValidatorStats } from './token-validator.ts';
export { OidcDiscovery, DiscoveryError, type FetchLike, type IssuerMetadata } from './oidc-discovery.ts';
export { NextcloudClient, NextcloudError, CORS_REQUIRES_BASIC_AUTH, corsHint, nextcloudMessage, type NextcloudCredentials, type NextcloudRequest } from './nextcloud-client.ts';
export { createHttpApp, hostRejection, originRejection, type Caller, type HttpAppOptions } from './http-app.ts';
export { PRM_WELL_KNOWN, bearerChallenge, metadataPaths, protectedResourceMetadata, resourceMetadataUrl, type BearerChallenge } from './protected-resource.ts';
export { LOG_LEVELS, createLogger, redact, type LogLevel, type Logger } from './redacting-logger.ts';
export { ToolInputError, defineTool, type ToolContext, type ToolDefinition } from './tools/tool-definition.ts';
export { normalizeUserPath } from './tools/dav-path.ts';
