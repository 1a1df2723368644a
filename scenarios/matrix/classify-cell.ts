/** The classes a cell of the matrix can have. */
export const CLASSIFICATIONS = [
  'pass',
  'expected-fail',
  'unexpected-fail',
  'wrong-reason',
  'stale',
  'unknown',
  'error',
  'skipped',
  'interrupted',
  'not-run',
] as const;

/**
 * `pass`: passes, expected to pass. `expected-fail`: fails where the data says it fails, for the reason the
 * data gives (a known limitation, shown with its upstream link). `unexpected-fail`: fails where it should
 * pass (a regression). `wrong-reason`: fails where the data says it fails, but not for the expected reason
 * (another status, or another message where the data gives one): not as expected.
 * `stale`: passes where the data says it fails (upstream fixed something: update the data).
 * `unknown`: no data for the check. `error`: the procedure failed before it recorded the check.
 * `skipped`: the check could not be measured on this instance (the reason is in the cell: app absent, no
 * second factor...) or the test did not run. `interrupted`: the run was stopped (signal, max failures,
 * global timeout) while the test that records this check ran. `not-run`: the run was stopped before it
 * reached the test. Interrupted and not-run cells are not measured: never a pass or a fail.
 */
export type Classification = (typeof CLASSIFICATIONS)[number];

/**
 * What was observed for a cell. `interrupted`: the run was stopped while the test that measures it ran
 * (whatever it recorded: a teardown makes requests fail and refusals look like passes); `not-run`: the run
 * was stopped before the test began.
 */
export type ObservedOutcome = 'passed' | 'failed' | 'error' | 'skipped' | 'interrupted' | 'not-run';

/** What the expectations data says for a cell. */
export type ExpectedOutcomeKind = 'pass' | 'fail' | 'unknown';

/**
 * Classifies one cell (check x variant) from what was observed and what the data expects.
 * `asExpected` says whether a failure is the one the data gives (its status, and message where the data
 * has one; see `failsAsExpected` in expected-outcome.ts): a failure where the data says it fails, but for
 * another reason, is `wrong-reason`. A cell whose test was cut off or never reached is `interrupted` or
 * `not-run`, whatever it recorded.
 */
export function classifyCell(observed: ObservedOutcome, expected: ExpectedOutcomeKind, asExpected = true): Classification {
  if (observed === 'interrupted' || observed === 'not-run') return observed;
  if (observed === 'error') return 'error';
  if (observed === 'skipped') return 'skipped';
  if (expected === 'unknown') return 'unknown';
  if (observed === 'passed') return expected === 'pass' ? 'pass' : 'stale';
  if (expected === 'fail') return asExpected ? 'expected-fail' : 'wrong-reason';
  return 'unexpected-fail';
}

/**
 * The classes that make the run fail (exit status 1), in the order a headline counts them: an error (the
 * procedure broke, so the cell says nothing: a run that measured nothing is never "as expected"), a
 * regression, a failure for another reason, data that must be updated.
 */
export const PROBLEM_CLASSIFICATIONS = ['error', 'unexpected-fail', 'wrong-reason', 'stale'] as const satisfies readonly Classification[];

/** Whether a class makes the run fail (exit status 1): an error, a regression, a failure for another reason, or data that must be updated. */
export function isProblem(c: Classification): boolean {
  return (PROBLEM_CLASSIFICATIONS as readonly Classification[]).includes(c);
}

/** Whether a cell of this class measured nothing (`matrix diff`, `status`, `history` and `bisect` treat it as not measured). */
export function isNotMeasured(c: Classification): boolean {
  return c === 'skipped' || c === 'interrupted' || c === 'not-run' || c === 'error' || c === 'unknown';
}
