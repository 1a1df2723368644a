import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { copyFile, lstat, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultAppVersion, EXTRA_APPS, IMAGE_APPS, knownAppRelease, type ExtraApp, type ImageApp } from './app-releases.ts';

/** The repository root: the build context of `docker/nextcloud/Dockerfile`. */
export const REPO_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** `docker/nextcloud/Dockerfile`, relative to the build context (the repository root). */
export const NEXTCLOUD_DOCKERFILE = 'docker/nextcloud/Dockerfile';

/** The folder whose `*.sh` the image runs after the install (`/docker-entrypoint-hooks.d/post-installation`). */
export const POST_INSTALLATION_HOOKS_DIR = join(REPO_ROOT, 'docker/nextcloud/hooks/post-installation');

/** The builder stages' scripts (download, checkout, JavaScript and PHP builds, version checks). */
export const BUILD_SCRIPTS_DIR = join(REPO_ROOT, 'docker/nextcloud/build');

/** Where an app checkout goes in a build context for `*_SOURCE=context` (the Dockerfile's `*_SRC_DIR` defaults). */
export const CONTEXT_SOURCE_DIRS: Readonly<Record<ImageApp, string>> = Object.fromEntries(IMAGE_APPS.map((app) => [app, `.nc-oauth-lab-src/${app}`])) as Record<ImageApp, string>;

/** The prefix of an app's build args (`NOTES_SOURCE`, `USER_OIDC_VERSION`, ...). */
export function appBuildArgPrefix(app: ImageApp): string {
  return app.toUpperCase();
}

/** The oldest `oidc` the image builds: 1.10.0 brought PKCE (facts page, "Versions that matter"). */
export const MIN_OIDC_VERSION = '1.10.0';

/** The Dockerfile's defaults: the double's defaults for Nextcloud 32 (`double/version-gates.ts`). */
export const NEXTCLOUD_IMAGE_DEFAULTS = { nextcloud: '32', oidc: '1.16.6', userOidc: '8.10.1', patch: 'none' } as const;

/** The patch modes the image knows (`PATCH` build arg); the same names as the double's patch modes. */
export const IMAGE_PATCHES = ['none', 'user_oidc-app-api', 'server-cors'] as const;

/** One of `IMAGE_PATCHES`. */
export type ImagePatch = (typeof IMAGE_PATCHES)[number];

/**
 * Where an app comes from: the release tarball of a version (what the app store serves, facts page "Release
 * tarballs"; `url` a tarball URL instead of the upstream one or the mirror's), a git repository at a ref, or
 * a local directory (a checkout under review). Git and directory sources are built in the image (composer
 * install --no-dev, npm ci && npm run build), except a directory that holds a built app (`vendor/` and
 * `js/`), which is copied as it is.
 */
export type AppSource =
  | { kind: 'release'; version: string; url?: string }
  | { kind: 'git'; url: string; ref?: string }
  | { kind: 'directory'; path: string };

/** Base images of the build, instead of Docker Hub's (a registry mirror, images loaded from a file). */
export interface BaseImages {
  /** The Nextcloud image (default `nextcloud:<nextcloud>-apache`). */
  nextcloud?: string;
  /** Node for downloads and our CLI (default `node:20`). */
  node?: string;
  /** Node for the apps' JavaScript builds (default `node:20`). */
  appNode?: string;
  /** Composer for the apps' PHP dependencies (default `composer:2`). */
  composer?: string;
}

/** What to build: a Nextcloud image tag's version, the apps, the patch, and whether it is a test image. */
export interface NextcloudImageSpec {
  /** The official image's version tag without `-apache`: a major (`32`) or a release (`32.0.1`). */
  nextcloud: string;
  /** An `oidc` version (a release) or a source. */
  oidc: string | AppSource;
  /** A `user_oidc` version (a release) or a source. */
  userOidc: string | AppSource;
  /**
   * Notes, Deck, Tables, Calendar, Contacts: a version (a release), a source, or null to build the image
   * without the app. An app left out gets the newest release that installs on the major
   * (`defaultAppVersion`, docker/app-releases.ts), or none when no release does.
   */
  apps?: Partial<Record<ExtraApp, string | AppSource | null>>;
  /** A base URL under which the release tarballs are found by their upstream file names (`releaseAssetName`). */
  releaseMirror?: string;
  baseImages?: BaseImages;
  patch: ImagePatch;
  /** Test image: the hooks turn brute-force and rate-limit protection off, disable firstrunwizard, add test users. */
  testImage: boolean;
}

/** A bad image spec (unknown patch, oidc below 1.10.0, missing checkout); `code` is stable. */
export class ImageSpecError extends Error {
  readonly code: 'ERR_IMAGE_SPEC';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ImageSpecError';
    this.code = 'ERR_IMAGE_SPEC';
  }
}

const source = (value: string | AppSource): AppSource => (typeof value === 'string' ? { kind: 'release', version: value } : value);

/** The Nextcloud major of an image tag's version (`32.0.1` -> 32). */
export function nextcloudMajorOf(version: string): number {
  return Number.parseInt(version, 10);
}

/**
 * Every app of a spec with its source, or null for an app the image goes without: oidc and user_oidc as
 * given, the others as given or by data for the major.
 */
export function resolvedApps(spec: NextcloudImageSpec): Record<ImageApp, AppSource | null> {
  const out = { oidc: source(spec.oidc), user_oidc: source(spec.userOidc) } as Record<ImageApp, AppSource | null>;
  for (const app of EXTRA_APPS) {
    const given = spec.apps?.[app];
    if (given === null) out[app] = null;
    else if (given !== undefined) out[app] = source(given);
    else {
      const version = defaultAppVersion(app, nextcloudMajorOf(spec.nextcloud));
      out[app] = version ? { kind: 'release', version } : null;
    }
  }
  return out;
}

/** True when a directory holds a built app (`vendor/` and `js/` directories): the image copies it as it is. */
export function isBuiltAppDirectory(path: string): boolean {
  const dir = (name: string): boolean => {
    try {
      return statSync(join(path, name)).isDirectory();
    } catch {
      return false;
    }
  };
  return dir('vendor') && dir('js');
}

function versionParts(version: string): number[] | undefined {
  const match = /^v?(\d+(?:\.\d+)*)/.exec(version.trim());
  return match ? match[1]!.split('.').map(Number) : undefined;
}

function versionAtLeast(version: string, minimum: string): boolean {
  const a = versionParts(version) ?? [];
  const b = versionParts(minimum) ?? [];
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/** Checks a spec as far as it can without building: patch, versions, versions as tags. */
export function validateImageSpec(spec: NextcloudImageSpec): void {
  if (!(IMAGE_PATCHES as readonly string[]).includes(spec.patch)) {
    throw new ImageSpecError(`unknown patch '${spec.patch}': use one of ${IMAGE_PATCHES.join(', ')}`);
  }
  if (!/^\d+(\.\d+){0,2}$/.test(spec.nextcloud)) {
    throw new ImageSpecError(`Nextcloud version '${spec.nextcloud}' is not an image tag like 32 or 32.0.1`);
  }
  for (const [app, value] of [['oidc', spec.oidc], ['user_oidc', spec.userOidc]] as const) {
    const s = source(value);
    if (s.kind === 'release' && !versionParts(s.version)) throw new ImageSpecError(`${app} version '${s.version}' is not a version like 1.2.3`);
  }
  const oidc = source(spec.oidc);
  if (oidc.kind === 'release' && !versionAtLeast(oidc.version, MIN_OIDC_VERSION)) {
    throw new ImageSpecError(`oidc ${oidc.version} is not supported: the images need oidc >= ${MIN_OIDC_VERSION} (PKCE)`);
  }
  for (const app of Object.keys(spec.apps ?? {})) {
    if (!(EXTRA_APPS as readonly string[]).includes(app)) throw new ImageSpecError(`unknown app '${app}': the image carries ${EXTRA_APPS.join(', ')} besides oidc and user_oidc`);
  }
  const major = nextcloudMajorOf(spec.nextcloud);
  for (const [app, s] of Object.entries(resolvedApps(spec)) as [ImageApp, AppSource | null][]) {
    if (!s || s.kind !== 'release' || app === 'oidc' || app === 'user_oidc') continue;
    if (!versionParts(s.version)) throw new ImageSpecError(`${app} version '${s.version}' is not a version like 1.2.3`);
    const known = knownAppRelease(app, s.version);
    if (known && (major < known.nextcloud[0] || major > known.nextcloud[1])) {
      throw new ImageSpecError(`${app} ${s.version} does not install on Nextcloud ${major}: its appinfo/info.xml accepts ${known.nextcloud[0]}-${known.nextcloud[1]} (${known.link}); leave the version out for the newest that does`);
    }
  }
  if (spec.releaseMirror !== undefined && !/^(https?|file):\/\/\S+$/.test(spec.releaseMirror)) {
    throw new ImageSpecError(`release mirror '${spec.releaseMirror}' is not an http(s) or file URL: give the base URL the tarballs are under`);
  }
}

/** Build args that say where, not what: left out of the image tag's hash (a mirror holds the same tarballs, checked by version). */
export const UNHASHED_BUILD_ARGS: ReadonlySet<string> = new Set(['RELEASE_MIRROR']);

/**
 * The Dockerfile's build args for a spec: per app `<APP>_SOURCE` (release, git, context, built or none) and
 * its version, URL, git URL and ref, or context directory (`.nc-oauth-lab-src/<app>`); `RELEASE_MIRROR`;
 * the base images.
 */
export function nextcloudBuildArgs(spec: NextcloudImageSpec): Record<string, string> {
  validateImageSpec(spec);
  const args: Record<string, string> = {
    NEXTCLOUD_VERSION: spec.nextcloud,
    PATCH: spec.patch,
    NC_OAUTH_LAB_TEST_IMAGE: spec.testImage ? 'true' : 'false',
  };
  if (spec.releaseMirror) args['RELEASE_MIRROR'] = spec.releaseMirror;
  const images = spec.baseImages ?? {};
  if (images.nextcloud) args['NEXTCLOUD_IMAGE'] = images.nextcloud;
  if (images.node) args['NODE_IMAGE'] = images.node;
  if (images.appNode ?? images.node) args['APP_NODE_IMAGE'] = (images.appNode ?? images.node)!;
  if (images.composer) args['COMPOSER_IMAGE'] = images.composer;
  for (const [app, s] of Object.entries(resolvedApps(spec)) as [ImageApp, AppSource | null][]) {
    const prefix = appBuildArgPrefix(app);
    if (s === null) {
      args[`${prefix}_SOURCE`] = 'none';
    } else if (s.kind === 'release') {
      args[`${prefix}_SOURCE`] = 'release';
      args[`${prefix}_VERSION`] = s.version.replace(/^v/, '');
      if (s.url) args[`${prefix}_RELEASE_URL`] = s.url;
    } else if (s.kind === 'git') {
      args[`${prefix}_SOURCE`] = 'git';
      args[`${prefix}_GIT_URL`] = s.url;
      if (s.ref) args[`${prefix}_GIT_REF`] = s.ref;
    } else {
      args[`${prefix}_SOURCE`] = isBuiltAppDirectory(s.path) ? 'built' : 'context';
      args[`${prefix}_SRC_DIR`] = CONTEXT_SOURCE_DIRS[app];
    }
  }
  return args;
}

/** Names never copied into a build context: dependencies, VCS data and test output. */
const CONTEXT_EXCLUDES = new Set(['node_modules', '.git', 'reports', 'test-results', 'playwright-report', 'blob-report', '.nc-oauth-lab', '.nc-oauth-lab-src']);

async function copyTree(from: string, to: string, files: string[], root: string): Promise<void> {
  const entries = await readdir(from, { withFileTypes: true });
  for (const entry of entries) {
    if (CONTEXT_EXCLUDES.has(entry.name)) continue;
    const src = join(from, entry.name);
    const dest = join(to, entry.name);
    if (entry.isDirectory()) {
      await mkdir(dest, { recursive: true });
      await copyTree(src, dest, files, root);
    } else if (entry.isFile()) {
      await copyFile(src, dest);
      files.push(relative(root, dest).split(sep).join('/'));
    }
  }
}

/** A build context made for one spec: the directory, the Dockerfile in it, the build args and a content tag. */
export interface PreparedBuildContext {
  dir: string;
  dockerfile: string;
  buildArgs: Record<string, string>;
  /** sha256 over every file of the context (path, mode bits that matter, content) and the build args. */
  hash: string;
  /** `nc-oauth-lab/nextcloud:<nextcloud>-<first 16 hex of hash>`: the same inputs give the same tag. */
  tag: string;
}

/**
 * Assembles the build context of a spec in `dir` (emptied first): `docker/nextcloud/`, the repository's
 * sources when a patch runs our CLI, and directory sources under `.nc-oauth-lab-src/`. Builds through the
 * Docker API (testcontainers) cannot pass named contexts, so directory sources travel this way.
 */
export async function prepareBuildContext(spec: NextcloudImageSpec, dir: string, repoRoot: string = REPO_ROOT): Promise<PreparedBuildContext> {
  const buildArgs = nextcloudBuildArgs(spec);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  if (spec.patch === 'none') {
    await mkdir(join(dir, 'docker/nextcloud'), { recursive: true });
    await copyTree(join(repoRoot, 'docker/nextcloud'), join(dir, 'docker/nextcloud'), files, dir);
  } else {
    await copyTree(repoRoot, dir, files, dir);
  }
  for (const [app, s] of Object.entries(resolvedApps(spec)) as [ImageApp, AppSource | null][]) {
    if (s?.kind !== 'directory') continue;
    const info = join(s.path, 'appinfo/info.xml');
    try {
      await lstat(info);
    } catch (cause) {
      throw new ImageSpecError(`${s.path} is not a checkout of ${app}: it has no appinfo/info.xml`, { cause });
    }
    const dest = join(dir, CONTEXT_SOURCE_DIRS[app]);
    await mkdir(dest, { recursive: true });
    await copyTree(s.path, dest, files, dir);
  }
  const hash = createHash('sha256');
  hash.update(JSON.stringify(Object.entries(buildArgs).filter(([name]) => !UNHASHED_BUILD_ARGS.has(name)).sort()));
  for (const file of files.sort()) {
    const path = join(dir, file);
    const executable = ((await lstat(path)).mode & 0o111) !== 0;
    hash.update(`\0${file}\0${executable ? 'x' : '-'}\0`);
    hash.update(await readFile(path));
  }
  const digest = hash.digest('hex');
  return { dir, dockerfile: NEXTCLOUD_DOCKERFILE, buildArgs, hash: digest, tag: `nc-oauth-lab/nextcloud:${spec.nextcloud}-${digest.slice(0, 16)}` };
}
