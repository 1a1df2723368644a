import { PROBLEM_CLASSIFICATIONS, type Classification } from './classify-cell.ts';
import type { Matrix } from './matrix-schema.ts';
import { CLASS_LABELS } from './matrix-text.ts';

/** The classes a headline counts when the matrix is not as expected, in this order: the problem classes. */
const HEADLINE_CLASSES: readonly Classification[] = PROBLEM_CLASSIFICATIONS;

/** The verdict of a matrix, as every report (CLI, matrix.md, matrix.html) states it. */
export interface MatrixVerdict {
  /** True only when every cell is pass or expected-fail (or not measured for a reason: skipped, unknown) and the run was not interrupted; then the run exits 0. */
  asExpected: boolean;
  /** One line: `interrupted after 12 of 96 tests; ...`, `not as expected: 2 error, 1 unexpected fail, 3 stale`, or `every cell as expected`. */
  headline: string;
}

/**
 * The one verdict of a matrix. "every cell as expected" only when no cell is error, unexpected-fail,
 * wrong-reason or stale and the run was not interrupted; otherwise the headline counts those classes, in
 * that order, after "interrupted after N of M tests" when the run was stopped.
 */
export function matrixVerdict(matrix: Matrix): MatrixVerdict {
  const counts = matrix.summary.counts;
  const bad = HEADLINE_CLASSES.filter((c) => (counts[c] ?? 0) > 0).map((c) => `${counts[c]} ${CLASS_LABELS[c].label}`);
  const parts: string[] = [];
  const i = matrix.interruption;
  if (i) parts.push(`interrupted after ${i.testsRun} of ${i.testsTotal} tests (${i.reason})`);
  if (bad.length > 0) parts.push(`not as expected: ${bad.join(', ')}`);
  if (parts.length === 0) return { asExpected: true, headline: 'every cell as expected' };
  return { asExpected: false, headline: parts.join('; ') };
}
