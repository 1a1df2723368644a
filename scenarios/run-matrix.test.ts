import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_EXPECTATIONS_DIR } from './expectations/lint-expectations.ts';
import { readMatrixFile } from './matrix/diff-matrices.ts';
import { matrixVariants, readMatrixSpec, MATRIX_SPEC_ENV, type MatrixSpec } from './fixtures/matrix-spec.ts';
import { blobReports, matrixFailures, mergeMatrixReports, MatrixRunError, parseShard, runMatrix, type MatrixOutcome } from './run-matrix.ts';
import { variantKey } from './variant.ts';

/*
 * Real matrix runs against the double, kept small: two variants (NC 32 unpatched with the header, NC 34
 * patched without it) and the scenarios whose titles match GREP (discovery, Notes with Bearer only, the
 * MCP Notes round trip). Run once unsharded and as shards 1/2 and 2/2, merged with `matrix merge`: the
 * cells must be the same. A deliberately wrong expectation and a stale one make the run exit 1 naming the cell.
 */

const GREP = 'discovery document|Notes with Bearer only|MCP round trip: Notes';
const SPEC: MatrixSpec = {
  provider: 'double',
  variants: [
    { nextcloud: 32, oidc: '1.16.6', userOidc: '8.10.1', patch: 'none', ocsHeader: true },
    { nextcloud: 34, oidc: '2.0.9', userOidc: '8.10.1', patch: 'user_oidc-app-api', ocsHeader: false },
  ],
};
const [NC32, NC34] = SPEC.variants.map(variantKey) as [string, string];

/** The expectations with some checks' entries replaced. */
function expectationsWith(dir: string, replace: Record<string, { file: string; entry: unknown }>): string {
  cpSync(DEFAULT_EXPECTATIONS_DIR, dir, { recursive: true, filter: (src) => !src.endsWith('.ts') });
  for (const [check, { file, entry }] of Object.entries(replace)) {
    const path = join(dir, file);
    const data = JSON.parse(readFileSync(path, 'utf8')) as { checks: Record<string, unknown> };
    data.checks[check] = entry;
    writeFileSync(path, JSON.stringify(data, null, 2));
  }
  return dir;
}

describe('parseShard', () => {
  it('takes i/n with 1 <= i <= n', () => {
    expect(parseShard('1/2')).toEqual({ current: 1, total: 2 });
    expect(parseShard(' 3/3 ')).toEqual({ current: 3, total: 3 });
  });
  it.each(['0/2', '3/2', '1/0', '1-2', '1/2/3', 'a/b', ''])('refuses %j naming the form', (text) => {
    expect(() => parseShard(text)).toThrow(MatrixRunError);
    expect(() => parseShard(text)).toThrow(/--shard must be i\/n/);
  });
});

describe('matrix spec', () => {
  it('defaults to 8 variants against the double: NC 32 and 34, newest apps, both patch modes and header modes', () => {
    const spec = readMatrixSpec({});
    expect(spec.provider).toBe('double');
    expect(spec.variants.map(variantKey)).toEqual([
      'nc32-oidc1.16.6-uo8.10.1-none-nohdr',
      'nc32-oidc1.16.6-uo8.10.1-none-hdr',
      'nc32-oidc1.16.6-uo8.10.1-user_oidc-app-api-nohdr',
      'nc32-oidc1.16.6-uo8.10.1-user_oidc-app-api-hdr',
      'nc34-oidc2.0.9-uo8.10.1-none-nohdr',
      'nc34-oidc2.0.9-uo8.10.1-none-hdr',
      'nc34-oidc2.0.9-uo8.10.1-user_oidc-app-api-nohdr',
      'nc34-oidc2.0.9-uo8.10.1-user_oidc-app-api-hdr',
    ]);
  });
  it('leaves out versions that do not install on a major, and refuses a major where none does', () => {
    const variants = matrixVariants({ nextcloud: [32, 34], oidc: ['1.16.6', '2.0.9'], patch: ['none'], ocsHeader: [true] });
    expect(variants.map(variantKey)).toEqual(['nc32-oidc1.16.6-uo8.10.1-none-hdr', 'nc32-oidc2.0.9-uo8.10.1-none-hdr', 'nc34-oidc2.0.9-uo8.10.1-none-hdr']);
    expect(() => matrixVariants({ nextcloud: [34], oidc: ['1.10.0'], patch: ['none'], ocsHeader: [true] })).toThrow(/oidc 1.10.0 installs on Nextcloud 30-32, not 34/);
  });
  it('refuses a malformed spec in the environment with a message naming the variable', () => {
    expect(() => readMatrixSpec({ [MATRIX_SPEC_ENV]: '{' })).toThrow(/NC_OAUTH_LAB_MATRIX_SPEC is not JSON/);
    expect(() => readMatrixSpec({ [MATRIX_SPEC_ENV]: JSON.stringify({ provider: 'double', variants: [] }) })).toThrow(/variants/);
  });
});

describe('blobReports', () => {
  it('refuses no input, a missing path and a directory without blobs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-blobs-'));
    try {
      await expect(blobReports([])).rejects.toThrow(/needs the blob reports/);
      await expect(blobReports([join(dir, 'nope')])).rejects.toThrow(/does not exist/);
      await expect(blobReports([dir])).rejects.toThrow(/holds no blob report/);
      writeFileSync(join(dir, 'notes.txt'), 'x');
      await expect(blobReports([join(dir, 'notes.txt')])).rejects.toThrow(/is not a blob report/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('matrix runs against the double', () => {
  let dir: string;
  const output: string[] = [];
  let full: MatrixOutcome;
  let merged: MatrixOutcome;
  let shards: MatrixOutcome[];
  let wrong: MatrixOutcome;
  let stale: MatrixOutcome;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-matrix-'));
    const run = (out: string, extra: Partial<Parameters<typeof runMatrix>[0]> = {}): Promise<MatrixOutcome> =>
      runMatrix({ spec: SPEC, out: join(dir, out), workers: 1, grep: GREP, progress: 'null', output: (chunk) => void output.push(chunk), env: { CI: '', FORCE_COLOR: '0' }, ...extra });
    const wrongData = expectationsWith(join(dir, 'wrong-data'), {
      // Notes with Bearer only fails unpatched (401 "CORS requires basic auth"): claim it always passes.
      'bearer.notes.get': { file: 'bearer.json', entry: { support: [{ component: 'nextcloud', version_added: true, notes: 'deliberately wrong' }] } },
    });
    const staleData = expectationsWith(join(dir, 'stale-data'), {
      // Discovery passes everywhere: claim it never does.
      'discovery.openid-configuration': {
        file: 'discovery.json',
        entry: { support: [{ component: 'oidc', version_added: false, notes: 'deliberately stale', impl_url: 'https://github.com/H2CK/oidc/pull/584' }] },
      },
    });
    [full, shards, wrong, stale] = await Promise.all([
      run('full'),
      Promise.all([run('shard-1', { shard: { current: 1, total: 2 } }), run('shard-2', { shard: { current: 2, total: 2 } })]),
      run('wrong', { expectations: wrongData, grep: 'Notes with Bearer only' }),
      run('stale', { expectations: staleData, grep: 'discovery document' }),
    ]);
    merged = await mergeMatrixReports({ inputs: [join(dir, 'shard-1'), join(dir, 'shard-2')], out: join(dir, 'merged'), output: (chunk) => void output.push(chunk) });
  }, 600_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs every scenario of the subset on both variants, each cell as expected', () => {
    expect(full.failures, output.join('')).toEqual([]);
    expect(full.exitCode).toBe(0);
    const cells = Object.fromEntries(full.matrix!.cells.map((c) => [`${c.check} ${c.variant}`, c.classification]));
    expect(cells).toMatchObject({
      [`discovery.openid-configuration ${NC32}`]: 'pass',
      [`bearer.notes.get ${NC32}`]: 'expected-fail',
      [`bearer.notes.get ${NC34}`]: 'pass',
      [`mcp.notes.roundtrip ${NC32}`]: 'pass',
      [`mcp.notes.roundtrip ${NC34}`]: 'pass',
    });
    expect(full.matrix!.double).toBe(true);
    expect(readFileSync(join(dir, 'full', 'matrix.md'), 'utf8')).toMatch(/Nextcloud double/);
    const note = full.matrix!.cells.find((c) => c.check === 'bearer.notes.get' && c.variant === NC32)!;
    expect(note.observed).toMatchObject({ status: 401, message: 'CORS requires basic auth' });
  });

  it('gives the same cells from shards 1/2 and 2/2 merged as from the unsharded run', () => {
    for (const shard of shards) {
      expect(shard.blobDir).toBeDefined();
      expect(shard.matrix!.cells.length).toBeLessThan(full.matrix!.cells.length);
    }
    expect(merged.exitCode, output.join('')).toBe(0);
    expect(merged.matrix!.cells).toEqual(full.matrix!.cells);
    expect(merged.matrix!.variants).toEqual(full.matrix!.variants);
  });

  it('exits 1 naming the cell when an expectation is wrong', () => {
    expect(wrong.exitCode).toBe(1);
    expect(wrong.failures).toEqual([expect.stringMatching(new RegExp(`^unexpected-fail: bearer\\.notes\\.get on ${NC32}: .*401 CORS requires basic auth`))]);
  });

  it('exits 1 naming the cells when an expectation is stale', () => {
    expect(stale.exitCode).toBe(1);
    expect(stale.failures.sort()).toEqual([`stale: discovery.openid-configuration on ${NC32}`, `stale: discovery.openid-configuration on ${NC34}`].map((p) => expect.stringContaining(p)));
    expect(matrixFailures(stale.matrix!).sort()).toEqual(stale.failures);
  });
});

describe('a matrix run stopped by SIGTERM (the double)', () => {
  it('stops through Playwright\'s own SIGINT, records SIGTERM as the reason and exits 143', { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-sigterm-'));
    try {
      const bin = fileURLToPath(new URL('../bin/nc-oauth-lab.js', import.meta.url));
      const args = ['matrix', '--nextcloud', '34', '--patch', 'none', '--ocs-header', 'off', '--workers', '1', '--grep', 'discovery document|browser login', '--progress', 'line', '--out', dir];
      const child = spawn(process.execPath, [bin, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '', FORCE_COLOR: '0' } });
      let stdout = '';
      let stderr = '';
      let sent = false;
      child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (!sent && /browser login without consent/.test(stderr)) {
          sent = true;
          // A supervisor's SIGTERM goes to the process it started, not to a process group.
          setTimeout(() => child.kill('SIGTERM'), 300);
        }
      });
      const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
      expect(sent, stderr).toBe(true);
      expect(code, stdout + stderr).toBe(143);
      expect(stdout).toMatch(/^nc-oauth-lab matrix: FAILED: interrupted after 1 of 3 tests \(SIGTERM\)$/m);
      const m = readMatrixFile(join(dir, 'matrix.json'));
      expect(m.interruption).toMatchObject({ reason: 'SIGTERM', testsRun: 1, testsTotal: 3 });
      expect(Object.fromEntries(m.cells.map((c) => [c.check, c.classification]))).toEqual({
        'discovery.openid-configuration': 'pass',
        'discovery.pkce-advertised': 'pass',
        'login.browser.no-consent': 'interrupted',
        'login.browser.consent': 'not-run',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
