import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { summaryLines } from '../matrix-reporter.ts';
import { normaliseCheckRecord } from '../record-check.ts';
import { buildMatrix, problemLines } from './build-matrix.ts';
import { matrixHtml } from './matrix-html.ts';
import { matrixJunit } from './matrix-junit.ts';
import { matrixMarkdown } from './matrix-markdown.ts';
import { matrixSchema, type Matrix } from './matrix-schema.ts';
import { matrixVerdict } from './matrix-verdict.ts';
import { SYNTHETIC_VARIANTS, syntheticExpectations, syntheticMatrix, syntheticObservations, syntheticVariants, type SyntheticTest } from './synthetic-matrix.ts';
import { writeMatrixReports } from './write-matrix-reports.ts';

const NONE = 'nc32-oidc1.16.6-uo8.10.1-none-nohdr';
const PATCHED = 'nc32-oidc1.16.6-uo8.10.1-user_oidc-app-api-nohdr';
const DOCKER = 'nc34-oidc2.0.9-uo8.10.1-none-hdr';

describe('buildMatrix', () => {
  const matrix = syntheticMatrix();
  const cell = (check: string, variant: string) => matrix.cells.find((c) => c.check === check && c.variant === variant)!;

  it('classifies every cell against the expectations data', () => {
    expect(matrixSchema.parse(matrix)).toEqual(matrix);
    expect(cell('bearer.notes.get', NONE).classification).toBe('expected-fail');
    expect(cell('bearer.notes.get', PATCHED).classification).toBe('pass');
    expect(cell('session.twofactor-enforced', PATCHED).classification).toBe('stale');
    expect(cell('oauth.userinfo', DOCKER).classification).toBe('unexpected-fail');
    expect(cell('oauth.introspection', NONE).classification).toBe('unknown');
    expect(cell('mcp.initialize', NONE).classification).toBe('error');
    expect(cell('dcr.delete', DOCKER).classification).toBe('skipped');
    expect(matrix.summary.counts).toEqual({ pass: 8, 'expected-fail': 2, 'unexpected-fail': 1, 'wrong-reason': 0, stale: 1, unknown: 3, error: 3, skipped: 3, interrupted: 0, 'not-run': 0 });
    expect(matrix.status).toBe('failed');
    expect(matrix.summary.problems).toEqual([
      { check: 'oauth.userinfo', variant: DOCKER, classification: 'unexpected-fail' },
      { check: 'session.twofactor-enforced', variant: PATCHED, classification: 'stale' },
      ...[NONE, PATCHED, DOCKER].map((variant) => ({ check: 'mcp.initialize', variant, classification: 'error' })),
    ]);
  });

  it('records observed and expected with the upstream link, the error and the log of failed cells', () => {
    const notes = cell('bearer.notes.get', NONE);
    expect(notes.observed).toEqual({ outcome: 'failed', status: 401, message: 'CORS requires basic auth', tests: [{ title: 'notes with bearer', file: 'synthetic.spec.ts', line: 10 }] });
    expect(notes.expected.outcome).toBe('fail');
    expect(notes.expected.reasons[0]).toMatchObject({ source: 'cors-passes', component: 'nextcloud', impl_url: 'https://github.com/nextcloud/user_oidc/pull/1221' });
    const error = cell('mcp.initialize', DOCKER);
    expect(error.observed.error).toBe('Error: connect ECONNREFUSED 127.0.0.1:1');
    expect(error.links).toEqual([{ name: 'log', path: `logs/${DOCKER}/mcp.log`, contentType: 'text/plain' }]);
    expect(cell('bearer.notes.get', PATCHED).links).toEqual([]);
  });

  it('orders checks as the catalogue and variants by version, whatever order the tests came in', () => {
    expect(matrix.checks.map((c) => c.id)).toEqual([
      'discovery.pkce-advertised',
      'dcr.delete',
      'oauth.userinfo',
      'oauth.introspection',
      'bearer.notes.get',
      'session.twofactor-enforced',
      'mcp.initialize',
    ]);
    expect(matrix.variants.map((v) => v.key)).toEqual([NONE, PATCHED, DOCKER]);
    const shuffled = buildMatrix({
      variants: [...syntheticVariants()].reverse(),
      tests: [...syntheticObservations()].reverse(),
      expectations: syntheticExpectations(),
      tool: matrix.tool,
      generatedAt: new Date(matrix.generatedAt),
    });
    expect(shuffled).toEqual(matrix);
  });

  it('lets a failing record win over a passing one of the same cell, and an undeclared record still counts', () => {
    const m = syntheticMatrix({
      tests: [
        { title: 'a', line: 1, records: () => [['oauth.userinfo', true, { status: 200 }]] },
        { title: 'b', line: 2, records: () => [['oauth.userinfo', false, { status: 401 }]] },
        { title: 'c', line: 3, declared: ['oauth.pkce.s256'] },
      ],
    });
    const c = m.cells.find((x) => x.check === 'oauth.userinfo' && x.variant === NONE)!;
    expect(c.observed.outcome).toBe('failed');
    expect(c.observed.status).toBe(401);
    expect(c.observed.tests.map((t) => t.title)).toEqual(['a', 'b']);
    const missing = m.cells.find((x) => x.check === 'oauth.pkce.s256' && x.variant === NONE)!;
    expect(missing.classification).toBe('error');
    expect(missing.observed.error).toBe('the test ended without recording this check');
  });

  it('counts a failure for another reason than the data gives as wrong-reason, never as an expected failure', () => {
    const m = syntheticMatrix({
      tests: [
        { title: 'notes', line: 1, records: (v) => [['bearer.notes.get', v.patch !== 'none', v.patch !== 'none' ? { status: 200 } : { status: 404, message: 'Not Found' }]] },
        { title: 'notes post', line: 2, records: (v) => [['bearer.notes.post', v.patch !== 'none', v.patch !== 'none' ? { status: 200 } : { status: 401, message: 'Current user is not logged in' }]] },
        { title: 'deck', line: 3, records: (v) => [['mcp.deck.roundtrip', v.patch !== 'none', v.patch !== 'none' ? {} : { status: 401, message: 'deck_board_create: CORS requires basic auth' }]] },
      ],
    });
    const c = (check: string, variant: string) => m.cells.find((x) => x.check === check && x.variant === variant)!;
    expect(c('bearer.notes.get', NONE).classification).toBe('wrong-reason');
    expect(c('bearer.notes.get', NONE).expected.reasons.find((r) => r.fails_with)?.fails_with).toEqual({ status: 401, message: 'CORS requires basic auth' });
    expect(c('bearer.notes.post', NONE).classification).toBe('wrong-reason');
    expect(c('mcp.deck.roundtrip', NONE).classification).toBe('expected-fail');
    expect(c('bearer.notes.get', PATCHED).classification).toBe('pass');
    expect(m.status).toBe('failed');
    expect(problemLines(m)).toContain(
      `wrong-reason: bearer.notes.get on ${NONE}: fails where the data says it fails, but not as it says (expected 401 "CORS requires basic auth") (observed 404 Not Found)`,
    );
  });

  it('makes a skipped record a skipped cell with its reason, and takes a skipped test\'s reason', () => {
    const m = syntheticMatrix({
      tests: [{ title: 'deck', line: 1, records: () => [['mcp.deck.roundtrip', false, { message: 'Deck is not installed (app deck)' }]] }],
    });
    expect(m.cells.find((c) => c.check === 'mcp.deck.roundtrip')!.classification).toBe('wrong-reason');
    const observations = syntheticObservations([{ title: 'deck', line: 1, declared: ['mcp.deck.roundtrip', 'mcp.tables.roundtrip'], outcome: 'skipped' }]).map((t) => ({
      ...t,
      records: [normaliseCheckRecord({ id: 'mcp.deck.roundtrip', passed: true, skipped: true, observed: { message: 'Deck is not installed (app deck)' } })],
      skipReason: 'Tables is not installed (app tables)',
    }));
    const skipped = buildMatrix({ variants: syntheticVariants(), tests: observations, expectations: syntheticExpectations(), tool: { name: 'nc-oauth-lab', version: '0.1.0' }, generatedAt: new Date(0) });
    const deck = skipped.cells.find((c) => c.check === 'mcp.deck.roundtrip' && c.variant === NONE)!;
    expect(deck.classification).toBe('skipped');
    expect(deck.observed).toMatchObject({ outcome: 'skipped', message: 'Deck is not installed (app deck)' });
    expect(skipped.cells.find((c) => c.check === 'mcp.tables.roundtrip' && c.variant === NONE)!.observed.message).toBe('Tables is not installed (app tables)');
    expect(matrixMarkdown(skipped)).toContain(`- ⏭️ \`mcp.deck.roundtrip\` on \`${NONE}\`: Deck is not installed (app deck)`);
    expect(matrixJunit(skipped)).toContain('<skipped message="Deck is not installed (app deck)"/>');
    expect(() => normaliseCheckRecord({ id: 'mcp.deck.roundtrip', passed: false, skipped: true })).toThrow(/needs observed.message/);
  });

  it('says which variants used the double', () => {
    expect(matrix.double).toBe(true);
    expect(syntheticMatrix({ variants: [{ variant: { nextcloud: 34, oidc: '2.0.9', userOidc: '8.10.1', patch: 'none', ocsHeader: true }, provider: 'external' }] }).double).toBe(false);
  });
});

describe('reports', () => {
  const matrix = syntheticMatrix();
  const dir = mkdtempSync(join(tmpdir(), 'nc-oauth-lab-matrix-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('matrix.md: banner, a row per check with a column per variant and provider, legend, the problem cells', () => {
    const md = matrixMarkdown(matrix);
    const lines = md.split('\n');
    expect(lines[2]).toBe(
      `> **Run against the Nextcloud double: a test double of Nextcloud with the oidc and user_oidc apps, faithful to the facts page, not a real Nextcloud (variants ${NONE}, ${PATCHED}).**`,
    );
    const header = lines.find((l) => l.startsWith('| check |'))!;
    expect(header).toBe(
      '| check | nc32<br>oidc 1.16.6<br>uo 8.10.1<br>none<br>no hdr<br>*double* | nc32<br>oidc 1.16.6<br>uo 8.10.1<br>user_oidc-app-api<br>no hdr<br>*double* | nc34<br>oidc 2.0.9<br>uo 8.10.1<br>none<br>hdr<br>*docker* |',
    );
    const rows = lines.filter((l) => l.startsWith('| `'));
    expect(rows).toHaveLength(7);
    expect(rows[2]).toBe('| `oauth.userinfo` Userinfo | ✅ | ✅ | ❌ |');
    expect(rows[4]).toMatch(/^\| `bearer\.notes\.get` Notes GET with Bearer only \| \[✖️\]\(https:\/\/github\.com\/nextcloud\/user_oidc\/pull\/1221 "expected fail with 401 'CORS requires basic auth': Nextcloud never, with patch none: .*"\) \| ✅ \| \[✖️\]/);
    expect(md).toContain('**Legend:** ✅ pass: passes, as expected · ✖️ expected fail:');
    expect(md).toContain(`- ❌ **unexpected fail** \`oauth.userinfo\` on \`${DOCKER}\`: expected pass; observed failed 500 Internal Server Error`);
    expect(md).toContain(`- ⚠️ **stale** \`session.twofactor-enforced\` on \`${PATCHED}\``);
    expect(lines[4]).toBe('**not as expected: 3 error, 1 unexpected fail, 1 stale**');
    const clean = matrixMarkdown(syntheticMatrix({ variants: [{ variant: { nextcloud: 34, oidc: '2.0.9', userOidc: '8.10.1', patch: 'none', ocsHeader: true }, provider: 'external' }], tests: [] }));
    expect(clean).not.toContain('Nextcloud double');
    expect(clean).toContain('None: every cell is as the expectations data says.');
  });

  it('JUnit: one testcase per cell, failures for unexpected and stale, errors, skipped; valid XML', () => {
    const xml = matrixJunit(matrix);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as {
      testsuites: { tests: string; failures: string; errors: string; skipped: string; testsuite: { name: string; testcase: { name: string; failure?: { type: string }; error?: unknown; skipped?: unknown }[] }[] };
    };
    expect(doc.testsuites).toMatchObject({ tests: '21', failures: '2', errors: '3', skipped: '3' });
    expect(doc.testsuites.testsuite.map((s) => s.name)).toEqual([NONE, PATCHED, DOCKER]);
    const all = doc.testsuites.testsuite.flatMap((s) => s.testcase.map((t) => ({ suite: s.name, ...t })));
    expect(all).toHaveLength(21);
    expect(all.filter((t) => t.failure).map((t) => [t.suite, t.name, t.failure!.type])).toEqual([
      [PATCHED, 'session.twofactor-enforced', 'stale'],
      [DOCKER, 'oauth.userinfo', 'unexpected-fail'],
    ]);
    expect(all.filter((t) => t.error !== undefined).map((t) => t.name)).toEqual(['mcp.initialize', 'mcp.initialize', 'mcp.initialize']);
    expect(all.filter((t) => t.skipped !== undefined).map((t) => t.name)).toEqual(['dcr.delete', 'dcr.delete', 'dcr.delete']);
    expect(xml).toContain('&quot;CORS requires basic auth&quot;');
  });

  it('the summary and problem lines name the error, unexpected and stale cells', () => {
    expect(problemLines(matrix)).toEqual([
      `unexpected-fail: oauth.userinfo on ${DOCKER}: fails where the data says it passes (observed 500 Internal Server Error)`,
      `stale: session.twofactor-enforced on ${PATCHED}: passes where the data says it fails: update the expectations (observed 200)`,
      ...[NONE, PATCHED, DOCKER].map((v) => `error: mcp.initialize on ${v}: Error: connect ECONNREFUSED 127.0.0.1:1`),
    ]);
    expect(summaryLines(matrix).slice(0, 2)).toEqual([
      'nc-oauth-lab matrix: FAILED: not as expected: 3 error, 1 unexpected fail, 1 stale',
      'nc-oauth-lab matrix: 21 cells, 7 checks x 3 variants (double, docker): 8 pass, 2 expected fail, 1 unexpected fail, 1 stale, 3 unknown, 3 error, 3 skipped',
    ]);
    expect(summaryLines(matrix).slice(2, 7)).toEqual(problemLines(matrix).map((p) => `  ${p}`));
  });

  it('writes the four files', async () => {
    const written = await writeMatrixReports(matrix, join(dir, 'out'));
    expect(JSON.parse(readFileSync(written.json, 'utf8'))).toEqual(matrix);
    expect(readFileSync(written.markdown, 'utf8')).toBe(matrixMarkdown(matrix));
    expect(readFileSync(written.junit, 'utf8')).toBe(matrixJunit(matrix));
    expect(readFileSync(written.html, 'utf8')).toMatch(/^<!doctype html>/);
  });
});

describe('an interrupted run', () => {
  const interruption = { reason: 'SIGINT', at: '2026-12-02T08:00:00.000Z', testsRun: 2, testsTotal: 4 };
  const variants = [SYNTHETIC_VARIANTS[0]!];
  const tests: SyntheticTest[] = [
    { title: 'discovery', line: 20, records: () => [['discovery.pkce-advertised', true, { status: 200 }]] },
    { title: 'dcr delete', line: 70, declared: ['dcr.delete'], outcome: 'skipped' },
    // Cut off by the teardown: the browser was closed under it, and it recorded that as a failure.
    {
      title: 'login',
      line: 80,
      declared: ['login.browser.no-consent', 'oauth.userinfo'],
      records: () => [['login.browser.no-consent', false, { message: 'page.waitForEvent: Target page, context or browser has been closed' }]],
      outcome: 'interrupted',
    },
    { title: 'notes', line: 90, declared: ['bearer.notes.get'], outcome: 'notRun' },
  ];
  const build = (withInterruption: boolean): Matrix =>
    buildMatrix({
      variants: syntheticVariants(variants),
      tests: syntheticObservations(tests, variants),
      expectations: syntheticExpectations(),
      tool: { name: 'nc-oauth-lab', version: '0.1.0' },
      generatedAt: new Date('2026-12-02T08:00:01Z'),
      ...(withInterruption ? { interruption } : {}),
    });

  it('classifies the cut-off test interrupted whatever it recorded, and the tests never reached not-run', () => {
    const m = build(true);
    const cls = Object.fromEntries(m.cells.map((c) => [c.check, c.classification]));
    expect(cls).toEqual({ 'discovery.pkce-advertised': 'pass', 'dcr.delete': 'skipped', 'login.browser.no-consent': 'interrupted', 'oauth.userinfo': 'interrupted', 'bearer.notes.get': 'not-run' });
    const login = m.cells.find((c) => c.check === 'login.browser.no-consent')!;
    expect(login.observed).toMatchObject({ outcome: 'interrupted', error: 'the run was interrupted (SIGINT) while this test ran' });
    expect(login.observed.message).toBeUndefined();
    expect(m.status).toBe('interrupted');
    expect(m.interruption).toEqual(interruption);
    expect(m.summary.problems).toEqual([]);
    expect(matrixSchema.parse(m)).toEqual(m);
  });

  it('says so first in every report: the verdict, matrix.md, matrix.html, the console and JUnit', () => {
    const m = build(true);
    expect(matrixVerdict(m)).toEqual({ asExpected: false, headline: 'interrupted after 2 of 4 tests (SIGINT)' });
    expect(matrixMarkdown(m).split('\n')[4]).toBe('**interrupted after 2 of 4 tests (SIGINT)**');
    expect(matrixHtml(m)).toContain('<p class="verdict verdict-bad" id="verdict">interrupted after 2 of 4 tests (SIGINT)</p>');
    expect(summaryLines(m)[0]).toBe('nc-oauth-lab matrix: FAILED: interrupted after 2 of 4 tests (SIGINT)');
    expect(matrixJunit(m)).toContain('<skipped message="interrupted: the run was interrupted (SIGINT) while this test ran"/>');
  });

  it('without an interruption, a test that never ran is skipped as before', () => {
    const m = build(false);
    expect(m.cells.find((c) => c.check === 'bearer.notes.get')!.classification).toBe('skipped');
    expect(m.status).toBe('passed');
    expect(m.interruption).toBeUndefined();
  });
});
