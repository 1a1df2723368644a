import { CLASSIFICATIONS } from './classify-cell.ts';
import { CLASS_COLORS, CLASS_SYMBOLS } from './matrix-html.ts';
import type { HistoryEntry, HistoryRow, MatrixHistory } from './matrix-history.ts';
import { CLASS_LABELS } from './matrix-text.ts';

function h(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function css(): string {
  const classes = CLASSIFICATIONS.map((c) => `.c-${c}{background:${CLASS_COLORS[c]}}`).join('\n');
  return `
*{box-sizing:border-box}
body{margin:0;font:13px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#fff}
.banner{position:sticky;top:0;z-index:10;margin:0;padding:8px 16px;background:#6e40c9;color:#fff;font-weight:600;font-size:14px;box-shadow:0 1px 3px rgba(0,0,0,.3)}
main{padding:12px 16px}
h1{font-size:20px;margin:4px 0 6px}
h2{font-size:16px;margin:16px 0 6px}
.meta{color:#57606a;margin:0 0 8px}
.legend{display:flex;flex-wrap:wrap;gap:6px;margin:8px 0 12px;padding:0;list-style:none}
.legend li{padding:3px 8px;border:1px solid #d0d7de;border-radius:4px}
table.history{border-collapse:separate;border-spacing:2px}
.history thead th{background:#f6f8fa;border:1px solid #d0d7de;padding:4px 6px;font-weight:600;font-size:12px;vertical-align:bottom}
.history thead th.run{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;max-height:220px}
.history th.check{text-align:left;background:#fff;border:1px solid #eaeef2;padding:2px 6px;font-weight:400;max-width:300px}
.history th.check code{font-weight:600}
.history td.variant{font-family:ui-monospace,monospace;font-size:11px;padding:2px 6px;white-space:nowrap}
td.cell{border:1px solid rgba(0,0,0,.15);border-radius:3px;width:26px;min-width:26px;height:22px;text-align:center;font-size:13px;padding:0}
td.empty{background:#fff;border:1px dashed #d0d7de}
td.turned-red{box-shadow:inset 3px 0 0 #a40e26}
td.turned-green{box-shadow:inset 3px 0 0 #116329}
td.note{padding:2px 6px;white-space:nowrap;font-size:12px}
.changes li{margin:2px 0}
.flaky{display:inline-block;padding:0 6px;border-radius:8px;background:#9a6700;color:#fff;font-weight:700;font-size:11px}
.red-now{color:#a40e26;font-weight:700}
.green-again{color:#116329;font-weight:700}
tr.row-flaky th.check{border-left:4px solid #9a6700}
${classes}
`;
}

function entryHtml(row: HistoryRow, entry: HistoryEntry | null, run: number, runDate: string): string {
  const data = `data-check="${h(row.check)}" data-match="${h(row.match)}" data-run="${run}"`;
  if (!entry) return `<td class="empty" ${data} title="${h(`${runDate}: no such cell in this run`)}"></td>`;
  const turned = row.episodes.some((e) => e.redAt === run) ? ' turned-red' : row.episodes.some((e) => e.greenAt === run) ? ' turned-green' : '';
  const { label, meaning } = CLASS_LABELS[entry.classification];
  const seen = [entry.outcome, entry.status, entry.message].filter((x) => x !== undefined && x !== '').join(' ');
  const title = `${runDate}: ${label} (${meaning})\nobserved: ${seen}\nvariant: ${entry.variant} (${entry.provider})${turned === ' turned-red' ? '\nturned red here' : turned === ' turned-green' ? '\nturned green again here' : ''}`;
  return `<td class="cell c-${entry.classification}${turned}" ${data} data-classification="${entry.classification}" data-state="${entry.state}" title="${h(title)}">${CLASS_SYMBOLS[entry.classification]}</td>`;
}

function rowNote(history: MatrixHistory, row: HistoryRow): string {
  const date = (i: number): string => h(history.runs[i]!.generatedAt.slice(0, 16).replace('T', ' '));
  const parts: string[] = [];
  if (row.redSince !== undefined) parts.push(`<span class="red-now">red since ${date(row.redSince)}</span>`);
  else if (row.greenAgainAt !== undefined) parts.push(`<span class="green-again">green again since ${date(row.greenAgainAt)}</span> (red from ${date(row.episodes.at(-1)!.redAt)})`);
  if (row.flaky) parts.push(`<span class="flaky" title="${row.flips} changes between red and green">flaky</span>`);
  return parts.join(' ');
}

/**
 * history.html: one self-contained page (inline CSS, no script) in the matrix page's visual language (its
 * class colours and symbols): a row per check and variant, a column per run in date order, the run where a
 * cell turned red (red edge) and where it turned green again (green edge), the rows red now and since when,
 * and flaky rows marked. A banner names the runs made against the Nextcloud double.
 */
export function historyHtml(history: MatrixHistory): string {
  const doubleRuns = history.runs.map((r, i) => (r.double ? i + 1 : 0)).filter((i) => i > 0);
  const banner =
    doubleRuns.length > 0
      ? `Run against the Nextcloud double: a test double of Nextcloud with the oidc and user_oidc apps, faithful to the facts page, not a real Nextcloud (${doubleRuns.length === history.runs.length ? 'all runs' : `runs ${doubleRuns.join(', ')}`}).`
      : undefined;
  const runHeads = history.runs
    .map((r, i) => `<th class="run" scope="col" data-run="${i}" title="${h(`${r.path}\n${r.tool.name} ${r.tool.version}\n${r.headline}`)}">${i + 1}. ${h(r.generatedAt.slice(0, 16).replace('T', ' '))}${r.double ? ' · double' : ''}</th>`)
    .join('');
  let lastCheck = '';
  const rows = history.rows.map((row) => {
    const checkCell = row.check !== lastCheck ? `<code>${h(row.check)}</code> <span class="title">${h(row.title)}</span>` : '';
    lastCheck = row.check;
    const cells = row.entries.map((e, i) => entryHtml(row, e, i, history.runs[i]!.generatedAt)).join('');
    return `<tr class="${row.flaky ? 'row-flaky' : ''}" data-check="${h(row.check)}" data-match="${h(row.match)}"${row.flaky ? ' data-flaky="true"' : ''}><th class="check" scope="row">${checkCell}</th><td class="variant">${h(row.match)}</td>${cells}<td class="note">${rowNote(history, row)}</td></tr>`;
  });
  const legend = CLASSIFICATIONS.map((c) => `<li class="c-${c}">${CLASS_SYMBOLS[c]} <b>${h(CLASS_LABELS[c].label)}</b></li>`).join('');
  const runList = history.runs.map((r, i) => `<li><b>${i + 1}.</b> ${h(r.generatedAt)} · ${h(r.headline)}${r.double ? ' · Nextcloud double' : ''} · <code>${h(r.path)}</code></li>`).join('');
  const s = history.summary;
  const date = (i: number): string => h(history.runs[i]!.generatedAt.slice(0, 16).replace('T', ' '));
  const item = (row: HistoryRow, text: string): string => `<li><code>${h(row.check)}</code> on <code>${h(row.match)}</code>: ${text}</li>`;
  const group = (title: string, items: string[]): string => (items.length === 0 ? '' : `<h2>${h(title)} (${items.length})</h2><ul class="changes">${items.join('')}</ul>`);
  const changes = [
    group('Red now', history.rows.filter((r) => r.redSince !== undefined).map((r) => item(r, `red since ${date(r.redSince!)}`))),
    group('Green again', history.rows.filter((r) => r.redSince === undefined && r.greenAgainAt !== undefined).map((r) => item(r, `green again since ${date(r.greenAgainAt!)} (red from ${date(r.episodes.at(-1)!.redAt)})`))),
    group('Flaky', history.rows.filter((r) => r.flaky).map((r) => item(r, `${r.flips} changes between red and green`))),
  ].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nc-oauth-lab matrix history${history.double ? ' (Nextcloud double)' : ''}</title>
<style>${css()}</style>
</head>
<body>
${banner ? `<p class="banner" id="double-banner" role="note">${h(banner)}</p>` : ''}
<main>
<h1>nc-oauth-lab matrix history</h1>
<p class="meta">${history.runs.length} runs · ${s.rows} cells · <span class="red-now">${s.redNow} red now</span> · <span class="green-again">${s.turnedGreenAgain} green again</span> · ${s.flaky} flaky · generated ${h(history.generatedAt)}</p>
<ul class="legend">${legend}<li class="empty">blank: no such cell in that run</li><li><span class="red-now">red edge</span>: turned red · <span class="green-again">green edge</span>: turned green again · red = unexpected fail, wrong reason, stale; not measured (error, skipped, unknown, interrupted, not run) is neither red nor green</li></ul>
${changes}
<h2>Every cell</h2>
<table class="history">
<thead><tr><th scope="col">check</th><th scope="col">variant</th>${runHeads}<th scope="col">since</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
<h2>Runs</h2>
<ul class="runs">${runList}</ul>
</main>
</body>
</html>
`;
}
