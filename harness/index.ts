// The harness's public entry: Nextcloud providers, OAuth, browser login, MCP client, bearer probe.
export {
  CHROMIUM_ENV,
  CHROMIUM_PREFLIGHT_TIMEOUT_MS,
  DEBIAN_CHROMIUM,
  NO_CHROMIUM_FIX,
  PLAYWRIGHT_CHROMIUM,
  SYSTEM_CHROMIUM_ARGS,
  SYSTEM_CHROMIUM_NAMES,
  chromiumCandidates,
  chromiumLaunchOptions,
  launchErrorLine,
  startChromium,
  type ChromiumCandidate,
  type StartChromiumOptions,
  type StartedChromium,
} from './chromium-launch-options.ts';
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
export { BACKUP_CODES_PROVIDER, enableBackupCodes, type BackupCodesSecondFactor, type SecondFactorTarget } from './second-factor.ts';
export { APP_CONFIG_CONFIRM_TIMEOUT_MS, confirmAppConfig, observeAppConfig, setAppConfig, type AppConfigTarget, type ConfirmOptions } from './confirm-app-config.ts';
export { HTTP_TIMEOUT_MS, basicAuthorization, nextcloudFetch, ocsRequest, readStatus, type NextcloudStatus, type OcsAnswer } from './nextcloud-http.ts';
export { generatePassword, listApps, occOrThrow, prepareInstance, type AppList, type PendingListener, type PendingUndo, type PreparationTarget, type PreparedInstance } from './prepare-instance.ts';
export { LeftoverLedger, leftoverLines, readLeftovers, type LeftoverEntry } from './leftover-ledger.ts';
export { SERVER_PATCHED_FILE, USER_OIDC_PATCHED_FILE, detectPatch, variantFromStatus } from './detect-variant.ts';
export { DOUBLE_ADMIN, DoubleNextcloud } from './providers/double-provider.ts';
export { ADMIN_PASSWORD_ENV, ExternalNextcloud, commandLineOcc, normaliseBaseUrl } from './providers/external-provider.ts';
export {
  BASE_IMAGE_ENV,
  DATABASE_IMAGES,
  DOCKER_DATABASES,
  DockerNextcloud,
  NEXTCLOUD_NETWORK_ALIAS,
  RELEASE_MIRROR_ENV,
  containerOcc,
  type DockerDatabase,
  type DockerProviderOptions,
  type PreparedImage,
} from './providers/docker-provider.ts';
export { BUILD_RUN_ENV, buildLockDir, previousBuildFailure, recordBuildFailure, withBuildLock, type BuildLockOptions } from './providers/docker-build-lock.ts';
export { BuildLog, type BuildStep, type BuildStreamLine } from './providers/docker-build-log.ts';
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
