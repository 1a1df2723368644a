import { checkGroup } from '../checks.ts';
import { compareVariants, PATCH_MODES, type Variant } from '../variant.ts';
import { APP_APIS } from './app-apis.ts';
import { CLASSIFICATIONS, isNotMeasured, isProblem, type Classification } from './classify-cell.ts';
import type { Matrix, MatrixCell, MatrixVariant } from './matrix-schema.ts';
import { CLASS_LABELS, doubleBanner, expectedText, observedText } from './matrix-text.ts';
import { matrixVerdict } from './matrix-verdict.ts';

/** Symbols of the classes in the HTML reports: plain glyphs that common fonts have (no emoji font needed). */
export const CLASS_SYMBOLS: Record<Classification, string> = {
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

/** Background colour of each class in the HTML reports (the browser tests read them back). */
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

/** Whether a cell is "not as expected" as the matrix headline counts it (`matrixVerdict`): error, unexpected fail, wrong reason, stale. */
export function isNotAsExpected(c: Classification): boolean {
  return c === 'error' || isProblem(c);
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** An escaped href: only http(s) and relative links pass (no `javascript:` or `data:` URLs from data files). */
export function safeHref(url: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) && !/^https?:/i.test(url)) return '#';
  return escapeHtml(url.replace(/ /g, '%20'));
}

/**
 * The stable id (HTML anchor) of a cell in matrix.html: `cell-<variant key>--<check id>`, e.g.
 * `cell-nc32-oidc1.16.6-uo8.10.1-none-nohdr--bearer.notes.get`. Links from the status page and from other
 * reports use it (`matrix.html#cell-...`).
 */
export function cellAnchor(check: string, variant: string): string {
  return `cell-${variant}--${check}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** `https://github.com/nextcloud/user_oidc/pull/1221` as `nextcloud/user_oidc#1221`. */
export function shortUpstreamUrl(url: string): string {
  const m = /^https:\/\/github\.com\/([^/]+\/[^/]+)\/(?:pull|issues)\/(\d+)/.exec(url);
  return m ? `${m[1]}#${m[2]}` : url.replace(/^https:\/\//, '');
}

/** Short names of the patch modes for column headers (the full id is in the header's title). */
export const PATCH_SHORT: Record<string, string> = { none: 'none', 'user_oidc-app-api': 'uo patch', 'server-cors': 'core patch' };

/**
 * The CSS of the compact grid, shared by the HTML reports (matrix.html, the status page, history): class
 * colours `.c-<class>`, the icon-sized cells `td.cell`, the grouped headers, the legend chips, the banner.
 */
export function gridCss(): string {
  const classes = CLASSIFICATIONS.map((c) => `.c-${c}{background:${CLASS_COLORS[c]}}`).join('\n');
  return `
${classes}
.banner{position:sticky;top:0;z-index:10;margin:0;padding:8px 16px;background:#6e40c9;color:#fff;font-weight:600;font-size:14px;box-shadow:0 1px 3px rgba(0,0,0,.3)}
.legend{display:flex;flex-wrap:wrap;gap:4px;margin:6px 0;padding:0;list-style:none;font-size:12px}
.legend li{padding:1px 6px;border:1px solid #d0d7de;border-radius:10px;white-space:nowrap}
table.grid{border-collapse:separate;border-spacing:1px;font-size:12px}
.grid thead th{background:#f6f8fa;border:1px solid #d0d7de;padding:1px 4px;font-weight:600;font-size:11px;white-space:nowrap;text-align:center}
.grid thead th.axis{text-align:right;background:#fff;border-color:#fff;color:#57606a;font-weight:400}
.grid th.check{text-align:left;font-weight:400;padding:0 6px 0 2px;white-space:nowrap;max-width:560px;overflow:hidden;text-overflow:ellipsis}
.grid th.check code{color:#57606a;font-size:11px;margin-left:4px}
.grid tr.group th{text-align:left;background:#eaeef2;padding:2px 6px;font-size:12px}
.grid tr.group .count{font-weight:400;color:#57606a}
.grid tr.group .bad{color:#a40e26;font-weight:700}
td.cell,td.empty,td.api{width:26px;min-width:26px;height:20px;padding:0;text-align:center;border:1px solid rgba(0,0,0,.12);border-radius:3px}
td.cell a,td.api a,td.api span{display:block;line-height:20px;color:#1f2328;text-decoration:none;font-weight:700}
td.cell a:focus-visible{outline:2px solid #0969da;outline-offset:1px}
td.cell:target,td.cell.pinned{outline:3px solid #0969da;outline-offset:0}
td.empty{background:#fff;border:1px dashed #d0d7de}
.provider{display:inline-block;padding:0 5px;border-radius:8px;font-size:10px;font-weight:700;color:#fff;margin-left:3px}
.provider-double{background:#6e40c9}.provider-docker{background:#0969da}.provider-external{background:#1a7f37}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;
}

/** The legend: one chip per class with its symbol, words and (when given) count; the meaning on hover. */
export function legendHtml(counts?: Partial<Record<Classification, number>>): string {
  const items = CLASSIFICATIONS.map(
    (c) =>
      `<li class="c-${c}" data-class="${c}"${counts ? ` data-count="${counts[c] ?? 0}"` : ''} title="${escapeHtml(CLASS_LABELS[c].meaning)}">${CLASS_SYMBOLS[c]} ${escapeHtml(CLASS_LABELS[c].label)}${counts ? ` <b>${counts[c] ?? 0}</b>` : ''}</li>`,
  );
  return `<ul class="legend" aria-label="legend">${items.join('')}</ul>`;
}

/** The variants in column order: provider, Nextcloud, oidc, user_oidc, patch mode, header mode. */
export function columnOrder(variants: readonly MatrixVariant[]): MatrixVariant[] {
  const providerOrder = (p: string): number => ['double', 'docker', 'external'].indexOf(p);
  return [...variants].sort(
    (a, b) =>
      providerOrder(a.provider) - providerOrder(b.provider) ||
      compareVariants(a.variant as Variant, b.variant as Variant) ||
      (a.nextcloudVersion ?? '').localeCompare(b.nextcloudVersion ?? '', undefined, { numeric: true }),
  );
}

/** The Nextcloud of a variant as headers show it: the exact version when the instance reported one, else the major. */
export function nextcloudLabel(v: MatrixVariant): string {
  return v.nextcloudVersion ?? String(v.variant.nextcloud);
}

interface HeaderLevel {
  axis: string;
  /** Cells that share a key are merged (a key includes the levels above). */
  key: (v: MatrixVariant) => string;
  html: (v: MatrixVariant) => string;
  title: (v: MatrixVariant) => string;
}

const HEADER_LEVELS: readonly HeaderLevel[] = [
  {
    axis: 'Nextcloud',
    key: (v) => `${v.provider}|${nextcloudLabel(v)}`,
    html: (v) => `${escapeHtml(nextcloudLabel(v))}<span class="provider provider-${escapeHtml(v.provider)}">${escapeHtml(v.provider)}</span>`,
    title: (v) => `Nextcloud ${nextcloudLabel(v)} (${v.provider})`,
  },
  { axis: 'oidc', key: (v) => `${v.provider}|${nextcloudLabel(v)}|${v.variant.oidc}`, html: (v) => escapeHtml(v.variant.oidc), title: (v) => `oidc ${v.variant.oidc}` },
  {
    axis: 'user_oidc',
    key: (v) => `${v.provider}|${nextcloudLabel(v)}|${v.variant.oidc}|${v.variant.userOidc}`,
    html: (v) => escapeHtml(v.variant.userOidc),
    title: (v) => `user_oidc ${v.variant.userOidc}`,
  },
  {
    axis: 'patch',
    key: (v) => `${v.provider}|${nextcloudLabel(v)}|${v.variant.oidc}|${v.variant.userOidc}|${v.variant.patch}`,
    html: (v) => escapeHtml(PATCH_SHORT[v.variant.patch] ?? v.variant.patch),
    title: (v) => `patch ${v.variant.patch}`,
  },
  {
    axis: 'OCS-APIRequest',
    key: (v) => v.key,
    html: (v) => (v.variant.ocsHeader ? 'on' : 'off'),
    title: (v) => (v.variant.ocsHeader ? 'the MCP server sends OCS-APIRequest: true' : 'the MCP server does not send OCS-APIRequest'),
  },
];

/**
 * The grouped column headers of a grid (Nextcloud, oidc, user_oidc, then patch and header mode beneath),
 * one `<tr>` per level, each led by the name of its axis.
 */
export function columnHeaderRows(columns: readonly MatrixVariant[]): string[] {
  return HEADER_LEVELS.map((level, i) => {
    const cells: string[] = [];
    let j = 0;
    while (j < columns.length) {
      const v = columns[j]!;
      let span = 1;
      while (j + span < columns.length && level.key(columns[j + span]!) === level.key(v)) span += 1;
      const last = i === HEADER_LEVELS.length - 1;
      cells.push(
        `<th scope="${last ? 'col' : 'colgroup'}"${span > 1 ? ` colspan="${span}"` : ''} title="${escapeHtml(level.title(v))}"${last ? ` data-variant="${escapeHtml(v.key)}" data-provider="${escapeHtml(v.provider)}"` : ''}>${level.html(v)}</th>`,
      );
      j += span;
    }
    return `<tr><th class="axis" scope="row">${escapeHtml(level.axis)}</th>${cells.join('')}</tr>`;
  });
}

/** The words of a cell for its text alternative and its hover title. */
function cellWords(cell: MatrixCell, variantKey: string): { label: string; title: string } {
  const { label, meaning } = CLASS_LABELS[cell.classification];
  const reasons = cell.expected.reasons.map((r) => `${r.when}: ${r.notes}${r.impl_url ? ` (${shortUpstreamUrl(r.impl_url)})` : ''}`);
  return {
    label: `${cell.check} on ${variantKey}: ${label}`,
    title: [`${cell.check} · ${variantKey}`, `${label}: ${meaning}`, `expected: ${expectedText(cell)}`, `observed: ${observedText(cell)}`, ...reasons].join('\n'),
  };
}

function linkPath(path: string, base: string | undefined): string {
  if (!base || /^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('/')) return path;
  return `${base.replace(/\/$/, '')}/${path}`;
}

/** What the details panel shows for a cell (embedded as JSON, read by the page's script). */
interface CellDetails {
  check: string;
  title: string;
  variant: string;
  cls: Classification;
  label: string;
  meaning: string;
  expected: string;
  observed: string;
  reasons: { when: string; notes: string; url?: string; ref?: string }[];
  links: { name: string; path: string }[];
  tests: string[];
}

function cellHtml(cell: MatrixCell | undefined, check: string, v: MatrixVariant, details: Record<string, CellDetails>, checkTitle: string, artifactBase: string | undefined): string {
  if (!cell) return `<td class="empty" data-check="${escapeHtml(check)}" data-variant="${escapeHtml(v.key)}" title="no cell: not run"><span class="sr">${escapeHtml(`${check} on ${v.key}: no cell (not run)`)}</span></td>`;
  const id = cellAnchor(check, v.key);
  const words = cellWords(cell, v.key);
  details[id] = {
    check,
    title: checkTitle,
    variant: v.key,
    cls: cell.classification,
    label: CLASS_LABELS[cell.classification].label,
    meaning: CLASS_LABELS[cell.classification].meaning,
    expected: expectedText(cell),
    observed: observedText(cell),
    reasons: cell.expected.reasons.map((r) => ({ when: r.when, notes: r.notes, ...(r.impl_url ? { url: r.impl_url, ref: shortUpstreamUrl(r.impl_url) } : {}) })),
    links: cell.links.map((l) => ({ name: l.name, path: linkPath(l.path, artifactBase) })),
    tests: cell.observed.tests.map((t) => `${t.file}:${t.line} ${t.title}`),
  };
  const bad = isNotAsExpected(cell.classification) ? ' bad' : '';
  return `<td class="cell c-${cell.classification}${bad}" id="${id}" data-check="${escapeHtml(check)}" data-variant="${escapeHtml(v.key)}" data-classification="${cell.classification}" title="${escapeHtml(words.title)}"><a href="#${id}" aria-label="${escapeHtml(words.label)}">${CLASS_SYMBOLS[cell.classification]}</a></td>`;
}

/** Whether an API works on a variant: every measured check passes (`works`), one fails (`fails`), none measured. */
function apiState(matrix: Matrix, byKey: Map<string, MatrixCell>, checks: readonly string[], variant: string): { state: 'works' | 'fails' | 'not-measured'; cells: MatrixCell[] } {
  const cells = checks.map((c) => byKey.get(`${c}\u0000${variant}`)).filter((c): c is MatrixCell => c !== undefined && matrix.checks.some((k) => k.id === c.check));
  const measured = cells.filter((c) => !isNotMeasured(c.classification));
  if (measured.length === 0) return { state: 'not-measured', cells };
  return { state: measured.every((c) => c.observed.outcome === 'passed') ? 'works' : 'fails', cells: measured };
}

const API_SYMBOL = { works: '✓', fails: '✕', 'not-measured': '–' } as const;
const API_WORDS = { works: 'works', fails: 'does not work', 'not-measured': 'not measured' } as const;

/** The sentence of an API: under which patch modes and header modes it works on every variant that measured it. */
function apiSummary(columns: readonly MatrixVariant[], states: readonly { v: MatrixVariant; state: keyof typeof API_WORDS }[]): string {
  const modes = new Map<string, { patch: string; hdr: boolean; works: number; fails: number }>();
  for (const { v, state } of states) {
    const k = `${v.variant.patch}|${v.variant.ocsHeader}`;
    const m = modes.get(k) ?? { patch: v.variant.patch, hdr: v.variant.ocsHeader, works: 0, fails: 0 };
    if (state === 'works') m.works += 1;
    if (state === 'fails') m.fails += 1;
    modes.set(k, m);
  }
  const measured = [...modes.values()].filter((m) => m.works + m.fails > 0);
  if (measured.length === 0 || columns.length === 0) return 'not measured';
  const bare = modes.get('none|false');
  if (bare && bare.works > 0 && bare.fails === 0) return 'works without patches';
  // patches first, the header last: "needs user_oidc-app-api or OCS-APIRequest: true"
  const rank = (m: { patch: string }): number => (m.patch === 'none' ? PATCH_MODES.length : PATCH_MODES.indexOf(m.patch as never));
  const ok = measured.filter((m) => m.fails === 0).sort((a, b) => rank(a) - rank(b) || Number(a.hdr) - Number(b.hdr));
  const partly = measured.filter((m) => m.fails > 0 && m.works > 0);
  if (ok.length === 0 && partly.length === 0) return 'does not work in any variant';
  const how = ok.map((m) => (m.patch === 'none' ? 'OCS-APIRequest: true' : `${m.patch}${m.hdr ? ' + header' : ''}`));
  const dedup = [...new Set(how.map((h) => h.replace(/ \+ header$/, '')))];
  const text = dedup.length > 0 ? `needs ${dedup.join(' or ')}` : '';
  return text + (partly.length > 0 ? `${text ? '; ' : ''}depends on the version with ${partly.map((m) => `${m.patch}${m.hdr ? ' + header' : ''}`).join(', ')}` : '');
}

/** The picture at the top: which APIs work with a bearer token on each variant, and the patch or header they need. */
function apiPicture(matrix: Matrix, columns: readonly MatrixVariant[], byKey: Map<string, MatrixCell>): string {
  const rows = APP_APIS.filter((api) => api.checks.some((c) => matrix.checks.some((k) => k.id === c))).map((api) => {
    const states = columns.map((v) => ({ v, ...apiState(matrix, byKey, api.checks, v.key) }));
    const cells = states.map(({ v, state, cells: behind }) => {
      const first = behind[0];
      const href = first ? `#${cellAnchor(first.check, v.key)}` : undefined;
      const label = `${api.label} on ${v.key}: ${API_WORDS[state]}`;
      const inner = href ? `<a href="${href}" aria-label="${escapeHtml(label)}">${API_SYMBOL[state]}</a>` : `<span aria-label="${escapeHtml(label)}">${API_SYMBOL[state]}</span>`;
      return `<td class="api api-${state}" data-api="${api.id}" data-variant="${escapeHtml(v.key)}" data-state="${state}" title="${escapeHtml(`${label} (${api.checks.join(', ')})`)}">${inner}</td>`;
    });
    return `<tr data-api="${api.id}"><th scope="row" class="check">${escapeHtml(api.label)}</th>${cells.join('')}<td class="how">${escapeHtml(apiSummary(columns, states))}</td></tr>`;
  });
  if (rows.length === 0) return '';
  return `<section class="picture" aria-labelledby="picture-title">
<h2 id="picture-title">Which Nextcloud APIs work with a bearer token (directly and through the MCP server)</h2>
<table class="grid apis"><thead>${columnHeaderRows(columns).join('')}</thead><tbody>${rows.join('')}</tbody></table>
</section>`;
}

function pageCss(): string {
  return `
*{box-sizing:border-box}
body{margin:0;font:13px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#fff}
main{padding:8px 16px}
h1{font-size:19px;margin:2px 0 2px}
h2{font-size:14px;margin:10px 0 4px}
.meta{color:#57606a;margin:0 0 4px}
.verdict{font-weight:700;font-size:14px;margin:2px 0 4px}
.verdict-bad{color:#a40e26}.verdict-ok{color:#116329}
.controls{margin:4px 0}
.api-works{background:${CLASS_COLORS.pass}}.api-fails{background:${CLASS_COLORS['unexpected-fail']}}.api-not-measured{background:${CLASS_COLORS.skipped}}
td.how{padding:0 8px;color:#57606a;white-space:nowrap}
.only-problems tr.row.ok,.only-problems tr.group.ok{display:none}
.only-problems td.cell:not(.bad) a{opacity:.25}
#details{position:fixed;right:12px;bottom:12px;width:420px;max-height:60vh;overflow:auto;background:#fff;border:1px solid #d0d7de;border-radius:6px;box-shadow:0 4px 14px rgba(0,0,0,.18);padding:8px 10px;font-size:12px;z-index:20}
#details[hidden]{display:none}
#details h3{margin:0 0 4px;font-size:13px}
#details dl{margin:0;display:grid;grid-template-columns:70px 1fr;gap:2px 6px}
#details dt{color:#57606a}#details dd{margin:0;overflow-wrap:anywhere}
#details .close{float:right;border:0;background:none;font-size:16px;cursor:pointer}
.problems li{margin:2px 0}
`;
}

/** The page's script: hover and focus show a cell's details, click pins them (also from the URL's #cell-...), Esc closes; the filter switch. */
function pageScript(): string {
  return `
(function(){
var data=JSON.parse(document.getElementById('cell-data').textContent);
var panel=document.getElementById('details');var pinned=null;
function el(tag,text,attrs){var e=document.createElement(tag);if(text!=null)e.textContent=text;if(attrs)for(var k in attrs)e.setAttribute(k,attrs[k]);return e;}
function show(id){var d=data[id];if(!d)return;panel.replaceChildren();
var close=el('button','×',{type:'button','class':'close','aria-label':'close details'});close.onclick=function(){unpin();panel.hidden=true;};panel.append(close);
panel.append(el('h3',d.check+' · '+d.title));
var dl=el('dl');function row(k,v){if(v==null||v==='')return;dl.append(el('dt',k));var dd=el('dd');if(typeof v==='string')dd.textContent=v;else dd.append(v);dl.append(dd);}
row('variant',d.variant);row('class',d.label+': '+d.meaning);row('expected',d.expected);row('observed',d.observed);
d.reasons.forEach(function(r){var f=document.createDocumentFragment();f.append(r.when+': '+r.notes+' ');if(r.url){var a=el('a',r.ref,{href:r.url});f.append(a);}row('reason',f);});
d.links.forEach(function(l){row(l.name,el('a',l.path,{href:l.path}));});
d.tests.forEach(function(t){row('test',t);});
panel.append(dl);panel.hidden=false;}
function unpin(){if(pinned){var c=document.getElementById(pinned);if(c)c.classList.remove('pinned');}pinned=null;}
function pin(id){unpin();pinned=id;var c=document.getElementById(id);if(c)c.classList.add('pinned');show(id);}
var grid=document.getElementById('grid');
grid.addEventListener('mouseover',function(e){var td=e.target.closest&&e.target.closest('td.cell');if(td&&!pinned)show(td.id);});
grid.addEventListener('focusin',function(e){var td=e.target.closest&&e.target.closest('td.cell');if(td&&!pinned)show(td.id);});
grid.addEventListener('click',function(e){var td=e.target.closest&&e.target.closest('td.cell');if(td){pin(td.id);}});
document.addEventListener('keydown',function(e){if(e.key==='Escape'){unpin();panel.hidden=true;}});
function fromHash(){var id=decodeURIComponent(location.hash.slice(1));if(data[id])pin(id);}
window.addEventListener('hashchange',fromHash);fromHash();
var sw=document.getElementById('only-problems');sw.addEventListener('change',function(){document.body.classList.toggle('only-problems',sw.checked);});
})();
`;
}

/** Options of matrixHtml. */
export interface MatrixHtmlOptions {
  /** Prefix of the relative links to logs and traces (when the page is written away from its matrix.json, e.g. by `status`). */
  artifactBase?: string;
}

/**
 * matrix.html: one self-contained page (inline CSS and script, no external assets). At the top the headline
 * (`matrixVerdict`) and a picture answering the main question per variant (which APIs work with a bearer
 * token, with which patch or header); then a compact grid in the style of compatibility tables: one
 * icon-sized cell per check and variant, coloured by class, rows grouped by scenario area with counts,
 * columns grouped by Nextcloud, oidc and user_oidc with patch and header mode beneath. A cell's details
 * (expected, observed, reason, upstream link, logs) show on hover and on click, and without script in its
 * title; every cell has a stable id (`cellAnchor`) to link to. A switch shows only what is not as expected;
 * a sticky banner says on every view when the run used the Nextcloud double.
 */
export function matrixHtml(matrix: Matrix, options: MatrixHtmlOptions = {}): string {
  const banner = doubleBanner(matrix);
  const verdict = matrixVerdict(matrix);
  const columns = columnOrder(matrix.variants);
  const byKey = new Map(matrix.cells.map((c) => [`${c.check}\u0000${c.variant}`, c]));
  const details: Record<string, CellDetails> = {};
  const groups = new Map<string, typeof matrix.checks>();
  for (const check of matrix.checks) {
    const g = checkGroup(check.id);
    groups.set(g, [...(groups.get(g) ?? []), check]);
  }
  const body: string[] = [];
  for (const [group, checks] of groups) {
    const rows = checks.map((check) => {
      const cells = columns.map((v) => byKey.get(`${check.id}\u0000${v.key}`));
      const bad = cells.filter((c) => c && isNotAsExpected(c.classification)).length;
      const head = `<th class="check" scope="row" id="${escapeHtml(`check-${check.id}`)}" title="${escapeHtml(`${check.id}: ${check.description}`)}">${escapeHtml(check.title)}<code>${escapeHtml(check.id)}</code></th>`;
      return { bad, html: `<tr class="row ${bad > 0 ? 'bad' : 'ok'}" data-check="${escapeHtml(check.id)}" data-group="${escapeHtml(group)}">${head}${columns.map((v, i) => cellHtml(cells[i], check.id, v, details, check.title, options.artifactBase)).join('')}</tr>` };
    });
    const bad = rows.reduce((n, r) => n + r.bad, 0);
    const count = `<span class="count">${checks.length} check${checks.length === 1 ? '' : 's'}</span>${bad > 0 ? ` · <span class="bad">${bad} not as expected</span>` : ''}`;
    body.push(`<tr class="group ${bad > 0 ? 'bad' : 'ok'}" data-group="${escapeHtml(group)}" data-checks="${checks.length}" data-bad="${bad}"><th scope="rowgroup" colspan="${columns.length + 1}">${escapeHtml(group)} ${count}</th></tr>`, ...rows.map((r) => r.html));
  }
  const notAsExpected = matrix.cells.filter((c) => isNotAsExpected(c.classification));
  const problemList =
    notAsExpected.length === 0
      ? '<p>None: every cell is as the expectations data says.</p>'
      : `<ul>${notAsExpected
          .map(
            (c) =>
              `<li>${CLASS_SYMBOLS[c.classification]} <b>${escapeHtml(CLASS_LABELS[c.classification].label)}</b> <a href="#${cellAnchor(c.check, c.variant)}"><code>${escapeHtml(c.check)}</code> on <code>${escapeHtml(c.variant)}</code></a>: expected ${escapeHtml(expectedText(c))}; observed ${escapeHtml(observedText(c))}</li>`,
          )
          .join('')}</ul>`;
  const variantList = columns
    .map((v) => {
      const apps = v.apps ? Object.entries(v.apps).map(([a, ver]) => `${a} ${ver ?? 'absent'}`).join(', ') : '';
      return `<li><code>${escapeHtml(v.key)}</code> (${escapeHtml(v.provider)}): Nextcloud ${escapeHtml(v.nextcloudVersion ?? `${v.variant.nextcloud} (major; exact version not recorded)`)}, oidc ${escapeHtml(v.variant.oidc)}, user_oidc ${escapeHtml(v.variant.userOidc)}, patch ${escapeHtml(v.variant.patch)}, ${v.variant.ocsHeader ? 'MCP server sends OCS-APIRequest' : 'no OCS-APIRequest'}${apps ? `; ${escapeHtml(apps)}` : ''}</li>`;
    })
    .join('');
  const json = JSON.stringify(details).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nc-oauth-lab matrix${matrix.double ? ' (Nextcloud double)' : ''}</title>
<style>${pageCss()}${gridCss()}</style>
</head>
<body${banner ? ' class="has-banner"' : ''}>
${banner ? `<p class="banner" id="double-banner" role="note">${escapeHtml(banner)}</p>` : ''}
<main>
<h1>nc-oauth-lab compatibility matrix</h1>
<p class="verdict ${verdict.asExpected ? 'verdict-ok' : 'verdict-bad'}" id="verdict">${escapeHtml(verdict.headline)}</p>
<p class="meta">${escapeHtml(matrix.tool.name)} ${escapeHtml(matrix.tool.version)} · generated ${escapeHtml(matrix.generatedAt)} · ${matrix.variants.length} variants · ${matrix.checks.length} checks</p>
${apiPicture(matrix, columns, byKey)}
<h2>Every check</h2>
${legendHtml(matrix.summary.counts)}
<p class="controls"><label><input type="checkbox" id="only-problems"> show only what is not as expected (${notAsExpected.length})</label> · hover or click a cell for its details</p>
<table class="grid" id="grid">
<thead>${columnHeaderRows(columns).join('\n')}</thead>
<tbody>
${body.join('\n')}
</tbody>
</table>
<section class="problems"><h2>Not as expected</h2>${problemList}</section>
<details class="variants"><summary>Variants (${columns.length})</summary><ul>${variantList}</ul></details>
</main>
<aside id="details" aria-live="polite" hidden></aside>
<script type="application/json" id="cell-data">${json}</script>
<script>${pageScript()}</script>
</body>
</html>
`;
}
