import { describe, expect, it } from 'vitest';
import { matrixVerdict } from './matrix-verdict.ts';
import { syntheticMatrix } from './synthetic-matrix.ts';
import type { Matrix } from './matrix-schema.ts';

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
