// The public surface of docker/: the Nextcloud image's build inputs, for the docker provider and tests.
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
  nextcloudBuildArgs,
  prepareBuildContext,
  validateImageSpec,
} from './nextcloud-image.ts';
export type { AppSource, ImagePatch, NextcloudImageSpec, PreparedBuildContext } from './nextcloud-image.ts';
export { DockerfileSyntaxError, parseDockerfile, parseKeyValues } from './parse-dockerfile.ts';
export type { DockerfileInstruction, DockerfileStage, ParsedDockerfile } from './parse-dockerfile.ts';
export { FAKE_OCC_SCRIPT, runHooksWithFakeOcc } from './run-hooks-with-fake-occ.ts';
export type { HookRun, RecordedOccCall } from './run-hooks-with-fake-occ.ts';
