import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getContainerRuntimeClient, type ContainerRuntimeClient } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildContext, buildStandInBaseImages, standInProblem, type StandInBaseImages } from '../docker/index.ts';
import { runMatrix, variantKey, type Variant } from '../scenarios/index.ts';
import { runCli } from './command.ts';
import { rootCommand } from './commands.ts';

// The failure path of `nc-oauth-lab matrix --provider docker` on a real engine: the real Dockerfile, built
// on stand-in base images (docker/stand-in-base-images.ts), with the release mirror unreachable. Every
// variant fails once, with one line naming the download; the matrix files are still written, with error
// cells saying so; the run exits 1 without retrying a build per test.

process.env['TESTCONTAINERS_RYUK_DISABLED'] ||= 'true';

async function problem(): Promise<string | undefined> {
  try {
    await getContainerRuntimeClient();
  } catch {
    return 'no Docker engine answers (start dockerd, or set DOCKER_HOST)';
  }
  return standInProblem();
}

const why = await problem();
if (why) console.warn(`docker matrix failure test skipped: ${why}`);

describe.skipIf(why !== undefined)('nc-oauth-lab matrix --provider docker with an unreachable release mirror', () => {
  let client: ContainerRuntimeClient;
  let work: string;
  let bases: StandInBaseImages;
  const env = ['NC_OAUTH_LAB_NEXTCLOUD_IMAGE', 'NC_OAUTH_LAB_NODE_IMAGE', 'NC_OAUTH_LAB_COMPOSER_IMAGE', 'NC_OAUTH_LAB_RUN_ID'] as const;
  const saved = Object.fromEntries(env.map((n) => [n, process.env[n]]));

  beforeAll(async () => {
    client = await getContainerRuntimeClient();
    work = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-matrix-docker-failure-'));
    bases = await buildStandInBaseImages(client, work, `mf${process.pid}`, {});
    process.env['NC_OAUTH_LAB_NEXTCLOUD_IMAGE'] = bases.nextcloud;
    process.env['NC_OAUTH_LAB_NODE_IMAGE'] = bases.node;
    process.env['NC_OAUTH_LAB_COMPOSER_IMAGE'] = bases.node;
  }, 180_000);

  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    for (const image of bases?.images ?? []) await client.container.dockerode.getImage(image).remove({ force: true }).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('prints one line per variant naming the download, writes error cells saying so, exits 1', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const reports = join(work, 'reports');
    const code = await runCli(
      rootCommand,
      ['matrix', '--provider', 'docker', '--nextcloud', '32', '--patch', 'none,user_oidc-app-api', '--release-mirror', 'http://mirror.invalid/apps', '--out', reports, '--workers', '1', '--progress', 'null'],
      { out: (l) => out.push(l), err: (l) => err.push(l) },
    );
    expect(code, [...err, ...out].join('\n')).toBe(1);
    const download = /download of (oidc|user_oidc|notes|deck|tables|calendar|contacts) \S+ from http:\/\/mirror\.invalid\/apps\/\S+\.tar\.gz failed: curl: \(6\) Could not resolve host: mirror\.invalid/;
    // Before the run: one line per variant (the two header modes share an image, built once).
    const cannot = err.filter((l) => l.includes(' cannot run: '));
    expect(cannot.map((l) => /variant (\S+) cannot run/.exec(l)?.[1]).sort()).toEqual([
      'nc32-oidc1.16.6-uo8.10.1-none-hdr',
      'nc32-oidc1.16.6-uo8.10.1-none-nohdr',
      'nc32-oidc1.16.6-uo8.10.1-user_oidc-app-api-hdr',
      'nc32-oidc1.16.6-uo8.10.1-user_oidc-app-api-nohdr',
    ]);
    for (const line of cannot) expect(line).toMatch(download);
    expect(err.filter((l) => l.startsWith('nc-oauth-lab matrix: building image'))).toHaveLength(2);
    // The verdict: one error line per variant, not one per cell; no stack traces.
    const errors = out.filter((l) => l.startsWith('  error: '));
    expect(errors, out.join('\n')).toHaveLength(4);
    for (const line of errors) expect(line).toMatch(new RegExp(`^  error: \\d+ cells on nc32-\\S+: the variant did not run: building image nc-oauth-lab/nextcloud:32-[0-9a-f]{16} failed: step .*${download.source}`));
    expect([...out, ...err].some((l) => /^\s+at /.test(l))).toBe(false);
    // The reports are written, every cell an error with the cause.
    for (const file of ['matrix.json', 'matrix.md', 'matrix.html', 'matrix-junit.xml']) expect(existsSync(join(reports, file)), file).toBe(true);
    const matrix = JSON.parse(readFileSync(join(reports, 'matrix.json'), 'utf8')) as { variants: unknown[]; cells: { classification: string; observed: { error?: string } }[] };
    expect(matrix.variants).toHaveLength(4);
    expect(matrix.cells.length).toBeGreaterThan(20);
    expect(new Set(matrix.cells.map((c) => c.classification))).toEqual(new Set(['error']));
    for (const c of matrix.cells) expect(c.observed.error).toMatch(download);
  }, 240_000);

  it('a variant whose Nextcloud does not come up: one start, its tests skipped with the reason, error cells', async () => {
    // An image whose entrypoint fails as a post-installation hook would.
    const context = join(work, 'exits');
    mkdirSync(context, { recursive: true });
    writeFileSync(join(context, 'Dockerfile'), `FROM ${bases.nextcloud}\nCMD ["sh", "-c", "echo 'nc-oauth-lab: NC_OAUTH_LAB_TOKEN_TYPE must be opaque or jwt' >&2; exit 1"]\n`);
    const tag = `nc-oauth-lab-test/exits:${process.pid}`;
    bases.images.push(tag);
    expect(await buildContext(client, context, 'Dockerfile', tag, {})).toBe('');
    const variant: Variant = { nextcloud: 32, oidc: '1.16.6', userOidc: '8.10.1', patch: 'none', ocsHeader: true };
    const chunks: string[] = [];
    const result = await runMatrix({
      spec: { provider: 'docker', variants: [variant], docker: { images: { [variantKey(variant)]: { tag, how: 'given', ms: 0 } } } },
      out: join(work, 'reports-exits'),
      workers: 1,
      progress: 'null',
      output: (c) => chunks.push(c),
    });
    const output = chunks.join('');
    expect(result.exitCode, output).toBe(1);
    expect(output).toMatch(new RegExp(`variant ${variantKey(variant)} did not run: ${tag.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} did not come up: the container exited( \\(code 1\\))? before Nextcloud reported installed; last log lines: nc-oauth-lab: NC_OAUTH_LAB_TOKEN_TYPE must be opaque or jwt`));
    expect(output.match(/did not run:/g)).toHaveLength(1);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatch(/^error: \d+ cells on nc32-oidc1\.16\.6-uo8\.10\.1-none-hdr: the variant did not run: .* did not come up: the container exited( \(code 1\))?/);
    expect(new Set(result.matrix!.cells.map((c) => c.classification))).toEqual(new Set(['error']));
  }, 240_000);
});
