// The harness's public entry: Nextcloud providers, OAuth, browser login, MCP client, bearer probe.
export { CHROMIUM_ENV, DEBIAN_CHROMIUM, SYSTEM_CHROMIUM_ARGS, chromiumLaunchOptions } from './chromium-launch-options.ts';
export { HarnessError, isHarnessError, type HarnessErrorCode } from './harness-error.ts';
export { REDACTED, SecretRedactor } from './secret-redactor.ts';
export {
  PROVIDER_NAMES,
  type InstanceVariant,
  type LaunchContext,
  type LaunchedNextcloud,
  type NextcloudProvider,
  type OccOptions,
  type OccResult,
  type OccRunner,
  type PreparationOptions,
  type Progress,
  type ProviderName,
  type StartedNextcloud,
  type TestUser,
  type TestUserRequest,
  type VariantPatch,
} from './nextcloud-instance.ts';
export { DEFAULT_PREPARATION, NextcloudBuilder } from './nextcloud-builder.ts';
export { HTTP_TIMEOUT_MS, basicAuthorization, nextcloudFetch, ocsRequest, readStatus, type NextcloudStatus, type OcsAnswer } from './nextcloud-http.ts';
export { generatePassword, listApps, occOrThrow, prepareInstance, type AppList, type PendingListener, type PendingUndo, type PreparationTarget, type PreparedInstance } from './prepare-instance.ts';
export { LeftoverLedger, leftoverLines, readLeftovers, type LeftoverEntry } from './leftover-ledger.ts';
export { SERVER_PATCHED_FILE, USER_OIDC_PATCHED_FILE, detectPatch, variantFromStatus } from './detect-variant.ts';
export { DOUBLE_ADMIN, DoubleNextcloud } from './providers/double-provider.ts';
export { ADMIN_PASSWORD_ENV, ExternalNextcloud, commandLineOcc, normaliseBaseUrl } from './providers/external-provider.ts';
export { DATABASE_IMAGES, DOCKER_DATABASES, DockerNextcloud, NEXTCLOUD_NETWORK_ALIAS, containerOcc, type DockerDatabase, type DockerProviderOptions } from './providers/docker-provider.ts';
export { buildDockerImage, connectDockerEngine, dockerImageExists, dockerLeftovers, liveDockerResources, type DockerImageBuild } from './providers/docker-engine.ts';
export { splitCommandLine } from './providers/occ-command-line.ts';
export { nextcloudBuilder, type DockerProviderSpec, type DoubleProviderSpec, type ExternalProviderSpec, type ProviderSpec } from './providers/provider-spec.ts';
export { CallbackServer, type CallbackResult } from './oauth/callback-server.ts';
export {
  OAuthClient,
  PKCE_METHODS,
  accessTokenFormat,
  checkTransport,
  discoverNextcloud,
  isLoopbackHost,
  type AuthorizationRequest,
  type ClientRegistration,
  type ClientRequest,
  type ExchangeOverrides,
  type OAuthOptions,
  type OAuthTarget,
  type PkceMethod,
  type TokenSet,
} from './oauth/oauth-client.ts';
export { BrowserSession, LOGIN_SELECTORS, closeFirstRunWizard, type ArtifactMode, type BrowserLoginOptions, type BrowserLoginResult } from './browser/browser-login.ts';
export { redactTraceText, redactTraceZip, traceText } from './browser/redact-trace.ts';
export { DEFAULT_SCOPE, browserLoginFlow, type LoginFlowOptions, type LoginFlowResult } from './login-flow.ts';
export { PROBE_CHECKS, bearerProbe, expectedProbe, probeMatches, randomAlphanumeric, type BearerProbeInput, type ProbeCheck, type ProbeExpectation, type ProbeRow, type ProbeVariant } from './bearer-probe.ts';
export { McpSession, mcpWithoutToken, type McpConnectOptions, type UnauthorizedAnswer } from './mcp/mcp-session.ts';
export { startIncludedMcpServer, type IncludedMcpServer, type IncludedMcpServerOptions } from './mcp/included-mcp-server.ts';
