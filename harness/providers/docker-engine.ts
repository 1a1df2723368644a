import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { getContainerRuntimeClient, ImageName, type ContainerRuntimeClient } from 'testcontainers';
import { HarnessError } from '../harness-error.ts';
import type { Progress } from '../nextcloud-instance.ts';
import { BuildLog, type BuildStreamLine } from './docker-build-log.ts';

/**
 * Connects to the Docker engine testcontainers finds (DOCKER_HOST, the default socket, a testcontainers
 * config). Without one, throws a one-line HarnessError `ERR_PROVIDER_UNAVAILABLE` (exit code 2) that says
 * so and names the other providers.
 */
export async function connectDockerEngine(connect: () => Promise<ContainerRuntimeClient> = getContainerRuntimeClient): Promise<ContainerRuntimeClient> {
  try {
    return await connect();
  } catch (cause) {
    const where = process.env['DOCKER_HOST'] ? `at DOCKER_HOST=${process.env['DOCKER_HOST']}` : '(DOCKER_HOST unset, no /var/run/docker.sock answering)';
    throw new HarnessError(
      'ERR_PROVIDER_UNAVAILABLE',
      `no Docker engine answers ${where}: start Docker, or use --provider external with a Nextcloud you started, or --provider double`,
      { cause },
    );
  }
}

/** True when the engine has an image with this tag. */
export async function dockerImageExists(client: ContainerRuntimeClient, tag: string): Promise<boolean> {
  return client.image.exists(ImageName.fromString(tag));
}

/** What `buildDockerImage` builds: a context directory, the Dockerfile in it, build args and the tag. */
export interface DockerImageBuild {
  context: string;
  dockerfile: string;
  buildArgs: Record<string, string>;
  tag: string;
  /** Build again even when the tag exists (default false: an existing tag is reused). */
  rebuild?: boolean;
  /** Named in progress lines, e.g. "Nextcloud 32, oidc 1.16.6, user_oidc 8.10.1, patch none". */
  description: string;
  /** `buildkit` (default: only the selected stages) or `classic`, the legacy builder (for tests of what it does). */
  builder?: 'buildkit' | 'classic';
}

/** Every file under `dir`, relative, with `/` separators (what the engine receives as the build context). */
async function contextFiles(dir: string, under = dir): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(under, { withFileTypes: true })) {
    const path = join(under, entry.name);
    if (entry.isDirectory()) files.push(...(await contextFiles(dir, path)));
    else files.push(relative(dir, path).split(sep).join('/'));
  }
  return files;
}

/**
 * Builds an image with BuildKit (only the stages the build args select run) unless the tag is there
 * already; returns whether it built. Shows progress every 30 s. A failed build throws HarnessError
 * `ERR_IMAGE_BUILD` (exit code 1) on one line: the failing step and its last log lines (`BuildLog`), e.g.
 * a download that failed and why; the cause carries the engine's error.
 */
export async function buildDockerImage(client: ContainerRuntimeClient, build: DockerImageBuild, progress: Progress): Promise<boolean> {
  if (!build.rebuild && (await dockerImageExists(client, build.tag))) {
    progress(`reusing image ${build.tag} (${build.description})`);
    return false;
  }
  progress(`building image ${build.tag} (${build.description}); a first build downloads base images and apps and takes minutes`);
  const started = Date.now();
  const ticker = setInterval(() => progress(`  still building ${build.tag} (${Math.round((Date.now() - started) / 1000)} s)`), 30_000);
  const dockerode = client.container.dockerode;
  const log = new BuildLog();
  try {
    const stream = await dockerode.buildImage(
      { context: build.context, src: await contextFiles(build.context) },
      { t: build.tag, dockerfile: build.dockerfile, buildargs: build.buildArgs, version: build.builder === 'classic' ? '1' : '2', forcerm: true, labels: { 'io.nc-oauth-lab.built-by': 'nc-oauth-lab docker provider' } },
    );
    await new Promise<void>((resolve, reject) => {
      dockerode.modem.followProgress(
        stream,
        (error: Error | null) => (error ? reject(error) : resolve()),
        (line: BuildStreamLine) => log.push(line),
      );
    });
    if (log.engineError !== undefined) throw new Error(log.engineError);
    if (!(await dockerImageExists(client, build.tag))) throw new Error('the engine reported no error but the image is missing');
  } catch (cause) {
    const summary = log.engineError !== undefined ? log.failureSummary() : ((cause instanceof Error ? cause.message : String(cause)).trim().split('\n').filter(Boolean).slice(-1)[0] ?? 'unknown error');
    throw new HarnessError('ERR_IMAGE_BUILD', `building image ${build.tag} failed: ${summary.replace(/\s+/g, ' ').slice(0, 600)}`, { cause, detail: { tag: build.tag, steps: log.allSteps().length } });
  } finally {
    clearInterval(ticker);
  }
  progress(`built image ${build.tag} in ${Math.round((Date.now() - started) / 1000)} s`);
  return true;
}

/**
 * Demultiplexes a non-TTY container log (the engine's 8-byte frame headers: stream, 3 zero bytes, length)
 * into text; text without frame headers is returned as it is.
 */
export function demuxDockerLog(buffer: Buffer): string {
  const parts: string[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const kind = buffer[offset]!;
    if (kind > 2 || buffer[offset + 1] !== 0 || buffer[offset + 2] !== 0 || buffer[offset + 3] !== 0) return buffer.toString('utf8');
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size).toString('utf8'));
    offset += 8 + size;
  }
  return offset === buffer.length ? parts.join('') : buffer.toString('utf8');
}

/**
 * For a container that did not start as expected (exited during startup, wait timed out): its whole log
 * and its exit code when it had exited (undefined while it ran), then removes it with its volumes.
 * testcontainers leaves such a container behind when its wait strategy did not remove it. Never throws.
 */
export async function rescueFailedContainerState(client: ContainerRuntimeClient, name: string): Promise<{ log: string; exitCode: number | undefined }> {
  const container = client.container.getById(name);
  const state = await container
    .inspect()
    .then((info) => (info.State.Running ? undefined : info.State.ExitCode))
    .catch(() => undefined);
  const log = await container
    .logs({ stdout: true, stderr: true, follow: false })
    .then((raw: unknown) => (Buffer.isBuffer(raw) ? demuxDockerLog(raw) : String(raw)))
    .catch(() => '');
  await container.remove({ force: true, v: true }).catch(() => undefined);
  return { log, exitCode: state };
}

/** Something the provider started: removed by `stop`, or, if the process ends first, by `docker rm -f`. */
interface LiveResource {
  kind: 'container' | 'network';
  id: string;
  stop: () => Promise<void>;
}

const live = new Map<string, LiveResource>();
/** Temporary files and directories (build contexts, build locks) removed at exit and on SIGINT/SIGTERM too. */
const tempPaths = new Set<string>();
let handlersInstalled = false;

function removeTempPaths(): void {
  for (const path of tempPaths) rmSync(path, { recursive: true, force: true });
  tempPaths.clear();
}

/** Last resort when the process exits with resources still registered: the docker CLI, synchronously. */
function removeSynchronously(): void {
  removeTempPaths();
  const containers = [...live.values()].filter((r) => r.kind === 'container').map((r) => r.id);
  const networks = [...live.values()].filter((r) => r.kind === 'network').map((r) => r.id);
  if (containers.length > 0) spawnSync('docker', ['rm', '--force', '--volumes', ...containers], { stdio: 'ignore', timeout: 30_000 });
  if (networks.length > 0) spawnSync('docker', ['network', 'rm', ...networks], { stdio: 'ignore', timeout: 30_000 });
  live.clear();
}

async function onSignal(signal: NodeJS.Signals): Promise<void> {
  process.removeListener('SIGINT', onSigint);
  process.removeListener('SIGTERM', onSigterm);
  removeTempPaths();
  const resources = [...live.values()].reverse();
  for (const resource of resources) {
    await resource.stop().catch(() => undefined);
    live.delete(resource.id);
  }
  // End the process the way the signal would have. Listeners that stay (signal-exit, which libraries such
  // as proper-lockfile install, only acts when it is the last listener) see the signal again and let it
  // through; with none left, the default action ends the process.
  process.kill(process.pid, signal);
}

const onSigint = (): void => void onSignal('SIGINT');
const onSigterm = (): void => void onSignal('SIGTERM');

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', removeSynchronously);
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
}

function removeHandlersWhenIdle(): void {
  if (!handlersInstalled || live.size > 0 || tempPaths.size > 0) return;
  handlersInstalled = false;
  process.removeListener('exit', removeSynchronously);
  process.removeListener('SIGINT', onSigint);
  process.removeListener('SIGTERM', onSigterm);
}

/**
 * Registers a started container or network so that it is removed on SIGINT, SIGTERM and process exit even
 * when nobody calls its `stop`. Returns the function to call instead of `stop`: it stops and unregisters.
 */
export function trackDockerResource(kind: LiveResource['kind'], id: string, stop: () => Promise<void>): () => Promise<void> {
  installHandlers();
  live.set(id, { kind, id, stop });
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      try {
        await stop();
      } finally {
        live.delete(id);
        removeHandlersWhenIdle();
      }
    })();
    return stopping;
  };
}

/**
 * Registers a temporary path (a build context, a build lock) to be removed if the process exits or gets
 * SIGINT/SIGTERM before the caller removes it. Returns the function that unregisters it (the caller then
 * removes it itself).
 */
export function trackTempPath(path: string): () => void {
  installHandlers();
  tempPaths.add(path);
  return () => {
    tempPaths.delete(path);
    removeHandlersWhenIdle();
  };
}

/** The resources still registered, each with the docker command that removes it by hand. */
export function dockerLeftovers(ids?: ReadonlySet<string>): { what: string; manual: string }[] {
  return [...live.values()]
    .filter((r) => !ids || ids.has(r.id))
    .reverse()
    .map((r) => (r.kind === 'container' ? { what: `container ${r.id.slice(0, 12)}`, manual: `docker rm --force --volumes ${r.id}` } : { what: `network ${r.id.slice(0, 12)}`, manual: `docker network rm ${r.id}` }));
}

/** Ids of the resources still registered (for tests: nothing may be left after a stop). */
export function liveDockerResources(): string[] {
  return [...live.keys()];
}
