import {
  applyPatchPlan, assertApplicable, describeLint, describeVersionRange, findPatch, PATCH_IDS, PATCHES, PatchError, planPatch,
  renderPlanDiff, type AnchorMatch, type PatchDefinition, type PatchPlan,
} from '../patches/index.ts';
import { CliError, requireString, type CommandContext, type CommandSpec } from './command.ts';

/** Exit code of `patch check` when the patch is not (fully) applied yet. */
export const EXIT_NOT_APPLIED = 3;

const targetOptions = {
  patch: { type: 'string', valueName: 'ID', choices: PATCH_IDS, description: 'The patch (see `patch list`).' },
  target: { type: 'string', valueName: 'DIR', description: 'The user_oidc app directory (user_oidc-app-api) or the Nextcloud root (server-cors).' },
} as const;

/** Runs `fn`, turning patch errors (bad target, parse error, anchors changed, ...) into one-line CLI errors. */
async function withPatchErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof PatchError) throw new CliError(error.message, { code: error.code, cause: error });
    throw error;
  }
}

async function plan(ctx: CommandContext): Promise<PatchPlan> {
  const id = requireString(ctx, 'patch');
  const target = requireString(ctx, 'target');
  return withPatchErrors(async () => planPatch(findPatch(id), target));
}

function anchorDescription(definition: PatchDefinition, id: string): string {
  return definition.anchors.find((a) => a.id === id)?.description ?? id;
}

function anchorCount(anchors: readonly AnchorMatch[]): string {
  const patched = anchors.filter((a) => a.patched);
  const unmarked = patched.filter((a) => !a.marked).length;
  return `${patched.length} of ${anchors.length} anchor${anchors.length === 1 ? '' : 's'} patched${unmarked > 0 ? `, ${unmarked} without the nc-oauth-lab marker` : ''}`;
}

function where(p: PatchPlan): string {
  return `${p.target.file} of ${p.target.label} in ${p.target.dir}`;
}

const listCommand: CommandSpec = {
  name: 'list',
  summary: 'List the companion patches: id, component, versions, upstream pull request, side effects.',
  async run(ctx) {
    const rows = [
      ['ID', 'COMPONENT', 'VERSIONS', 'UPSTREAM', 'SIDE EFFECTS'],
      ...PATCHES.map((p) => [p.id, p.component.label, describeVersionRange(p.versions), `${p.upstream.ref} (${p.upstream.status})`, p.sideEffects.join('; ')]),
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) ctx.out(r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
    for (const p of PATCHES) {
      ctx.out('');
      ctx.out(`${p.id}: ${p.summary}`);
      ctx.out(`  file: ${p.file} (${p.scope}); changes checks: ${p.changesChecks.join(', ')}; ${p.upstream.url}`);
    }
  },
};

const applyCommand: CommandSpec = {
  name: 'apply',
  summary: 'Apply a patch to an app or server directory (anchors found with a PHP parser; atomic write).',
  options: { ...targetOptions, 'dry-run': { type: 'boolean', description: 'Show the edits and check them with php -l, but write nothing.' } },
  details: 'The version is read from the target (appinfo/info.xml or version.php). A file already patched is left as it is; a partially patched one is completed. Exit 0 when applied or already applied, 2 on error (not applicable, anchors changed, wrong target).',
  async run(ctx) {
    const dryRun = ctx.values['dry-run'] === true;
    const p = await plan(ctx);
    const result = await withPatchErrors(async () => applyPatchPlan(assertApplicable(p), { dryRun }));
    const { outcome, definition } = p;
    if (outcome.code === 'already-applied') {
      ctx.out(`${definition.id}: already applied to ${where(p)} (${anchorCount(outcome.anchors)}): no change`);
      return 0;
    }
    if (outcome.code !== 'applied') return 2;
    const n = outcome.edits.length;
    const partial = outcome.alreadyPatched > 0 ? ` (${outcome.alreadyPatched} of ${outcome.anchors.length} anchors were already patched)` : '';
    ctx.out(`${definition.id}: ${dryRun ? 'would apply' : 'applied'} ${n} edit${n === 1 ? '' : 's'} to ${where(p)}${partial}`);
    for (const e of outcome.edits) ctx.out(`  line ${e.line}: inserted ${e.position} ${anchorDescription(definition, e.anchor)} (original line ${e.anchorLine})`);
    if (result.lint) ctx.out(describeLint(result.lint));
    ctx.out(dryRun ? 'dry run: nothing written' : `wrote ${p.target.file}`);
    return 0;
  },
};

const renderCommand: CommandSpec = {
  name: 'render',
  summary: 'Print the patch for a target as a unified diff (for patch -p1 or git apply from the target directory).',
  options: targetOptions,
  details: 'Example: nc-oauth-lab patch render --patch user_oidc-app-api --target user_oidc > app-api.patch, then in the user_oidc directory: patch -p1 < app-api.patch',
  async run(ctx) {
    const p = assertApplicableCli(await plan(ctx));
    if (p.outcome.code === 'already-applied') {
      ctx.err(`${p.definition.id}: already applied to ${where(p)} (${anchorCount(p.outcome.anchors)}): nothing to render`);
      return 0;
    }
    ctx.out(renderPlanDiff(p).replace(/\n$/, ''));
    return 0;
  },
};

const checkCommand: CommandSpec = {
  name: 'check',
  summary: 'Tell whether a patch is applied to a target: exit 0 when applied, 3 when not (or only partly), 2 on error.',
  options: targetOptions,
  async run(ctx) {
    const p = assertApplicableCli(await plan(ctx));
    const { outcome, definition } = p;
    if (outcome.code === 'already-applied') {
      ctx.out(`${definition.id}: applied to ${where(p)} (${anchorCount(outcome.anchors)})`);
      return 0;
    }
    if (outcome.code !== 'applied') return 2;
    const state = outcome.alreadyPatched > 0 ? 'partially applied' : 'not applied';
    ctx.out(`${definition.id}: ${state} to ${where(p)} (${anchorCount(outcome.anchors)}): run 'nc-oauth-lab patch apply --patch ${definition.id} --target ${p.target.dir}'`);
    return EXIT_NOT_APPLIED;
  },
};

function assertApplicableCli(p: PatchPlan): PatchPlan {
  try {
    return assertApplicable(p);
  } catch (error) {
    if (error instanceof PatchError) throw new CliError(error.message, { code: error.code, cause: error });
    throw error;
  }
}

/** `nc-oauth-lab patch`: the companion patches (list, apply, render, check). */
export const patchCommand: CommandSpec = {
  name: 'patch',
  summary: 'The companion patches (user_oidc app_api, core CORS): list, apply, render as a diff, check.',
  subcommands: [listCommand, applyCommand, renderCommand, checkCommand],
  details: 'php -l checks use `php` on PATH, or $NC_OAUTH_LAB_PHP; without PHP the check is reported as skipped. See patches/README.md.',
};
