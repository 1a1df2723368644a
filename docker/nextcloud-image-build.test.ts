import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { getContainerRuntimeClient, type ContainerRuntimeClient } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, prepareBuildContext, type NextcloudImageSpec } from './nextcloud-image.ts';

// docker/nextcloud/Dockerfile built for real by BuildKit on a local engine, offline: the base images are
// stand-ins built here FROM scratch around Debian's static busybox (a fake `nextcloud:<tag>-apache` with
// version.php and a php that prints it; a fake node image whose curl serves synthetic release tarballs and
// whose node plays `nc-oauth-lab patch`). This checks the stage wiring: only the selected stages run, no
// pull happens, the oidc minimum, sources, patches, labels, hook permissions. The real CLI and the real
// apps are tested elsewhere (patches/, docker/nextcloud-build-scripts.test.ts).

const BUSYBOX = '/bin/busybox';

async function problem(): Promise<string | undefined> {
  try {
    await getContainerRuntimeClient();
  } catch {
    return 'no Docker engine answers (start dockerd, or set DOCKER_HOST); .ci/run starts one when it can';
  }
  if (!existsSync(BUSYBOX)) return `no static busybox at ${BUSYBOX} (Debian: apt-get install busybox-static; .ci/run installs it)`;
  try {
    if (!execFileSync('file', ['-L', BUSYBOX], { encoding: 'utf8' }).includes('statically linked')) return `${BUSYBOX} is not statically linked (install busybox-static)`;
  } catch {
    // no `file`: try it anyway
  }
  return undefined;
}

const why = await problem();
if (why) console.warn(`Dockerfile build tests skipped: ${why}`);

const FAKE_CURL = `#!/bin/sh
out=; url=
while [ $# -gt 0 ]; do
  case $1 in
    -o) out=$2; shift 2 ;;
    --retry|--retry-delay) shift 2 ;;
    -*) shift ;;
    *) url=$1; shift ;;
  esac
done
file=/fixtures/\${url##*/}
[ -f "$file" ] || { echo "curl: (22) The requested URL returned error: 404" >&2; exit 22; }
cp "$file" "$out"
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

// as npm: ci needs a package-lock.json; the image's CLI stage installs with npm install where there is none
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

function appTree(root: string, app: string, version: string): string {
  const dir = join(root, app);
  mkdirSync(join(dir, 'appinfo'), { recursive: true });
  mkdirSync(join(dir, 'lib/User'), { recursive: true });
  writeFileSync(join(dir, 'appinfo/info.xml'), `<?xml version="1.0"?>\n<info>\n  <id>${app}</id>\n  <version>${version}</version>\n  <dependencies><nextcloud min-version="30" max-version="35"/></dependencies>\n</info>\n`);
  writeFileSync(join(dir, 'lib/User/Backend.php'), '<?php\n// synthetic\n');
  return dir;
}

describe.skipIf(why !== undefined)('docker/nextcloud/Dockerfile built by BuildKit with stand-in base images', () => {
  let client: ContainerRuntimeClient;
  let work: string;
  const run = process.pid;
  const NODE = `nc-oauth-lab-test/fake-node:${run}`;
  const NEXTCLOUD_TAG = `nclabfake${run}`;
  const BASE_NEXTCLOUD = `nextcloud:${NEXTCLOUD_TAG}-apache`;
  const images: string[] = [];

  /** Builds a context directory with BuildKit (as the docker provider does); returns the error message or ''. */
  async function build(context: string, dockerfile: string, tag: string, buildArgs: Record<string, string>): Promise<string> {
    images.push(tag);
    const dockerode = client.container.dockerode;
    const files = execFileSync('find', ['.', '-type', 'f'], { cwd: context, encoding: 'utf8' }).split('\n').filter(Boolean).map((f) => f.slice(2));
    const stream = await dockerode.buildImage({ context, src: files }, { t: tag, dockerfile, buildargs: buildArgs, version: '2' });
    type Line = { error?: string; errorDetail?: { message?: string } };
    const lines = await new Promise<Line[]>((resolve, reject) => dockerode.modem.followProgress(stream, (e: Error | null, out: Line[]) => (e ? reject(e) : resolve(out))));
    const failed = lines.find((l) => l.error || l.errorDetail);
    return failed ? (failed.errorDetail?.message ?? failed.error ?? 'failed') : '';
  }

  /** Runs a shell command in an image and returns its output. */
  async function sh(image: string, command: string): Promise<string> {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const [result] = (await client.container.dockerode.run(image, ['sh', '-c', command], out, { Tty: true, HostConfig: { AutoRemove: true } })) as [{ StatusCode: number }];
    expect(result.StatusCode, command).toBe(0);
    return Buffer.concat(chunks).toString('utf8').replace(/\r\n/g, '\n');
  }

  async function stub(name: string, files: Record<string, string>, dockerfileLines: string[]): Promise<void> {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), content, { mode: 0o755 });
    }
    execFileSync('cp', [BUSYBOX, join(dir, 'busybox')]);
    writeFileSync(join(dir, 'Dockerfile'), ['FROM scratch', 'COPY busybox /bin/busybox', 'RUN ["/bin/busybox", "--install", "-s", "/bin"]', 'RUN mkdir -p /usr/bin /usr/local/bin /tmp && chmod 1777 /tmp', ...dockerfileLines].join('\n') + '\n');
  }

  async function specContext(spec: Partial<NextcloudImageSpec>, name: string, repoRoot?: string): Promise<{ dir: string; args: Record<string, string> }> {
    const full: NextcloudImageSpec = { nextcloud: '32', oidc: '1.16.6', userOidc: '8.10.1', patch: 'none', testImage: false, ...spec };
    const prepared = await prepareBuildContext(full, join(work, name), repoRoot);
    return { dir: prepared.dir, args: { ...prepared.buildArgs, NEXTCLOUD_VERSION: NEXTCLOUD_TAG, NODE_IMAGE: NODE, APP_NODE_IMAGE: NODE, COMPOSER_IMAGE: NODE } };
  }

  beforeAll(async () => {
    client = await getContainerRuntimeClient();
    work = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-image-build-'));
    const fixtures = join(work, 'fixtures-src');
    for (const [app, version, file] of [['oidc', '1.16.6', 'oidc-1.16.6.tar.gz'], ['user_oidc', '8.10.1', 'user_oidc-v8.10.1.tar.gz']] as const) {
      const staging = join(fixtures, `${app}-staging`);
      appTree(staging, app, version);
      mkdirSync(join(work, 'node/fixtures'), { recursive: true });
      execFileSync('tar', ['-czf', join(work, 'node/fixtures', file), '-C', staging, app]);
    }
    await stub('node', { 'usr/bin/curl': FAKE_CURL, 'usr/local/bin/node': FAKE_NODE, 'usr/local/bin/npm': FAKE_NPM, 'usr/local/bin/composer': '#!/bin/sh\necho "fake composer $*"\n' }, ['COPY usr/ /usr/', 'COPY fixtures/ /fixtures/']);
    expect(await build(join(work, 'node'), 'Dockerfile', NODE, {})).toBe('');
    await stub(
      'nextcloud',
      { 'usr/local/bin/php': FAKE_PHP, 'usr/src/nextcloud/version.php': '<?php $OC_Version = [32, 0, 1, 2];\n', 'usr/src/nextcloud/lib/private/AppFramework/Middleware/Security/CORSMiddleware.php': '<?php\n// core\n' },
      ['COPY usr/ /usr/', 'RUN mkdir -p /usr/src/nextcloud/custom_apps /docker-entrypoint-hooks.d/post-installation'],
    );
    expect(await build(join(work, 'nextcloud'), 'Dockerfile', BASE_NEXTCLOUD, {})).toBe('');
  }, 120_000);

  afterAll(async () => {
    for (const image of images.reverse()) await client.container.dockerode.getImage(image).remove({ force: true }).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('builds the default variant from release tarballs: apps, hooks 0755, versions, labels', async () => {
    const { dir, args } = await specContext({}, 'ctx-default');
    const tag = `nc-oauth-lab-test/nextcloud:${run}-default`;
    expect(await build(dir, 'docker/nextcloud/Dockerfile', tag, args)).toBe('');
    const out = await sh(
      tag,
      'cat /etc/nc-oauth-lab/versions /etc/nc-oauth-lab/patch.txt; stat -c "%a %n" /docker-entrypoint-hooks.d/post-installation/*.sh; ls -1 /usr/src/nextcloud/custom_apps; echo "test_mode=$NC_OAUTH_LAB_TEST_MODE"',
    );
    expect(out).toBe(
      [
        'nextcloud=32.0.1.2',
        'oidc=1.16.6',
        'user_oidc=8.10.1',
        'patch=none',
        'none',
        ...['10-nc-oauth-lab-apps', '20-nc-oauth-lab-oidc', '30-nc-oauth-lab-user-oidc', '40-nc-oauth-lab-urls', '50-nc-oauth-lab-users', '90-nc-oauth-lab-test-mode'].map((h) => `755 /docker-entrypoint-hooks.d/post-installation/${h}.sh`),
        'oidc',
        'user_oidc',
        'test_mode=false',
        '',
      ].join('\n'),
    );
    const labels = (await client.container.dockerode.getImage(tag).inspect()).Config.Labels;
    expect(labels).toMatchObject({
      'io.nc-oauth-lab.nextcloud.version': NEXTCLOUD_TAG,
      'io.nc-oauth-lab.oidc.version': '1.16.6',
      'io.nc-oauth-lab.oidc.source': 'release',
      'io.nc-oauth-lab.user-oidc.version': '8.10.1',
      'io.nc-oauth-lab.patch': 'none',
      'io.nc-oauth-lab.test-image': 'false',
      'org.opencontainers.image.version': NEXTCLOUD_TAG,
    });
  }, 120_000);

  it('stops in the builder stage for oidc below 1.10.0, with the message', async () => {
    const { dir, args } = await specContext({}, 'ctx-old-oidc');
    const message = await build(dir, 'docker/nextcloud/Dockerfile', `nc-oauth-lab-test/nextcloud:${run}-old`, { ...args, OIDC_VERSION: '1.9.3' });
    expect(message).toMatch(/require-version\.sh oidc .*exit code: 1/);
  }, 120_000);

  it('builds a user_oidc directory source, patched with the CLI, as a test image', async () => {
    const checkout = appTree(join(work, 'checkout'), 'user_oidc', '8.11.0-dev.0');
    writeFileSync(join(checkout, 'package.json'), '{"name":"user_oidc","private":true}');
    writeFileSync(join(checkout, 'package-lock.json'), '{"lockfileVersion":3}');
    const { dir, args } = await specContext({ userOidc: { kind: 'directory', path: checkout }, patch: 'user_oidc-app-api', testImage: true }, 'ctx-directory');
    const tag = `nc-oauth-lab-test/nextcloud:${run}-directory`;
    expect(await build(dir, 'docker/nextcloud/Dockerfile', tag, args)).toBe('');
    const out = await sh(tag, 'cat /etc/nc-oauth-lab/versions /etc/nc-oauth-lab/patch.txt /usr/src/nextcloud/custom_apps/user_oidc/lib/User/Backend.php; echo "test_mode=$NC_OAUTH_LAB_TEST_MODE"');
    expect(out).toBe(
      ['nextcloud=32.0.1.2', 'oidc=1.16.6', 'user_oidc=8.11.0-dev.0', 'patch=user_oidc-app-api', 'user_oidc-app-api: applied (fake, 1 edit)', '<?php', '// synthetic', '// patched: user_oidc-app-api', 'test_mode=true', ''].join('\n'),
    );
    const labels = (await client.container.dockerode.getImage(tag).inspect()).Config.Labels;
    expect(labels).toMatchObject({ 'io.nc-oauth-lab.user-oidc.source': 'context', 'io.nc-oauth-lab.patch': 'user_oidc-app-api', 'io.nc-oauth-lab.test-image': 'true' });
  }, 120_000);

  it('builds a patched image from an installed package, which has no package-lock.json', async () => {
    const installed = join(work, 'installed', 'node_modules', 'nc-oauth-lab');
    const skip = new Set(['node_modules', '.git', 'package-lock.json', 'reports', 'test-results']);
    cpSync(REPO_ROOT, installed, { recursive: true, filter: (src) => !skip.has(basename(src)) });
    const { dir, args } = await specContext({ patch: 'user_oidc-app-api' }, 'ctx-installed', installed);
    expect(existsSync(join(dir, 'package-lock.json'))).toBe(false);
    const tag = `nc-oauth-lab-test/nextcloud:${run}-installed`;
    expect(await build(dir, 'docker/nextcloud/Dockerfile', tag, args)).toBe('');
    expect(await sh(tag, 'cat /etc/nc-oauth-lab/patch.txt')).toBe('user_oidc-app-api: applied (fake, 1 edit)\n');
  }, 120_000);

  it('server-cors patches core through the overlay and leaves user_oidc as released', async () => {
    const { dir, args } = await specContext({ patch: 'server-cors' }, 'ctx-cors');
    const tag = `nc-oauth-lab-test/nextcloud:${run}-cors`;
    expect(await build(dir, 'docker/nextcloud/Dockerfile', tag, args)).toBe('');
    const out = await sh(tag, 'cat /usr/src/nextcloud/lib/private/AppFramework/Middleware/Security/CORSMiddleware.php /usr/src/nextcloud/custom_apps/user_oidc/lib/User/Backend.php /etc/nc-oauth-lab/patch.txt');
    expect(out).toBe(['<?php', '// core', '// patched: server-cors', '<?php', '// synthetic', 'server-cors: applied (fake, 1 edit)', ''].join('\n'));
  }, 120_000);
});
