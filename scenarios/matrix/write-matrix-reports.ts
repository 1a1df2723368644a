import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { matrixHtml } from './matrix-html.ts';
import { matrixJunit } from './matrix-junit.ts';
import { matrixMarkdown } from './matrix-markdown.ts';
import type { Matrix } from './matrix-schema.ts';

/** File names of the reports inside the output directory. */
export const REPORT_FILES = { json: 'matrix.json', markdown: 'matrix.md', html: 'matrix.html', junit: 'matrix-junit.xml' } as const;

/** Paths of the written reports. */
export type WrittenReports = Record<keyof typeof REPORT_FILES, string>;

/** Writes a file through a temporary sibling and a rename, so a reader never sees it half-written. */
export async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, 'utf8');
  await rename(tmp, path);
}

/** Writes matrix.json, matrix.md, matrix.html and matrix-junit.xml into `dir` (created when missing). */
export async function writeMatrixReports(matrix: Matrix, dir: string): Promise<WrittenReports> {
  await mkdir(dir, { recursive: true });
  const out = {
    json: join(dir, REPORT_FILES.json),
    markdown: join(dir, REPORT_FILES.markdown),
    html: join(dir, REPORT_FILES.html),
    junit: join(dir, REPORT_FILES.junit),
  };
  await writeAtomic(out.json, `${JSON.stringify(matrix, null, 2)}\n`);
  await writeAtomic(out.markdown, matrixMarkdown(matrix));
  await writeAtomic(out.html, matrixHtml(matrix));
  await writeAtomic(out.junit, matrixJunit(matrix));
  return out;
}
