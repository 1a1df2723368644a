import { describe, expect, it } from 'vitest';
import { summaryLines } from '../matrix-reporter.ts';
import { matrixHtml } from './matrix-html.ts';
import { matrixMarkdown } from './matrix-markdown.ts';
import type { Matrix } from './matrix-schema.ts';
import { matrixVerdict } from './matrix-verdict.ts';
import { SYNTHETIC_TESTS, syntheticMatrix } from './synthetic-matrix.ts';

function withCounts(counts: Partial<Matrix['summary']['counts']>, extra: Partial<Matrix> = {}): Matrix {
  const m = syntheticMatrix();
  const zero = Object.fromEntries(Object.keys(m.summary.counts).map((k) => [k, 0])) as Matrix['summary']['counts'];
  return { ...m, ...extra, summary: { ...m.summary, counts: { ...zero, ...counts } } };
}

describe('matrixVerdict', () => {
  it('says every cell as expected only for pass, expected-fail, skipped and unknown cells', () => {
    expect(matrixVerdict(withCounts({ pass: 3, 'expected-fail': 2, skipped: 1, unknown: 1 }))).toEqual({ asExpected: true, headline: 'every cell as expected' });
  });
  it('counts errors, unexpected fails, wrong reasons and stale cells, in that order', () => {
    const v = matrixVerdict(withCounts({ pass: 3, stale: 1, error: 23, 'unexpected-fail': 2, 'wrong-reason': 1 }));
    expect(v.asExpected).toBe(false);
    expect(v.headline).toBe('not as expected: 23 error, 2 unexpected fail, 1 wrong reason, 1 stale');
  });
  it('puts the interruption first', () => {
    const v = matrixVerdict(withCounts({ pass: 3, interrupted: 1, 'not-run': 5 }, { interruption: { reason: 'SIGINT', at: '2026-12-02T00:00:00.000Z', testsRun: 3, testsTotal: 9 } }));
    expect(v).toEqual({ asExpected: false, headline: 'interrupted after 3 of 9 tests (SIGINT)' });
  });
});

describe('every report headline tells the verdict (synthetic matrices)', () => {
  const byTitle = new Map(SYNTHETIC_TESTS.map((t) => [t.title, t]));
  // pass, expected-fail, unknown and skipped cells only
  const clean = ['notes with bearer', 'discovery', 'introspection', 'dcr delete'].map((t) => byTitle.get(t)!);
  const headlines = (m: Matrix): string[] => [
    matrixMarkdown(m).split('\n').find((l) => /^\*\*(every cell as expected|not as expected|interrupted)/.test(l))!,
    /<p class="verdict[^>]*>.*<\/p>/.exec(matrixHtml(m))![0],
    summaryLines(m)[0]!,
  ];

  it('says every cell as expected in matrix.md, matrix.html and on the terminal when every cell is', () => {
    const m = syntheticMatrix({ tests: clean });
    expect(matrixVerdict(m).asExpected).toBe(true);
    for (const line of headlines(m)) expect(line).toContain('every cell as expected');
  });

  it.each([
    ['error', 'mcp', 'not as expected: 3 error'],
    ['unexpected fail', 'userinfo', 'not as expected: 1 unexpected fail'],
    ['stale', 'two-factor', 'not as expected: 1 stale'],
  ])('never says every cell as expected with an %s cell, in any report', (_, title, headline) => {
    const m = syntheticMatrix({ tests: [...clean, byTitle.get(title)!] });
    expect(matrixVerdict(m)).toEqual({ asExpected: false, headline });
    for (const line of headlines(m)) {
      expect(line).not.toContain('every cell as expected');
      expect(line).toContain(headline);
    }
  });

  it('counts errors, unexpected fails and stale cells in that order in every report', () => {
    const m = syntheticMatrix();
    for (const line of headlines(m)) expect(line).toContain('not as expected: 3 error, 1 unexpected fail, 1 stale');
  });
});
