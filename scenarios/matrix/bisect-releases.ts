import type { CheckId } from '../checks.ts';
import { isNotMeasured, type Classification, type ExpectedOutcomeKind } from './classify-cell.ts';
import type { Matrix, MatrixCell } from './matrix-schema.ts';

/** The axes `matrix bisect` walks. */
export const BISECT_AXES = ['nextcloud', 'oidc', 'user_oidc'] as const;

/** `nextcloud` (majors), `oidc` or `user_oidc` (app releases). */
export type BisectAxis = (typeof BISECT_AXES)[number];

/** What one step measured: the check passed, failed, or was not measured (the cell says why). */
export type StepOutcome = 'passed' | 'failed' | 'not-measured';

/** One release of the axis, in release order, with what the data expects of the check there. */
export interface BisectCandidate {
  /** The axis value: an app version, or a Nextcloud major as a string. */
  version: string;
  /** What the expectations data says of the check on this release's variant (guides the probes, never the answer). */
  expected?: ExpectedOutcomeKind;
}

/** What a runner gives back for one release: the matrix of its run (if any) and the check's cell in it. */
export interface StepRun {
  matrix?: Matrix;
  cell?: MatrixCell;
  /** Why there is no cell (Playwright wrote no matrix, the test did not record the check...). */
  note?: string;
}

/** Runs the scenario(s) of the check on one release's variant. Injected, so the search is tested without Playwright. */
export interface BisectRunner {
  run(candidate: BisectCandidate, index: number): Promise<StepRun>;
}

/** One measured step of the search. */
export interface BisectStep {
  /** Position of the release in the candidates. */
  index: number;
  version: string;
  outcome: StepOutcome;
  /** The cell's class; absent when the run produced no cell. */
  classification?: Classification;
  seconds: number;
  /** Why the step measured nothing, or what the cell observed. */
  detail: string;
  /** Why this release was run: `end`, `probe`, `neighbour`. */
  role: 'end' | 'probe' | 'neighbour';
  run: StepRun;
}

/** The answer of a search. */
export type BisectResult =
  | {
      kind: 'answer';
      /** The first release whose outcome equals the later end's. */
      first: BisectStep;
      /** The release before it (its outcome is the earlier end's). */
      last: BisectStep;
      /** `fixed`: fails before, passes from `first`; `broken`: the other way. */
      change: 'fixed' | 'broken';
      /** Whether the releases around the answer agree (the one before `last`, the one after `first`). */
      monotonic: boolean;
      /** Lines about the neighbours: one that contradicts, one not measured, none in the range. */
      notes: string[];
      /** The release before `last` and the one after `first`, as measured (possibly earlier, as an end or a probe). */
      neighbours: { before?: BisectStep; after?: BisectStep };
      steps: BisectStep[];
    }
  | { kind: 'ends-agree'; outcome: 'passed' | 'failed'; steps: BisectStep[] }
  | { kind: 'not-measured'; reason: string; steps: BisectStep[] };

/** Options of `bisectReleases`. */
export interface BisectOptions {
  check: CheckId;
  /** The releases of the axis, oldest first. */
  candidates: readonly BisectCandidate[];
  /**
   * Indices of the ends in `candidates` (--from and --to; default the first and the last). The search stays
   * between them; the monotonicity check may run the release just outside when the answer is at an end.
   */
  range?: { from: number; to: number };
  runner: BisectRunner;
  /** Called after every step (the CLI prints it). */
  onStep?: (step: BisectStep) => void;
  /** Clock in milliseconds (tests inject one). */
  now?: () => number;
}

/** Bad options of a search (fewer than two releases). */
export class BisectError extends Error {
  readonly code = 'ERR_BISECT';
  constructor(message: string) {
    super(message);
    this.name = 'BisectError';
  }
}

function describeRun(run: StepRun): { outcome: StepOutcome; classification?: Classification; detail: string } {
  const cell = run.cell;
  if (!cell) return { outcome: 'not-measured', detail: run.note ?? 'no cell: the run did not record the check' };
  const o = cell.observed;
  const seen = [o.status, o.message ?? o.error?.split('\n')[0]].filter((x) => x !== undefined && x !== '').join(' ');
  const detail = `${cell.classification}${seen ? `: ${seen}` : ''}`;
  if (isNotMeasured(cell.classification) || (o.outcome !== 'passed' && o.outcome !== 'failed')) return { outcome: 'not-measured', classification: cell.classification, detail };
  return { outcome: o.outcome, classification: cell.classification, detail };
}

/**
 * Finds the first release whose outcome equals the later end's, like `git bisect` over releases: both ends
 * first (they must differ), then probes inside the interval until the change lies between two neighbouring
 * releases, then the release before and the release after that pair, to check the outcome is monotonic there.
 * A probe is the release nearest the middle, preferring one next to a change the expectations data predicts
 * (so a correct prediction costs one or two probes; a wrong one still ends in the measured answer). A step
 * that measures nothing (isNotMeasured: error, skipped, unknown, interrupted, not run, or no cell) is reported
 * and another release of the interval is tried; when only unmeasured releases are left between the two
 * outcomes, there is no answer. Runs one release at a time, each at most once.
 */
export async function bisectReleases(options: BisectOptions): Promise<BisectResult> {
  const { candidates, runner } = options;
  const n = candidates.length;
  const range = options.range ?? { from: 0, to: n - 1 };
  if (!(range.from >= 0 && range.to < n && range.from < range.to)) throw new BisectError(`bisect needs at least two releases between its ends, not ${Math.max(0, range.to - range.from + 1)}`);
  const now = options.now ?? (() => performance.now());
  const done = new Map<number, BisectStep>();
  const steps: BisectStep[] = [];
  const measure = async (index: number, role: BisectStep['role']): Promise<BisectStep> => {
    const known = done.get(index);
    if (known) return known;
    const started = now();
    const run = await runner.run(candidates[index]!, index);
    const step: BisectStep = { index, version: candidates[index]!.version, ...describeRun(run), seconds: (now() - started) / 1000, role, run };
    done.set(index, step);
    steps.push(step);
    options.onStep?.(step);
    return step;
  };

  const from = await measure(range.from, 'end');
  const to = await measure(range.to, 'end');
  for (const end of [from, to]) {
    if (end.outcome === 'not-measured') return { kind: 'not-measured', reason: `the end ${end.version} was not measured (${end.detail})`, steps };
  }
  if (from.outcome === to.outcome) return { kind: 'ends-agree', outcome: from.outcome as 'passed' | 'failed', steps };
  const later = to.outcome;
  let lo = range.from;
  let hi = range.to;
  const predicted = (i: number): boolean => {
    const e = candidates[i]!.expected;
    if (e !== 'pass' && e !== 'fail') return false;
    return [candidates[i - 1]?.expected, candidates[i + 1]?.expected].some((x) => (x === 'pass' || x === 'fail') && x !== e);
  };
  for (let guard = 0; guard < n; guard += 1) {
    const inner: number[] = [];
    for (let i = lo + 1; i < hi; i += 1) if (!done.has(i)) inner.push(i);
    if (inner.length === 0) break;
    const middle = (lo + hi) / 2;
    const byMiddle = (a: number, b: number): number => Math.abs(a - middle) - Math.abs(b - middle) || a - b;
    const preferred = inner.filter(predicted).sort(byMiddle);
    const pick = preferred[0] ?? inner.sort(byMiddle)[0]!;
    const step = await measure(pick, 'probe');
    if (step.outcome === 'not-measured') continue;
    if (step.outcome === later) hi = pick;
    else lo = pick;
  }
  const gap = [...done.values()].filter((s) => s.index > lo && s.index < hi).sort((a, b) => a.index - b.index);
  if (gap.length > 0) {
    return {
      kind: 'not-measured',
      reason: `the change lies between ${candidates[lo]!.version} and ${candidates[hi]!.version}, but ${gap.map((s) => `${s.version} (${s.detail})`).join(', ')} between them ${gap.length === 1 ? 'was' : 'were'} not measured`,
      steps,
    };
  }
  const last = done.get(lo)!;
  const first = done.get(hi)!;
  const notes: string[] = [];
  const neighbours: { before?: BisectStep; after?: BisectStep } = {};
  let monotonic = true;
  const neighbour = async (index: number, side: 'before' | 'after', anchor: BisectStep, wanted: StepOutcome): Promise<void> => {
    if (index < 0 || index >= n) {
      notes.push(`no release ${side} ${anchor.version} installs with the fixed axes: monotonic on that side not checked`);
      return;
    }
    const step = await measure(index, 'neighbour');
    neighbours[side] = step;
    if (step.outcome === 'not-measured') notes.push(`${step.version}, ${side} ${anchor.version}, was not measured (${step.detail}): monotonic on that side not checked`);
    else if (step.outcome !== wanted) {
      monotonic = false;
      notes.push(`not monotonic: ${step.version} ${step.outcome}, ${side} ${anchor.version} which ${anchor.outcome}`);
    }
  };
  await neighbour(lo - 1, 'before', last, last.outcome);
  await neighbour(hi + 1, 'after', first, first.outcome);
  return { kind: 'answer', first, last, change: later === 'passed' ? 'fixed' : 'broken', monotonic, notes, neighbours, steps };
}
