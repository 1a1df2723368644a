// `npm run bench:docker`: for one variant on the docker provider, the cold image build (--rebuild), a warm
// start (image reused: install, hooks, harness preparation) and the scenarios, each printed as a ratio
// against the same variant's matrix run on the double in the same run (DEVELOPERS.md: speed targets are
// benchmarks, not timed tests). Skips with a message when no engine answers or the base images are absent
// (nothing is pulled for a benchmark). Options: --nextcloud MAJOR (default 32), --patch MODE (default none),
// --out DIR (reports of the runs, default reports/bench-docker).
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BASE_IMAGE_ENV, connectDockerEngine, dockerImageExists, DockerNextcloud } from '../harness/index.ts';
import { matrixVariants, runMatrix, variantKey, type MatrixSpec, type PatchMode, type Variant } from '../scenarios/index.ts';
import { NEXTCLOUD_MAJORS, type NextcloudMajor } from '../double/index.ts';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Why the benchmark cannot run here, or undefined. */
async function problem(nextcloud: string): Promise<string | undefined> {
  let client;
  try {
    client = await connectDockerEngine();
  } catch (error) {
    return (error as Error).message;
  }
  const wanted = [process.env[BASE_IMAGE_ENV.nextcloud]?.replaceAll('{version}', nextcloud) || `nextcloud:${nextcloud}-apache`, process.env[BASE_IMAGE_ENV.node] || 'node:20'];
  const missing: string[] = [];
  for (const image of wanted) if (!(await dockerImageExists(client, image))) missing.push(image);
  if (missing.length > 0) return `the base images ${missing.join(', ')} are not on this engine (docker pull ${missing.join(' && docker pull ')}, or point ${BASE_IMAGE_ENV.nextcloud} / ${BASE_IMAGE_ENV.node} at local copies); the app tarballs need GitHub or NC_OAUTH_LAB_RELEASE_MIRROR`;
  return undefined;
}

/** A one-variant matrix run; its wall time. Warns when a cell is not as expected (the time may not be typical). */
async function timedRun(spec: MatrixSpec, out: string, label: string): Promise<number> {
  const started = performance.now();
  const result = await runMatrix({ spec, out, workers: 1, progress: 'null', output: () => undefined, env: { CI: '' } });
  const ms = performance.now() - started;
  if (result.exitCode !== 0) process.stderr.write(`bench:docker: warning: the ${label} run had ${result.failures.length} cell(s) not as expected: ${result.failures.slice(0, 3).join('; ')}\n`);
  return ms;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { nextcloud: { type: 'string', default: '32' }, patch: { type: 'string', default: 'none' }, out: { type: 'string', default: join('reports', 'bench-docker') } } });
  const major = Number(values.nextcloud) as NextcloudMajor;
  if (!(NEXTCLOUD_MAJORS as readonly number[]).includes(major)) throw new Error(`--nextcloud must be one of ${NEXTCLOUD_MAJORS.join(', ')}, not '${values.nextcloud}'`);
  const why = await problem(String(major));
  if (why) {
    process.stdout.write(`bench:docker: skipped: ${why}\n`);
    return;
  }
  const [variant] = matrixVariants({ nextcloud: [major], patch: [values.patch as PatchMode], ocsHeader: [true] }) as [Variant];
  const key = variantKey(variant);
  process.stderr.write(`bench:docker: variant ${key}: the double first (the baseline), then docker\n`);
  const doubleMs = await timedRun({ provider: 'double', variants: [variant] }, join(values.out, 'double'), 'double');

  const builder = (): DockerNextcloud => new DockerNextcloud().withNextcloud(String(major)).withOidc(variant.oidc).withUserOidc(variant.userOidc).withPatch(variant.patch);
  process.stderr.write('bench:docker: cold build (--rebuild)...\n');
  const built = await builder().withRebuild().prepareImage((line) => process.stderr.write(`bench:docker: ${line}\n`));
  process.stderr.write('bench:docker: warm start (image reused)...\n');
  const startedAt = performance.now();
  const instance = await builder().withImage(built.tag).withProtectionsOff().start();
  const startMs = performance.now() - startedAt;
  await instance.stop();
  process.stderr.write('bench:docker: the scenarios on docker...\n');
  const dockerRunMs = await timedRun({ provider: 'docker', variants: [variant], docker: { images: { [key]: { tag: built.tag, how: 'given', ms: 0 } } } }, join(values.out, 'docker'), 'docker');
  // The docker run starts its own instance: its scenario time is the run less one warm start.
  const scenariosMs = Math.max(0, dockerRunMs - startMs);
  const lines = [
    `variant ${key}: double matrix run ${seconds(doubleMs)} (baseline 1.00x)`,
    `cold image build:            ${seconds(built.ms)} (${(built.ms / doubleMs).toFixed(2)}x the double run)`,
    `warm start (image reused):   ${seconds(startMs)} (${(startMs / doubleMs).toFixed(2)}x)`,
    `scenarios on docker:         ${seconds(scenariosMs)} (${(scenariosMs / doubleMs).toFixed(2)}x)`,
  ];
  for (const line of lines) process.stdout.write(`${line}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:docker: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
