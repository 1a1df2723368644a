/** The classes a cell of the matrix can have. */
export const CLASSIFICATIONS = ['pass', 'expected-fail', 'unexpected-fail', 'stale', 'unknown', 'error', 'skipped'] as const;

/**
 * `pass`: passes, expected to pass. `expected-fail`: fails where the data says it fails (a known limitation,
 * shown with its upstream link). `unexpected-fail`: fails where it should pass (a regression).
 * `stale`: passes where the data says it fails (upstream fixed something: update the data).
 * `unknown`: no data for the check. `error`: the procedure failed before it recorded the check.
 * `skipped`: the test did not run.
 */
export type Classification = (typeof CLASSIFICATIONS)[number];

/** What was observed for a cell. */
export type ObservedOutcome = 'passed' | 'failed' | 'error' | 'skipped';

/** What the expectations data says for a cell. */
export type ExpectedOutcomeKind = 'pass' | 'fail' | 'unknown';

/** Classifies one cell (check x variant) from what was observed and what the data expects. */
export function classifyCell(observed: ObservedOutcome, expected: ExpectedOutcomeKind): Classification {
  if (observed === 'error') return 'error';
  if (observed === 'skipped') return 'skipped';
  if (expected === 'unknown') return 'unknown';
  if (observed === 'passed') return expected === 'pass' ? 'pass' : 'stale';
  return expected === 'fail' ? 'expected-fail' : 'unexpected-fail';
}

/** Whether a class makes the run fail (exit status 1): a regression or data that must be updated. */
export function isProblem(c: Classification): boolean {
  return c === 'unexpected-fail' || c === 'stale';
}
