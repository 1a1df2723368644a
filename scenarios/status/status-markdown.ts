import { cellLinkText, cellLinkTitle, type Block, type Inline, type StatusDocument } from './status-document.ts';

function esc(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/([*[\]|<>])/g, '\\$1');
}

function inline(parts: readonly Inline[]): string {
  return parts
    .map((p) => {
      if (typeof p === 'string') return esc(p);
      if ('code' in p) return `\`${p.code}\``;
      if ('strong' in p) return `**${esc(p.strong)}**`;
      if ('cell' in p) return `[${esc(cellLinkText(p.cell))}](${p.cell.href.replace(/ /g, '%20')} "${cellLinkTitle(p.cell).replace(/"/g, "'")}")`;
      return `[${esc(p.text)}](${p.href.replace(/ /g, '%20')})`;
    })
    .join('');
}

function block(b: Block): string[] {
  if (b.kind === 'p') return [inline(b.parts), ''];
  if (b.kind === 'ul') return [...b.items.map((i) => `- ${inline(i)}`), ''];
  if (b.kind === 'pre') return ['```sh', b.text, '```', ''];
  return [`### ${inline(b.parts)}`, ''];
}

/** status.md: the status document as Markdown (to paste in an issue or a wiki page). */
export function statusMarkdown(doc: StatusDocument): string {
  const lines = [`# ${doc.title}`, ''];
  if (doc.banner) lines.push(`> **${esc(doc.banner)}**`, '');
  for (const b of doc.intro) lines.push(...block(b));
  for (const s of doc.sections) {
    lines.push(`## ${s.title}`, '');
    for (const b of s.blocks) lines.push(...block(b));
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
