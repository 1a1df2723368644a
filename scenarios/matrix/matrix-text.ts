import type { Classification } from './classify-cell.ts';
import type { Matrix, MatrixCell, MatrixVariant } from './matrix-schema.ts';

/** Symbol and words of each class, shared by the Markdown, HTML and console reports. */
export const CLASS_LABELS: Record<Classification, { symbol: string; label: string; meaning: string }> = {
  pass: { symbol: '✅', label: 'pass', meaning: 'passes, as expected' },
  'expected-fail': { symbol: '✖️', label: 'expected fail', meaning: 'fails where the data says it fails: a known limitation, linked to upstream' },
  'unexpected-fail': { symbol: '❌', label: 'unexpected fail', meaning: 'fails where the data says it passes: a regression' },
  'wrong-reason': { symbol: '⛔', label: 'wrong reason', meaning: 'fails where the data says it fails, but not for the reason the data gives' },
  stale: { symbol: '⚠️', label: 'stale', meaning: 'passes where the data says it fails: upstream fixed something, update the expectations' },
  unknown: { symbol: '❔', label: 'unknown', meaning: 'no expectations data for this check' },
  error: { symbol: '💥', label: 'error', meaning: 'the procedure failed before it recorded the check' },
  skipped: { symbol: '⏭️', label: 'skipped', meaning: 'not measured on this instance (the cell says why) or the test did not run' },
  interrupted: { symbol: '⏸️', label: 'interrupted', meaning: 'the run was stopped while this check was being measured: not measured' },
  'not-run': { symbol: '⏹️', label: 'not run', meaning: 'the run was stopped before it reached this check: not measured' },
};

/** The sentence every report shows when a variant ran against the Nextcloud double. */
export function doubleBanner(matrix: Matrix): string | undefined {
  if (!matrix.double) return undefined;
  const keys = matrix.variants.filter((v) => v.provider === 'double').map((v) => v.key);
  const all = keys.length === matrix.variants.length;
  return (
    'Run against the Nextcloud double: a test double of Nextcloud with the oidc and user_oidc apps, faithful to the facts page, not a real Nextcloud' +
    (all ? ' (all variants).' : ` (variants ${keys.join(', ')}).`)
  );
}

/** A short label of a variant for table headers: `nc32 · oidc 1.16.6 · uo 8.10.1 · none · hdr` (`nc32.0.1` for a real instance's release). */
export function variantLabel(v: MatrixVariant): string[] {
  const x = v.variant;
  return [`nc${v.nextcloudVersion ?? x.nextcloud}`, `oidc ${x.oidc}`, `uo ${x.userOidc}`, x.patch, x.ocsHeader ? 'hdr' : 'no hdr'];
}

/** The observed outcome of a cell in words: `failed 401 CORS requires basic auth`. */
export function observedText(cell: MatrixCell): string {
  const o = cell.observed;
  const parts: string[] = [o.outcome];
  if (o.status !== undefined) parts.push(String(o.status));
  if (o.message) parts.push(o.message);
  if (o.error) parts.push(o.error.split('\n')[0]!);
  return parts.join(' ');
}

/** The expected outcome of a cell in words; for `fail` with the first reason: `fail: user_oidc >= 7.0.0: ...`. */
export function expectedText(cell: MatrixCell): string {
  const e = cell.expected;
  if (e.outcome === 'unknown') return 'unknown (no data)';
  if (e.outcome === 'pass') return 'pass';
  const first = e.reasons.find((r) => r.fails_with) ?? e.reasons[0];
  if (!first) return e.outcome;
  const with_ = first.fails_with ? ` with ${first.fails_with.status}${first.fails_with.message ? ` "${first.fails_with.message}"` : ''}` : '';
  return `${e.outcome}${with_}: ${first.when}: ${first.notes}`;
}

/** The upstream link that explains a cell's expectation, if any (for expected-fail and stale cells: why it fails). */
export function reasonUrl(cell: MatrixCell): string | undefined {
  return cell.expected.reasons.find((r) => r.impl_url)?.impl_url;
}
