import { escapeHtml, gridCss, legendHtml, safeHref } from '../matrix/matrix-html.ts';
import { cellLinkText, cellLinkTitle, type Block, type Inline, type StatusDocument } from './status-document.ts';

function inline(parts: readonly Inline[]): string {
  return parts
    .map((p) => {
      if (typeof p === 'string') return escapeHtml(p);
      if ('code' in p) return `<code>${escapeHtml(p.code)}</code>`;
      if ('strong' in p) return `<strong>${escapeHtml(p.strong)}</strong>`;
      if ('cell' in p) {
        const c = p.cell;
        return `<a class="chip c-${c.classification}" href="${safeHref(c.href)}" title="${escapeHtml(cellLinkTitle(c))}" data-check="${escapeHtml(c.check)}" data-variant="${escapeHtml(c.variant)}" data-classification="${c.classification}">${escapeHtml(cellLinkText(c))}</a>`;
      }
      return `<a href="${safeHref(p.href)}">${escapeHtml(p.text)}</a>`;
    })
    .join('');
}

function block(b: Block): string {
  if (b.kind === 'p') return `<p>${inline(b.parts)}</p>`;
  if (b.kind === 'ul') return `<ul>${b.items.map((i) => `<li>${inline(i)}</li>`).join('')}</ul>`;
  if (b.kind === 'pre') return `<pre><code>${escapeHtml(b.text)}</code></pre>`;
  return `<h3 id="${escapeHtml(b.id)}">${inline(b.parts)}</h3>`;
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#fff}
main{padding:8px 20px;max-width:1200px}
h1{font-size:22px;margin:8px 0}
h2{font-size:17px;margin:20px 0 6px;border-bottom:1px solid #d0d7de}
h3{font-size:15px;margin:14px 0 4px}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:4px;padding:8px;overflow:auto;font-size:12px}
li{margin:3px 0}
a.chip{display:inline-block;padding:0 5px;margin:1px 0;border:1px solid rgba(0,0,0,.15);border-radius:9px;font-size:11px;color:#1f2328;text-decoration:none;white-space:nowrap}
a.chip:hover{border-color:#0969da}
nav.toc{font-size:13px;color:#57606a}
`;

/** status.html: the status document as one self-contained page (inline CSS, no script), with the class colours of matrix.html. */
export function statusHtml(doc: StatusDocument): string {
  const toc = doc.sections.map((s) => `<a href="#${s.id}">${escapeHtml(s.title)}</a>`).join(' · ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nc-oauth-lab: ${escapeHtml(doc.title)}</title>
<style>${CSS}${gridCss()}</style>
</head>
<body>
${doc.banner ? `<p class="banner" id="double-banner" role="note">${escapeHtml(doc.banner)}</p>` : ''}
<main>
<h1>${escapeHtml(doc.title)}</h1>
${doc.intro.map(block).join('\n')}
<nav class="toc">${toc}</nav>
${legendHtml()}
${doc.sections.map((s) => `<section id="${s.id}"><h2>${escapeHtml(s.title)}</h2>\n${s.blocks.map(block).join('\n')}</section>`).join('\n')}
</main>
</body>
</html>
`;
}
