import { diffMatrices, formatMatrixDiff, matrixDiffMarkdown, MatrixFileError, readMatrixFile, type DiffAxis } from '../scenarios/index.ts';
import { CliError, type CommandSpec } from './command.ts';
import { matrixBisectCommand } from './matrix-bisect-command.ts';
import { matrixHistoryCommand } from './matrix-history-command.ts';
import { MATRIX_RUN_DETAILS, MATRIX_RUN_OPTIONS, matrixMergeCommand, runMatrixCommand } from './matrix-run-command.ts';

const AXIS_OPTION: Record<string, DiffAxis> = { nextcloud: 'nextcloud', oidc: 'oidc', 'user-oidc': 'userOidc', patch: 'patch', 'ocs-header': 'ocsHeader' };

/** `nc-oauth-lab matrix diff base.json head.json`: the cells that changed between two matrix runs. */
export const matrixDiffCommand: CommandSpec = {
  name: 'diff',
  summary: 'List the matrix cells that changed between two matrix.json files (fixed, broken, other), or where a real Nextcloud and the double disagree.',
  args: '<base.json> <head.json>',
  options: {
    format: { type: 'string', choices: ['text', 'markdown', 'json'], description: 'Output format (markdown to post on a PR).', default: 'text' },
    ignore: {
      type: 'string',
      multiple: true,
      valueName: Object.keys(AXIS_OPTION).join('|'),
      description: 'Leave a variant axis out when matching variants (repeatable), e.g. --ignore patch to compare an unpatched base with a patched head.',
    },
  },
  details:
    'Variants are matched by their axes (Nextcloud major, oidc, user_oidc, patch, OCS-APIRequest; an exact version such as nc32.0.1-... matches nc32-...), ' +
    'cells by check id. Two runs of one provider: every change of class, outcome, status or message. Runs of different providers (a real Nextcloud ' +
    'and the double, e.g. matrix diff real/matrix.json double/matrix.json): only the cells where Nextcloud answered otherwise (outcome, HTTP status, ' +
    'and the message of a failure or an HTTP error); cells the real side did not measure (skipped, error, or an app not installed there) are left out and counted. ' +
    'The exit status is 0 whatever changed; an unreadable or invalid file, or a matrix.json of another schema version, is an error (exit 2).',
  async run(ctx) {
    if (ctx.positionals.length !== 2) throw new CliError(`matrix diff needs two files, <base.json> <head.json>, not ${ctx.positionals.length}: run 'nc-oauth-lab matrix diff --help'`);
    const [basePath, headPath] = ctx.positionals as [string, string];
    const ignore = ((ctx.values['ignore'] as string[] | undefined) ?? []).map((name) => {
      const axis = AXIS_OPTION[name];
      if (!axis) throw new CliError(`--ignore must be one of ${Object.keys(AXIS_OPTION).join(', ')}, not '${name}'`);
      return axis;
    });
    let diff;
    try {
      const base = readMatrixFile(basePath);
      const head = readMatrixFile(headPath);
      diff = diffMatrices(base, head, { ignore });
    } catch (error) {
      if (error instanceof MatrixFileError) throw new CliError(error.message, { code: error.code, cause: error });
      throw error;
    }
    const names = { base: basePath, head: headPath };
    const format = ctx.values['format'];
    if (format === 'json') ctx.out(JSON.stringify(diff, null, 2));
    else if (format === 'markdown') ctx.out(matrixDiffMarkdown(diff, names).trimEnd());
    else for (const line of formatMatrixDiff(diff, names)) ctx.out(line);
    return 0;
  },
};

/** `nc-oauth-lab matrix`: the compatibility matrix; without a command it runs one (see matrix-run-command.ts). */
export const matrixCommand: CommandSpec = {
  name: 'matrix',
  summary: 'The compatibility matrix: run it on Playwright Test across variants, merge shards, compare runs, bisect releases, show history.',
  options: MATRIX_RUN_OPTIONS,
  details: MATRIX_RUN_DETAILS,
  run: runMatrixCommand,
  subcommands: [matrixMergeCommand, matrixDiffCommand, matrixBisectCommand, matrixHistoryCommand],
};

