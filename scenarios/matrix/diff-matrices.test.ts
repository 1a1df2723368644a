import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Variant } from '../variant.ts';
import { diffMatrices, formatMatrixDiff, matrixDiffMarkdown, readMatrixFile, type MatrixFileError } from './diff-matrices.ts';
import { syntheticMatrix, type SyntheticTest } from './synthetic-matrix.ts';

const unpatched: Variant = { nextcloud: 32, oidc: '1.16.6', userOidc: '8.10.1', patch: 'none', ocsHeader: false };
const patched: Variant = { ...unpatched, patch: 'user_oidc-app-api' };
/** Notes answer 401 unpatched and 200 patched; DAV always 207; userinfo as `userinfoOk` says. */
const tests = (userinfoOk: boolean): SyntheticTest[] => [
  { title: 'notes', line: 1, records: (v) => [['bearer.notes.get', v.patch !== 'none', { status: v.patch !== 'none' ? 200 : 401 }], ['bearer.notes.post', v.patch !== 'none', { status: v.patch !== 'none' ? 200 : 401 }]] },
  { title: 'dav', line: 2, records: () => [['bearer.dav.files.propfind', true, { status: 207 }]] },
  { title: 'userinfo', line: 3, records: () => [['oauth.userinfo', userinfoOk, { status: userinfoOk ? 200 : 500 }]] },
];

describe('diffMatrices', () => {
  it('groups changed cells as fixed, broken and other, matching variants by key', () => {
    const base = syntheticMatrix({ variants: [{ variant: unpatched, provider: 'double' }], tests: tests(true) });
    const head = syntheticMatrix({ variants: [{ variant: unpatched, provider: 'double' }], tests: [...tests(false), { title: 'x', line: 9, records: () => [['oauth.introspection', true, {}]] } satisfies SyntheticTest] });
    const diff = diffMatrices(base, head);
    expect(diff.fixed).toEqual([]);
    expect(diff.broken).toEqual([
      {
        check: 'oauth.userinfo',
        match: 'nc32-oidc1.16.6-uo8.10.1-none-nohdr',
        before: { variant: 'nc32-oidc1.16.6-uo8.10.1-none-nohdr', classification: 'pass', outcome: 'passed', status: 200 },
        after: { variant: 'nc32-oidc1.16.6-uo8.10.1-none-nohdr', classification: 'unexpected-fail', outcome: 'failed', status: 500 },
      },
    ]);
    expect(diff.other.map((c) => [c.check, c.before, c.after?.classification])).toEqual([['oauth.introspection', undefined, 'unknown']]);
    expect(diff.unchanged).toBe(3);
    expect(diff.onlyInBase).toEqual([]);
  });

  it('with --ignore patch, shows which checks a patch turns from fail to pass', () => {
    const base = syntheticMatrix({ variants: [{ variant: unpatched, provider: 'double' }], tests: tests(true) });
    const head = syntheticMatrix({ variants: [{ variant: patched, provider: 'double' }], tests: tests(true) });
    const strict = diffMatrices(base, head);
    expect(strict.onlyInBase).toEqual(['nc32-oidc1.16.6-uo8.10.1-none-nohdr']);
    expect(strict.onlyInHead).toEqual(['nc32-oidc1.16.6-uo8.10.1-user_oidc-app-api-nohdr']);
    expect(strict.fixed).toEqual([]);
    const diff = diffMatrices(base, head, { ignore: ['patch'] });
    expect(diff.fixed.map((c) => c.check)).toEqual(['bearer.notes.get', 'bearer.notes.post']);
    expect(diff.fixed[0]!.before).toMatchObject({ variant: 'nc32-oidc1.16.6-uo8.10.1-none-nohdr', classification: 'expected-fail', status: 401 });
    expect(diff.fixed[0]!.after).toMatchObject({ variant: 'nc32-oidc1.16.6-uo8.10.1-user_oidc-app-api-nohdr', classification: 'pass', status: 200 });
    expect(diff.broken).toEqual([]);
    expect(diff.unchanged).toBe(2);
    const text = formatMatrixDiff(diff, { base: 'base.json', head: 'head.json' });
    expect(text).toEqual([
      'matrix diff base.json -> head.json: 2 fixed, 0 broken, 0 other, 2 unchanged',
      '',
      'Fixed (fail -> pass):',
      '  bearer.notes.get  nc32-oidc1.16.6-uo8.10.1-none-nohdr -> nc32-oidc1.16.6-uo8.10.1-user_oidc-app-api-nohdr  expected-fail (failed 401) -> pass (passed 200)',
      '  bearer.notes.post  nc32-oidc1.16.6-uo8.10.1-none-nohdr -> nc32-oidc1.16.6-uo8.10.1-user_oidc-app-api-nohdr  expected-fail (failed 401) -> pass (passed 200)',
    ]);
    expect(matrixDiffMarkdown(diff, { base: 'base.json', head: 'head.json' })).toContain(
      '| `bearer.notes.get` | `nc32-oidc1.16.6-uo8.10.1-none-nohdr → nc32-oidc1.16.6-uo8.10.1-user_oidc-app-api-nohdr` | expected-fail (failed 401) | pass (passed 200) |',
    );
  });

  it('refuses to ignore axes that make two variants of one file match', () => {
    const both = syntheticMatrix({ variants: [{ variant: unpatched, provider: 'double' }, { variant: patched, provider: 'double' }], tests: tests(true) });
    expect(() => diffMatrices(both, both, { ignore: ['patch'] })).toThrow(/base: variants .* both match nc32-oidc1\.16\.6-uo8\.10\.1-\*-nohdr when ignoring patch/);
  });
});

describe('readMatrixFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-diff-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('reads a valid matrix.json', () => {
    const m = syntheticMatrix();
    expect(readMatrixFile(write('ok.json', JSON.stringify(m)))).toEqual(m);
  });

  it('names the file and the problem for missing, non-JSON, foreign, other-version and invalid files', () => {
    const fails = (path: string): MatrixFileError => {
      try {
        readMatrixFile(path);
      } catch (error) {
        return error as MatrixFileError;
      }
      throw new Error('expected an error');
    };
    expect(fails(join(dir, 'missing.json')).message).toBe(`cannot read ${join(dir, 'missing.json')} (ENOENT): give the path of a matrix.json`);
    expect(fails(write('bad.json', '{ nope')).message).toMatch(/bad\.json is not JSON \(.*\): give a matrix\.json written by nc-oauth-lab$/);
    expect(fails(write('other.json', '{"name":"x"}')).message).toMatch(/other\.json has no schemaVersion/);
    const v3 = fails(write('v3.json', JSON.stringify({ ...syntheticMatrix(), schemaVersion: 3 })));
    expect(v3.code).toBe('ERR_MATRIX_SCHEMA_VERSION');
    expect(v3.message).toMatch(/v3\.json has schemaVersion 3, this nc-oauth-lab reads 1 and 2/);
    // Version 1 (no wrong-reason, interrupted or not-run counts) is read and upgraded.
    const { 'wrong-reason': _w, interrupted: _i, 'not-run': _n, ...v1Counts } = syntheticMatrix().summary.counts;
    const v1 = readMatrixFile(write('v1.json', JSON.stringify({ ...syntheticMatrix(), schemaVersion: 1, summary: { ...syntheticMatrix().summary, counts: v1Counts } })));
    expect(v1.schemaVersion).toBe(2);
    expect(v1.summary.counts).toMatchObject({ 'wrong-reason': 0, interrupted: 0, 'not-run': 0, pass: syntheticMatrix().summary.counts.pass });
    const broken = fails(write('broken.json', JSON.stringify({ ...syntheticMatrix(), cells: [{ check: 'x' }] })));
    expect(broken.code).toBe('ERR_MATRIX_FILE');
    expect(broken.message).toMatch(/broken\.json is not a valid matrix\.json: cells\.0\.variant: /);
    expect(broken.cause).toBeDefined();
  });
});

describe('diffMatrices with an interrupted head', () => {
  it('puts interrupted and not-run cells apart as not measured: neither fixed nor broken', () => {
    const variants = [{ variant: unpatched, provider: 'double' as const }];
    const base = syntheticMatrix({ variants, tests: tests(true) });
    const cut = syntheticMatrix({ variants, tests: tests(true).map((t) => (t.title === 'userinfo' ? { ...t, outcome: 'interrupted' as const } : t)) });
    const diff = diffMatrices(base, { ...cut, status: 'interrupted', interruption: { reason: 'SIGINT', at: '2026-12-02T08:00:00.000Z', testsRun: 2, testsTotal: 3 } });
    expect(diff.broken).toEqual([]);
    expect(diff.fixed).toEqual([]);
    expect(diff.notMeasured.map((c) => [c.check, c.before?.classification, c.after?.classification])).toEqual([['oauth.userinfo', 'pass', 'interrupted']]);
    const text = formatMatrixDiff(diff, { base: 'a', head: 'b' });
    expect(text[0]).toBe('matrix diff a -> b: 0 fixed, 0 broken, 0 other, 3 unchanged, 1 not measured');
    expect(text).toContain('Not measured on one side (interrupted, not run, skipped, unknown, error):');
  });
});
