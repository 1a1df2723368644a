import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerRuntimeClient } from 'testcontainers';
import { IMAGE_APPS, releaseAssetName, type ImageApp } from './app-releases.ts';

/**
 * Stand-ins of the base images of docker/nextcloud/Dockerfile, built FROM scratch around Debian's static
 * busybox, for tests that build the real Dockerfile where nothing can be pulled: a `node` whose curl serves
 * synthetic release tarballs for upstream URLs (and really tries any other URL, with busybox wget) and whose
 * node plays `nc-oauth-lab patch`, and a `nextcloud:<tag>-apache` with version.php and a php that prints it.
 * What they check is the Dockerfile's wiring (stages, sources, patches, labels, files), not the real apps.
 */

/** Debian's static busybox (package busybox-static). */
export const STATIC_BUSYBOX = '/bin/busybox';

/** Where the stand-in curl serves the synthetic tarballs from (besides the upstream GitHub URLs). */
export const STAND_IN_FIXTURE_HOST = 'http://fixtures.nc-oauth-lab.test';

/** Why the stand-ins cannot be built here (no static busybox), or undefined. */
export function standInProblem(): string | undefined {
  if (!existsSync(STATIC_BUSYBOX)) return `no static busybox at ${STATIC_BUSYBOX} (Debian: apt-get install busybox-static; .ci/run installs it)`;
  try {
    if (!execFileSync('file', ['-L', STATIC_BUSYBOX], { encoding: 'utf8' }).includes('statically linked')) return `${STATIC_BUSYBOX} is not statically linked (install busybox-static)`;
  } catch {
    // no `file`: try it anyway
  }
  return undefined;
}

// Serves /fixtures/<file name> for upstream release URLs and the fixture host; for any other URL the host
// is really looked up (busybox nslookup) and the file fetched with busybox wget, so an unreachable mirror
// fails as with curl ("curl: (6) Could not resolve host: HOST").
const FAKE_CURL = `#!/bin/sh
out=; url=
while [ $# -gt 0 ]; do
  case $1 in
    -o) out=$2; shift 2 ;;
    --retry|--retry-delay|--connect-timeout) shift 2 ;;
    -*) shift ;;
    *) url=$1; shift ;;
  esac
done
case $url in
  https://github.com/*|${STAND_IN_FIXTURE_HOST}/*)
    file=/fixtures/\${url##*/}
    [ -f "$file" ] || { echo "curl: (22) The requested URL returned error: 404" >&2; exit 22; }
    cp "$file" "$out"
    ;;
  *)
    host=\${url#*://}; host=\${host%%/*}; host=\${host%%:*}
    nslookup "$host" >/dev/null 2>&1 || { echo "curl: (6) Could not resolve host: $host" >&2; exit 6; }
    if ! error=$(wget -q -T 10 -O "$out" "$url" 2>&1); then echo "curl: (7) $error" >&2; exit 7; fi
    ;;
esac
`;

// Plays \`node bin/nc-oauth-lab.js patch list|apply --patch ID --target DIR\`.
const FAKE_NODE = `#!/bin/sh
[ "$1" = bin/nc-oauth-lab.js ] || { echo "fake node: unexpected $*" >&2; exit 1; }
[ -f bin/nc-oauth-lab.js ] || { echo "fake node: the CLI was not copied" >&2; exit 1; }
case "$2 $3" in
  "patch list") echo "user_oidc-app-api server-cors"; exit 0 ;;
  "patch apply") ;;
  *) echo "fake node: unexpected $*" >&2; exit 1 ;;
esac
id=$5; target=$7
case $id in
  user_oidc-app-api) echo "// patched: $id" >> "$target/lib/User/Backend.php" ;;
  server-cors) echo "// patched: $id" >> "$target/lib/private/AppFramework/Middleware/Security/CORSMiddleware.php" ;;
  *) echo "unknown patch $id" >&2; exit 2 ;;
esac
echo "$id: applied (fake, 1 edit)"
`;

const FAKE_NPM = `#!/bin/sh
case "$1" in
  ci) [ -f package-lock.json ] || { echo "fake npm: npm ci without package-lock.json in $(pwd)" >&2; exit 1; } ;;
  install) [ ! -f package-lock.json ] || { echo "fake npm: npm install beside a package-lock.json in $(pwd)" >&2; exit 1; } ;;
esac
echo "fake npm $*"
`;

const FAKE_PHP = `#!/bin/sh
echo "32.0.1.2"
`;

/** A synthetic app directory (appinfo/info.xml with `version`, a lib file) under `root/app`. */
export function syntheticApp(root: string, app: string, version: string): string {
  const dir = join(root, app);
  mkdirSync(join(dir, 'appinfo'), { recursive: true });
  mkdirSync(join(dir, 'lib/User'), { recursive: true });
  writeFileSync(join(dir, 'appinfo/info.xml'), `<?xml version="1.0"?>\n<info>\n  <id>${app}</id>\n  <version>${version}</version>\n  <dependencies><nextcloud min-version="30" max-version="35"/></dependencies>\n</info>\n`);
  writeFileSync(join(dir, 'lib/User/Backend.php'), '<?php\n// synthetic\n');
  return dir;
}

/** The build stream's error of a build, or '' when it built. */
export async function buildContext(client: ContainerRuntimeClient, context: string, dockerfile: string, tag: string, buildArgs: Record<string, string>, builder: '1' | '2' = '2'): Promise<string> {
  const dockerode = client.container.dockerode;
  const files = execFileSync('find', ['.', '-type', 'f'], { cwd: context, encoding: 'utf8' }).split('\n').filter(Boolean).map((f) => f.slice(2));
  const stream = await dockerode.buildImage({ context, src: files }, { t: tag, dockerfile, buildargs: buildArgs, version: builder, forcerm: true });
  type Line = { error?: string; errorDetail?: { message?: string } };
  const lines = await new Promise<Line[]>((resolve, reject) => dockerode.modem.followProgress(stream, (e: Error | null, out: Line[]) => (e ? reject(e) : resolve(out))));
  const failed = lines.find((l) => l.error || l.errorDetail);
  return failed ? (failed.errorDetail?.message ?? failed.error ?? 'failed') : '';
}

/** The stand-ins, by the names the Dockerfile's build args take. */
export interface StandInBaseImages {
  /** NODE_IMAGE, APP_NODE_IMAGE and COMPOSER_IMAGE. */
  node: string;
  /** The NEXTCLOUD_VERSION tag whose `nextcloud:<tag>-apache` is the stand-in. */
  nextcloudTag: string;
  /** `nextcloud:<tag>-apache`. */
  nextcloud: string;
  /** The build args that point the Dockerfile at the stand-ins. */
  buildArgs: Record<string, string>;
  /** Every image made, to remove afterwards. */
  images: string[];
}

/**
 * Builds the stand-ins in `work` (a scratch directory) with release tarballs of every app at `versions`
 * (file names as upstream), tagged with `suffix` so that parallel runs do not meet.
 */
export async function buildStandInBaseImages(client: ContainerRuntimeClient, work: string, suffix: string, versions: Partial<Record<ImageApp, string>>): Promise<StandInBaseImages> {
  const node = `nc-oauth-lab-test/fake-node:${suffix}`;
  const nextcloudTag = `nclabfake${suffix}`;
  const nextcloud = `nextcloud:${nextcloudTag}-apache`;
  const stub = async (name: string, tag: string, files: Record<string, string>, lines: string[]): Promise<void> => {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), content, { mode: 0o755 });
    }
    execFileSync('cp', [STATIC_BUSYBOX, join(dir, 'busybox')]);
    writeFileSync(join(dir, 'Dockerfile'), ['FROM scratch', 'COPY busybox /bin/busybox', 'RUN ["/bin/busybox", "--install", "-s", "/bin"]', 'RUN mkdir -p /usr/bin /usr/local/bin /tmp && chmod 1777 /tmp', ...lines].join('\n') + '\n');
    const error = await buildContext(client, dir, 'Dockerfile', tag, {});
    if (error) throw new Error(`building the stand-in ${tag} failed: ${error}`);
  };
  mkdirSync(join(work, 'node/fixtures'), { recursive: true });
  writeFileSync(join(work, 'node/fixtures/README'), 'synthetic release tarballs, by their upstream file names\n');
  for (const app of IMAGE_APPS) {
    const version = versions[app];
    if (!version) continue;
    const staging = join(work, 'fixtures-src', app);
    syntheticApp(staging, app, version);
    execFileSync('tar', ['-czf', join(work, 'node/fixtures', releaseAssetName(app, version)), '-C', staging, app]);
  }
  await stub('node', node, { 'usr/bin/curl': FAKE_CURL, 'usr/local/bin/node': FAKE_NODE, 'usr/local/bin/npm': FAKE_NPM, 'usr/local/bin/composer': '#!/bin/sh\necho "fake composer $*"\n' }, ['COPY usr/ /usr/', 'COPY fixtures/ /fixtures/']);
  await stub(
    'nextcloud',
    nextcloud,
    { 'usr/local/bin/php': FAKE_PHP, 'usr/src/nextcloud/version.php': '<?php $OC_Version = [32, 0, 1, 2];\n', 'usr/src/nextcloud/lib/private/AppFramework/Middleware/Security/CORSMiddleware.php': '<?php\n// core\n' },
    ['COPY usr/ /usr/', 'RUN mkdir -p /usr/src/nextcloud/custom_apps /docker-entrypoint-hooks.d/post-installation'],
  );
  return { node, nextcloudTag, nextcloud, buildArgs: { NEXTCLOUD_VERSION: nextcloudTag, NODE_IMAGE: node, APP_NODE_IMAGE: node, COMPOSER_IMAGE: node }, images: [node, nextcloud] };
}
