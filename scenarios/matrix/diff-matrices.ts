import { readFileSync } from 'node:fs';
import { CLASSIFICATIONS, isNotMeasured, type Classification } from './classify-cell.ts';
import { MATRIX_SCHEMA_VERSION, matrixSchema, READABLE_MATRIX_SCHEMA_VERSIONS, type Matrix, type MatrixCell, type MatrixVariant } from './matrix-schema.ts';

/** A matrix.json that cannot be read, is not valid, has another schema version, or cannot be matched. */
export class MatrixFileError extends Error {
  readonly code: 'ERR_MATRIX_FILE' | 'ERR_MATRIX_SCHEMA_VERSION' | 'ERR_MATRIX_AMBIGUOUS';
  constructor(code: MatrixFileError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MatrixFileError';
    this.code = code;
  }
}

/** Reads and validates a matrix.json; throws a MatrixFileError with a one-line message naming the file. */
export function readMatrixFile(path: string): Matrix {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new MatrixFileError('ERR_MATRIX_FILE', `cannot read ${path} (${code}): give the path of a matrix.json`, { cause: error });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new MatrixFileError('ERR_MATRIX_FILE', `${path} is not JSON (${(error as Error).message.split('\n')[0]}): give a matrix.json written by nc-oauth-lab`, { cause: error });
  }
  const version = data && typeof data === 'object' ? (data as { schemaVersion?: unknown }).schemaVersion : undefined;
  if (typeof version !== 'number') throw new MatrixFileError('ERR_MATRIX_FILE', `${path} has no schemaVersion: it is not a matrix.json written by nc-oauth-lab`);
  if (!(READABLE_MATRIX_SCHEMA_VERSIONS as readonly number[]).includes(version)) {
    throw new MatrixFileError(
      'ERR_MATRIX_SCHEMA_VERSION',
      `${path} has schemaVersion ${version}, this nc-oauth-lab reads ${READABLE_MATRIX_SCHEMA_VERSIONS.join(' and ')}: use the nc-oauth-lab version that wrote it`,
    );
  }
  const parsed = matrixSchema.safeParse(version === MATRIX_SCHEMA_VERSION ? data : upgradeMatrix(data as Record<string, unknown>));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new MatrixFileError('ERR_MATRIX_FILE', `${path} is not a valid matrix.json: ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`, { cause: parsed.error });
  }
  return parsed.data;
}

/** Version 1 is a subset of the current version: the new classes count 0 there. */
function upgradeMatrix(data: Record<string, unknown>): unknown {
  const summary = (data.summary ?? {}) as { counts?: Record<string, number> };
  const counts = Object.fromEntries(CLASSIFICATIONS.map((c) => [c, summary.counts?.[c] ?? 0]));
  return { ...data, schemaVersion: MATRIX_SCHEMA_VERSION, summary: { ...summary, counts } };
}

/** A variant axis `matrix diff` can ignore when it matches variants (to compare an unpatched base with a patched head). */
export const DIFF_AXES = ['nextcloud', 'oidc', 'userOidc', 'patch', 'ocsHeader'] as const;

/** A variant axis. */
export type DiffAxis = (typeof DIFF_AXES)[number];

/** The state of a cell on one side of a diff. */
export interface CellState {
  variant: string;
  classification: Classification;
  outcome: MatrixCell['observed']['outcome'];
  status?: number;
  message?: string;
}

/** One cell that changed between base and head; `before` or `after` is missing for a cell on one side only. */
export interface CellChange {
  check: string;
  /** The variant's match key (its key, with ignored axes as `*`). */
  match: string;
  before?: CellState;
  after?: CellState;
}

/** The cells that changed, grouped. */
export interface MatrixDiff {
  /** fail -> pass, both measured. */
  fixed: CellChange[];
  /** pass -> fail, both measured. */
  broken: CellChange[];
  /** Any other change: class, status or message, a cell or variant on one side only. */
  other: CellChange[];
  /**
   * Cells on both sides that one side did not measure (`isNotMeasured`: interrupted, not run, skipped,
   * unknown, error): neither fixed nor broken, whatever the other side says.
   */
  notMeasured: CellChange[];
  unchanged: number;
  /** Variants (keys) present on one side only. */
  onlyInBase: string[];
  onlyInHead: string[];
}

function matchKey(v: MatrixVariant, ignore: ReadonlySet<DiffAxis>): string {
  const x = v.variant;
  const part = (axis: DiffAxis, text: string): string => (ignore.has(axis) ? '*' : text);
  return `nc${part('nextcloud', String(x.nextcloud))}-oidc${part('oidc', x.oidc)}-uo${part('userOidc', x.userOidc)}-${part('patch', x.patch)}-${part('ocsHeader', x.ocsHeader ? 'hdr' : 'nohdr')}`;
}

function variantsByMatch(m: Matrix, side: string, ignore: ReadonlySet<DiffAxis>): Map<string, MatrixVariant> {
  const out = new Map<string, MatrixVariant>();
  for (const v of m.variants) {
    const k = matchKey(v, ignore);
    const other = out.get(k);
    if (other) {
      throw new MatrixFileError(
        'ERR_MATRIX_AMBIGUOUS',
        `${side}: variants ${other.key} and ${v.key} both match ${k} when ignoring ${[...ignore].join(', ')}: ignore fewer axes`,
      );
    }
    out.set(k, v);
  }
  return out;
}

function state(c: MatrixCell): CellState {
  return {
    variant: c.variant,
    classification: c.classification,
    outcome: c.observed.outcome,
    ...(c.observed.status !== undefined ? { status: c.observed.status } : {}),
    ...(c.observed.message !== undefined ? { message: c.observed.message } : {}),
  };
}

const failing = (s: CellState | undefined): boolean => s?.outcome === 'failed';

/**
 * The cells that changed from `base` to `head`. Variants are matched by their stable key (with the axes in
 * `ignore` left out, e.g. `patch` to compare an unpatched run with a patched one); cells by check id.
 */
export function diffMatrices(base: Matrix, head: Matrix, options: { ignore?: readonly DiffAxis[] } = {}): MatrixDiff {
  const ignore = new Set(options.ignore ?? []);
  const baseVariants = variantsByMatch(base, 'base', ignore);
  const headVariants = variantsByMatch(head, 'head', ignore);
  const cells = (m: Matrix, variants: Map<string, MatrixVariant>): Map<string, MatrixCell> => {
    const byKey = new Map([...variants].map(([k, v]) => [v.key, k]));
    return new Map(m.cells.filter((c) => byKey.has(c.variant)).map((c) => [`${c.check}\u0000${byKey.get(c.variant)}`, c]));
  };
  const before = cells(base, baseVariants);
  const after = cells(head, headVariants);
  const diff: MatrixDiff = {
    fixed: [],
    broken: [],
    other: [],
    notMeasured: [],
    unchanged: 0,
    onlyInBase: [...baseVariants].filter(([k]) => !headVariants.has(k)).map(([, v]) => v.key),
    onlyInHead: [...headVariants].filter(([k]) => !baseVariants.has(k)).map(([, v]) => v.key),
  };
  const keys = [...new Set([...before.keys(), ...after.keys()])];
  const checkOrder = new Map([...head.checks, ...base.checks].map((c, i) => [c.id, i]));
  const matchOrder = new Map([...headVariants.keys(), ...baseVariants.keys()].map((k, i) => [k, i]));
  keys.sort((a, b) => {
    const [ca, ma] = a.split('\u0000') as [string, string];
    const [cb, mb] = b.split('\u0000') as [string, string];
    return (checkOrder.get(ca) ?? 0) - (checkOrder.get(cb) ?? 0) || (matchOrder.get(ma) ?? 0) - (matchOrder.get(mb) ?? 0);
  });
  for (const key of keys) {
    const [check, match] = key.split('\u0000') as [string, string];
    const b = before.get(key);
    const a = after.get(key);
    const change: CellChange = { check, match, ...(b ? { before: state(b) } : {}), ...(a ? { after: state(a) } : {}) };
    if (b && a && b.classification === a.classification && b.observed.outcome === a.observed.outcome && b.observed.status === a.observed.status && b.observed.message === a.observed.message) {
      diff.unchanged += 1;
    } else if (b && a && (isNotMeasured(b.classification) || isNotMeasured(a.classification))) {
      diff.notMeasured.push(change);
    } else if (failing(change.before) && change.after?.outcome === 'passed') {
      diff.fixed.push(change);
    } else if (change.before?.outcome === 'passed' && failing(change.after)) {
      diff.broken.push(change);
    } else {
      diff.other.push(change);
    }
  }
  return diff;
}

function stateText(s: CellState | undefined): string {
  if (!s) return '(none)';
  const seen = [s.outcome, s.status, s.message].filter((x) => x !== undefined).join(' ');
  return `${s.classification} (${seen})`;
}

function changeLine(c: CellChange): string {
  const variants = c.before && c.after && c.before.variant !== c.after.variant ? `${c.before.variant} -> ${c.after.variant}` : (c.after ?? c.before)!.variant;
  return `${c.check}  ${variants}  ${stateText(c.before)} -> ${stateText(c.after)}`;
}

const NOT_MEASURED_TITLE = 'Not measured on one side (interrupted, not run, skipped, unknown, error)';

/** The diff as text lines, grouped: fixed, broken, other, not measured, then variants on one side only. */
export function formatMatrixDiff(diff: MatrixDiff, names: { base: string; head: string }): string[] {
  const lines = [
    `matrix diff ${names.base} -> ${names.head}: ${diff.fixed.length} fixed, ${diff.broken.length} broken, ${diff.other.length} other, ${diff.unchanged} unchanged` +
      (diff.notMeasured.length > 0 ? `, ${diff.notMeasured.length} not measured` : ''),
  ];
  const group = (title: string, changes: CellChange[]): void => {
    if (changes.length === 0) return;
    lines.push('', `${title}:`, ...changes.map((c) => `  ${changeLine(c)}`));
  };
  group('Fixed (fail -> pass)', diff.fixed);
  group('Broken (pass -> fail)', diff.broken);
  group('Other changes', diff.other);
  group(NOT_MEASURED_TITLE, diff.notMeasured);
  if (diff.onlyInBase.length > 0) lines.push('', `Variants only in ${names.base}: ${diff.onlyInBase.join(', ')}`);
  if (diff.onlyInHead.length > 0) lines.push('', `Variants only in ${names.head}: ${diff.onlyInHead.join(', ')}`);
  return lines;
}

/** The diff as Markdown, to post on a PR. */
export function matrixDiffMarkdown(diff: MatrixDiff, names: { base: string; head: string }): string {
  const esc = (t: string): string => t.replace(/\|/g, '\\|').replace(/</g, '&lt;');
  const lines = [
    `### Matrix diff: \`${esc(names.base)}\` → \`${esc(names.head)}\``,
    '',
    `${diff.fixed.length} fixed · ${diff.broken.length} broken · ${diff.other.length} other · ${diff.unchanged} unchanged` + (diff.notMeasured.length > 0 ? ` · ${diff.notMeasured.length} not measured` : ''),
  ];
  const group = (title: string, changes: CellChange[]): void => {
    if (changes.length === 0) return;
    lines.push('', `#### ${title}`, '', '| check | variant | before | after |', '| --- | --- | --- | --- |');
    for (const c of changes) {
      const v = c.before && c.after && c.before.variant !== c.after.variant ? `${c.before.variant} → ${c.after.variant}` : (c.after ?? c.before)!.variant;
      lines.push(`| \`${esc(c.check)}\` | \`${esc(v)}\` | ${esc(stateText(c.before))} | ${esc(stateText(c.after))} |`);
    }
  };
  group('Fixed (fail → pass)', diff.fixed);
  group('Broken (pass → fail)', diff.broken);
  group('Other changes', diff.other);
  group(NOT_MEASURED_TITLE, diff.notMeasured);
  if (diff.onlyInBase.length > 0) lines.push('', `Variants only in base: ${diff.onlyInBase.map((k) => `\`${k}\``).join(', ')}`);
  if (diff.onlyInHead.length > 0) lines.push('', `Variants only in head: ${diff.onlyInHead.map((k) => `\`${k}\``).join(', ')}`);
  return `${lines.join('\n')}\n`;
}
