import { CHECKS, checkOrder, isCheckId } from '../checks.ts';
import { describeExpectedFailure, expectedOutcome, failsAsExpected, type ExpectationSet } from '../expectations/expected-outcome.ts';
import type { CheckRecordBody } from '../record-check.ts';
import type { ToolInfo } from '../tool-info.ts';
import { compareVariants, type Variant } from '../variant.ts';
import { classifyCell, CLASSIFICATIONS, isProblem, type Classification, type ObservedOutcome } from './classify-cell.ts';
import { MATRIX_SCHEMA_VERSION, type Matrix, type MatrixCell, type MatrixInterruption, type MatrixLink, type MatrixVariant, type Observed, type TestRef } from './matrix-schema.ts';

/** The final result status of a Playwright test, or `notRun` when it has no result. */
export type TestOutcome = 'passed' | 'failed' | 'timedOut' | 'skipped' | 'interrupted' | 'notRun';

/** What one test of one variant produced: the checks it declared, the records it attached, how it ended. */
export interface TestObservation {
  /** Key of the variant (project) the test ran in. */
  variant: string;
  test: TestRef;
  outcome: TestOutcome;
  /** Check ids declared with `withChecks`/`declareChecks`. */
  declared: readonly string[];
  /** Check records attached with `recordCheck`, in order. */
  records: readonly CheckRecordBody[];
  /** The test's first error (already redacted), when it failed. */
  error?: string;
  /** Why the test was skipped (`test.skip(condition, reason)`), when it was. */
  skipReason?: string;
  /** Traces, screenshots and logs of the test, relative to the report directory. */
  links: readonly MatrixLink[];
}

/** Everything a matrix is built from. */
export interface MatrixInput {
  variants: readonly MatrixVariant[];
  tests: readonly TestObservation[];
  expectations: ExpectationSet;
  tool: ToolInfo;
  generatedAt: Date;
  /** Present when the run was stopped before its end (a signal, max failures, the global timeout). */
  interruption?: MatrixInterruption;
}

interface Observation {
  kind: ObservedOutcome;
  record?: CheckRecordBody;
  /** Why a skipped cell was not measured, when no record says it. */
  message?: string;
  error?: string;
  test: TestRef;
  links: readonly MatrixLink[];
}

function compareTests(a: TestRef, b: TestRef): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.title.localeCompare(b.title);
}

function observationsOf(t: TestObservation, interruption: MatrixInterruption | undefined): Map<string, Observation[]> {
  const out = new Map<string, Observation[]>();
  const add = (id: string, o: Observation): void => void out.set(id, [...(out.get(id) ?? []), o]);
  if (t.outcome === 'interrupted' || (t.outcome === 'notRun' && interruption)) {
    // Cut off or never reached: nothing it recorded counts (a teardown closes the browser and the
    // instance, so requests fail and refusals look like passes). Not measured, never a pass or a fail.
    const kind = t.outcome === 'interrupted' ? 'interrupted' : 'not-run';
    const why = interruption ? ` (${interruption.reason})` : '';
    const error = kind === 'interrupted' ? `the run was interrupted${why} while this test ran` : `the run was interrupted${why} before this test began`;
    for (const id of new Set([...t.declared, ...t.records.map((r) => r.id)])) add(id, { kind, error, test: t.test, links: [] });
    return out;
  }
  for (const record of t.records) add(record.id, { kind: record.skipped ? 'skipped' : record.passed ? 'passed' : 'failed', record, test: t.test, links: t.links });
  for (const id of new Set(t.declared)) {
    if (out.has(id)) continue;
    if (t.outcome === 'skipped' || t.outcome === 'notRun') {
      add(id, { kind: 'skipped', test: t.test, links: [], ...(t.skipReason ? { message: t.skipReason } : {}) });
    } else {
      const error =
        t.error ?? (t.outcome === 'passed' ? 'the test ended without recording this check' : `the test ended (${t.outcome}) before recording this check`);
      add(id, { kind: 'error', error, test: t.test, links: t.links });
    }
  }
  return out;
}

/** One observed outcome for a cell from all its observations: a failure wins, then an error, then a pass. */
function aggregate(observations: Observation[]): { observed: Observed; links: MatrixLink[] } {
  const sorted = [...observations].sort((a, b) => compareTests(a.test, b.test));
  // What a test that ran to its end measured wins over what a stopped run did not measure.
  const order: ObservedOutcome[] = ['failed', 'error', 'passed', 'interrupted', 'not-run'];
  const pick = order.map((k) => sorted.find((o) => o.kind === k)).find((o) => o !== undefined) ?? sorted[0]!;
  const tests: TestRef[] = [];
  for (const o of sorted) if (!tests.some((t) => compareTests(t, o.test) === 0)) tests.push(o.test);
  const observed: Observed = { outcome: pick.kind, tests };
  const obs = pick.record?.observed;
  if (obs?.status !== undefined) observed.status = obs.status;
  if (obs?.message !== undefined) observed.message = obs.message;
  else if (pick.message !== undefined) observed.message = pick.message;
  if (obs?.detail !== undefined) observed.detail = obs.detail;
  if (pick.error !== undefined) observed.error = pick.error;
  const links = pick.kind === 'failed' || pick.kind === 'error' ? [...pick.links] : [];
  return { observed, links };
}

/**
 * Builds the matrix: one cell per check and variant that a test declared or recorded, classified against
 * the expectations data. Checks are in catalogue order, variants in `compareVariants` order, so the cells
 * are the same whatever order the tests ran or were merged in. Records of checks outside the catalogue
 * are ignored (recordCheck refuses them).
 */
export function buildMatrix(input: MatrixInput): Matrix {
  const variants = [...new Map(input.variants.map((v) => [v.key, v])).values()].sort((a, b) => compareVariants(a.variant as Variant, b.variant as Variant));
  const variantIndex = new Map(variants.map((v, i) => [v.key, i]));
  const byCell = new Map<string, Observation[]>();
  const cellKey = (check: string, variant: string): string => `${check}\u0000${variant}`;
  for (const t of input.tests) {
    if (!variantIndex.has(t.variant)) continue;
    for (const [id, observations] of observationsOf(t, input.interruption)) {
      if (!isCheckId(id)) continue;
      const key = cellKey(id, t.variant);
      byCell.set(key, [...(byCell.get(key) ?? []), ...observations]);
    }
  }
  const cells: MatrixCell[] = [];
  for (const [key, observations] of byCell) {
    const [check, variantKey] = key.split('\u0000') as [string, string];
    const variant = variants[variantIndex.get(variantKey)!]!;
    const { observed, links } = aggregate(observations);
    const expected = expectedOutcome(input.expectations, check, { variant: variant.variant as Variant, mcpServer: input.tool.version });
    const classification = classifyCell(observed.outcome, expected.outcome, failsAsExpected(observed, expected.reasons));
    cells.push({ check, variant: variantKey, classification, observed, expected, links });
  }
  return assembleMatrix({ variants, cells, tool: input.tool, generatedAt: input.generatedAt, ...(input.interruption ? { interruption: input.interruption } : {}) });
}

/**
 * A matrix from variants and cells already classified (by `buildMatrix`, or taken from other matrices):
 * variants in `compareVariants` order, cells in catalogue then variant order, the checks of the cells,
 * counts, problems and status (`interrupted` when the run was stopped). Cells of a variant that is not
 * listed are left out.
 */
export function assembleMatrix(input: {
  variants: readonly MatrixVariant[];
  cells: readonly MatrixCell[];
  tool: Pick<ToolInfo, 'name' | 'version'>;
  generatedAt: Date;
  interruption?: MatrixInterruption;
}): Matrix {
  const variants = [...new Map(input.variants.map((v) => [v.key, v])).values()].sort((a, b) => compareVariants(a.variant as Variant, b.variant as Variant));
  const variantIndex = new Map(variants.map((v, i) => [v.key, i]));
  const cells = input.cells.filter((c) => variantIndex.has(c.variant));
  cells.sort((a, b) => checkOrder(a.check) - checkOrder(b.check) || variantIndex.get(a.variant)! - variantIndex.get(b.variant)!);
  const checkIds = [...new Set(cells.map((c) => c.check))];
  const counts = Object.fromEntries(CLASSIFICATIONS.map((c) => [c, 0])) as Record<Classification, number>;
  for (const c of cells) counts[c.classification] += 1;
  const problems = cells.filter((c) => isProblem(c.classification)).map((c) => ({ check: c.check, variant: c.variant, classification: c.classification }));
  return {
    schemaVersion: MATRIX_SCHEMA_VERSION,
    tool: { name: input.tool.name, version: input.tool.version },
    generatedAt: input.generatedAt.toISOString(),
    double: variants.some((v) => v.provider === 'double'),
    status: input.interruption ? 'interrupted' : problems.length > 0 ? 'failed' : 'passed',
    ...(input.interruption ? { interruption: { ...input.interruption } } : {}),
    variants,
    checks: checkIds.map((id) => {
      const def = CHECKS[id as keyof typeof CHECKS];
      return { id, title: def.title, description: def.description, refs: def.refs.map((r) => ({ ...r })) };
    }),
    cells,
    summary: { counts, problems },
  };
}

/** Why a problem cell (not an error) is one, in words. */
function problemWhy(c: MatrixCell): string {
  if (c.classification === 'stale') return 'passes where the data says it fails: update the expectations';
  if (c.classification === 'wrong-reason') return `fails where the data says it fails, but not as it says (expected ${describeExpectedFailure(c.expected.reasons)})`;
  return 'fails where the data says it passes';
}

/**
 * One line per problem cell (`isProblem`), in cell order:
 * `unexpected-fail: bearer.notes.get on nc32-...: fails where the data says it passes (observed 401 ...)`,
 * `error: mcp.initialize on nc32-...: <the first line of the error>`.
 */
export function problemLines(matrix: Matrix): string[] {
  const lines: string[] = [];
  // Error cells of one variant with one reason (a variant that could not be built or started) make one line.
  const errors = new Map<string, { at: number; variant: string; reason: string; checks: string[] }>();
  for (const c of matrix.cells.filter((x) => isProblem(x.classification))) {
    if (c.classification === 'error') {
      const reason = (c.observed.error ?? 'the procedure failed before it recorded the check').split('\n')[0]!;
      const key = `${c.variant}\u0000${reason}`;
      const group = errors.get(key) ?? { at: lines.push(''), variant: c.variant, reason, checks: [] };
      group.checks.push(c.check);
      errors.set(key, group);
      continue;
    }
    const seen = [c.observed.status, c.observed.message].filter((x) => x !== undefined).join(' ');
    lines.push(`${c.classification}: ${c.check} on ${c.variant}: ${problemWhy(c)}${seen ? ` (observed ${seen})` : ''}`);
  }
  for (const g of errors.values()) {
    lines[g.at - 1] = g.checks.length === 1 ? `error: ${g.checks[0]} on ${g.variant}: ${g.reason}` : `error: ${g.checks.length} cells on ${g.variant}: ${g.reason}`;
  }
  return lines.filter((l) => l !== '');
}
