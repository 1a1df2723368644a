import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  DEFAULT_MATRIX_OUT, DEFAULT_UPSTREAM_DIR, ExpectationsError, loadUpstreamItems, MatrixFileError, readMatrixFile, writeStatusReports, type ItemOnRelease,
} from '../scenarios/index.ts';
import { CliError, type CommandSpec } from './command.ts';

const VERDICT_WORDS: Record<ItemOnRelease['verdict'], string> = {
  'still-needed': 'still needed on',
  fails: 'still fails on',
  fixed: 'looks fixed upstream in',
  'not-measured': 'not measured on',
};

/** `nc-oauth-lab status`: the upstream status page, computed from one or more matrix.json files. */
export const statusCommand: CommandSpec = {
  name: 'status',
  summary: 'Write the upstream status page (status.md, status.html) from matrix runs: which upstream fixes are still needed, what works without patches.',
  options: {
    matrix: {
      type: 'string',
      multiple: true,
      valueName: 'FILE',
      description: `A matrix.json to build the status from (repeatable; default: ${join(DEFAULT_MATRIX_OUT, 'matrix.json')}, the last matrix run).`,
    },
    out: { type: 'string', valueName: 'DIR', description: 'Where to write status.md, status.html and matrices/ (each run\'s matrix.html, the cells the status links to).', default: 'reports/status' },
    upstream: { type: 'string', valueName: 'DIR', description: 'Upstream items to report on, instead of scenarios/expectations/upstream.' },
  },
  details:
    'The upstream items (pull requests and issues, their state as last checked, the checks they fix, the workaround in this tool and its side\n' +
    'effects) are data in scenarios/expectations/upstream/*.json; whether each is still needed is computed from the cells: "still needed on" the\n' +
    'releases where its checks fail unpatched and pass with the workaround, "looks fixed upstream in" where an unpatched variant passes them, "not\n' +
    'measured" where no run covers them (skipped, interrupted, not-run, error and unknown cells are not measured). Variants of several runs are\n' +
    'pooled by release (provider and versions; the newest run wins). A status built only from runs against the Nextcloud double says so at the top.\n' +
    'Reads matrix.json of schema versions 1 and 2. Exit 0 when written; 2 on a missing or invalid matrix.json or upstream data.',
  async run(ctx) {
    const given = (ctx.values['matrix'] as string[] | undefined) ?? [];
    const paths = given.length > 0 ? given : [join(DEFAULT_MATRIX_OUT, 'matrix.json')];
    if (given.length === 0 && !existsSync(paths[0]!)) {
      throw new CliError(`no matrix.json at ${paths[0]}: run 'nc-oauth-lab matrix' first, or give --matrix FILE`);
    }
    const out = ctx.values['out'] as string;
    let written;
    try {
      const inputs = paths.map((path) => ({ path, matrix: readMatrixFile(path) }));
      const items = loadUpstreamItems((ctx.values['upstream'] as string | undefined) ?? DEFAULT_UPSTREAM_DIR);
      written = await writeStatusReports(inputs, items, out);
    } catch (error) {
      if (error instanceof MatrixFileError) throw new CliError(error.message, { code: error.code, cause: error });
      if (error instanceof ExpectationsError) throw new CliError(`${error.message}: fix the upstream items or give --upstream DIR`, { code: error.code, cause: error });
      throw error;
    }
    const { status } = written;
    if (status.doubleOnly) ctx.out('status: built only from runs against the Nextcloud double, not a real Nextcloud');
    for (const s of status.items) {
      const parts = (['still-needed', 'fails', 'fixed', 'not-measured'] as const)
        .map((v) => ({ v, releases: s.releases.filter((r) => r.verdict === v).map((r) => r.release.label) }))
        .filter((x) => x.releases.length > 0)
        .map((x) => `${VERDICT_WORDS[x.v]} ${x.releases.join('; ')}`);
      ctx.out(`${s.item.ref}: ${parts.join('; ') || 'not measured'}`);
    }
    ctx.out(`status: wrote ${relative(process.cwd(), written.markdown) || written.markdown} and ${relative(process.cwd(), written.html) || written.html} from ${status.runs.length} run(s)`);
    return 0;
  },
};
