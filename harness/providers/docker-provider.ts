import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { GenericContainer, getReaper, Network, Wait, type ContainerRuntimeClient, type StartedNetwork, type StartedTestContainer } from 'testcontainers';
import {
  EXTRA_APPS,
  ImageSpecError,
  NEXTCLOUD_IMAGE_DEFAULTS,
  prepareBuildContext,
  resolvedApps,
  validateImageSpec,
  type AppSource,
  type BaseImages,
  type ExtraApp,
  type ImageApp,
  type ImagePatch,
  type NextcloudImageSpec,
} from '../../docker/index.ts';
import { DEFAULT_VERSIONS, NEXTCLOUD_MAJORS, type NextcloudMajor } from '../../double/index.ts';
import { HarnessError } from '../harness-error.ts';
import { NextcloudBuilder } from '../nextcloud-builder.ts';
import type { LaunchContext, LaunchedNextcloud, OccResult, OccRunner, TestUserRequest } from '../nextcloud-instance.ts';
import { previousBuildFailure, recordBuildFailure, withBuildLock } from './docker-build-lock.ts';
import { buildDockerImage, connectDockerEngine, dockerImageExists, dockerLeftovers, rescueFailedContainerState, trackDockerResource, trackTempPath } from './docker-engine.ts';

/** Environment variable: the release mirror when none is given (`--release-mirror`). */
export const RELEASE_MIRROR_ENV = 'NC_OAUTH_LAB_RELEASE_MIRROR';

/**
 * Environment variables: base images instead of Docker Hub's, e.g. from a registry mirror or loaded with
 * `docker load` on an offline machine. `{version}` in the Nextcloud one is the variant's Nextcloud version
 * (`registry.example/nextcloud:{version}-apache`).
 */
export const BASE_IMAGE_ENV = { nextcloud: 'NC_OAUTH_LAB_NEXTCLOUD_IMAGE', node: 'NC_OAUTH_LAB_NODE_IMAGE', composer: 'NC_OAUTH_LAB_COMPOSER_IMAGE' } as const;

/** The databases the docker provider can give Nextcloud (the official image's auto-install variables). */
export const DOCKER_DATABASES = ['sqlite', 'pgsql', 'mariadb'] as const;

/** One of `DOCKER_DATABASES`. */
export type DockerDatabase = (typeof DOCKER_DATABASES)[number];

/** Database images, pulled when the option asks for them. */
export const DATABASE_IMAGES: Readonly<Record<Exclude<DockerDatabase, 'sqlite'>, string>> = { pgsql: 'postgres:16-alpine', mariadb: 'mariadb:11' };

/** The network alias of the Nextcloud container: the MCP server on the same network reaches `http://nextcloud`. */
export const NEXTCLOUD_NETWORK_ALIAS = 'nextcloud';

/** The user the official image runs Apache and occ as. */
const WEB_USER = 'www-data';
/** Logs kept in memory per container (the tail). */
const LOG_LIMIT = 2 * 1024 * 1024;

/** The docker provider's own options, as the CLI and the matrix pass them (`--provider docker`). */
export interface DockerProviderOptions {
  /** The official image's tag without `-apache` (default 32). */
  nextcloud?: string;
  /** oidc version (a release) or source (default: the double's default for the major, e.g. 1.16.6 for 32, 2.0.9 for 34). */
  oidc?: string | AppSource;
  /** user_oidc version (a release) or source (default: the double's default for the major); `{ kind: 'directory' }` for `--user-oidc-src`. */
  userOidc?: string | AppSource;
  /**
   * Notes, Deck, Tables, Calendar, Contacts: a version, a source, or null to leave the app out (default: the
   * newest release that installs on the major, docker/app-releases.ts; none when no release does).
   */
  apps?: Partial<Record<ExtraApp, string | AppSource | null>>;
  /** Base URL of a mirror of the release tarballs, by their upstream file names (default `$NC_OAUTH_LAB_RELEASE_MIRROR`). */
  releaseMirror?: string;
  /** Base images instead of Docker Hub's (default from `BASE_IMAGE_ENV`). */
  baseImages?: BaseImages;
  patch?: ImagePatch;
  database?: DockerDatabase;
  /** Use this image as it is instead of building one (a variant image built elsewhere, e.g. with buildx). */
  image?: string;
  /** Build even when the image tag exists. */
  rebuild?: boolean;
  /** Where logs go when the instance fails to come up (default `reports/docker`). */
  logDir?: string;
  /** Milliseconds to wait for `status.php` to say installed (default 600 000). */
  startupTimeoutMs?: number;
}

/** Collects the tail of a container's log stream. */
class LogTail {
  private chunks: string[] = [];
  private size = 0;
  attach(stream: Readable): void {
    stream.on('data', (chunk: Buffer | string) => this.push(chunk.toString()));
    stream.on('error', () => undefined);
  }
  push(text: string): void {
    this.chunks.push(text);
    this.size += text.length;
    while (this.size > LOG_LIMIT && this.chunks.length > 1) this.size -= this.chunks.shift()!.length;
  }
  text(): string {
    return this.chunks.join('');
  }
  /** Replaces what was collected with the container's whole log (read after it failed). */
  replace(text: string): void {
    this.chunks = [];
    this.size = 0;
    this.push(text);
  }
}

/** Starts a container; when that fails, keeps its whole log in `tail` and removes it (testcontainers leaves it). */
async function startOrRescue(client: ContainerRuntimeClient, name: string, container: GenericContainer, tail: LogTail): Promise<StartedTestContainer> {
  try {
    return await container.withName(name).withLogConsumer((stream) => tail.attach(stream)).start();
  } catch (error) {
    const { log, exitCode } = await rescueFailedContainerState(client, name);
    if (log) tail.replace(log);
    if (exitCode !== undefined) throw new Error(`the container exited (code ${exitCode})`, { cause: error });
    // testcontainers' wait strategy saw the exit and removed the container itself: its exit code is gone, the log tail is kept.
    if (error instanceof Error && /^Container exited during/.test(error.message)) throw new Error('the container exited', { cause: error });
    throw error;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** An occ runner through `docker exec` as www-data in /var/www/html (`OC_PASS` and other env passed to exec). */
export function containerOcc(container: StartedTestContainer): OccRunner {
  return async (args, options) => {
    try {
      const result = await withTimeout(
        container.exec(['php', 'occ', ...args, '--no-interaction'], { user: WEB_USER, workingDir: '/var/www/html', env: { ...(options?.env ?? {}) } }),
        options?.timeoutMs ?? 120_000,
        `occ ${args[0] ?? ''}`,
      );
      return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr } satisfies OccResult;
    } catch (error) {
      return { exitCode: 127, stdout: '', stderr: `occ could not run in the container: ${error instanceof Error ? error.message : String(error)}\n` };
    }
  };
}

const describeSource = (value: string | AppSource | null): string => {
  if (value === null) return 'none';
  if (typeof value === 'string') return value;
  if (value.kind === 'release') return value.version;
  if (value.kind === 'git') return `${value.url}${value.ref ? `#${value.ref}` : ''}`;
  return value.path;
};

/** An image ready to run: its tag, whether this call built it, and how long that took. */
export interface PreparedImage {
  tag: string;
  /** `built`: built now; `reused`: the tag was there; `given`: `withImage()`. */
  how: 'built' | 'reused' | 'given';
  /** Milliseconds spent building (or finding) it. */
  ms: number;
  description: string;
}

/** The last `n` non-empty lines of a log, redacted, on one line (for a one-line error). */
function lastLines(text: string, n: number, redact: (t: string) => string): string {
  const lines = redact(text).split(/\r?\n/).map((l) => l.trim()).filter(Boolean).slice(-n);
  return lines.length > 0 ? lines.join(' | ').slice(0, 400) : '(no output)';
}

/**
 * The `docker` provider: builds the variant's Nextcloud image from `docker/nextcloud/Dockerfile` (tag from a
 * hash of the Dockerfile, hooks, build scripts, build args and patch; reused when present), starts it
 * with SQLite (or PostgreSQL / MariaDB on a shared network), data directory on tmpfs, waits for
 * `status.php` to say installed, and runs occ through `docker exec`. The Nextcloud container is reachable
 * as `http://nextcloud` on the provider's network (`startedNetwork`), for an MCP server container.
 * Everything is removed on stop, on SIGINT/SIGTERM and at process exit; when the instance fails to come up,
 * the container logs and nextcloud.log are written to `logDir` first.
 *
 * ```ts
 * const nc = await new DockerNextcloud().withNextcloud('34').withPatch('user_oidc-app-api').start();
 * ```
 */
export class DockerNextcloud extends NextcloudBuilder {
  readonly providerName = 'docker' as const;
  private options: DockerProviderOptions = {};
  private network: StartedNetwork | undefined;
  private ownNetwork = false;

  /** Options of the spec (`--provider docker` flags) in one call. */
  withOptions(options: DockerProviderOptions): this {
    this.options = { ...this.options, ...options };
    return this;
  }

  /** The official image's version tag: a major (`32`) or a release (`32.0.1`). */
  withNextcloud(version: string | number): this {
    this.options.nextcloud = String(version);
    return this;
  }

  /** oidc version (>= 1.10.0) or source. */
  withOidc(source: string | AppSource): this {
    this.options.oidc = source;
    return this;
  }

  /** user_oidc version or source; a directory (a checkout under review) is built into the image. */
  withUserOidc(source: string | AppSource): this {
    this.options.userOidc = source;
    return this;
  }

  /**
   * Any app of the image: a version, a source (a release tarball URL, a git URL and ref, a directory), or
   * null to build the image without it (not for oidc and user_oidc, which the harness needs).
   */
  withApp(app: ImageApp, source: string | AppSource | null): this {
    if (app === 'oidc' || app === 'user_oidc') {
      if (source === null) throw new HarnessError('ERR_BAD_OPTION', `${app} cannot be left out: the harness needs it`);
      return app === 'oidc' ? this.withOidc(source) : this.withUserOidc(source);
    }
    this.options.apps = { ...this.options.apps, [app]: source };
    return this;
  }

  /** A mirror of the release tarballs: a base URL under which they are found by their upstream file names. */
  withReleaseMirror(url: string): this {
    this.options.releaseMirror = url;
    return this;
  }

  /** Base images instead of Docker Hub's (a registry mirror, images loaded offline). */
  withBaseImages(images: BaseImages): this {
    this.options.baseImages = { ...this.options.baseImages, ...images };
    return this;
  }

  /** The companion patch built into the image (default none). */
  withPatch(patch: ImagePatch): this {
    this.options.patch = patch;
    return this;
  }

  /** SQLite (default), PostgreSQL or MariaDB. */
  withDatabase(database: DockerDatabase): this {
    this.options.database = database;
    return this;
  }

  /** A ready image to run instead of building one (it must come from docker/nextcloud/Dockerfile). */
  withImage(image: string): this {
    this.options.image = image;
    return this;
  }

  /** Build even when the image tag exists. */
  withRebuild(on = true): this {
    this.options.rebuild = on;
    return this;
  }

  /** Where logs are written when the instance fails to come up. */
  withLogDir(dir: string): this {
    this.options.logDir = dir;
    return this;
  }

  /** How long to wait for the install and the hooks (default 10 minutes). */
  withStartupTimeout(ms: number): this {
    this.options.startupTimeoutMs = ms;
    return this;
  }

  /** Puts the containers on a network the caller started (the MCP server's); otherwise one of its own. */
  withNetwork(network: StartedNetwork): this {
    this.network = network;
    this.ownNetwork = false;
    return this;
  }

  /** The network the Nextcloud container is on, as `nextcloud` (after launch). */
  get startedNetwork(): StartedNetwork | undefined {
    return this.network;
  }

  /**
   * The image spec the options describe. App versions left out are the double's defaults for the major
   * (`DEFAULT_VERSIONS` of double/version-gates.ts: an oidc release that supports that Nextcloud), else
   * docker/nextcloud/Dockerfile's defaults.
   */
  imageSpec(): NextcloudImageSpec {
    const o = this.options;
    const nextcloud = o.nextcloud ?? NEXTCLOUD_IMAGE_DEFAULTS.nextcloud;
    const major = Number.parseInt(nextcloud, 10);
    const known = (NEXTCLOUD_MAJORS as readonly number[]).includes(major) ? (major as NextcloudMajor) : undefined;
    const mirror = o.releaseMirror ?? (process.env[RELEASE_MIRROR_ENV] || undefined);
    const envImages: BaseImages = {};
    const nextcloudImage = process.env[BASE_IMAGE_ENV.nextcloud];
    if (nextcloudImage) envImages.nextcloud = nextcloudImage.replaceAll('{version}', nextcloud);
    if (process.env[BASE_IMAGE_ENV.node]) envImages.node = process.env[BASE_IMAGE_ENV.node]!;
    if (process.env[BASE_IMAGE_ENV.composer]) envImages.composer = process.env[BASE_IMAGE_ENV.composer]!;
    const baseImages = { ...envImages, ...o.baseImages };
    const spec: NextcloudImageSpec = {
      nextcloud,
      oidc: o.oidc ?? (known ? DEFAULT_VERSIONS.oidc[known] : NEXTCLOUD_IMAGE_DEFAULTS.oidc),
      userOidc: o.userOidc ?? (known ? DEFAULT_VERSIONS.userOidc[known] : NEXTCLOUD_IMAGE_DEFAULTS.userOidc),
      ...(o.apps && Object.keys(o.apps).length > 0 ? { apps: { ...o.apps } } : {}),
      ...(mirror ? { releaseMirror: mirror } : {}),
      ...(Object.keys(baseImages).length > 0 ? { baseImages } : {}),
      patch: o.patch ?? 'none',
      testImage: true,
    };
    try {
      validateImageSpec(spec);
    } catch (error) {
      throw new HarnessError('ERR_BAD_OPTION', (error as Error).message, { cause: error });
    }
    return spec;
  }

  protected defaultUsers(): TestUserRequest[] {
    // carol: the user the matrix gives a second factor (backup codes) for session.twofactor-enforced.
    return [{ uid: 'alice' }, { uid: 'bob' }, { uid: 'carol' }];
  }

  /** The variant in words: Nextcloud, every app's version or source (`none` for one left out), the patch. */
  describe(spec: NextcloudImageSpec = this.imageSpec()): string {
    const apps = resolvedApps(spec);
    const extra = EXTRA_APPS.map((app) => `${app} ${describeSource(apps[app])}`).join(', ');
    return `Nextcloud ${spec.nextcloud}, oidc ${describeSource(spec.oidc)}, user_oidc ${describeSource(spec.userOidc)}, patch ${spec.patch} (${extra})`;
  }

  /**
   * Builds the variant's image, or finds it: reused when the tag exists (unless `withRebuild()`), built
   * once per tag however many processes ask at the same time (a lock file per tag, `withBuildLock`), and a
   * failure in this run is not tried again (`NC_OAUTH_LAB_RUN_ID`). Throws HarnessError `ERR_IMAGE_BUILD`
   * naming the failing step and its last lines, `ERR_BAD_OPTION` for a bad spec.
   */
  async prepareImage(progress: (line: string) => void = () => undefined): Promise<PreparedImage> {
    const spec = this.imageSpec();
    const description = this.describe(spec);
    const started = Date.now();
    if (this.options.image) return { tag: this.options.image, how: 'given', ms: 0, description };
    const client = await connectDockerEngine();
    const contextDir = await mkdtemp(join(tmpdir(), 'nc-oauth-lab-build-'));
    const untrack = trackTempPath(contextDir);
    try {
      const prepared = await prepareBuildContext(spec, contextDir).catch((error: unknown) => {
        if (error instanceof ImageSpecError) throw new HarnessError('ERR_BAD_OPTION', error.message, { cause: error });
        throw error;
      });
      return await withBuildLock(
        prepared.tag,
        async () => {
          const failed = await previousBuildFailure(prepared.tag);
          if (failed) throw new HarnessError('ERR_IMAGE_BUILD', failed, { detail: { tag: prepared.tag, earlier: true } });
          const rebuild = this.options.rebuild ?? false;
          if (!rebuild && (await dockerImageExists(client, prepared.tag))) {
            progress(`reusing image ${prepared.tag} (${description})`);
            return { tag: prepared.tag, how: 'reused' as const, ms: Date.now() - started, description };
          }
          try {
            await buildDockerImage(client, { context: prepared.dir, dockerfile: prepared.dockerfile, buildArgs: prepared.buildArgs, tag: prepared.tag, rebuild: true, description }, progress);
          } catch (error) {
            if (error instanceof HarnessError) await recordBuildFailure(prepared.tag, error.message).catch(() => undefined);
            throw error;
          }
          return { tag: prepared.tag, how: 'built' as const, ms: Date.now() - started, description };
        },
        { progress, track: trackTempPath },
      );
    } finally {
      untrack();
      await rm(contextDir, { recursive: true, force: true });
    }
  }

  async launch(context: LaunchContext): Promise<LaunchedNextcloud> {
    const spec = this.imageSpec();
    const database = this.options.database ?? 'sqlite';
    if (!DOCKER_DATABASES.includes(database)) throw new HarnessError('ERR_BAD_OPTION', `unknown database '${database}': use one of ${DOCKER_DATABASES.join(', ')}`);
    const client = await connectDockerEngine();
    await startReaper(client);
    const image = (await this.prepareImage(context.progress)).tag;
    return this.run(client, image, spec, database, this.describe(spec), context);
  }

  private async run(client: ContainerRuntimeClient, image: string, spec: NextcloudImageSpec, database: DockerDatabase, description: string, context: LaunchContext): Promise<LaunchedNextcloud> {
    const { progress, secrets } = context;
    const suffix = randomBytes(4).toString('hex');
    const admin = { uid: 'admin', password: randomBytes(18).toString('base64url') };
    secrets.add(admin.password);
    const stops: (() => Promise<void>)[] = [];
    /** Ids of the containers and network this launch started (what its leftovers are). */
    const mine = new Set<string>();
    const logs = new Map<string, LogTail>();
    const stopAll = async (): Promise<void> => {
      for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
    };

    let network = this.network;
    if (!network) {
      network = await new Network().start();
      const started = network;
      mine.add(started.getId());
      stops.push(trackDockerResource('network', started.getId(), async () => void (await started.stop())));
      this.network = network;
      this.ownNetwork = true;
    }

    const env: Record<string, string> = {
      NEXTCLOUD_ADMIN_USER: admin.uid,
      NEXTCLOUD_ADMIN_PASSWORD: admin.password,
      NEXTCLOUD_TRUSTED_DOMAINS: `localhost 127.0.0.1 ${NEXTCLOUD_NETWORK_ALIAS}`,
      NC_OAUTH_LAB_TEST_MODE: 'true',
      // The harness creates its test users itself (provisioning API), with passwords it generates.
      NC_OAUTH_LAB_USERS: '',
    };
    let nextcloud: StartedTestContainer | undefined;
    try {
      if (database === 'sqlite') env['SQLITE_DATABASE'] = 'nextcloud';
      else {
        const dbPassword = randomBytes(18).toString('base64url');
        secrets.add(dbPassword);
        const alias = `db-${suffix}`;
        const db = database === 'pgsql'
          ? new GenericContainer(DATABASE_IMAGES.pgsql)
              .withEnvironment({ POSTGRES_DB: 'nextcloud', POSTGRES_USER: 'nextcloud', POSTGRES_PASSWORD: dbPassword })
              .withTmpFs({ '/var/lib/postgresql/data': 'rw' })
              .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
          : new GenericContainer(DATABASE_IMAGES.mariadb)
              .withEnvironment({ MARIADB_DATABASE: 'nextcloud', MARIADB_USER: 'nextcloud', MARIADB_PASSWORD: dbPassword, MARIADB_RANDOM_ROOT_PASSWORD: '1' })
              .withTmpFs({ '/var/lib/mysql': 'rw' })
              .withWaitStrategy(Wait.forLogMessage(/ready for connections/, 2));
        progress(`starting ${database} (${DATABASE_IMAGES[database]})`);
        const tail = new LogTail();
        logs.set(database, tail);
        const started = await startOrRescue(client, `nc-oauth-lab-${database}-${suffix}`, db.withNetwork(network).withNetworkAliases(alias).withStartupTimeout(180_000), tail);
        mine.add(started.getId());
        stops.push(trackDockerResource('container', started.getId(), async () => void (await started.stop({ remove: true, removeVolumes: true }))));
        if (database === 'pgsql') Object.assign(env, { POSTGRES_HOST: alias, POSTGRES_DB: 'nextcloud', POSTGRES_USER: 'nextcloud', POSTGRES_PASSWORD: dbPassword });
        else Object.assign(env, { MYSQL_HOST: alias, MYSQL_DATABASE: 'nextcloud', MYSQL_USER: 'nextcloud', MYSQL_PASSWORD: dbPassword });
      }

      progress(`starting ${image} (${description}, ${database}); install and hooks take 20-45 s on 2 cores`);
      const tail = new LogTail();
      logs.set('nextcloud', tail);
      const name = `nc-oauth-lab-nextcloud-${suffix}`;
      const container = new GenericContainer(image)
        .withEnvironment(env)
        .withExposedPorts(80)
        .withTmpFs({ '/var/www/html/data': 'rw,mode=0770,uid=33,gid=33' })
        .withNetwork(network)
        .withNetworkAliases(NEXTCLOUD_NETWORK_ALIAS)
        .withLabels({ 'io.nc-oauth-lab.provider': 'docker' })
        .withWaitStrategy(
          Wait.forHttp('/status.php', 80, { abortOnContainerExit: true })
            .forStatusCode(200)
            .forResponsePredicate((body) => {
              try {
                return (JSON.parse(body) as { installed?: unknown }).installed === true;
              } catch {
                return false;
              }
            }),
        )
        .withStartupTimeout(this.options.startupTimeoutMs ?? 600_000);
      nextcloud = await startOrRescue(client, name, container, tail);
      const started = nextcloud;
      mine.add(started.getId());
      stops.push(trackDockerResource('container', started.getId(), async () => void (await started.stop({ remove: true, removeVolumes: true }))));

      const occ = containerOcc(started);
      const probe = await occ(['status', '--output=json']);
      if (probe.exitCode !== 0) throw new Error(`occ status failed (exit ${probe.exitCode}): ${secrets.redact(probe.stderr.trim().split('\n').slice(-1)[0] ?? '')}`);
      const baseUrl = `http://${started.getHost()}:${started.getMappedPort(80)}`;
      const readLogs = async (): Promise<string> => secrets.redact(await collectLogs(logs, started));
      const ownNetwork = this.ownNetwork;
      return {
        baseUrl,
        publicUrl: baseUrl,
        admin,
        occ,
        logs: readLogs,
        stop: async () => {
          await stopAll();
          if (ownNetwork) this.network = undefined;
        },
        declaredPatch: spec.patch,
        leftovers: () => dockerLeftovers(mine),
        description: `${description} in container ${name} (docker, ${database})`,
      };
    } catch (error) {
      const dir = await this.keepLogs(logs, nextcloud, secrets.redact.bind(secrets)).catch(() => undefined);
      await stopAll();
      if (this.ownNetwork) this.network = undefined;
      const raw = error instanceof Error ? error.message : String(error);
      const tail = lastLines(logs.get('nextcloud')?.text() ?? '', 3, secrets.redact.bind(secrets));
      const timeoutS = Math.round((this.options.startupTimeoutMs ?? 600_000) / 1000);
      const reason = /^the container exited/.test(raw)
        ? `${raw.split('\n')[0]} before Nextcloud reported installed; last log lines: ${tail}`
        : /timed out|did not finish within|not accessible after/i.test(raw)
          ? `Nextcloud did not report installed within ${timeoutS} s; last log lines: ${tail}`
          : `${secrets.redact(raw.split('\n')[0]!.slice(0, 300))}; last log lines: ${tail}`;
      throw new HarnessError('ERR_NOT_INSTALLED', `${image} did not come up: ${reason}${dir ? `; logs kept in ${dir}` : ''}`, { cause: error });
    }
  }

  /** Writes the container logs and nextcloud.log to `logDir/<time>-<image>/`; returns the folder. */
  private async keepLogs(logs: Map<string, LogTail>, nextcloud: StartedTestContainer | undefined, redact: (text: string) => string): Promise<string> {
    const dir = resolve(this.options.logDir ?? join('reports', 'docker'), new Date().toISOString().replace(/[:.]/g, '-'));
    await mkdir(dir, { recursive: true });
    for (const [name, tail] of logs) await writeFile(join(dir, `${name}.container.log`), redact(tail.text()));
    if (nextcloud) await writeFile(join(dir, 'nextcloud.log'), redact(await readNextcloudLog(nextcloud)));
    return dir;
  }
}

/**
 * testcontainers starts its Ryuk container (image testcontainers/ryuk) before the first container or
 * network, unless TESTCONTAINERS_RYUK_DISABLED=true; where images cannot be pulled that fails with a pull
 * error that does not name Ryuk. The provider removes what it starts itself, so Ryuk can be off: start it
 * first and say so in one line when it cannot start.
 */
async function startReaper(client: ContainerRuntimeClient): Promise<void> {
  if (process.env['TESTCONTAINERS_RYUK_DISABLED'] === 'true') return;
  try {
    await getReaper(client);
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim().slice(0, 200);
    throw new HarnessError(
      'ERR_PROVIDER_UNAVAILABLE',
      `testcontainers could not start its Ryuk container (${message}): set TESTCONTAINERS_RYUK_DISABLED=true where images cannot be pulled (the docker provider removes its containers itself)`,
      { cause: error },
    );
  }
}

/** The last 200 lines of nextcloud.log (in the tmpfs data directory, so read through exec). */
async function readNextcloudLog(container: StartedTestContainer): Promise<string> {
  try {
    const result = await withTimeout(container.exec(['tail', '-n', '200', '/var/www/html/data/nextcloud.log'], { user: WEB_USER }), 20_000, 'reading nextcloud.log');
    return result.exitCode === 0 ? result.stdout : `(no nextcloud.log: ${result.stderr.trim()})\n`;
  } catch (error) {
    return `(nextcloud.log unavailable: ${error instanceof Error ? error.message : String(error)})\n`;
  }
}

async function collectLogs(logs: Map<string, LogTail>, nextcloud: StartedTestContainer): Promise<string> {
  const parts: string[] = [];
  for (const [name, tail] of logs) parts.push(`--- ${name} container log ---\n${tail.text()}`);
  parts.push(`--- nextcloud.log (last 200 lines) ---\n${await readNextcloudLog(nextcloud)}`);
  return parts.join('\n');
}
