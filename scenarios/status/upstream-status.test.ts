import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckId } from '../checks.ts';
import { upstreamItemSchema, type UpstreamItem } from '../expectations/upstream-schema.ts';
import { matrixHtml } from '../matrix/matrix-html.ts';
import type { Matrix } from '../matrix/matrix-schema.ts';
import { syntheticMatrix, type SyntheticTest } from '../matrix/synthetic-matrix.ts';
import type { Provider, Variant } from '../variant.ts';
import { statusDocument } from './status-document.ts';
import { statusHtml } from './status-html.ts';
import { statusMarkdown } from './status-markdown.ts';
import { statusRun, upstreamStatus } from './upstream-status.ts';

const GOLDEN = join(import.meta.dirname, 'golden');

/** Compares with the golden file; `UPDATE_GOLDEN=1 npx vitest run scenarios/status` rewrites it. */
function golden(name: string, text: string): void {
  const file = join(GOLDEN, name);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, text);
  }
  expect(existsSync(file), `${file} is missing: run UPDATE_GOLDEN=1 npx vitest run scenarios/status`).toBe(true);
  expect(text).toBe(readFileSync(file, 'utf8'));
}

/** Upstream items of the tests (not the shipped data, so the golden files change only with the code). */
const ITEMS: UpstreamItem[] = [
  {
    ref: 'nextcloud/user_oidc#1221',
    url: 'https://github.com/nextcloud/user_oidc/pull/1221',
    title: 'app_api on bearer login',
    component: 'user_oidc',
    state: { status: 'open', checked: '2026-12-02' },
    fixes: ['bearer.notes.get', 'mcp.notes.roundtrip'],
    scope: { ocsHeader: false },
    workarounds: [
      { patch: 'user_oidc-app-api', sideEffects: [{ description: 'two-factor skipped', checks: ['session.twofactor-enforced'] }] },
      { header: 'OCS-APIRequest', fixes: ['mcp.notes.roundtrip'], sideEffects: [] },
    ],
  },
  {
    ref: 'H2CK/oidc#584',
    url: 'https://github.com/H2CK/oidc/pull/584',
    title: 'PKCE',
    component: 'oidc',
    state: { status: 'released', version: '1.10.0', checked: '2026-12-02' },
    fixes: ['oauth.pkce.s256'],
    workarounds: [],
  },
].map((i) => upstreamItemSchema.parse(i));

const V = (patch: Variant['patch'], ocsHeader: boolean): Variant => ({ nextcloud: 32, oidc: '1.16.6', userOidc: '8.10.1', patch, ocsHeader });
const variants = (provider: Provider) => [V('none', false), V('none', true), V('user_oidc-app-api', false), V('user_oidc-app-api', true)].map((variant) => ({ variant, provider }));

interface Scenario {
  notesUnpatched: 'fail' | 'pass' | 'skipped';
  provider: Provider;
}

/** A small matrix: Notes (Bearer only and through MCP), OCS, PKCE and the 2FA side effect on the four variants of one release. */
function matrix(s: Scenario): Matrix {
  const notes = (v: Variant): boolean => s.notesUnpatched === 'pass' || v.patch !== 'none';
  const tests: SyntheticTest[] = [
    { title: 'ocs', line: 1, records: () => [['bearer.ocs.user', true, { status: 200 }]] },
    { title: 'pkce', line: 2, records: () => [['oauth.pkce.s256', true, { status: 200 }]] },
    {
      title: 'notes',
      line: 3,
      declared: ['bearer.notes.get'],
      ...(s.notesUnpatched === 'skipped' ? { outcome: 'skipped' as const } : {}),
      records: (v) => (s.notesUnpatched === 'skipped' ? [] : [['bearer.notes.get', notes(v), notes(v) ? { status: 200 } : { status: 401, message: 'CORS requires basic auth' }]]),
    },
    {
      title: 'mcp notes',
      line: 4,
      declared: ['mcp.notes.roundtrip'],
      ...(s.notesUnpatched === 'skipped' ? { outcome: 'skipped' as const } : {}),
      records: (v) => {
        if (s.notesUnpatched === 'skipped') return [];
        const ok = notes(v) || v.ocsHeader;
        return [['mcp.notes.roundtrip', ok, ok ? {} : { status: 401, message: 'notes_create: CORS requires basic auth' }]];
      },
    },
    { title: '2fa', line: 5, records: (v) => [['session.twofactor-enforced', v.patch === 'none', v.patch === 'none' ? { status: 200 } : { status: 200, message: 'after the bearer request (200) the session reached the dashboard without the second factor' }]] },
  ];
  const m = syntheticMatrix({ tests, variants: variants(s.provider) });
  // an external run of schema 2 records the exact version
  if (s.provider !== 'double') for (const v of m.variants) v.nextcloudVersion = '32.0.1';
  return m;
}

function render(m: Matrix): { md: string; html: string; matrixPage: string; status: ReturnType<typeof upstreamStatus> } {
  const run = statusRun(1, 'runs/matrix.json', m);
  const status = upstreamStatus([run], ITEMS);
  const doc = statusDocument(status);
  return { md: statusMarkdown(doc), html: statusHtml(doc), matrixPage: matrixHtml(m), status };
}

/** Every cell link of the page points at a cell anchor of the run's matrix.html. */
function expectLinksResolve(html: string, matrixPage: string): number {
  const hrefs = [...html.matchAll(/class="chip[^"]*" href="matrices\/1-matrix\.html#([^"]+)"/g)].map((m) => m[1]!);
  const ids = new Set([...matrixPage.matchAll(/<td class="cell[^"]*" id="([^"]+)"/g)].map((m) => m[1]!));
  expect(hrefs.filter((h) => !ids.has(h))).toEqual([]);
  return hrefs.length;
}

describe('upstream status', () => {
  it('patch still needed: fails unpatched, passes with the patch (and the header for MCP), on the exact Nextcloud version', () => {
    const { md, html, matrixPage, status } = render(matrix({ notesUnpatched: 'fail', provider: 'external' }));
    const item = status.items.find((i) => i.item.ref === 'nextcloud/user_oidc#1221')!;
    expect(item.releases.map((r) => [r.release.label, r.verdict, r.working])).toEqual([
      ['Nextcloud 32.0.1 with oidc 1.16.6 and user_oidc 8.10.1', 'still-needed', ['user_oidc-app-api', 'OCS-APIRequest: true']],
    ]);
    expect(status.items.find((i) => i.item.ref === 'H2CK/oidc#584')!.releases[0]!.verdict).toBe('fixed');
    const verdict = (id: CheckId): string => status.checks.find((c) => c.check.id === id)!.verdict;
    expect([verdict('bearer.notes.get'), verdict('mcp.notes.roundtrip'), verdict('bearer.ocs.user')]).toEqual(['requires', 'requires', 'works']);
    expect(status.sideEffects.find((s) => s.workaround === 'user_oidc-app-api')!.measured.map((m) => m.state)).toEqual(['shows']);
    expect(html).not.toContain('id="double-banner"');
    expect(expectLinksResolve(html, matrixPage)).toBeGreaterThan(10);
    golden('still-needed.status.md', md);
  });

  it('fixed upstream: an unpatched variant passes the checks (stale cells), and the page says to update the data', () => {
    const { md, html, matrixPage, status } = render(matrix({ notesUnpatched: 'pass', provider: 'external' }));
    const item = status.items.find((i) => i.item.ref === 'nextcloud/user_oidc#1221')!;
    expect(item.releases[0]!.verdict).toBe('fixed');
    expect(item.releases[0]!.cells.map((c) => c.classification)).toEqual(['stale', 'stale']);
    expect(md).toContain('**Looks fixed upstream in** Nextcloud 32.0.1 with oidc 1.16.6 and user_oidc 8.10.1: every measured check passes unpatched (stale cells');
    expectLinksResolve(html, matrixPage);
    golden('fixed-upstream.status.md', md);
  });

  it('not measured: skipped cells are neither a pass nor a fail', () => {
    const { md, status } = render(matrix({ notesUnpatched: 'skipped', provider: 'external' }));
    const item = status.items.find((i) => i.item.ref === 'nextcloud/user_oidc#1221')!;
    expect(item.releases[0]!.verdict).toBe('not-measured');
    expect(status.checks.find((c) => c.check.id === 'bearer.notes.get')!.verdict).toBe('not-measured');
    expect(md).toContain('**Not measured**: no run covers `bearer.notes.get` and `mcp.notes.roundtrip` unpatched without the header.');
    golden('not-measured.status.md', md);
  });

  it('double only: the page says so at the top, as loudly as the matrix', () => {
    const { md, html, status } = render(matrix({ notesUnpatched: 'fail', provider: 'double' }));
    expect(status.doubleOnly).toBe(true);
    expect(md.split('\n')[2]).toMatch(/^> \*\*Built only from runs against the Nextcloud double: nothing on this page was measured on a real Nextcloud\. Run against the Nextcloud double:/);
    expect(html).toMatch(/<body>\n<p class="banner" id="double-banner" role="note">Built only from runs against the Nextcloud double/);
    expect(status.releases[0]!.label).toBe('Nextcloud 32 with oidc 1.16.6 and user_oidc 8.10.1 (the Nextcloud double)');
    golden('double-only.status.md', md);
  });

  it('pools runs by release: the unpatched run and the patched run of one instance make one release; the newest run of a variant wins', () => {
    const all = matrix({ notesUnpatched: 'fail', provider: 'external' });
    const part = (patch: string, at: string): Matrix => {
      const keys = new Set(all.variants.filter((v) => v.variant.patch === patch).map((v) => v.key));
      return { ...all, generatedAt: at, variants: all.variants.filter((v) => keys.has(v.key)), cells: all.cells.filter((c) => keys.has(c.variant)) };
    };
    const older = part('none', '2026-01-01T00:00:00Z');
    const newer: Matrix = { ...part('none', '2026-02-01T00:00:00Z') };
    newer.cells = newer.cells.map((c) => (c.check === 'bearer.notes.get' ? { ...c, classification: 'stale', observed: { ...c.observed, outcome: 'passed' } } : c));
    const status = upstreamStatus([statusRun(1, 'a.json', older), statusRun(2, 'b.json', part('user_oidc-app-api', '2026-01-01T00:00:00Z')), statusRun(3, 'c.json', newer)], ITEMS);
    expect(status.releases).toHaveLength(1);
    const cells = status.items[0]!.releases[0]!.cells;
    expect(cells.filter((c) => c.check === 'bearer.notes.get').map((c) => c.run)).toEqual([]); // passes in the newest unpatched run
    expect(cells.filter((c) => c.check === 'mcp.notes.roundtrip' && c.patch === 'none' && !c.ocsHeader).map((c) => c.run)).toEqual([3]);
    expect(cells.some((c) => c.run === 2 && c.patch === 'user_oidc-app-api')).toBe(true);
  });
  it('an app the instance lacks: its cells are not measured, with the reason, whatever they answered', () => {
    const m = matrix({ notesUnpatched: 'fail', provider: 'external' });
    for (const v of m.variants) v.apps = { notes: null };
    const { md, status } = render(m);
    expect(status.items.find((i) => i.item.ref === 'nextcloud/user_oidc#1221')!.releases[0]!.verdict).toBe('not-measured');
    expect(status.checks.find((c) => c.check.id === 'bearer.notes.get')!.verdict).toBe('not-measured');
    expect(status.checks.find((c) => c.check.id === 'bearer.ocs.user')!.verdict).toBe('works');
    expect(md).toMatch(/`bearer\.notes\.get` Notes GET with Bearer only: notes is not installed there /);
  });
  it('an item on a path the matrix does not configure (scope.untested) is never called fixed or still needed', () => {
    const item = upstreamItemSchema.parse({
      ref: 'nextcloud/user_oidc#1452',
      url: 'https://github.com/nextcloud/user_oidc/issues/1452',
      title: 'session broken on the registered-provider path',
      component: 'user_oidc',
      state: { status: 'closed', checked: '2026-12-02' },
      fixes: ['bearer.ocs.user'],
      scope: { untested: 'the report is about a registered provider; the matrix validates tokens with the oidc app' },
    });
    const status = upstreamStatus([statusRun(1, 'runs/matrix.json', matrix({ notesUnpatched: 'fail', provider: 'external' }))], [item]);
    expect(status.items[0]!.releases.map((r) => [r.verdict, r.untested, [...new Set(r.cells.map((c) => c.state))]])).toEqual([
      ['not-measured', 'the report is about a registered provider; the matrix validates tokens with the oidc app', ['pass']],
    ]);
    const md = statusMarkdown(statusDocument(status));
    expect(md).toContain('**Not measured by this tool**: the report is about a registered provider; the matrix validates tokens with the oidc app');
    expect(md).not.toContain('Looks fixed upstream');
  });
});
