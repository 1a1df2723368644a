export { startDouble, setupCommands, ROUTE_MODULES, type StartDoubleOptions, type StartedDouble } from './start-double.ts';
export { DoubleState, DEFAULT_USERS, DOUBLE_APPS, PATCH_MODES, type DoubleAppState, type PatchMode, type DoubleUser, type DoubleUserInput } from './double-state.ts';
export { OCC_ENDPOINT_PATH, type OccEndpointRequest } from './occ-endpoint.ts';
export { DOUBLE_FAULTS, isDoubleFault, type DoubleFault } from './double-faults.ts';
export { DOUBLE_STATUS_FIELD, statusBody } from './status-routes.ts';
export type { OccResult } from './occ.ts';
export { OCS_NOT_FOUND_MESSAGE } from './double-app.ts';
export {
  GATES,
  NEXTCLOUD_MAJORS,
  NEXTCLOUD_RELEASE,
  DEFAULT_VERSIONS,
  OIDC_RELEASES,
  USER_OIDC_RELEASES,
  VersionError,
  compareSemver,
  features,
  gate,
  inRange,
  parseSemver,
  validateVersions,
  type Features,
  type GateName,
  type NextcloudMajor,
  type VariantVersions,
  type VersionRange,
} from './version-gates.ts';
export { issueAccessToken, INTERNAL_CLIENT_NAME, OidcTokenError, type IssueAccessTokenInput } from './oidc/issue-tokens.ts';
export { oidcStore, OidcStore, type AccessTokenRecord, type OidcClient } from './oidc/oidc-store.ts';
export {
  runCodeFlow,
  obtainAuthorizationCode,
  exchangeCode,
  registerClient,
  pkcePair,
  CodeFlowError,
  CookieJar,
  type CodeFlowOptions,
  type CodeFlowResult,
  type AuthorizationResult,
  type FlowClient,
  type TokenResponse,
} from './oidc/code-flow.ts';
export { discoveryDocument } from './oidc/discovery-document.ts';
export { BACKUP_CODES_PROVIDER_ID, backupCodeStore, needsSecondFactor, twoFactorEnforcedFor } from './apps/backup-codes.ts';
export { FIRST_RUN_WIZARD_CLOSE_DELAY_MS } from './pages/first-run-wizard.ts';
export { OIDC_RELEASE_VERSIONS, USER_OIDC_RELEASE_VERSIONS, appReleases, findAppRelease, installsOn, type AppRelease, type ReleasedApp } from './app-releases.ts';
