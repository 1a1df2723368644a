import { CLASSIFICATIONS, type Classification } from './classify-cell.ts';
import type { Matrix, MatrixCell, MatrixVariant } from './matrix-schema.ts';
import { CLASS_LABELS, doubleBanner, observedText, variantLabel } from './matrix-text.ts';
import { matrixVerdict } from './matrix-verdict.ts';

/** Symbols of the classes in matrix.html: plain glyphs that common fonts have (no emoji font needed). */
const HTML_SYMBOLS: Record<Classification, string> = {
  pass: '✓',
  'expected-fail': '✕',
  'unexpected-fail': '✘',
  'wrong-reason': '≠',
  stale: '⚠',
  unknown: '?',
  error: '!',
  skipped: '–',
  interrupted: '‖',
  'not-run': '·',
};

/** Background colour of each class in matrix.html (the screenshot test reads them back). */
export const CLASS_COLORS: Record<Classification, string> = {
  pass: '#c9f0d2',
  'expected-fail': '#e6e1f5',
  'unexpected-fail': '#ff9b9b',
  'wrong-reason': '#ff7f50',
  stale: '#ffd37a',
  unknown: '#e4e7eb',
  error: '#f06fc0',
  skipped: '#f7f7f7',
  interrupted: '#b9d7f7',
  'not-run': '#fdfdfd',
};

function h(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function href(url: string): string {
  // only http(s) and relative links: no javascript: or data: URLs from data files
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) && !/^https?:/i.test(url)) return '#';
  return h(url.replace(/ /g, '%20'));
}

function css(): string {
  const classes = CLASSIFICATIONS.map((c) => `.c-${c}{background:${CLASS_COLORS[c]}}`).join('\n');
  return `
*{box-sizing:border-box}
body{margin:0;font:13px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#fff}
.banner{position:sticky;top:0;z-index:10;margin:0;padding:8px 16px;background:#6e40c9;color:#fff;font-weight:600;font-size:14px;box-shadow:0 1px 3px rgba(0,0,0,.3)}
main{padding:12px 16px}
h1{font-size:20px;margin:4px 0 6px}
.meta{color:#57606a;margin:0 0 8px}
.status-failed{color:#a40e26;font-weight:700}
.status-passed{color:#116329;font-weight:700}
.legend{display:flex;flex-wrap:wrap;gap:6px;margin:8px 0 12px;padding:0;list-style:none}
.legend li{padding:3px 8px;border:1px solid #d0d7de;border-radius:4px}
table.grid{border-collapse:separate;border-spacing:2px}
.grid th,.grid td{vertical-align:top}
.grid thead th{background:#f6f8fa;border:1px solid #d0d7de;padding:4px 6px;font-weight:600;font-size:12px;min-width:120px}
.grid th.check{text-align:left;background:#fff;border:1px solid #eaeef2;padding:4px 6px;max-width:340px;font-weight:400}
.grid th.check code{font-weight:600}
.grid th.check .title{color:#57606a}
.variant .line{display:block;white-space:nowrap}
.provider{display:inline-block;margin-top:3px;padding:0 6px;border-radius:8px;font-size:11px;font-weight:700;color:#fff}
.provider-double{background:#6e40c9}.provider-docker{background:#0969da}.provider-external{background:#1a7f37}
td.cell{border:1px solid rgba(0,0,0,.15);border-radius:3px;padding:4px 6px;width:150px;min-width:120px;font-size:12px}
td.cell .label{font-weight:700;display:block}
td.cell .line{display:block;overflow-wrap:anywhere}
td.cell a{color:#0b3d91}
td.empty{background:#fff;border:1px dashed #d0d7de}
${classes}
.problems li{margin:2px 0}
`;
}

function variantHeader(v: MatrixVariant): string {
  const lines = variantLabel(v).map((l) => `<span class="line">${h(l)}</span>`).join('');
  return `<th class="variant" scope="col" data-variant="${h(v.key)}" data-provider="${h(v.provider)}" title="${h(v.key)}">${lines}<span class="provider provider-${h(v.provider)}">${h(v.provider)}</span></th>`;
}

function cellHtml(cell: MatrixCell | undefined, check: string, variant: string): string {
  if (!cell) return `<td class="empty" data-check="${h(check)}" data-variant="${h(variant)}" title="not run"></td>`;
  const { label, meaning } = CLASS_LABELS[cell.classification];
  const symbol = HTML_SYMBOLS[cell.classification];
  const e = cell.expected;
  const reasons = e.reasons.map((r) => `${r.when}: ${r.notes}`).join('\n');
  const parts = [
    `<span class="label">${symbol} ${h(label)}</span>`,
    `<span class="line exp">expected: ${h(e.outcome)}</span>`,
    `<span class="line obs">observed: ${h(observedText(cell))}</span>`,
  ];
  const why = e.reasons.find((r) => r.impl_url);
  if (why?.impl_url && (cell.classification === 'expected-fail' || cell.classification === 'stale' || cell.classification === 'unexpected-fail')) {
    parts.push(`<span class="line"><a class="why" href="${href(why.impl_url)}">upstream: ${h(shortUrl(why.impl_url))}</a></span>`);
  }
  for (const l of cell.links) parts.push(`<span class="line"><a class="artifact" href="${href(l.path)}">${h(l.name)}</a></span>`);
  const title = `${label}: ${meaning}\n${reasons}`;
  return `<td class="cell c-${cell.classification}" data-check="${h(check)}" data-variant="${h(variant)}" data-classification="${cell.classification}" title="${h(title)}">${parts.join('')}</td>`;
}

/** `https://github.com/nextcloud/user_oidc/pull/1221` as `nextcloud/user_oidc#1221`. */
function shortUrl(url: string): string {
  const m = /^https:\/\/github\.com\/([^/]+\/[^/]+)\/(?:pull|issues)\/(\d+)/.exec(url);
  return m ? `${m[1]}#${m[2]}` : url.replace(/^https:\/\//, '');
}

/**
 * matrix.html: one self-contained page (inline CSS, no script, no external assets): a coloured grid of
 * checks x variants, each cell showing expected and observed and linking to its upstream explanation and to
 * its trace or log on failure; each variant header shows its provider; a sticky banner says on every view
 * when the run used the Nextcloud double.
 */
export function matrixHtml(matrix: Matrix): string {
  const banner = doubleBanner(matrix);
  const byKey = new Map(matrix.cells.map((c) => [`${c.check}\u0000${c.variant}`, c]));
  const rows = matrix.checks.map((check) => {
    const refs = check.refs.map((r) => (r.url ? `<a href="${href(r.url)}">${h(r.title)}</a>` : h(r.title))).join(' · ');
    const head = `<th class="check" scope="row" id="${h(`check-${check.id}`)}" title="${h(check.description)}"><code>${h(check.id)}</code><br><span class="title">${h(check.title)}</span><br><small>${refs}</small></th>`;
    return `<tr>${head}${matrix.variants.map((v) => cellHtml(byKey.get(`${check.id}\u0000${v.key}`), check.id, v.key)).join('')}</tr>`;
  });
  const legend = CLASSIFICATIONS.map(
    (c) => `<li class="c-${c}" data-count="${matrix.summary.counts[c]}">${HTML_SYMBOLS[c]} <b>${h(CLASS_LABELS[c].label)}</b> (${matrix.summary.counts[c]}): ${h(CLASS_LABELS[c].meaning)}</li>`,
  ).join('');
  const problems = matrix.cells.filter((c) => c.classification === 'unexpected-fail' || c.classification === 'stale');
  const problemList =
    problems.length === 0
      ? '<p>No unexpected or stale cells.</p>'
      : `<ul>${problems.map((c) => `<li>${HTML_SYMBOLS[c.classification]} <b>${h(CLASS_LABELS[c.classification].label)}</b> <code>${h(c.check)}</code> on <code>${h(c.variant)}</code>: observed ${h(observedText(c))}</li>`).join('')}</ul>`;
  const verdict = matrixVerdict(matrix);
  const status = `<span class="status-${verdict.asExpected ? 'passed' : 'failed'}">${h(verdict.headline)}</span>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nc-oauth-lab matrix${matrix.double ? ' (Nextcloud double)' : ''}</title>
<style>${css()}</style>
</head>
<body${banner ? ' class="has-banner"' : ''}>
${banner ? `<p class="banner" id="double-banner" role="note">${h(banner)}</p>` : ''}
<main>
<h1>nc-oauth-lab compatibility matrix</h1>
<p class="meta">${h(matrix.tool.name)} ${h(matrix.tool.version)} · generated ${h(matrix.generatedAt)} · ${matrix.variants.length} variants · ${matrix.checks.length} checks · ${status}</p>
<ul class="legend">${legend}<li class="empty">blank: not run</li></ul>
<table class="grid">
<thead><tr><th scope="col">check</th>${matrix.variants.map(variantHeader).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
<section class="problems"><h2>Unexpected and stale cells</h2>${problemList}</section>
</main>
</body>
</html>
`;
}
