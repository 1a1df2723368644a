import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Variant } from '../variant.ts';
import { comparedMessage, diffMatrices, formatMatrixDiff, leftOutReason, matrixDiffMarkdown, readMatrixFile, type MatrixFileError } from './diff-matrices.ts';
import type { Matrix } from './matrix-schema.ts';
import { syntheticMatrix, type SyntheticTest } from './synthetic-matrix.ts';

const unpatched: Variant = { nextcloud: 32, oidc: '1.16.6', userOidc: '8.10.1', patch: 'none', ocsHeader: false };
const patched: Variant = { ...unpatched, patch: 'user_oidc-app-api' };
/** Notes answer 401 unpatched and 200 patched; DAV always 207; userinfo as `userinfoOk` says. */
const tests = (userinfoOk: boolean): SyntheticTest[] => [
  {
    title: 'notes',
    line: 1,
    records: (v) => [
      ['bearer.notes.get', v.patch !== 'none', v.patch !== 'none' ? { status: 200 } : { status: 401, message: 'CORS requires basic auth' }],
      ['bearer.notes.post', v.patch !== 'none', v.patch !== 'none' ? { status: 200 } : { status: 401, message: 'CORS requires basic auth' }],
    ],
  },
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
      '  bearer.notes.get  nc32-oidc1.16.6-uo8.10.1-none-nohdr -> nc32-oidc1.16.6-uo8.10.1-user_oidc-app-api-nohdr  expected-fail (failed 401 CORS requires basic auth) -> pass (passed 200)',
      '  bearer.notes.post  nc32-oidc1.16.6-uo8.10.1-none-nohdr -> nc32-oidc1.16.6-uo8.10.1-user_oidc-app-api-nohdr  expected-fail (failed 401 CORS requires basic auth) -> pass (passed 200)',
    ]);
    expect(matrixDiffMarkdown(diff, { base: 'base.json', head: 'head.json' })).toContain(
      '| `bearer.notes.get` | `nc32-oidc1.16.6-uo8.10.1-none-nohdr → nc32-oidc1.16.6-uo8.10.1-user_oidc-app-api-nohdr` | expected-fail (failed 401 CORS requires basic auth) | pass (passed 200) |',
    );
  });

  it('refuses to ignore axes that make two variants of one file match', () => {
    const both = syntheticMatrix({ variants: [{ variant: unpatched, provider: 'double' }, { variant: patched, provider: 'double' }], tests: tests(true) });
    expect(() => diffMatrices(both, both, { ignore: ['patch'] })).toThrow(/base: variants .* both match nc32-oidc1\.16\.6-uo8\.10\.1-\*-nohdr when ignoring patch/);
  });
});

describe('diffMatrices across providers (a real Nextcloud against the double)', () => {
  const variant: Variant = { ...unpatched, ocsHeader: true };
  /** What a real run and the double answered; `real` decides where they differ. */
  const run = (real: boolean): SyntheticTest[] => [
    // same outcome and status, a passing cell's message describes the instance: agree
    { title: 'user', line: 1, records: () => [['bearer.ocs.user', true, { status: 200, message: real ? 'user nclab-0a1b2c-alice' : 'user alice' }]] },
    // a failure's message is Nextcloud's answer: compared, with the run's user prefix masked
    { title: 'notes', line: 2, records: () => [['bearer.notes.get', false, { status: 401, message: 'CORS requires basic auth' }]] },
    { title: 'dav', line: 3, records: () => [['invalid-token.dav.files', true, { status: 401, message: real ? 'NotAuthenticated: A, B' : 'NotAuthenticated: A' }]] },
    // outcome and status differ
    { title: 'basic', line: 4, records: () => [['oauth.token.client-secret-basic', real, real ? { status: 200 } : { status: 400, message: 'invalid_client: Client authentication failed.' }]] },
    // the real run could not measure these: left out
    { title: 'deck', line: 5, records: () => [['mcp.deck.roundtrip', !real, real ? { status: 404, message: 'deck_board_create: Nextcloud answered 404 to POST /index.php/apps/deck/api/v1.0/boards' } : {}]] },
    { title: 'tables', line: 6, declared: ['mcp.tables.roundtrip'], ...(real ? { outcome: 'failed' as const, error: 'Error: could not make a table for the round trip: 404 OCS 998 Invalid query, please check the syntax.' } : { records: () => [['mcp.tables.roundtrip', true, {}]] }) },
    { title: '2fa', line: 7, declared: ['session.twofactor-enforced'], ...(real ? { outcome: 'skipped' as const } : { records: () => [['session.twofactor-enforced', true, { status: 303 }]] }) },
  ];
  const real = (): Matrix => {
    const m = syntheticMatrix({ variants: [{ variant, provider: 'external' }], tests: run(true) });
    // a real run names the exact version it found
    const key = 'nc32.0.1-oidc1.16.6-uo8.10.1-none-hdr';
    return { ...m, variants: m.variants.map((v) => ({ ...v, key, project: key, nextcloudVersion: '32.0.1' })), cells: m.cells.map((c) => ({ ...c, variant: key })) };
  };
  const double = (): Matrix => syntheticMatrix({ variants: [{ variant, provider: 'double' }, { variant: { ...variant, patch: 'user_oidc-app-api' }, provider: 'double' }], tests: run(false) });

  it('matches the exact version of one side with the major of the other, and lists only the cells where Nextcloud answered otherwise', () => {
    const diff = diffMatrices(real(), double());
    expect(diff.mode).toBe('providers');
    expect(diff.providers).toEqual({ base: ['external'], head: ['double'] });
    expect(diff.broken.map((c) => [c.check, c.before?.variant, c.after?.variant, c.after?.status])).toEqual([
      ['oauth.token.client-secret-basic', 'nc32.0.1-oidc1.16.6-uo8.10.1-none-hdr', 'nc32-oidc1.16.6-uo8.10.1-none-hdr', 400],
    ]);
    expect(diff.other.map((c) => c.check)).toEqual(['invalid-token.dav.files']);
    expect(diff.fixed).toEqual([]);
    expect(diff.unchanged).toBe(2);
    expect(diff.leftOut).toEqual([
      { check: 'session.twofactor-enforced', match: 'nc32-oidc1.16.6-uo8.10.1-none-hdr', variant: 'nc32.0.1-oidc1.16.6-uo8.10.1-none-hdr', reason: 'skipped there' },
      { check: 'mcp.deck.roundtrip', match: 'nc32-oidc1.16.6-uo8.10.1-none-hdr', variant: 'nc32.0.1-oidc1.16.6-uo8.10.1-none-hdr', reason: 'deck is not installed there (404 from its route)' },
      { check: 'mcp.tables.roundtrip', match: 'nc32-oidc1.16.6-uo8.10.1-none-hdr', variant: 'nc32.0.1-oidc1.16.6-uo8.10.1-none-hdr', reason: 'tables is not installed there (404 from its route)' },
    ]);
    // the double's second variant is named, not listed cell by cell
    expect(diff.onlyInHead).toEqual(['nc32-oidc1.16.6-uo8.10.1-user_oidc-app-api-hdr']);
    const text = formatMatrixDiff(diff, { base: 'real.json', head: 'double.json' });
    expect(text[0]).toBe('matrix diff real.json (external) -> double.json (double), across providers: 2 cell(s) differ (0 fail -> pass, 1 pass -> fail, 1 other), 2 agree, 3 left out (not measured)');
    expect(text).toContain('Left out (not measured on the real instance): 1 deck is not installed there (404 from its route), 1 skipped there, 1 tables is not installed there (404 from its route)');
    expect(matrixDiffMarkdown(diff, { base: 'real.json', head: 'double.json' })).toContain('across providers (external → double): 2 differ · 2 agree · 3 left out');
    // the same comparison the other way round holds the double to the real side's messages too
    expect(diffMatrices(double(), real()).other.map((c) => c.check)).toEqual(['invalid-token.dav.files']);
    // a cell the double did not measure is a disagreement, not left out
    const broken = double();
    const crashed: Matrix = { ...broken, cells: broken.cells.map((c) => (c.check === 'bearer.ocs.user' ? { ...c, classification: 'error' as const, observed: { ...c.observed, outcome: 'error' as const, error: 'Error: boom' } } : c)) };
    expect(diffMatrices(real(), crashed).broken.map((c) => c.check)).toEqual(['oauth.token.client-secret-basic', 'bearer.ocs.user']);
  });

  it('takes the app list of a version 2 matrix: an app recorded as absent (null) leaves its cells out, whatever they answered', () => {
    const m = real();
    const withApps: Matrix = { ...m, variants: m.variants.map((v) => ({ ...v, apps: { notes: null, deck: '1.15.0', tables: null } })) };
    const diff = diffMatrices(withApps, double());
    expect(diff.leftOut.map((c) => [c.check, c.reason])).toEqual([
      ['bearer.notes.get', 'notes is not installed there'],
      ['session.twofactor-enforced', 'skipped there'],
      ['mcp.tables.roundtrip', 'tables is not installed there'],
    ]);
    // Deck is installed there: its 404 is a result, and differs from the double's pass
    expect(diff.fixed.map((c) => c.check)).toEqual(['mcp.deck.roundtrip']);
    expect(diff.broken.map((c) => c.check)).toEqual(['oauth.token.client-secret-basic']);
  });

  it('leftOutReason and comparedMessage: what a cell measured, and the message the other side is held to', () => {
    const m = real();
    const cell = (id: string) => m.cells.find((c) => c.check === id)!;
    expect(leftOutReason(cell('bearer.notes.get'), m.variants[0])).toBeUndefined();
    expect(comparedMessage(cell('bearer.notes.get'))).toBe('CORS requires basic auth');
    expect(comparedMessage(cell('bearer.ocs.user'))).toBeUndefined();
    expect(comparedMessage({ ...cell('bearer.notes.get'), observed: { ...cell('bearer.notes.get').observed, message: 'no note of nclab-0a1b2c-alice' } })).toBe('no note of alice');
    // a 404 of another route is a result, not an absent app
    const notFound = { ...cell('mcp.deck.roundtrip'), observed: { ...cell('mcp.deck.roundtrip').observed, message: 'deck_board_create: Nextcloud answered 404 to POST /index.php/apps/notes/api/v1/notes' } };
    expect(leftOutReason(notFound, m.variants[0])).toBeUndefined();
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

  it('takes the exact release of a version 1 file of a real instance from its name when the major agrees, and nothing else', () => {
    const { 'wrong-reason': _w, interrupted: _i, 'not-run': _n, ...counts } = syntheticMatrix().summary.counts;
    const real = syntheticMatrix({ variants: [{ variant: unpatched, provider: 'external' }] });
    const v1 = JSON.stringify({ ...real, schemaVersion: 1, summary: { ...real.summary, counts } });
    const named = readMatrixFile(write('nc32.0.1-oidc1.16.6-uo8.10.1-none.matrix.json', v1));
    expect(named.variants.map((v) => [v.key, v.nextcloudVersion])).toEqual([['nc32-oidc1.16.6-uo8.10.1-none-nohdr', '32.0.1']]);
    expect(readMatrixFile(write('nc34.0.1-run.matrix.json', v1)).variants[0]!.nextcloudVersion).toBeUndefined();
    expect(readMatrixFile(write('run.matrix.json', v1)).variants[0]!.nextcloudVersion).toBeUndefined();
    // the double plays a major: its variants never get one
    const double = syntheticMatrix({ variants: [{ variant: unpatched, provider: 'double' }] });
    const d1 = JSON.stringify({ ...double, schemaVersion: 1, summary: { ...double.summary, counts } });
    expect(readMatrixFile(write('nc32.0.1-double.matrix.json', d1)).variants[0]!.nextcloudVersion).toBeUndefined();
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
