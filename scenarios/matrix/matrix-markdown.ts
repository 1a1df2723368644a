import { CLASSIFICATIONS, isProblem } from './classify-cell.ts';
import type { Matrix, MatrixCell } from './matrix-schema.ts';
import { CLASS_LABELS, doubleBanner, expectedText, observedText, reasonUrl, variantLabel } from './matrix-text.ts';
import { matrixVerdict } from './matrix-verdict.ts';

function esc(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function titleAttr(text: string): string {
  return text.replace(/"/g, "'").replace(/\r?\n/g, ' ').replace(/\|/g, '/');
}

function cellText(cell: MatrixCell | undefined): string {
  if (!cell) return ' ';
  const { symbol } = CLASS_LABELS[cell.classification];
  const hover = titleAttr(`expected ${expectedText(cell)} / observed ${observedText(cell)}`);
  const target = cell.classification === 'expected-fail' || cell.classification === 'stale' ? reasonUrl(cell) : cell.links[0]?.path;
  return target ? `[${symbol}](${target.replace(/ /g, '%20')} "${hover}")` : symbol;
}

/**
 * matrix.md: a table of checks x variants to paste in a PR, with the double banner when the double was
 * used, a legend, and the list of unexpected and stale cells.
 */
export function matrixMarkdown(matrix: Matrix): string {
  const lines: string[] = ['# nc-oauth-lab compatibility matrix', ''];
  const banner = doubleBanner(matrix);
  if (banner) lines.push(`> **${banner}**`, '');
  const verdict = matrixVerdict(matrix);
  lines.push(`**${esc(verdict.headline)}**`, '');
  lines.push(`${matrix.tool.name} ${matrix.tool.version} · ${matrix.generatedAt} · ${matrix.variants.length} variants · ${matrix.checks.length} checks`, '');
  const counts = CLASSIFICATIONS.filter((c) => matrix.summary.counts[c] > 0).map((c) => `${CLASS_LABELS[c].symbol} ${matrix.summary.counts[c]} ${CLASS_LABELS[c].label}`);
  if (counts.length > 0) lines.push(counts.join(' · '), '');
  const header = ['check', ...matrix.variants.map((v) => `${variantLabel(v).join('<br>')}<br>*${v.provider}*`)];
  lines.push(`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (i === 0 ? '---' : ':---:')).join(' | ')} |`);
  const byKey = new Map(matrix.cells.map((c) => [`${c.check}\u0000${c.variant}`, c]));
  for (const check of matrix.checks) {
    const row = [`\`${check.id}\` ${esc(check.title)}`, ...matrix.variants.map((v) => cellText(byKey.get(`${check.id}\u0000${v.key}`)))];
    lines.push(`| ${row.join(' | ')} |`);
  }
  lines.push('', `**Legend:** ${CLASSIFICATIONS.map((c) => `${CLASS_LABELS[c].symbol} ${CLASS_LABELS[c].label}: ${CLASS_LABELS[c].meaning}`).join(' · ')} · blank: not run.`);
  lines.push('', 'Variants: ' + matrix.variants.map((v) => `\`${v.key}\` (${v.provider})`).join(', ') + '.');
  // errors have their own section below
  const bad = matrix.cells.filter((c) => isProblem(c.classification) && c.classification !== 'error');
  lines.push('', '## Unexpected and stale cells', '');
  if (bad.length === 0) lines.push('None: every cell is as the expectations data says.');
  for (const c of bad) {
    const url = reasonUrl(c);
    lines.push(
      `- ${CLASS_LABELS[c.classification].symbol} **${CLASS_LABELS[c.classification].label}** \`${c.check}\` on \`${c.variant}\`: expected ${esc(expectedText(c))}; observed ${esc(observedText(c))}` +
        (url ? ` ([upstream](${url}))` : '') +
        (c.links.length > 0 ? ` ${c.links.map((l) => `[${l.name}](${l.path.replace(/ /g, '%20')})`).join(' ')}` : ''),
    );
  }
  const notMeasured = matrix.cells.filter((c) => c.classification === 'skipped' && c.observed.message);
  if (notMeasured.length > 0) {
    lines.push('', '## Not measured on the instance', '');
    for (const c of notMeasured) lines.push(`- ${CLASS_LABELS.skipped.symbol} \`${c.check}\` on \`${c.variant}\`: ${esc(c.observed.message!)}`);
  }
  const errors = matrix.cells.filter((c) => c.classification === 'error');
  if (errors.length > 0) {
    lines.push('', '## Errors', '');
    for (const c of errors) lines.push(`- 💥 \`${c.check}\` on \`${c.variant}\`: ${esc(observedText(c))}${c.links.length > 0 ? ` ${c.links.map((l) => `[${l.name}](${l.path.replace(/ /g, '%20')})`).join(' ')}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
