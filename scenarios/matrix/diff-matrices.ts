import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { checkDefinition, isCheckId } from '../checks.ts';
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
  const parsed = matrixSchema.safeParse(version === MATRIX_SCHEMA_VERSION ? data : upgradeMatrix(data as Record<string, unknown>, basename(path)));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new MatrixFileError('ERR_MATRIX_FILE', `${path} is not a valid matrix.json: ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`, { cause: parsed.error });
  }
  return parsed.data;
}

/** A file name that starts with an exact Nextcloud release, as variant keys name one (`nc32.0.1-oidc...`). */
const RELEASE_IN_FILE_NAME = /^nc(\d+)\.(\d+)\.(\d+)-/;

/**
 * Version 1 is a subset of the current version: the new classes count 0 there. A version 1 file did not
 * record the exact Nextcloud release of a real instance; when its file name starts with one
 * (`nc32.0.1-...`, as `matrix` names the variants of a real instance) and every real-instance variant in
 * it has that major, the release is taken from the name (`nextcloudVersion`; the keys stay as recorded).
 */
function upgradeMatrix(data: Record<string, unknown>, fileName: string): unknown {
  const summary = (data.summary ?? {}) as { counts?: Record<string, number> };
  const counts = Object.fromEntries(CLASSIFICATIONS.map((c) => [c, summary.counts?.[c] ?? 0]));
  const named = RELEASE_IN_FILE_NAME.exec(fileName);
  let variants = data.variants;
  if (named && Array.isArray(variants)) {
    const real = variants.filter((v: { provider?: unknown }) => v?.provider !== 'double') as { variant?: { nextcloud?: unknown } }[];
    if (real.length > 0 && real.every((v) => v.variant?.nextcloud === Number(named[1]))) {
      const release = `${named[1]}.${named[2]}.${named[3]}`;
      variants = variants.map((v: { provider?: unknown }) => (v?.provider !== 'double' ? { ...v, nextcloudVersion: release } : v));
    }
  }
  return { ...data, schemaVersion: MATRIX_SCHEMA_VERSION, summary: { ...summary, counts }, variants };
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

/**
 * How `diffMatrices` compares. `runs`: two runs of one provider (base -> head): class, outcome, status and
 * message of every cell. `providers`: runs of different providers (a real Nextcloud and the double) on
 * the same variants: only what Nextcloud did (outcome, status, message), cells the real side did not
 * measure left out (see `leftOutReason`).
 */
export type DiffMode = 'runs' | 'providers';

/** A cell a cross-provider comparison leaves out, with why. */
export interface LeftOutCell {
  check: string;
  /** The variant's match key. */
  match: string;
  /** The key of the variant on the side that did not measure it. */
  variant: string;
  reason: string;
}

/** The cells that changed, grouped. */
export interface MatrixDiff {
  mode: DiffMode;
  /** Providers of each side (`external`, `double`...). */
  providers: { base: string[]; head: string[] };
  /** fail (or error) -> pass, both measured. */
  fixed: CellChange[];
  /** pass -> fail, both measured. */
  broken: CellChange[];
  /** Any other change: class, status or message, a cell or variant on one side only. */
  other: CellChange[];
  /**
   * `runs` mode: cells on both sides that one side did not measure (`isNotMeasured`: interrupted, not run,
   * skipped, unknown, error): neither fixed nor broken, whatever the other side says. (Across providers the
   * real side's unmeasured cells are `leftOut`, and a cell the double did not measure is a disagreement.)
   */
  notMeasured: CellChange[];
  unchanged: number;
  /** `providers` mode: cells not compared because the real side measured nothing there (always empty for `runs`). */
  leftOut: LeftOutCell[];
  /** Variants (keys) present on one side only. */
  onlyInBase: string[];
  onlyInHead: string[];
}

/**
 * Why a cell of `variant` measured nothing about Nextcloud's OAuth behaviour, or undefined when it did:
 * - the cell was skipped, interrupted, not run, or its procedure failed (`error`) there;
 * - its check needs an app (the catalogue's `apps`) that the instance lacks: `variant.apps[app]` is `null`
 *   (matrix.json version 2); a version 1 file has no app list, so a cell counts as app-absent when its
 *   recorded answer is a 404 that says the app's route does not exist: status 404 (or a `404` in its
 *   message or error) naming the app's own route (`/apps/<app>/`), or core's OCS answer for a route that
 *   does not exist ("Invalid query, please check the syntax", OCS 998).
 */
export function leftOutReason(cell: MatrixCell, variant: MatrixVariant | undefined): string | undefined {
  const absent = appAbsentReason(cell, variant);
  if (absent) return absent;
  if (cell.classification === 'interrupted' || cell.classification === 'not-run') return `${cell.classification} there`;
  if (cell.observed.outcome === 'skipped') return 'skipped there';
  if (cell.observed.outcome === 'error') return 'the procedure failed there (error)';
  return undefined;
}

/**
 * Why a cell measured nothing because its check needs an app (the catalogue's `apps`) that the variant's
 * instance lacks (see `leftOutReason`), or undefined.
 */
export function appAbsentReason(cell: MatrixCell, variant: MatrixVariant | undefined): string | undefined {
  for (const app of isCheckId(cell.check) ? (checkDefinition(cell.check).apps ?? []) : []) {
    const apps = variant?.apps;
    if (apps && apps[app] === null) return `${app} is not installed there`;
    if (!apps && recordedRouteMissing(cell, app)) return `${app} is not installed there (404 from its route)`;
  }
  return undefined;
}

function recordedRouteMissing(cell: MatrixCell, app: string): boolean {
  const text = [cell.observed.message ?? '', cell.observed.error ?? ''].join('\n');
  const is404 = cell.observed.status === 404 || /\b404\b/.test(text);
  return is404 && (text.includes(`/apps/${app}/`) || text.includes('Invalid query, please check the syntax'));
}

/** Test users of a real instance are `nclab-<hex>-alice` (harness/providers/external-provider.ts); the double's are `alice`. */
const RUN_USER_PREFIX = /\bnclab-[0-9a-f]+-(?=[a-z])/g;

/**
 * The message a cross-provider comparison holds the other side to, or undefined when it compares none:
 * the message of a cell that failed or observed an HTTP error (status >= 400) carries Nextcloud's answer;
 * the message of a passing cell describes what the scenario found on that instance (its files, the pages
 * the browser happened to see), which is not Nextcloud's OAuth behaviour. The run's test-user prefix is
 * masked.
 */
export function comparedMessage(cell: MatrixCell): string | undefined {
  const o = cell.observed;
  if (o.message === undefined || o.message === '') return undefined;
  if (o.outcome !== 'failed' && (o.status === undefined || o.status < 400)) return undefined;
  return o.message.replace(RUN_USER_PREFIX, '');
}

const providersOf = (m: Matrix): string[] => [...new Set(m.variants.map((v) => v.provider))].sort();

/** The key `matrix diff` matches variants by: the axes, with the ignored ones as `*`. */
export function matchKey(v: MatrixVariant, ignore: ReadonlySet<DiffAxis> = new Set()): string {
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

// An error counts as failing only across providers: between runs a cell with an error is not measured (see notMeasured).
const failing = (s: CellState | undefined): boolean => s?.outcome === 'failed' || s?.outcome === 'error';

/**
 * The cells that changed from `base` to `head`. Variants are matched by their axes (Nextcloud major,
 * oidc, user_oidc, patch, OCS-APIRequest; an exact Nextcloud version on one side matches its major on the
 * other), with the axes in `ignore` left out (e.g. `patch` to compare an unpatched run with a patched one);
 * cells by check id. When the two sides ran on different providers (a real Nextcloud and the double) the
 * comparison is `providers` mode: a cell differs when the outcome, the HTTP status, or the message that
 * carries Nextcloud's answer (`comparedMessage` of the real side) differ; cells the real side did not
 * measure (`leftOutReason`) are left out and listed in `leftOut` (a cell the double did not measure differs).
 */
export function diffMatrices(base: Matrix, head: Matrix, options: { ignore?: readonly DiffAxis[] } = {}): MatrixDiff {
  const ignore = new Set(options.ignore ?? []);
  const providers = { base: providersOf(base), head: providersOf(head) };
  const mode: DiffMode = providers.base.join() === providers.head.join() ? 'runs' : 'providers';
  // In providers mode the real side (not the double) is the reference whose messages are compared.
  const reference: 'base' | 'head' = mode === 'providers' && providers.base.every((p) => p === 'double') ? 'head' : 'base';
  const baseVariants = variantsByMatch(base, 'base', ignore);
  const headVariants = variantsByMatch(head, 'head', ignore);
  const cells = (m: Matrix, variants: Map<string, MatrixVariant>): Map<string, MatrixCell> => {
    const byKey = new Map([...variants].map(([k, v]) => [v.key, k]));
    return new Map(m.cells.filter((c) => byKey.has(c.variant)).map((c) => [`${c.check}\u0000${byKey.get(c.variant)}`, c]));
  };
  const before = cells(base, baseVariants);
  const after = cells(head, headVariants);
  const variantOf = (m: Matrix, key: string): MatrixVariant | undefined => m.variants.find((v) => v.key === key);
  const diff: MatrixDiff = {
    mode,
    providers,
    fixed: [],
    broken: [],
    other: [],
    notMeasured: [],
    unchanged: 0,
    leftOut: [],
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
    // Across providers, a variant on one side only is listed as such, not cell by cell.
    if (mode === 'providers' && (!baseVariants.has(match) || !headVariants.has(match))) continue;
    if (mode === 'providers') {
      // Only the real side's cells can be left out: a cell the double did not measure is a disagreement.
      const [cell, m] = reference === 'base' ? [b, base] : [a, head];
      const reason = cell ? leftOutReason(cell, variantOf(m, cell.variant)) : undefined;
      if (cell && reason !== undefined) {
        diff.leftOut.push({ check, match, variant: cell.variant, reason });
        continue;
      }
    }
    const change: CellChange = { check, match, ...(b ? { before: state(b) } : {}), ...(a ? { after: state(a) } : {}) };
    const same =
      b !== undefined &&
      a !== undefined &&
      b.observed.outcome === a.observed.outcome &&
      b.observed.status === a.observed.status &&
      (mode === 'runs'
        ? b.classification === a.classification && b.observed.message === a.observed.message
        : sameAnswer(reference === 'base' ? b : a, reference === 'base' ? a : b));
    if (same) {
      diff.unchanged += 1;
    } else if (mode === 'runs' && b && a && (isNotMeasured(b.classification) || isNotMeasured(a.classification))) {
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

/** Whether `other` carries the message the real cell is held to (see `comparedMessage`). */
function sameAnswer(real: MatrixCell, other: MatrixCell): boolean {
  const want = comparedMessage(real);
  if (want === undefined) return true;
  return (other.observed.message ?? '').replace(RUN_USER_PREFIX, '') === want;
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

/** The first line of a diff: what was compared and the counts. */
function headline(diff: MatrixDiff, names: { base: string; head: string }): string {
  if (diff.mode === 'runs') {
    return (
      `matrix diff ${names.base} -> ${names.head}: ${diff.fixed.length} fixed, ${diff.broken.length} broken, ${diff.other.length} other, ${diff.unchanged} unchanged` +
      (diff.notMeasured.length > 0 ? `, ${diff.notMeasured.length} not measured` : '')
    );
  }
  const differ = diff.fixed.length + diff.broken.length + diff.other.length;
  return (
    `matrix diff ${names.base} (${diff.providers.base.join(', ')}) -> ${names.head} (${diff.providers.head.join(', ')}), across providers: ` +
    `${differ} cell(s) differ (${diff.fixed.length} fail -> pass, ${diff.broken.length} pass -> fail, ${diff.other.length} other), ${diff.unchanged} agree, ${diff.leftOut.length} left out (not measured)`
  );
}

/** Left-out cells counted by reason, most frequent first. */
function leftOutCounts(diff: MatrixDiff): string[] {
  const counts = new Map<string, number>();
  for (const c of diff.leftOut) counts.set(c.reason, (counts.get(c.reason) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([reason, n]) => `${n} ${reason}`);
}

const NOT_MEASURED_TITLE = 'Not measured on one side (interrupted, not run, skipped, unknown, error)';

/** The diff as text lines, grouped: fixed, broken, other, not measured (or left out), then variants on one side only. */
export function formatMatrixDiff(diff: MatrixDiff, names: { base: string; head: string }): string[] {
  const lines = [headline(diff, names)];
  const group = (title: string, changes: CellChange[]): void => {
    if (changes.length === 0) return;
    lines.push('', `${title}:`, ...changes.map((c) => `  ${changeLine(c)}`));
  };
  group('Fixed (fail -> pass)', diff.fixed);
  group('Broken (pass -> fail)', diff.broken);
  group('Other changes', diff.other);
  group(NOT_MEASURED_TITLE, diff.notMeasured);
  if (diff.leftOut.length > 0) lines.push('', `Left out (not measured on the real instance): ${leftOutCounts(diff).join(', ')}`);
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
    diff.mode === 'runs'
      ? `${diff.fixed.length} fixed · ${diff.broken.length} broken · ${diff.other.length} other · ${diff.unchanged} unchanged` + (diff.notMeasured.length > 0 ? ` · ${diff.notMeasured.length} not measured` : '')
      : `across providers (${esc(diff.providers.base.join(', '))} → ${esc(diff.providers.head.join(', '))}): ${diff.fixed.length + diff.broken.length + diff.other.length} differ · ${diff.unchanged} agree · ${diff.leftOut.length} left out`,
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
  if (diff.leftOut.length > 0) lines.push('', `Left out (not measured on the real instance): ${esc(leftOutCounts(diff).join(', '))}`);
  if (diff.onlyInBase.length > 0) lines.push('', `Variants only in base: ${diff.onlyInBase.map((k) => `\`${k}\``).join(', ')}`);
  if (diff.onlyInHead.length > 0) lines.push('', `Variants only in head: ${diff.onlyInHead.map((k) => `\`${k}\``).join(', ')}`);
  return `${lines.join('\n')}\n`;
}
