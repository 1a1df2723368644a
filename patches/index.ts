// The companion patches: the user_oidc app_api patch and the core CORS patch, applied by anchors.
export {
  PATCH_CHECK_IDS, PATCH_IDS,
  type AnchorMatch, type AnchorSpec, type PatchCheckId, type PatchComponent, type PatchDefinition, type PatchEdit, type PatchId,
  type TransformResult, type UpstreamRef,
} from './patch-definition.ts';
export {
  AnchorsChangedError, PatchError, PatchNotApplicableError, PatchTargetError, PatchWriteError, PhpLintError, PhpParseError,
  UnknownPatchError, type PatchErrorCode,
} from './patch-error.ts';
export { PATCHES, findPatch } from './patch-registry.ts';
export { userOidcAppApiPatch } from './user-oidc-app-api.ts';
export { serverCorsPatch } from './server-cors.ts';
export {
  applyPatchPlan, applyPatchToTarget, assertApplicable, evaluatePatch, planPatch, renderPlanDiff,
  type PatchApplyResult, type PatchOutcome, type PatchPlan,
} from './plan-patch.ts';
export { readAppVersion, readComponentVersion, readPatchTarget, readServerVersion, type PatchTarget } from './patch-target.ts';
export { renderPatchDiff } from './render-patch-diff.ts';
export { describeLint, lintPatchedPhp, lintPhp, type PhpLintOptions, type PhpLintResult } from './lint-php.ts';
export { compareVersions, describeVersionRange, inVersionRange, type VersionRange } from './version-range.ts';
