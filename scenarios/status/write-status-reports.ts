import { mkdir } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import type { UpstreamItem } from '../expectations/upstream-schema.ts';
import { matrixHtml } from '../matrix/matrix-html.ts';
import type { Matrix } from '../matrix/matrix-schema.ts';
import { writeAtomic } from '../matrix/write-matrix-reports.ts';
import { statusDocument } from './status-document.ts';
import { statusHtml } from './status-html.ts';
import { statusMarkdown } from './status-markdown.ts';
import { statusRun, upstreamStatus, type UpstreamStatus } from './upstream-status.ts';

/** File names of the status reports inside the output directory. */
export const STATUS_FILES = { markdown: 'status.md', html: 'status.html', matrices: 'matrices' } as const;

/** What `writeStatusReports` wrote. */
export interface WrittenStatus {
  markdown: string;
  html: string;
  /** The matrix.html of each run (the cells the status links to). */
  matrices: string[];
  status: UpstreamStatus;
}

/**
 * Writes status.md, status.html and, under matrices/, each run's matrix.html (the anchors the status links
 * to; their log and trace links point back to the run's own directory). Everything is computed before the
 * first file is written, and each file is written through a rename: nothing half-written.
 */
export async function writeStatusReports(inputs: readonly { path: string; matrix: Matrix }[], items: readonly UpstreamItem[], dir: string): Promise<WrittenStatus> {
  const runs = inputs.map((input, i) => statusRun(i + 1, input.path, input.matrix));
  const status = upstreamStatus(runs, items);
  const doc = statusDocument(status);
  const files: [string, string][] = [
    [join(dir, STATUS_FILES.markdown), statusMarkdown(doc)],
    [join(dir, STATUS_FILES.html), statusHtml(doc)],
    ...runs.map((r): [string, string] => {
      const file = join(dir, r.href);
      const artifactBase = relative(dirname(resolve(file)), dirname(resolve(r.path))).split('\\').join('/') || '.';
      return [file, matrixHtml(r.matrix, { artifactBase })];
    }),
  ];
  await mkdir(join(dir, STATUS_FILES.matrices), { recursive: true });
  for (const [file, text] of files) await writeAtomic(file, text);
  return { markdown: files[0]![0], html: files[1]![0], matrices: files.slice(2).map(([f]) => f), status };
}
