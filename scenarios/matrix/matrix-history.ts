import { checkOrder } from '../checks.ts';
import { compareVariants, type Variant } from '../variant.ts';
import { isNotMeasured, isProblem, type Classification } from './classify-cell.ts';
import { matchKey } from './diff-matrices.ts';
import type { Matrix, MatrixCell, MatrixVariant } from './matrix-schema.ts';
import { matrixVerdict } from './matrix-verdict.ts';

/** Version of history.json. */
export const HISTORY_SCHEMA_VERSION = 1;

/**
 * A cell that changed between red and green this many times or more is flaky: it came back at least once
 * after it turned (red, green, red, green). Broken once and fixed once (two changes) is a regression that was
 * fixed, not a flake.
 */
export const FLAKY_FLIPS = 3;

/** A matrix run of the history and where it was read from. */
export interface HistoryRunInput {
  path: string;
  matrix: Matrix;
}

/**
 * The key variants are matched by across runs: the axes, as `matrix diff` matches them (its `matchKey`).
 * The one place to change when diff's matching changes (across providers, exact version vs major).
 */
export function historyMatchKey(v: MatrixVariant): string {
  return matchKey(v);
}

/** `red`: a measured problem (unexpected-fail, wrong-reason, stale); `green`: as expected (pass, expected-fail); else (error included) not measured. */
export type CellState = 'red' | 'green' | 'not-measured';

/** The state of a class in the history. */
export function cellState(c: Classification): CellState {
  if (isNotMeasured(c)) return 'not-measured';
  if (isProblem(c)) return 'red';
  return 'green';
}

/** One run as history.json records it. */
export interface HistoryRun {
  path: string;
  generatedAt: string;
  tool: Matrix['tool'];
  double: boolean;
  status: Matrix['status'];
  /** matrixVerdict's headline of the run. */
  headline: string;
  variants: number;
  cells: number;
}

/** A cell in one run. */
export interface HistoryEntry {
  /** The variant's key in that run. */
  variant: string;
  provider: MatrixVariant['provider'];
  classification: Classification;
  state: CellState;
  outcome: MatrixCell['observed']['outcome'];
  status?: number;
  message?: string;
}

/** A time the cell was red: from the run where it turned red to the run where it turned green again (absent while still red). */
export interface RedEpisode {
  /** Index in `runs` of the run where it turned red. */
  redAt: number;
  greenAt?: number;
}

/** One check on one (matched) variant across the runs. */
export interface HistoryRow {
  check: string;
  title: string;
  match: string;
  /** One entry per run (in run order); null where the run has no such cell. */
  entries: (HistoryEntry | null)[];
  episodes: RedEpisode[];
  /** The run where the current red streak began, when the latest measured entry is red. */
  redSince?: number;
  /** The run where it last turned green again after being red. */
  greenAgainAt?: number;
  /** Changes between red and green, not-measured runs skipped. */
  flips: number;
  flaky: boolean;
}

/** history.json. */
export interface MatrixHistory {
  historySchemaVersion: typeof HISTORY_SCHEMA_VERSION;
  generatedAt: string;
  /** True when any run used the Nextcloud double. */
  double: boolean;
  runs: HistoryRun[];
  rows: HistoryRow[];
  summary: { rows: number; redNow: number; turnedGreenAgain: number; flaky: number };
}

/**
 * The history of matrix runs: the runs in the order they were made (`generatedAt`), and for every check and
 * variant (matched by `historyMatchKey`) its class in each run, the runs where it turned red and green again,
 * and whether it flips back and forth (`FLAKY_FLIPS`). Cells that are not measured (error, skipped,
 * unknown, interrupted, not run) are shown but are neither red nor green.
 */
export function buildHistory(inputs: readonly HistoryRunInput[], generatedAt = new Date()): MatrixHistory {
  const sorted = [...inputs].sort((a, b) => Date.parse(a.matrix.generatedAt) - Date.parse(b.matrix.generatedAt) || a.path.localeCompare(b.path));
  const runs: HistoryRun[] = sorted.map(({ path, matrix }) => ({
    path,
    generatedAt: matrix.generatedAt,
    tool: matrix.tool,
    double: matrix.double,
    status: matrix.status,
    headline: matrixVerdict(matrix).headline,
    variants: matrix.variants.length,
    cells: matrix.cells.length,
  }));
  const rows = new Map<string, HistoryRow>();
  const variantOf = new Map<string, MatrixVariant>();
  sorted.forEach(({ matrix }, run) => {
    const variants = new Map(matrix.variants.map((v) => [v.key, v]));
    const titles = new Map(matrix.checks.map((c) => [c.id, c.title]));
    for (const cell of matrix.cells) {
      const variant = variants.get(cell.variant);
      if (!variant) continue;
      const match = historyMatchKey(variant);
      const key = `${cell.check}\u0000${match}`;
      let row = rows.get(key);
      if (!row) {
        row = { check: cell.check, title: titles.get(cell.check) ?? '', match, entries: sorted.map(() => null), episodes: [], flips: 0, flaky: false };
        rows.set(key, row);
      }
      if (titles.get(cell.check)) row.title = titles.get(cell.check)!;
      variantOf.set(match, variant);
      const o = cell.observed;
      row.entries[run] = {
        variant: variant.key,
        provider: variant.provider,
        classification: cell.classification,
        state: cellState(cell.classification),
        outcome: o.outcome,
        ...(o.status !== undefined ? { status: o.status } : {}),
        ...(o.message !== undefined ? { message: o.message } : {}),
      };
    }
  });
  for (const row of rows.values()) {
    let previous: CellState | undefined;
    row.entries.forEach((entry, run) => {
      if (!entry || entry.state === 'not-measured') return;
      if (entry.state === 'red' && previous !== 'red') row.episodes.push({ redAt: run });
      if (entry.state === 'green' && previous === 'red') row.episodes.at(-1)!.greenAt = run;
      if (previous !== undefined && entry.state !== previous) row.flips += 1;
      previous = entry.state;
    });
    const open = row.episodes.at(-1);
    if (open && open.greenAt === undefined) row.redSince = open.redAt;
    const closed = [...row.episodes].reverse().find((e) => e.greenAt !== undefined);
    if (closed) row.greenAgainAt = closed.greenAt!;
    row.flaky = row.flips >= FLAKY_FLIPS;
  }
  const ordered = [...rows.values()].sort(
    (a, b) => checkOrder(a.check) - checkOrder(b.check) || compareVariants(variantOf.get(a.match)!.variant as Variant, variantOf.get(b.match)!.variant as Variant) || a.match.localeCompare(b.match),
  );
  return {
    historySchemaVersion: HISTORY_SCHEMA_VERSION,
    generatedAt: generatedAt.toISOString(),
    double: runs.some((r) => r.double),
    runs,
    rows: ordered,
    summary: {
      rows: ordered.length,
      redNow: ordered.filter((r) => r.redSince !== undefined).length,
      turnedGreenAgain: ordered.filter((r) => r.redSince === undefined && r.greenAgainAt !== undefined).length,
      flaky: ordered.filter((r) => r.flaky).length,
    },
  };
}

/** Console lines: the runs, then the cells red now (since when), green again, flaky. */
export function historyLines(history: MatrixHistory): string[] {
  const runName = (i: number): string => `run ${i + 1} (${history.runs[i]!.generatedAt})`;
  const s = history.summary;
  const first = history.runs[0];
  const last = history.runs.at(-1);
  const lines = [
    `matrix history: ${history.runs.length} runs${first && last ? ` from ${first.generatedAt} to ${last.generatedAt}` : ''}, ${s.rows} cells: ${s.redNow} red now, ${s.turnedGreenAgain} green again, ${s.flaky} flaky`,
  ];
  history.runs.forEach((r, i) => lines.push(`  ${runName(i)}: ${r.headline}${r.double ? ' (Nextcloud double)' : ''}  ${r.path}`));
  for (const row of history.rows) {
    const flaky = row.flaky ? ` (flaky: ${row.flips} changes)` : '';
    if (row.redSince !== undefined) lines.push(`  red since ${runName(row.redSince)}: ${row.check} on ${row.match}${flaky}`);
    else if (row.greenAgainAt !== undefined) lines.push(`  green again since ${runName(row.greenAgainAt)}: ${row.check} on ${row.match} (red from ${runName(row.episodes.at(-1)!.redAt)})${flaky}`);
    else if (row.flaky) lines.push(`  flaky: ${row.check} on ${row.match}${flaky}`);
  }
  return lines;
}
