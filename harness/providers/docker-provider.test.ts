import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getContainerRuntimeClient, type ContainerRuntimeClient } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HarnessError } from '../harness-error.ts';
import { REDACTED, SecretRedactor } from '../secret-redactor.ts';
import { BUILD_RUN_ENV, buildLockDir } from './docker-build-lock.ts';
import { buildDockerImage, connectDockerEngine, dockerImageExists, liveDockerResources } from './docker-engine.ts';
import { DockerNextcloud } from './docker-provider.ts';
import { nextcloudBuilder } from './provider-spec.ts';

// The docker provider against a real engine, with a tiny image built FROM scratch around a static binary
// compiled here (an HTTP server that plays status.php, and a fake occ and tail). The official Nextcloud
// image is not needed (nor pullable offline): the real image's build is checked in docker/.

const REPO_ROOT_DIR = join(import.meta.dirname, '../..');

const FAKE_NEXTCLOUD_C = String.raw`
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *base(const char *p) { const char *s = strrchr(p, '/'); return s ? s + 1 : p; }
static const char *env(const char *name) { const char *v = getenv(name); return v ? v : "(unset)"; }

static int occ(int argc, char **argv) {
  const char *cmd = argc > 2 ? argv[2] : "";
  if (strcmp(cmd, "status") == 0) {
    puts("{\"installed\":true,\"version\":\"32.0.1.2\",\"versionstring\":\"32.0.1\",\"edition\":\"\",\"maintenance\":false,\"needsDbUpgrade\":false,\"productname\":\"Fake\",\"extendedSupport\":false}");
    return 0;
  }
  if (strcmp(cmd, "fail") == 0) { fputs("fake occ: failing as asked\n", stderr); return 3; }
  char cwd[256];
  if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, "?");
  printf("fake occ:");
  for (int i = 2; i < argc; i++) printf(" %s", argv[i]);
  printf("\nuid=%d cwd=%s OC_PASS=%s admin=%s sqlite=%s test_mode=%s users=[%s]\n", (int)getuid(), cwd,
         getenv("OC_PASS") ? "set" : "unset", env("NEXTCLOUD_ADMIN_USER"), env("SQLITE_DATABASE"),
         env("NC_OAUTH_LAB_TEST_MODE"), env("NC_OAUTH_LAB_USERS"));
  return 0;
}

static int tail(int argc, char **argv) {
  FILE *f = fopen(argv[argc - 1], "r");
  if (!f) { fprintf(stderr, "tail: cannot open '%s'\n", argv[argc - 1]); return 1; }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, stdout);
  fclose(f);
  return 0;
}

static int server(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  const char *fail = getenv("FAKE_EXIT");
  if (fail && strcmp(fail, "1") == 0) { puts("fake nextcloud: a post-installation hook failed"); return 1; }
  FILE *log = fopen("/var/www/html/data/nextcloud.log", "w");
  if (log) { fprintf(log, "{\"message\":\"fake install with admin password %s\"}\n", env("NEXTCLOUD_ADMIN_PASSWORD")); fclose(log); }
  time_t start = time(NULL);
  puts("fake nextcloud: installing");
  int s = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons(80);
  a.sin_addr.s_addr = htonl(INADDR_ANY);
  if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 16) != 0) { perror("fake nextcloud: listen"); return 2; }
  int announced = 0;
  for (;;) {
    int c = accept(s, NULL, NULL);
    if (c < 0) continue;
    char req[2048] = {0};
    ssize_t got = read(c, req, sizeof req - 1);
    (void)got;
    int installed = time(NULL) - start >= 2;
    if (installed && !announced) { puts("fake nextcloud: installed"); announced = 1; }
    char body[512];
    const char *status = "200 OK";
    if (strncmp(req, "GET /status.php ", 16) == 0)
      snprintf(body, sizeof body, "{\"installed\":%s,\"maintenance\":false,\"needsDbUpgrade\":false,\"version\":\"32.0.1.2\",\"versionstring\":\"32.0.1\",\"edition\":\"\",\"productname\":\"Fake\",\"extendedSupport\":false}", installed ? "true" : "false");
    else { status = "404 Not Found"; strcpy(body, "{}"); }
    char head[256];
    int h = snprintf(head, sizeof head, "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", status, strlen(body));
    ssize_t w1 = write(c, head, h), w2 = write(c, body, strlen(body));
    (void)w1; (void)w2;
    close(c);
  }
}

int main(int argc, char **argv) {
  const char *me = base(argv[0]);
  if (strcmp(me, "fail") == 0) {
    fputs("fake build step: fetching\n", stderr);
    fputs("nc-oauth-lab: download of notes 5.0.2 from http://mirror.invalid/notes-v5.0.2.tar.gz failed: curl: (6) Could not resolve host: mirror.invalid\n", stderr);
    return 1;
  }
  if (strcmp(me, "php") == 0) return occ(argc, argv);
  if (strcmp(me, "tail") == 0) return tail(argc, argv);
  return server();
}
`;

const FAKE_DOCKERFILE = `FROM scratch
ARG FAKE_EXIT=0
COPY fake /bin/fake
COPY fake /usr/local/bin/php
COPY fake /usr/bin/tail
COPY rootfs/ /
ENV PATH=/usr/local/bin:/usr/bin:/bin FAKE_EXIT=\${FAKE_EXIT}
EXPOSE 80
CMD ["/bin/fake"]
`;

// Nothing can be pulled here (nor in CI): testcontainers' Ryuk stays off; the provider removes its own
// containers, which these tests check.
process.env['TESTCONTAINERS_RYUK_DISABLED'] ||= 'true';

/** Why the engine tests cannot run here, or undefined when they can. */
async function engineProblem(): Promise<string | undefined> {
  try {
    await getContainerRuntimeClient();
  } catch {
    return 'no Docker engine answers (start dockerd, or set DOCKER_HOST); .ci/run starts one when it can';
  }
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'no gcc to compile the static test binary (Debian: apt-get install gcc libc6-dev)';
  }
  return undefined;
}

const problem = await engineProblem();
if (problem) console.warn(`docker provider engine tests skipped: ${problem}`);

describe('connectDockerEngine', () => {
  const expectNoEngineError = (error: unknown): void => {
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as HarnessError).code).toBe('ERR_PROVIDER_UNAVAILABLE');
    expect((error as HarnessError).exitCode).toBe(2);
    expect((error as HarnessError).message).toMatch(/^no Docker engine answers .*: start Docker, or use --provider external with a Nextcloud you started, or --provider double$/);
    expect((error as HarnessError).message).not.toContain('\n');
  };

  it('when testcontainers finds no engine: a one-line error naming the other providers (exit code 2)', async () => {
    const error = await connectDockerEngine(() => Promise.reject(new Error('Could not find a working container runtime strategy'))).catch((e: unknown) => e);
    expectNoEngineError(error);
    expect((error as HarnessError).cause).toBeInstanceOf(Error);
  });

  it.skipIf(problem === undefined)('on this machine, which has no engine', async () => {
    expectNoEngineError(await connectDockerEngine().catch((e: unknown) => e));
  });
});

describe.skipIf(problem !== undefined)('the docker provider on a real engine (tiny FROM-scratch image)', () => {
  let work: string;
  let client: ContainerRuntimeClient;
  let tag: string;
  let failingTag: string;
  const tags: string[] = [];
  /** Containers of an image, running or not. */
  const containersOf = async (image: string): Promise<string[]> =>
    (await client.container.dockerode.listContainers({ all: true })).filter((c) => c.Image === image).map((c) => `${c.Names.join(',')} ${c.State}`);

  beforeAll(async () => {
    client = await connectDockerEngine();
    work = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-docker-provider-'));
    const context = join(work, 'context');
    mkdirSync(join(context, 'rootfs/etc'), { recursive: true });
    mkdirSync(join(context, 'rootfs/var/www/html/data'), { recursive: true });
    writeFileSync(join(context, 'rootfs/etc/passwd'), 'root:x:0:0:root:/root:/bin/fake\nwww-data:x:33:33:www-data:/var/www:/bin/fake\n');
    writeFileSync(join(context, 'rootfs/etc/group'), 'root:x:0:\nwww-data:x:33:\n');
    writeFileSync(join(context, 'rootfs/var/www/html/occ'), '<?php // fake\n');
    writeFileSync(join(work, 'fake.c'), FAKE_NEXTCLOUD_C);
    execFileSync('gcc', ['-static', '-Os', '-o', join(context, 'fake'), join(work, 'fake.c')], { stdio: 'pipe' });
    writeFileSync(join(context, 'Dockerfile'), FAKE_DOCKERFILE);
    const hash = createHash('sha256').update(FAKE_DOCKERFILE).update(FAKE_NEXTCLOUD_C).digest('hex').slice(0, 12);
    tag = `nc-oauth-lab-test/fake-nextcloud:${hash}-${process.pid}`;
    failingTag = `nc-oauth-lab-test/fake-nextcloud:${hash}-${process.pid}-failing`;
    tags.push(tag, failingTag);
    const build = { context, dockerfile: 'Dockerfile', buildArgs: {}, tag, description: 'fake Nextcloud' };
    await buildDockerImage(client, build, () => undefined);
    await buildDockerImage(client, { ...build, tag: failingTag, buildArgs: { FAKE_EXIT: '1' } }, () => undefined);
  }, 120_000);

  afterAll(async () => {
    for (const t of tags) await client.container.dockerode.getImage(t).remove({ force: true }).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  });

  it('builds an image once and reuses the tag', async () => {
    const lines: string[] = [];
    const fresh = `${tag}-reuse`;
    tags.push(fresh);
    const build = { context: join(work, 'context'), dockerfile: 'Dockerfile', buildArgs: { FAKE_EXIT: '0' }, tag: fresh, description: 'fake Nextcloud' };
    expect(await dockerImageExists(client, fresh)).toBe(false);
    expect(await buildDockerImage(client, build, (l) => lines.push(l))).toBe(true);
    expect(await dockerImageExists(client, fresh)).toBe(true);
    expect(await buildDockerImage(client, build, (l) => lines.push(l))).toBe(false);
    expect(lines[0]).toMatch(new RegExp(`^building image ${fresh} \\(fake Nextcloud\\)`));
    expect(lines.at(-1)).toBe(`reusing image ${fresh} (fake Nextcloud)`);
    expect(await buildDockerImage(client, { ...build, rebuild: true }, (l) => lines.push(l))).toBe(true);
  }, 120_000);

  it('a failing build is a one-line error with the engine message', async () => {
    const broken = join(work, 'broken');
    mkdirSync(broken, { recursive: true });
    writeFileSync(join(broken, 'Dockerfile'), 'FROM scratch\nCOPY missing-file /x\n');
    const error = await buildDockerImage(client, { context: broken, dockerfile: 'Dockerfile', buildArgs: {}, tag: `${tag}-broken`, description: 'broken' }, () => undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as HarnessError).message).toMatch(/^building image .*-broken failed: .*missing-file/);
    expect((error as HarnessError).message).not.toContain('\n');
  }, 60_000);

  it('a build step that fails: ERR_IMAGE_BUILD naming the step and its last lines (the cause, not only the exit code)', async () => {
    const failing = join(work, 'failing-step');
    mkdirSync(failing, { recursive: true });
    execFileSync('cp', [join(work, 'context/fake'), join(failing, 'fake')]);
    writeFileSync(join(failing, 'Dockerfile'), 'FROM scratch\nCOPY fake /bin/fail\nRUN ["/bin/fail"]\n');
    const error = await buildDockerImage(client, { context: failing, dockerfile: 'Dockerfile', buildArgs: {}, tag: `${tag}-failing-step`, description: 'failing step' }, () => undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as HarnessError).code).toBe('ERR_IMAGE_BUILD');
    expect((error as HarnessError).exitCode).toBe(1);
    expect((error as HarnessError).message).toBe(
      `building image ${tag}-failing-step failed: step [2/2] RUN ["/bin/fail"] failed: fake build step: fetching | ` +
        'nc-oauth-lab: download of notes 5.0.2 from http://mirror.invalid/notes-v5.0.2.tar.gz failed: curl: (6) Could not resolve host: mirror.invalid',
    );
    expect((error as HarnessError).cause).toBeInstanceOf(Error);
  }, 60_000);

  it('a failed image build is tried once per run: variants sharing the image get the same error, start() throws it', async () => {
    const run = `test-${process.pid}-${Date.now()}`;
    const before = process.env[BUILD_RUN_ENV];
    process.env[BUILD_RUN_ENV] = run;
    try {
      // Base images that are not here (and cannot be pulled): the build fails at once, like a download would.
      const builder = (): DockerNextcloud =>
        new DockerNextcloud().withNextcloud('32').withBaseImages({ nextcloud: `nc-oauth-lab-test/absent-nextcloud:${run}`, node: `nc-oauth-lab-test/absent-node:${run}` }).withApp('deck', null);
      const progress: string[] = [];
      const results = await Promise.allSettled([builder().prepareImage((l) => progress.push(l)), builder().prepareImage((l) => progress.push(l))]);
      const errors = results.map((r) => (r.status === 'rejected' ? (r.reason as HarnessError) : undefined));
      expect(errors.every((e) => e instanceof HarnessError && e.code === 'ERR_IMAGE_BUILD')).toBe(true);
      expect(errors[0]!.message).toBe(errors[1]!.message);
      expect(errors[0]!.message).toMatch(/^building image nc-oauth-lab\/nextcloud:32-[0-9a-f]{16} failed: base image docker\.io\/nc-oauth-lab-test\/absent-(node|nextcloud):test-\S+ is not on this engine and cannot be pulled: /);
      // One of the two built; the other waited for the lock and found the failure.
      expect(errors.filter((e) => e!.detail['earlier'] === true)).toHaveLength(1);
      expect(progress.filter((l) => l.startsWith('building image'))).toHaveLength(1);
      const started = await builder().withLogDir(join(work, 'no-logs')).launch({ progress: () => undefined, secrets: new SecretRedactor() }).catch((e: unknown) => e);
      expect((started as HarnessError).code).toBe('ERR_IMAGE_BUILD');
      expect((started as HarnessError).message).toBe(errors[0]!.message);
      expect(readdirSync(buildLockDir()).filter((f) => f.endsWith('.lock'))).toEqual([]);
    } finally {
      if (before === undefined) delete process.env[BUILD_RUN_ENV];
      else process.env[BUILD_RUN_ENV] = before;
    }
  }, 120_000);

  it('starts, waits for status.php installed, runs occ through exec, keeps logs redacted, and removes everything', async () => {
    const progress: string[] = [];
    const secrets = new SecretRedactor();
    const provider = new DockerNextcloud().withImage(tag).withLogDir(join(work, 'logs')).withStartupTimeout(60_000);
    const launched = await provider.launch({ progress: (l) => progress.push(l), secrets });
    try {
      expect(launched.baseUrl).toMatch(/^http:\/\/[^/]+:\d+$/);
      expect(launched.publicUrl).toBe(launched.baseUrl);
      expect(launched.declaredPatch).toBe('none');
      expect(launched.admin.uid).toBe('admin');
      expect(launched.admin.password.length).toBeGreaterThanOrEqual(20);
      expect(launched.description).toMatch(
        /^Nextcloud 32, oidc 1\.16\.6, user_oidc 8\.10\.1, patch none \(notes 5\.0\.2, deck 1\.16\.7, tables 1\.0\.9, calendar 6\.6\.0, contacts 8\.3\.18\) in container nc-oauth-lab-nextcloud-[0-9a-f]{8} \(docker, sqlite\)$/,
      );
      // On the provider's network as `nextcloud`, for an MCP server container there.
      const name = /in container (\S+) /.exec(launched.description)![1]!;
      const networks = (await client.container.dockerode.getContainer(name).inspect()).NetworkSettings.Networks;
      expect(Object.values(networks).map((n) => [n.NetworkID, n.Aliases?.includes('nextcloud') ?? false])).toContainEqual([provider.startedNetwork!.getId(), true]);

      const status = (await (await fetch(`${launched.baseUrl}/status.php`)).json()) as { installed: boolean };
      expect(status.installed).toBe(true);

      const occ = await launched.occ(['user:list', '--output=json'], { env: { OC_PASS: 'not-printed' } });
      expect(occ.exitCode).toBe(0);
      expect(occ.stdout).toBe('fake occ: user:list --output=json --no-interaction\nuid=33 cwd=/var/www/html OC_PASS=set admin=admin sqlite=nextcloud test_mode=true users=[]\n');
      const failing = await launched.occ(['fail']);
      expect(failing).toEqual({ exitCode: 3, stdout: '', stderr: 'fake occ: failing as asked\n' });

      const logs = await launched.logs();
      expect(logs).toContain('--- nextcloud container log ---\nfake nextcloud: installing\nfake nextcloud: installed\n');
      expect(logs).toContain(`fake install with admin password ${REDACTED}`);
      expect(logs).not.toContain(launched.admin.password);
      expect(progress.some((l) => l.startsWith(`starting ${tag} (Nextcloud 32`))).toBe(true);
      expect(liveDockerResources()).toHaveLength(2);
    } finally {
      await launched.stop();
    }
    expect(liveDockerResources()).toEqual([]);
    expect(await containersOf(tag)).toEqual([]);
    expect(provider.startedNetwork).toBeUndefined();
    expect(existsSync(join(work, 'logs'))).toBe(false);
  }, 120_000);

  /** Starts a child process that launches the provider on `tag`, then does `then` ('wait' or 'exit'). */
  function child(then: 'wait' | 'exit'): ChildProcess {
    const script = join(work, `child-${then}.mts`);
    writeFileSync(
      script,
      [
        `import { DockerNextcloud } from ${JSON.stringify(join(import.meta.dirname, 'docker-provider.ts'))};`,
        `import { SecretRedactor } from ${JSON.stringify(join(import.meta.dirname, '../secret-redactor.ts'))};`,
        `const launched = await new DockerNextcloud().withImage(${JSON.stringify(tag)}).withStartupTimeout(60_000).launch({ progress: () => undefined, secrets: new SecretRedactor() });`,
        `console.log('READY ' + launched.description);`,
        then === 'exit' ? 'process.exit(0);' : 'setInterval(() => undefined, 1000);',
      ].join('\n'),
    );
    return spawn(process.execPath, ['--import', 'tsx', script], { cwd: REPO_ROOT_DIR, env: { ...process.env, TESTCONTAINERS_RYUK_DISABLED: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Resolves with the container name once the child printed READY, and with the exit once it ends. */
  function watch(proc: ChildProcess): { ready: Promise<string>; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; stderr: () => string } {
    let err = '';
    proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const ready = new Promise<string>((resolve, reject) => {
      let out = '';
      proc.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const match = /READY .* in container (\S+) /.exec(out);
        if (match) resolve(match[1]!);
      });
      proc.once('exit', () => reject(new Error(`child ended before READY: ${err}`)));
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
    return { ready, exited, stderr: () => err };
  }

  const containerNamed = async (name: string): Promise<string[]> =>
    (await client.container.dockerode.listContainers({ all: true })).filter((c) => c.Names.includes(`/${name}`)).map((c) => c.State);

  const networkIds = async (): Promise<Set<string>> => new Set((await client.container.dockerode.listNetworks()).map((n) => n.Id));

  it('removes the container and network when the process gets SIGINT', async () => {
    const networksBefore = await networkIds();
    const proc = child('wait');
    const { ready, exited, stderr } = watch(proc);
    const name = await ready;
    expect(await containerNamed(name)).toEqual(['running']);
    proc.kill('SIGINT');
    const end = await exited;
    expect(end.signal ?? end.code, stderr()).toBe('SIGINT');
    expect(await containerNamed(name)).toEqual([]);
    expect([...(await networkIds())].filter((id) => !networksBefore.has(id))).toEqual([]);
  }, 90_000);

  it('removes the container when the process exits without stopping it', async () => {
    const { ready, exited, stderr } = watch(child('exit'));
    const name = await ready;
    expect((await exited).code, stderr()).toBe(0);
    expect(await containerNamed(name)).toEqual([]);
  }, 90_000);

  it('a container that exits during the install: one-line error, logs kept, nothing left running', async () => {
    const provider = new DockerNextcloud().withImage(failingTag).withLogDir(join(work, 'failed-logs')).withStartupTimeout(30_000);
    const error = await provider.launch({ progress: () => undefined, secrets: new SecretRedactor() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HarnessError);
    const message = (error as HarnessError).message;
    expect((error as HarnessError).code).toBe('ERR_NOT_INSTALLED');
    expect(message).toMatch(
      new RegExp(`^${tag.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}-failing did not come up: the container exited( \\(code 1\\))? before Nextcloud reported installed; last log lines: fake nextcloud: a post-installation hook failed; logs kept in .*failed-logs`),
    );
    expect(message).not.toContain('\n');
    const [dir] = readdirSync(join(work, 'failed-logs'));
    expect(readFileSync(join(work, 'failed-logs', dir!, 'nextcloud.container.log'), 'utf8')).toContain('fake nextcloud: a post-installation hook failed');
    expect(liveDockerResources()).toEqual([]);
    expect(await containersOf(failingTag)).toEqual([]);
  }, 90_000);

});

describe('DockerNextcloud options', () => {
  it('nextcloudBuilder passes the docker spec options to the provider', () => {
    const builder = nextcloudBuilder({ provider: 'docker', nextcloud: '34', patch: 'user_oidc-app-api', userOidc: { kind: 'directory', path: '/src/user_oidc' } });
    expect(builder).toBeInstanceOf(DockerNextcloud);
    expect((builder as DockerNextcloud).imageSpec()).toEqual({ nextcloud: '34', oidc: '2.0.9', userOidc: { kind: 'directory', path: '/src/user_oidc' }, patch: 'user_oidc-app-api', testImage: true });
  });

  it('takes app pins and sources, a release mirror and base images, from options and the environment', () => {
    const saved = { ...process.env };
    try {
      process.env['NC_OAUTH_LAB_RELEASE_MIRROR'] = 'http://mirror.example.test/apps';
      process.env['NC_OAUTH_LAB_NEXTCLOUD_IMAGE'] = 'registry.example.test/nextcloud:{version}-apache';
      const b = new DockerNextcloud().withNextcloud('33').withApp('notes', '6.0.1').withApp('deck', null).withApp('oidc', '1.16.5');
      expect(b.imageSpec()).toEqual({
        nextcloud: '33',
        oidc: '1.16.5',
        userOidc: '8.10.1',
        apps: { notes: '6.0.1', deck: null },
        releaseMirror: 'http://mirror.example.test/apps',
        baseImages: { nextcloud: 'registry.example.test/nextcloud:33-apache' },
        patch: 'none',
        testImage: true,
      });
      expect(b.describe()).toBe('Nextcloud 33, oidc 1.16.5, user_oidc 8.10.1, patch none (notes 6.0.1, deck none, tables 2.2.2, calendar 6.6.0, contacts 8.7.6)');
      expect(b.withReleaseMirror('file:///srv/mirror').imageSpec().releaseMirror).toBe('file:///srv/mirror');
      expect(() => new DockerNextcloud().withApp('user_oidc', null)).toThrow(/user_oidc cannot be left out/);
    } finally {
      process.env = saved;
    }
  });
  it('defaults the app versions to ones that support the Nextcloud major', () => {
    expect(new DockerNextcloud().imageSpec()).toEqual({ nextcloud: '32', oidc: '1.16.6', userOidc: '8.10.1', patch: 'none', testImage: true });
    expect(new DockerNextcloud().withNextcloud(34).imageSpec()).toMatchObject({ nextcloud: '34', oidc: '2.0.9', userOidc: '8.10.1' });
    expect(new DockerNextcloud().withNextcloud('35.0.0').withOidc('2.0.8').imageSpec()).toMatchObject({ nextcloud: '35.0.0', oidc: '2.0.8' });
  });

  it('rejects oidc below 1.10.0 and unknown patches before touching the engine', async () => {
    expect(() => new DockerNextcloud().withOidc('1.9.3').imageSpec()).toThrow(/oidc 1\.9\.3 is not supported: the images need oidc >= 1\.10\.0/);
    const error = await new DockerNextcloud().withPatch('other' as never).launch({ progress: () => undefined, secrets: new SecretRedactor() }).catch((e: unknown) => e);
    expect((error as HarnessError).code).toBe('ERR_BAD_OPTION');
    expect((error as HarnessError).message).toBe("unknown patch 'other': use one of none, user_oidc-app-api, server-cors");
  });
});
