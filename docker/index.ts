// The public surface of docker/: the Nextcloud image's build inputs, for the docker provider and tests.
export {
  APP_RELEASES,
  APP_RELEASE_SOURCES,
  EXTRA_APPS,
  IMAGE_APPS,
  compareAppVersions,
  defaultAppVersion,
  isExtraApp,
  isImageApp,
  knownAppRelease,
  releaseAssetName,
  releaseUrl,
} from './app-releases.ts';
export type { AppRelease, AppReleaseSource, ExtraApp, ImageApp } from './app-releases.ts';
export {
  BUILD_SCRIPTS_DIR,
  CONTEXT_SOURCE_DIRS,
  IMAGE_PATCHES,
  ImageSpecError,
  MIN_OIDC_VERSION,
  NEXTCLOUD_DOCKERFILE,
  NEXTCLOUD_IMAGE_DEFAULTS,
  POST_INSTALLATION_HOOKS_DIR,
  REPO_ROOT,
  UNHASHED_BUILD_ARGS,
  appBuildArgPrefix,
  isBuiltAppDirectory,
  nextcloudBuildArgs,
  nextcloudMajorOf,
  prepareBuildContext,
  resolvedApps,
  validateImageSpec,
} from './nextcloud-image.ts';
export type { AppSource, BaseImages, ImagePatch, NextcloudImageSpec, PreparedBuildContext } from './nextcloud-image.ts';
export { DockerfileSyntaxError, parseDockerfile, parseKeyValues } from './parse-dockerfile.ts';
export type { DockerfileInstruction, DockerfileStage, ParsedDockerfile } from './parse-dockerfile.ts';
export { FAKE_OCC_SCRIPT, runHooksWithFakeOcc } from './run-hooks-with-fake-occ.ts';
export { STAND_IN_FIXTURE_HOST, STATIC_BUSYBOX, buildContext, buildStandInBaseImages, standInProblem, syntheticApp } from './stand-in-base-images.ts';
export type { StandInBaseImages } from './stand-in-base-images.ts';
export type { HookRun, RecordedOccCall } from './run-hooks-with-fake-occ.ts';
