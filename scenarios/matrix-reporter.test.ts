import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNode, type NodeRun } from '../cli/cli-test-kit.ts';
import { DEFAULT_EXPECTATIONS_DIR } from './expectations/lint-expectations.ts';
import { matrixSchema, type Matrix } from './matrix/matrix-schema.ts';

/*
 * The matrix reporter in real Playwright runs: a tiny project in a temp dir with two synthetic variants
 * whose tests call recordCheck (one passes everything, one has a failing check, one procedure throws
 * before it records, one is skipped). Run once live and once as two shards whose blob reports are merged
 * with `playwright merge-reports --reporter <entry>`: the matrix.json cells must be identical. A wrong
 * expectation and a stale one make the run exit 1 naming the cell.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'node_modules', '@playwright', 'test', 'cli.js');
const ENTRY = join(ROOT, 'scenarios', 'matrix-reporter-entry.ts');
const INDEX = join(ROOT, 'scenarios', 'index.ts');
const TOKEN = `${'Zq9'.repeat(24)}`;

const CONFIG = `
import { defineConfig } from '@playwright/test';
import { matrixProjects } from ${JSON.stringify(INDEX)};
export default defineConfig({
  testDir: './tests',
  // runs go in parallel: each keeps its own results (Playwright empties its outputDir when it starts)
  outputDir: process.env.RESULTS,
  fullyParallel: true,
  workers: 1,
  reporter: process.env.BLOB ? [['blob', { outputDir: process.env.BLOB }]] : [[${JSON.stringify(ENTRY)}, { outputDir: process.env.OUT }]],
  projects: matrixProjects([
    { nextcloud: 32, oidc: '1.9.0', userOidc: '8.10.1', patch: 'none', ocsHeader: false },
    { nextcloud: 32, oidc: '1.16.6', userOidc: '8.10.1', patch: 'user_oidc-app-api', ocsHeader: true },
  ], 'double'),
});
`;

// The "system under test" is faked from the variant: the procedure itself never branches on versions.
const SPEC = `
import { test } from '@playwright/test';
import { recordCheck, withChecks, type Variant } from ${JSON.stringify(INDEX)};
const fakeNextcloud = (v: Variant) => ({ pkce: v.oidc !== '1.9.0', cors: v.patch !== 'none' });

test('discovery', withChecks('discovery.openid-configuration', 'discovery.pkce-advertised'), async ({}, testInfo) => {
  if (process.env.FAIL_DISCOVERY) throw new Error('synthetic: a real failure, for --max-failures');
  const nc = fakeNextcloud(testInfo.project.metadata.variant);
  await recordCheck(testInfo, { id: 'discovery.openid-configuration', passed: true, observed: { status: 200 } });
  await recordCheck(testInfo, { id: 'discovery.pkce-advertised', passed: nc.pkce, observed: { status: 200, detail: { code_challenge_methods_supported: nc.pkce ? ['S256', 'plain'] : null } } });
});

test('notes with bearer only', withChecks('bearer.notes.get', 'bearer.notes.post'), async ({}, testInfo) => {
  const nc = fakeNextcloud(testInfo.project.metadata.variant);
  for (const id of ['bearer.notes.get', 'bearer.notes.post'] as const) {
    await recordCheck(testInfo, { id, passed: nc.cors, observed: nc.cors ? { status: 200 } : { status: 401, message: 'CORS requires basic auth' } });
  }
});

test('procedure that breaks before its check', withChecks('oauth.userinfo'), async () => {
  test.fail(true, 'synthetic: the procedure error must become an error cell (the reporter fails the run for it, not Playwright)');
  console.log('sending Authorization: Bearer ${TOKEN}');
  throw new Error('token exchange failed for Bearer ${TOKEN}');
});

test('needs docker', withChecks('dcr.delete'), async () => {
  test.skip(true, 'synthetic: no Docker engine');
});
`;

type Run = NodeRun;

function run(cwd: string, args: string[], env: Record<string, string>): Promise<Run> {
  return runNode([CLI, ...args], { cwd, env: { CI: '', ...env } });
}

/** A copy of the shipped expectations with one check's entry replaced. */
function expectationsWith(dir: string, file: string, check: string, entry: unknown): string {
  cpSync(DEFAULT_EXPECTATIONS_DIR, dir, { recursive: true, filter: (src) => !src.endsWith('.ts') });
  const path = join(dir, file);
  const data = JSON.parse(readFileSync(path, 'utf8')) as { checks: Record<string, unknown> };
  data.checks[check] = entry;
  writeFileSync(path, JSON.stringify(data));
  return dir;
}

const readMatrix = (dir: string): Matrix => matrixSchema.parse(JSON.parse(readFileSync(join(dir, 'matrix.json'), 'utf8')));

describe('MatrixReporter in real Playwright runs', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-reporter-'));
  let wrong: string;
  let stale: string;
  let live: Run;
  let merged: Run;
  let staleRun: Run;
  let good: Run;
  let clean: Run;
  let broken: Run;
  let stopped: Run;

  beforeAll(async () => {
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(join(dir, 'playwright.config.ts'), CONFIG);
    mkdirSync(join(dir, 'tests'));
    writeFileSync(join(dir, 'tests', 'synthetic.spec.ts'), SPEC);
    // deliberately wrong: Notes with Bearer only expected to pass unpatched
    wrong = expectationsWith(join(dir, 'wrong'), 'bearer.json', 'bearer.notes.get', { include: ['bearer-accepted'] });
    // stale: discovery expected to fail, but it passes
    stale = expectationsWith(join(dir, 'stale'), 'discovery.json', 'discovery.openid-configuration', {
      support: [{ component: 'oidc', version_added: false, notes: 'synthetic stale statement', impl_url: 'https://github.com/H2CK/oidc/issues/1' }],
    });
    const [l, c, s1, s2] = await Promise.all([
      run(dir, ['test'], { OUT: join(dir, 'live'), RESULTS: join(dir, 'results-live'), NC_OAUTH_LAB_EXPECTATIONS: wrong }),
      run(dir, ['test', '--grep-invert', 'procedure that breaks'], { OUT: join(dir, 'clean'), RESULTS: join(dir, 'results-clean') }),
      run(dir, ['test', '--shard', '1/2'], { BLOB: join(dir, 'blob-1'), RESULTS: join(dir, 'results-1') }),
      run(dir, ['test', '--shard', '2/2'], { BLOB: join(dir, 'blob-2'), RESULTS: join(dir, 'results-2') }),
    ]);
    live = l;
    clean = c;
    // On its own, after the others: it must not share a moment with the shards it could disturb.
    stopped = await run(dir, ['test', '--max-failures=1'], { OUT: join(dir, 'stopped'), RESULTS: join(dir, 'results-stopped'), FAIL_DISCOVERY: '1' });
    for (const s of [s1, s2]) expect(s.code, s.stdout + s.stderr).toBe(0);
    mkdirSync(join(dir, 'blobs'));
    for (const b of ['blob-1', 'blob-2']) for (const f of readdirSync(join(dir, b))) cpSync(join(dir, b, f), join(dir, 'blobs', f));
    const brokenData = join(dir, 'broken');
    mkdirSync(brokenData);
    writeFileSync(join(brokenData, 'x.json'), '{"checks":{"no.such.check":{"support":[]}}}');
    // each merge gets its own copy of the blobs: merge-reports writes what it extracts into its input directory
    const merge = (out: string, expectations: string, env: Record<string, string> = {}): Promise<Run> => {
      cpSync(join(dir, 'blobs'), join(dir, `blobs-${out}`), { recursive: true });
      return run(dir, ['merge-reports', '--reporter', ENTRY, `blobs-${out}`], { NC_OAUTH_LAB_MATRIX_OUT: join(dir, out), NC_OAUTH_LAB_EXPECTATIONS: expectations, ...env });
    };
    [merged, staleRun, good, broken] = await Promise.all([
      merge('merged', wrong),
      merge('stale-out', stale),
      // as under nc-oauth-lab matrix merge, which prints the verdict itself
      merge('good-out', DEFAULT_EXPECTATIONS_DIR, { NC_OAUTH_LAB_MATRIX_SUMMARY: '0' }),
      merge('broken-out', brokenData),
    ]);
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds the matrix live: every class the run can give, with logs for failed cells and no secret', () => {
    const m = readMatrix(join(dir, 'live'));
    const classes = Object.fromEntries(m.cells.map((c) => [`${c.check} ${c.variant}`, c.classification]));
    expect(classes).toEqual({
      'discovery.openid-configuration nc32-oidc1.9.0-uo8.10.1-none-nohdr': 'pass',
      'discovery.openid-configuration nc32-oidc1.16.6-uo8.10.1-user_oidc-app-api-hdr': 'pass',
      'discovery.pkce-advertised nc32-oidc1.9.0-uo8.10.1-none-nohdr': 'expected-fail',
      'discovery.pkce-advertised nc32-oidc1.16.6-uo8.10.1-user_oidc-app-api-hdr': 'pass',
      'dcr.delete nc32-oidc1.9.0-uo8.10.1-none-nohdr': 'skipped',
      'dcr.delete nc32-oidc1.16.6-uo8.10.1-user_oidc-app-api-hdr': 'skipped',
      'oauth.userinfo nc32-oidc1.9.0-uo8.10.1-none-nohdr': 'error',
      'oauth.userinfo nc32-oidc1.16.6-uo8.10.1-user_oidc-app-api-hdr': 'error',
      'bearer.notes.get nc32-oidc1.9.0-uo8.10.1-none-nohdr': 'unexpected-fail',
      'bearer.notes.get nc32-oidc1.16.6-uo8.10.1-user_oidc-app-api-hdr': 'pass',
      'bearer.notes.post nc32-oidc1.9.0-uo8.10.1-none-nohdr': 'expected-fail',
      'bearer.notes.post nc32-oidc1.16.6-uo8.10.1-user_oidc-app-api-hdr': 'pass',
    });
    expect(m.double).toBe(true);
    expect(m.variants.map((v) => [v.key, v.provider])).toEqual([
      ['nc32-oidc1.9.0-uo8.10.1-none-nohdr', 'double'],
      ['nc32-oidc1.16.6-uo8.10.1-user_oidc-app-api-hdr', 'double'],
    ]);
    const error = m.cells.find((c) => c.check === 'oauth.userinfo')!;
    expect(error.observed.error).toMatch(/^Error: token exchange failed for Bearer \[redacted\]/);
    expect(error.observed.tests).toEqual([{ title: 'procedure that breaks before its check', file: 'synthetic.spec.ts', line: 20 }]);
    expect(error.links[0]!.name).toBe('log');
    const log = readFileSync(join(dir, 'live', error.links[0]!.path), 'utf8');
    expect(log).toContain('sending Authorization: Bearer [redacted]');
    for (const f of ['matrix.json', 'matrix.md', 'matrix.html', 'matrix-junit.xml', error.links[0]!.path]) {
      expect(readFileSync(join(dir, 'live', f), 'utf8'), f).not.toContain(TOKEN);
    }
    for (const l of m.cells.flatMap((c) => c.links)) expect(existsSync(join(dir, 'live', l.path)), l.path).toBe(true);
  });

  it('gives the same cells from two shards merged with merge-reports as from the unsharded run', () => {
    expect(merged.stderr).toBe('');
    const a = readMatrix(join(dir, 'live'));
    const b = readMatrix(join(dir, 'merged'));
    expect(b.cells).toEqual(a.cells);
    expect(b.variants).toEqual(a.variants);
    expect(b.checks).toEqual(a.checks);
  });

  it('exits 1 and names the cell when an expectation is wrong, live and merged', () => {
    for (const r of [live, merged]) {
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toContain('nc-oauth-lab matrix: FAILED: not as expected: 2 error, 1 unexpected fail\n');
      expect(r.stdout).toContain(
        'unexpected-fail: bearer.notes.get on nc32-oidc1.9.0-uo8.10.1-none-nohdr: fails where the data says it passes (observed 401 CORS requires basic auth)',
      );
    }
  });

  it('exits 1 and names the cells when an expectation is stale', () => {
    expect(staleRun.code, staleRun.stdout + staleRun.stderr).toBe(1);
    expect(staleRun.stdout).toContain('nc-oauth-lab matrix: FAILED: not as expected: 2 error, 2 stale\n');
    expect(staleRun.stdout).toContain(
      'stale: discovery.openid-configuration on nc32-oidc1.9.0-uo8.10.1-none-nohdr: passes where the data says it fails: update the expectations (observed 200)',
    );
  });

  it('exits 1 for error cells with the shipped data, and prints no summary when the caller prints the verdict', () => {
    expect(good.code, good.stdout + good.stderr).toBe(1);
    // The per-variant progress lines stay; no verdict, counts or problem lines (the caller prints those).
    const own = good.stdout.split('\n').filter((l) => l.startsWith('nc-oauth-lab matrix:') || l.startsWith('  error:'));
    expect(own.length, good.stdout).toBeGreaterThan(0);
    for (const line of own) expect(line).toMatch(/^nc-oauth-lab matrix: variant \S+: (instance up in|scenarios) /);
    const m = readMatrix(join(dir, 'good-out'));
    expect(m.status).toBe('failed');
    expect(m.summary.problems.map((p) => p.classification)).toEqual(['error', 'error']);
    expect(readFileSync(join(dir, 'good-out', 'matrix.md'), 'utf8')).toContain('**not as expected: 2 error**');
  });

  it('exits 0 with every cell as expected when no procedure breaks, and says so once', () => {
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(clean.stdout.match(/every cell as expected/g)).toEqual(['every cell as expected']);
    expect(clean.stdout).toContain('nc-oauth-lab matrix: every cell as expected\nnc-oauth-lab matrix: 10 cells, 5 checks x 2 variants (double): 5 pass, 3 expected fail, 2 skipped');
    expect(clean.stdout).toContain('nc-oauth-lab matrix: Run against the Nextcloud double');
    expect(readMatrix(join(dir, 'clean')).status).toBe('passed');
  });

  it('fails the run with one line when the expectations data is broken', () => {
    expect(broken.code).toBe(1);
    expect(broken.stdout.trim()).toMatch(/^nc-oauth-lab matrix: 1 problem\(s\) in the expectations in .*broken: x\.json: checks\["no\.such\.check"\]: unknown check/);
    expect(existsSync(join(dir, 'broken-out', 'matrix.json'))).toBe(false);
  });

  it('records a --max-failures stop as an interruption: the failed test an error, the rest not run, the headline first', () => {
    expect(stopped.code, stopped.stdout + stopped.stderr).toBe(1);
    const m = readMatrix(join(dir, 'stopped'));
    expect(m.status).toBe('interrupted');
    expect(m.interruption).toMatchObject({ reason: 'max-failures', testsTotal: 8 });
    expect(m.interruption!.testsRun).toBeLessThan(8);
    const classes = new Set(m.cells.map((c) => c.classification));
    expect(classes.has('error')).toBe(true);
    expect(classes.has('not-run') || classes.has('interrupted')).toBe(true);
    expect([...classes].filter((c) => c === 'unexpected-fail' || c === 'pass')).toEqual([]);
    expect(stopped.stdout).toContain(`nc-oauth-lab matrix: FAILED: interrupted after ${m.interruption!.testsRun} of 8 tests (max-failures)`);
  });
});

describe('MatrixReporter: the exact release of a real instance', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-reporter-release-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names it in matrix.json, the key and the report headers: given with an external project, found by the fixtures for docker', async () => {
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(
      join(dir, 'playwright.config.ts'),
      `
import { defineConfig } from '@playwright/test';
import { matrixProjects } from ${JSON.stringify(INDEX)};
export default defineConfig({
  testDir: './tests',
  outputDir: process.env.RESULTS,
  workers: 1,
  reporter: [[${JSON.stringify(ENTRY)}, { outputDir: process.env.OUT }]],
  projects: [
    ...matrixProjects([{ nextcloud: 32, nextcloudVersion: '32.0.1', oidc: '1.16.6', userOidc: '8.10.1', patch: 'none', ocsHeader: true }], 'external'),
    ...matrixProjects([{ nextcloud: 34, oidc: '2.0.9', userOidc: '8.10.1', patch: 'none', ocsHeader: true }], 'docker'),
  ],
});
`,
    );
    mkdirSync(join(dir, 'tests'));
    writeFileSync(
      join(dir, 'tests', 'release.spec.ts'),
      `
import { test } from '@playwright/test';
import { recordCheck, recordInstance, withChecks } from ${JSON.stringify(INDEX)};
test('discovery', withChecks('discovery.openid-configuration'), async ({}, testInfo) => {
  // what the fixtures do once the docker instance is up and reports its status.php versionstring
  if (testInfo.project.metadata.provider === 'docker') await recordInstance(testInfo, { apps: {}, nextcloudVersion: '34.0.1' });
  await recordCheck(testInfo, { id: 'discovery.openid-configuration', passed: true, observed: { status: 200 } });
});
`,
    );
    const result = await run(dir, ['test'], { OUT: join(dir, 'out'), RESULTS: join(dir, 'results') });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const matrix = readMatrix(join(dir, 'out'));
    expect(matrix.variants.map((v) => [v.key, v.project, v.nextcloudVersion, v.variant.nextcloud])).toEqual([
      ['nc32.0.1-oidc1.16.6-uo8.10.1-none-hdr', 'nc32.0.1-oidc1.16.6-uo8.10.1-none-hdr', '32.0.1', 32],
      ['nc34.0.1-oidc2.0.9-uo8.10.1-none-hdr', 'nc34-oidc2.0.9-uo8.10.1-none-hdr', '34.0.1', 34],
    ]);
    expect(matrix.cells.map((c) => c.variant)).toEqual(['nc32.0.1-oidc1.16.6-uo8.10.1-none-hdr', 'nc34.0.1-oidc2.0.9-uo8.10.1-none-hdr']);
    expect(readFileSync(join(dir, 'out', 'matrix.md'), 'utf8')).toContain('nc34.0.1<br>oidc 2.0.9');
    expect(readFileSync(join(dir, 'out', 'matrix.html'), 'utf8')).toContain('title="Nextcloud 32.0.1 (external)"');
  });
});
