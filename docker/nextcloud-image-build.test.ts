import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { getContainerRuntimeClient, type ContainerRuntimeClient } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareBuildContext, REPO_ROOT, type NextcloudImageSpec } from './nextcloud-image.ts';
import { buildContext, buildStandInBaseImages, STAND_IN_FIXTURE_HOST, standInProblem, syntheticApp, type StandInBaseImages } from './stand-in-base-images.ts';

// docker/nextcloud/Dockerfile built for real by BuildKit on a local engine, offline: the base images are
// stand-ins built here FROM scratch around Debian's static busybox (docker/stand-in-base-images.ts: a fake
// `nextcloud:<tag>-apache` with version.php and a php that prints it; a fake node image whose curl serves
// synthetic release tarballs and whose node plays `nc-oauth-lab patch`). This checks the stage wiring: only
// the selected stages run, no pull happens, the oidc minimum, sources, patches, labels, hook permissions, the
// extra apps, a mirror, and the legacy builder's stop. The real CLI and the real apps are tested elsewhere
// (patches/, docker/nextcloud-build-scripts.test.ts).

async function problem(): Promise<string | undefined> {
  try {
    await getContainerRuntimeClient();
  } catch {
    return 'no Docker engine answers (start dockerd, or set DOCKER_HOST); .ci/run starts one when it can';
  }
  return standInProblem();
}

const why = await problem();
if (why) console.warn(`Dockerfile build tests skipped: ${why}`);

const appTree = syntheticApp;

const hasDockerCli = (): boolean => spawnSync('docker', ['--version'], { stdio: 'ignore' }).status === 0;

describe.skipIf(why !== undefined)('docker/nextcloud/Dockerfile built by BuildKit with stand-in base images', () => {
  let client: ContainerRuntimeClient;
  let work: string;
  let bases: StandInBaseImages;
  const run = process.pid;
  let NEXTCLOUD_TAG = '';
  const images: string[] = [];

  /** Builds a context directory with BuildKit (as the docker provider does), or the legacy builder; returns the error message or ''. */
  async function build(context: string, dockerfile: string, tag: string, buildArgs: Record<string, string>, builder: '1' | '2' = '2'): Promise<string> {
    images.push(tag);
    return buildContext(client, context, dockerfile, tag, buildArgs, builder);
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

  async function specContext(spec: Partial<NextcloudImageSpec>, name: string, repoRoot?: string): Promise<{ dir: string; args: Record<string, string> }> {
    const full: NextcloudImageSpec = { nextcloud: '32', oidc: '1.16.6', userOidc: '8.10.1', patch: 'none', testImage: false, ...spec };
    const prepared = await prepareBuildContext(full, join(work, name), repoRoot);
    return { dir: prepared.dir, args: { ...prepared.buildArgs, ...bases.buildArgs } };
  }

  beforeAll(async () => {
    client = await getContainerRuntimeClient();
    work = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-image-build-'));
    bases = await buildStandInBaseImages(client, work, String(run), { oidc: '1.16.6', user_oidc: '8.10.1', notes: '5.0.2', deck: '1.16.7', tables: '1.0.9', calendar: '6.6.0', contacts: '8.3.18' });
    images.push(...bases.images);
    NEXTCLOUD_TAG = bases.nextcloudTag;
  }, 180_000);

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
      'cat /etc/nc-oauth-lab/versions /etc/nc-oauth-lab/patch.txt /etc/nc-oauth-lab/apps; stat -c "%a %n" /docker-entrypoint-hooks.d/post-installation/*.sh; ls -1 /usr/src/nextcloud/custom_apps; echo "test_mode=$NC_OAUTH_LAB_TEST_MODE"',
    );
    expect(out).toBe(
      [
        'nextcloud=32.0.1.2',
        'oidc=1.16.6',
        'user_oidc=8.10.1',
        'notes=5.0.2',
        'deck=1.16.7',
        'tables=1.0.9',
        'calendar=6.6.0',
        'contacts=8.3.18',
        'patch=none',
        'none',
        'oidc user_oidc notes deck tables calendar contacts',
        ...['10-nc-oauth-lab-apps', '20-nc-oauth-lab-oidc', '30-nc-oauth-lab-user-oidc', '40-nc-oauth-lab-urls', '50-nc-oauth-lab-users', '90-nc-oauth-lab-test-mode'].map((h) => `755 /docker-entrypoint-hooks.d/post-installation/${h}.sh`),
        'calendar',
        'contacts',
        'deck',
        'notes',
        'oidc',
        'tables',
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
      ['nextcloud=32.0.1.2', 'oidc=1.16.6', 'user_oidc=8.11.0-dev.0', 'notes=5.0.2', 'deck=1.16.7', 'tables=1.0.9', 'calendar=6.6.0', 'contacts=8.3.18', 'patch=user_oidc-app-api', 'user_oidc-app-api: applied (fake, 1 edit)', '<?php', '// synthetic', '// patched: user_oidc-app-api', 'test_mode=true', ''].join('\n'),
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

  it('leaves an app out, copies a built directory as it is, builds a checkout, and labels them', async () => {
    const built = appTree(join(work, 'built'), 'tables', '1.1.0-dev');
    mkdirSync(join(built, 'vendor'), { recursive: true });
    mkdirSync(join(built, 'js'), { recursive: true });
    writeFileSync(join(built, 'js/tables-main.js'), '// built\n');
    const checkout = appTree(join(work, 'calendar-checkout'), 'calendar', '6.7.0-dev');
    const { dir, args } = await specContext({ apps: { deck: null, contacts: null, tables: { kind: 'directory', path: built }, calendar: { kind: 'directory', path: checkout }, notes: '5.0.2' } }, 'ctx-apps');
    expect(args).toMatchObject({ DECK_SOURCE: 'none', TABLES_SOURCE: 'built', CALENDAR_SOURCE: 'context' });
    const tag = `nc-oauth-lab-test/nextcloud:${run}-apps`;
    expect(await build(dir, 'docker/nextcloud/Dockerfile', tag, args)).toBe('');
    const out = await sh(tag, 'cat /etc/nc-oauth-lab/versions /etc/nc-oauth-lab/apps; ls /usr/src/nextcloud/custom_apps/tables/js');
    expect(out).toBe(
      ['nextcloud=32.0.1.2', 'oidc=1.16.6', 'user_oidc=8.10.1', 'notes=5.0.2', 'deck=none', 'tables=1.1.0-dev', 'calendar=6.7.0-dev', 'contacts=none', 'patch=none', 'oidc user_oidc notes tables calendar', 'tables-main.js', ''].join('\n'),
    );
    const labels = (await client.container.dockerode.getImage(tag).inspect()).Config.Labels;
    expect(labels).toMatchObject({ 'io.nc-oauth-lab.deck.source': 'none', 'io.nc-oauth-lab.tables.source': 'built', 'io.nc-oauth-lab.calendar.source': 'context', 'io.nc-oauth-lab.notes.version': '5.0.2' });
  }, 180_000);

  it('downloads every app from a release mirror by its upstream file name', async () => {
    const { dir, args } = await specContext({ releaseMirror: `${STAND_IN_FIXTURE_HOST}/mirror/` }, 'ctx-mirror');
    const tag = `nc-oauth-lab-test/nextcloud:${run}-mirror`;
    expect(await build(dir, 'docker/nextcloud/Dockerfile', tag, { ...args, RELEASE_MIRROR: `${STAND_IN_FIXTURE_HOST}/mirror/` })).toBe('');
    expect((await sh(tag, 'ls -1 /usr/src/nextcloud/custom_apps')).split('\n').filter(Boolean)).toEqual(['calendar', 'contacts', 'deck', 'notes', 'oidc', 'tables', 'user_oidc']);
  }, 180_000);

  it('with an unreachable mirror, the build fails in a download step that names the URL and the reason', async () => {
    const { dir, args } = await specContext({ releaseMirror: 'http://mirror.invalid/apps' }, 'ctx-unreachable');
    const message = await build(dir, 'docker/nextcloud/Dockerfile', `nc-oauth-lab-test/nextcloud:${run}-unreachable`, args);
    expect(message).toMatch(/fetch-release\.sh \S+ .*exit code: 1/);
  }, 180_000);

  /** Containers the legacy builder kept from the BuildKit stop (it keeps a failed step's container unless told to remove it). */
  const keptStopContainers = async (): Promise<number> =>
    (await client.container.dockerode.listContainers({ all: true })).filter((c) => c.Command.includes('needs BuildKit')).length;

  it('the legacy builder stops in its first stage, saying BuildKit is needed, and leaves no container behind', async () => {
    const kept = await keptStopContainers();
    const { dir, args } = await specContext({}, 'ctx-legacy');
    const message = await build(dir, 'docker/nextcloud/Dockerfile', `nc-oauth-lab-test/nextcloud:${run}-legacy`, args, '1');
    expect(message).toMatch(/non-zero code: 1/);
    const log = new (await import('../harness/providers/docker-build-log.ts')).BuildLog();
    // The classic builder's own output names the reason.
    const dockerode = client.container.dockerode;
    const files = execFileSync('find', ['.', '-type', 'f'], { cwd: dir, encoding: 'utf8' }).split('\n').filter(Boolean).map((f) => f.slice(2));
    const stream = await dockerode.buildImage({ context: dir, src: files }, { t: `nc-oauth-lab-test/nextcloud:${run}-legacy`, dockerfile: 'docker/nextcloud/Dockerfile', buildargs: args, version: '1', forcerm: true });
    await new Promise<void>((resolve, reject) => dockerode.modem.followProgress(stream, (e: Error | null) => (e ? reject(e) : resolve()), (line: Record<string, unknown>) => log.push(line)));
    expect(log.failureSummary()).toMatch(/needs BuildKit: use 'docker buildx build' \(install the buildx plugin\) or DOCKER_BUILDKIT=1 docker build/);
    expect(await keptStopContainers()).toBe(kept);
  }, 180_000);

  it.skipIf(!hasDockerCli())('`docker build` from the repository root with the legacy builder: a small context, then the one-line BuildKit message', () => {
    const tag = `nc-oauth-lab-test/nextcloud:${run}-legacy-cli`;
    images.push(tag);
    const ran = spawnSync('docker', ['build', '--force-rm', '-f', 'docker/nextcloud/Dockerfile', ...Object.entries(bases.buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]), '-t', tag, '.'], {
      cwd: REPO_ROOT,
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    const output = `${ran.stdout}${ran.stderr}`;
    expect(ran.status, output).not.toBe(0);
    const sent = /Sending build context to Docker daemon\s+([\d.]+)([kMG]?B)/.exec(output);
    expect(sent, output).not.toBeNull();
    const mb = Number(sent![1]) * ({ B: 1e-6, kB: 1e-3, MB: 1, GB: 1000 } as Record<string, number>)[sent![2]!]!;
    // node_modules (hundreds of MB) stays out: the root .dockerignore applies to the legacy builder.
    expect(mb).toBeLessThan(30);
    expect(output).toContain("nc-oauth-lab: docker/nextcloud/Dockerfile needs BuildKit: use 'docker buildx build' (install the buildx plugin) or DOCKER_BUILDKIT=1 docker build");
  }, 180_000);
});
