import { readdirSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { buildHistory, historyHtml, historyLines, MatrixFileError, readMatrixFile, REPORT_FILES, writeAtomic, type HistoryRunInput } from '../scenarios/index.ts';
import { CliError, type CommandSpec } from './command.ts';

/** Where `matrix history` writes by default. */
export const DEFAULT_HISTORY_OUT = join('reports', 'history');

/** File names of the history reports. */
export const HISTORY_FILES = { html: 'history.html', json: 'history.json' } as const;

/** How deep a folder is searched for matrix.json files (a folder of downloaded artifacts: <run>/<artifact>/matrix.json). */
const MAX_DEPTH = 4;

/**
 * The matrix.json files of an input: the file itself, or the matrix.json (or `*.matrix.json`) files of a folder and
 * of its subfolders up to MAX_DEPTH levels down; a folder that holds one is a run's report folder, whose own
 * subfolders (a bisect's steps/) are not searched.
 */
export function matrixFilesOf(input: string): string[] {
  const path = resolve(input);
  let info;
  try {
    info = statSync(path);
  } catch {
    throw new CliError(`${input} does not exist: give matrix.json files or folders that hold them`);
  }
  if (info.isFile()) return [path];
  const found: string[] = [];
  const isMatrix = (name: string): boolean => name === REPORT_FILES.json || name.endsWith(`.${REPORT_FILES.json}`);
  const walk = (dir: string, depth: number): void => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    const matrices = entries.filter((e) => e.isFile() && isMatrix(e.name));
    found.push(...matrices.map((e) => join(dir, e.name)));
    // A report folder's subfolders are its own parts (a bisect's steps/, logs/, artifacts/): not other runs.
    if (matrices.length > 0 || depth >= MAX_DEPTH) return;
    for (const e of entries) if (e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.')) walk(join(dir, e.name), depth + 1);
  };
  walk(path, 0);
  if (found.length === 0) throw new CliError(`${input} holds no ${REPORT_FILES.json} (searched ${MAX_DEPTH} levels down): give the report folders of matrix runs`);
  return found;
}

/** `nc-oauth-lab matrix history RUN...`: every cell across matrix runs, by date. */
export const matrixHistoryCommand: CommandSpec = {
  name: 'history',
  summary: 'Show each matrix cell across runs by date (history.html, history.json): where it turned red, green again, and flaky cells.',
  args: '<matrix.json files or folders...>',
  options: {
    out: { type: 'string', valueName: 'DIR', description: `Where ${HISTORY_FILES.html} and ${HISTORY_FILES.json} go.`, default: DEFAULT_HISTORY_OUT },
  },
  details: [
    'Runs are read in any order (matrix.json of schema 1 or 2; a folder is searched for matrix.json and *.matrix.json,',
    'not inside a folder that holds one, such as a bisect\'s steps/) and sorted by their generatedAt. Variants are',
    'matched across runs by their axes, as matrix diff matches them; cells by check id. Red is a cell not as expected',
    '(unexpected fail, wrong reason, stale); green is pass or expected fail; error, skipped, unknown, interrupted and',
    'not-run cells are not measured, neither red nor green. A cell that changes between red and green three times or',
    'more is flaky. Prints the cells red now (since when), green again and flaky; exit 0 whatever they are, 2 when an',
    'input is missing, holds no matrix.json or is not a valid one.',
  ].join('\n'),
  async run(ctx) {
    if (ctx.positionals.length === 0) throw new CliError("matrix history needs matrix.json files or folders holding them: run 'nc-oauth-lab matrix history --help'");
    const paths = [...new Set(ctx.positionals.flatMap(matrixFilesOf))];
    const runs: HistoryRunInput[] = [];
    for (const path of paths) {
      try {
        runs.push({ path: relative(process.cwd(), path) || path, matrix: readMatrixFile(path) });
      } catch (error) {
        if (error instanceof MatrixFileError) throw new CliError(error.message, { code: error.code, cause: error });
        throw error;
      }
    }
    const history = buildHistory(runs);
    const out = resolve(typeof ctx.values['out'] === 'string' && ctx.values['out'] !== '' ? ctx.values['out'] : DEFAULT_HISTORY_OUT);
    await mkdir(out, { recursive: true });
    await writeAtomic(join(out, HISTORY_FILES.json), `${JSON.stringify(history, null, 2)}\n`);
    await writeAtomic(join(out, HISTORY_FILES.html), historyHtml(history));
    for (const line of historyLines(history)) ctx.out(line);
    if (history.double) ctx.out('matrix history: runs against the Nextcloud double (a test double, not a real Nextcloud) are marked as such');
    ctx.out(`matrix history: wrote ${relative(process.cwd(), join(out, HISTORY_FILES.html)) || HISTORY_FILES.html} and ${HISTORY_FILES.json}`);
    return 0;
  },
};
