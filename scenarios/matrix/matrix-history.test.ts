import { describe, expect, it } from 'vitest';
import type { CheckId } from '../checks.ts';
import { historyHtml } from './history-html.ts';
import { buildHistory, cellState, FLAKY_FLIPS, historyLines, historyMatchKey, type HistoryRunInput } from './matrix-history.ts';
import { CLASS_COLORS } from './matrix-html.ts';
import { syntheticMatrix, type SyntheticTest } from './synthetic-matrix.ts';

const V = { variant: { nextcloud: 32, oidc: '1.16.6', userOidc: '8.10.1', patch: 'none', ocsHeader: false }, provider: 'double' } as const;
const W = { variant: { nextcloud: 34, oidc: '2.0.9', userOidc: '8.10.1', patch: 'none', ocsHeader: true }, provider: 'docker' } as const;

/** Per check, what each run saw: P pass, F fail, E error (the test broke), S skipped, - no cell. */
const PLAN: Record<string, string> = {
  'oauth.userinfo': 'PPFFP', // turned red in run 3, green again in run 5
  'bearer.ocs.user': 'PFPFP', // flips four times: flaky
  'bearer.ocs.capabilities': 'PPPFF', // red since run 4
  'bearer.notes.ocs-header.get': 'PFSFP', // a skipped run inside a red streak does not end it
  'oauth.userinfo-unused': '',
  'dcr.register': 'PEPP-', // an error is not measured: never red; no cell in run 5
};

function run(index: number, date: string): HistoryRunInput {
  const tests: SyntheticTest[] = Object.entries(PLAN)
    .filter(([, plan]) => plan !== '')
    .map(([id, plan], i) => {
      const seen = plan[index]!;
      const check = id as CheckId;
      if (seen === '-') return { title: `t${i}`, line: i + 1 };
      if (seen === 'E') return { title: `t${i}`, line: i + 1, declared: [check], outcome: 'failed', error: 'Error: boom' };
      if (seen === 'S') return { title: `t${i}`, line: i + 1, declared: [check], outcome: 'skipped' };
      return { title: `t${i}`, line: i + 1, records: () => [[check, seen === 'P', { status: seen === 'P' ? 200 : 500 }]] };
    });
  const matrix = { ...syntheticMatrix({ variants: index === 4 ? [V, W] : [V], tests }), generatedAt: date };
  return { path: `runs/${index + 1}/matrix.json`, matrix };
}

// given out of order: the history sorts by generatedAt
const RUNS = [run(2, '2026-11-03T02:00:00.000Z'), run(0, '2026-11-01T02:00:00.000Z'), run(4, '2026-11-05T02:00:00.000Z'), run(1, '2026-11-02T02:00:00.000Z'), run(3, '2026-11-04T02:00:00.000Z')];

describe('buildHistory', () => {
  const history = buildHistory(RUNS, new Date('2026-11-06T00:00:00Z'));
  const row = (check: string, match = historyMatchKey({ key: '', project: '', provider: 'double', variant: { ...V.variant } })) => history.rows.find((r) => r.check === check && r.match === match)!;

  it('orders the runs by date and keeps each run headline', () => {
    expect(history.runs.map((r) => r.path)).toEqual(['runs/1/matrix.json', 'runs/2/matrix.json', 'runs/3/matrix.json', 'runs/4/matrix.json', 'runs/5/matrix.json']);
    expect(history.runs[0]!.headline).toBe('every cell as expected');
    expect(history.runs[1]!.headline).toMatch(/^not as expected: 1 error, 2 unexpected fail/);
    expect(history.double).toBe(true);
  });

  it('finds the run where a cell turned red and where it turned green again', () => {
    const r = row('oauth.userinfo');
    expect(r.entries.map((e) => e?.state)).toEqual(['green', 'green', 'red', 'red', 'green']);
    expect(r.episodes).toEqual([{ redAt: 2, greenAt: 4 }]);
    expect(r.greenAgainAt).toBe(4);
    expect(r.redSince).toBeUndefined();
    expect(r.flaky).toBe(false);
  });

  it('says since when a cell is red', () => {
    const r = row('bearer.ocs.capabilities');
    expect(r.redSince).toBe(3);
    expect(r.greenAgainAt).toBeUndefined();
  });

  it('marks a cell that flips back and forth as flaky', () => {
    const r = row('bearer.ocs.user');
    expect(r.flips).toBe(4);
    expect(r.flips).toBeGreaterThanOrEqual(FLAKY_FLIPS);
    expect(r.flaky).toBe(true);
    expect(r.episodes).toEqual([{ redAt: 1, greenAt: 2 }, { redAt: 3, greenAt: 4 }]);
    expect(history.rows.filter((x) => x.flaky).map((x) => x.check)).toEqual(['bearer.ocs.user']);
  });

  it('treats not-measured cells as neither red nor green', () => {
    const notes = row('bearer.notes.ocs-header.get');
    expect(notes.entries.map((e) => e?.classification)).toEqual(['pass', 'unexpected-fail', 'skipped', 'unexpected-fail', 'pass']);
    expect(notes.episodes).toEqual([{ redAt: 1, greenAt: 4 }]);
    expect(notes.flips).toBe(2);
    const dcr = row('dcr.register');
    expect(dcr.entries.map((e) => e?.classification ?? null)).toEqual(['pass', 'error', 'pass', 'pass', null]);
    expect(dcr.episodes).toEqual([]);
    expect(cellState('interrupted')).toBe('not-measured');
    expect(cellState('not-run')).toBe('not-measured');
    expect(cellState('expected-fail')).toBe('green');
    expect(cellState('stale')).toBe('red');
  });

  it('keeps a variant seen in one run only as its own rows, blank elsewhere', () => {
    const match = historyMatchKey({ key: '', project: '', provider: 'docker', variant: { ...W.variant } });
    expect(row('oauth.userinfo', match).entries.map((e) => e?.classification ?? null)).toEqual([null, null, null, null, 'pass']);
  });

  it('counts red now, green again and flaky', () => {
    // bearer.ocs.capabilities fails in run 5 on the docker variant too: red since run 5 there
    expect(history.summary).toEqual({ rows: 9, redNow: 2, turnedGreenAgain: 3, flaky: 1 });
    const lines = historyLines(history);
    expect(lines[0]).toBe('matrix history: 5 runs from 2026-11-01T02:00:00.000Z to 2026-11-05T02:00:00.000Z, 9 cells: 2 red now, 3 green again, 1 flaky');
    expect(lines).toContain('  red since run 4 (2026-11-04T02:00:00.000Z): bearer.ocs.capabilities on nc32-oidc1.16.6-uo8.10.1-none-nohdr');
    expect(lines).toContain('  green again since run 5 (2026-11-05T02:00:00.000Z): bearer.ocs.user on nc32-oidc1.16.6-uo8.10.1-none-nohdr (red from run 4 (2026-11-04T02:00:00.000Z)) (flaky: 4 changes)');
  });
});

describe('historyHtml', () => {
  const html = historyHtml(buildHistory(RUNS));

  it('is one self-contained page in the matrix colours, with the double banner', () => {
    expect(html).not.toMatch(/<script|<link|src="http/);
    expect(html).toContain(`.c-unexpected-fail{background:${CLASS_COLORS['unexpected-fail']}}`);
    expect(html).toContain('id="double-banner"');
    expect(html).toContain('not a real Nextcloud (all runs)');
  });

  it('marks the run where a cell turned red and green again, and flaky rows', () => {
    const cell = (check: string, run: number): string => new RegExp(`<td class="([^"]*)" data-check="${check.replace(/\./g, '\\.')}" data-match="nc32[^"]*" data-run="${run}"`).exec(html)?.[1] ?? '';
    expect(cell('oauth.userinfo', 2)).toBe('cell c-unexpected-fail turned-red');
    expect(cell('oauth.userinfo', 3)).toBe('cell c-unexpected-fail');
    expect(cell('oauth.userinfo', 4)).toBe('cell c-pass turned-green');
    expect(html).toMatch(/<tr class="row-flaky" data-check="bearer\.ocs\.user"[^>]*data-flaky="true">/);
    expect(html).toContain('<span class="red-now">red since 2026-11-04 02:00</span>');
    expect(html).toContain('<h2>Flaky (1)</h2><ul class="changes"><li><code>bearer.ocs.user</code> on <code>nc32-oidc1.16.6-uo8.10.1-none-nohdr</code>: 4 changes between red and green</li></ul>');
    expect(html).toContain('<h2>Red now (2)</h2>');
  });
});
