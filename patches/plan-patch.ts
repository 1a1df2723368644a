import type { AnchorMatch, PatchDefinition, PatchEdit } from './patch-definition.ts';
import { AnchorsChangedError, PatchNotApplicableError, PhpLintError } from './patch-error.ts';
import { lintPatchedPhp, type PhpLintOptions, type PhpLintResult } from './lint-php.ts';
import { findPatch } from './patch-registry.ts';
import { readPatchTarget, type PatchTarget } from './patch-target.ts';
import { renderPatchDiff } from './render-patch-diff.ts';
import { describeVersionRange, inVersionRange } from './version-range.ts';
import { writeFileAtomic } from './write-file-atomic.ts';

/** What a patch does to a file: one of four distinct outcomes, told apart by `code`. */
export type PatchOutcome =
  | {
    /** The patch makes `edits` (N > 0); `alreadyPatched` anchors were patched before (a partially patched file). */
    code: 'applied';
    edits: PatchEdit[];
    anchors: AnchorMatch[];
    alreadyPatched: number;
    patched: string;
  }
  | {
    /** Every anchor already has the patched statement next to it: no change. */
    code: 'already-applied';
    anchors: AnchorMatch[];
  }
  | {
    /** The version is outside the patch's versions (and does not need it). */
    code: 'not-applicable';
    message: string;
  }
  | {
    /** A version that should have the anchors does not: `message` names the missing anchor. */
    code: 'anchors-changed';
    problems: string[];
    anchors: AnchorMatch[];
    message: string;
  };

/** A patch, its target and the outcome of applying it there (nothing written yet). */
export interface PatchPlan {
  definition: PatchDefinition;
  target: PatchTarget;
  outcome: PatchOutcome;
}

/** What `applyPatchPlan` did. */
export interface PatchApplyResult {
  plan: PatchPlan;
  /** The file was rewritten (false on a dry run and when there was nothing to do). */
  written: boolean;
  /** `php -l` of the patched text, when there were edits. */
  lint: PhpLintResult | undefined;
}

/**
 * Decides the outcome of `definition` on a file of `label` (`user_oidc 8.10.1`) at `version` whose text is
 * `source` (undefined: the file does not exist). Pure: reads and writes nothing.
 */
export function evaluatePatch(definition: PatchDefinition, version: string, label: string, source: string | undefined): PatchOutcome {
  if (!inVersionRange(version, definition.versions)) {
    return {
      code: 'not-applicable',
      message: `${definition.id} is not applicable to ${label}: ${definition.notApplicableReason} (it applies to ${definition.component.label} ${describeVersionRange(definition.versions)})`,
    };
  }
  const changed = (problems: string[], anchors: AnchorMatch[]): PatchOutcome => ({
    code: 'anchors-changed', problems, anchors, message: `${label}: ${problems.join('; ')}: the upstream code changed; update the patch`,
  });
  if (source === undefined) return changed([`no ${definition.file}`], []);
  const result = definition.transform(source, definition.file);
  if (result.problems.length > 0) return changed(result.problems, result.anchors);
  if (result.edits.length === 0) return { code: 'already-applied', anchors: result.anchors };
  return { code: 'applied', edits: result.edits, anchors: result.anchors, alreadyPatched: result.anchors.filter((a) => a.patched).length, patched: result.patched };
}

/** Reads the target directory (version from the target itself) and decides the outcome; writes nothing. */
export async function planPatch(definition: PatchDefinition | string, targetDir: string): Promise<PatchPlan> {
  const def = typeof definition === 'string' ? findPatch(definition) : definition;
  const target = await readPatchTarget(def, targetDir);
  return { definition: def, target, outcome: evaluatePatch(def, target.version, target.label, target.source) };
}

/** Throws `PatchNotApplicableError` or `AnchorsChangedError` for those outcomes; returns the plan otherwise. */
export function assertApplicable(plan: PatchPlan): PatchPlan {
  const { outcome } = plan;
  if (outcome.code === 'not-applicable') throw new PatchNotApplicableError(outcome.message);
  if (outcome.code === 'anchors-changed') throw new AnchorsChangedError(outcome.message);
  return plan;
}

/** The unified diff of the plan (empty when there is nothing to change). */
export function renderPlanDiff(plan: PatchPlan): string {
  const { outcome, target } = plan;
  return outcome.code === 'applied' ? renderPatchDiff(target.file, target.source ?? '', outcome.patched) : '';
}

/**
 * Applies a plan: `php -l` on the patched text (a failure while the original passes throws `PhpLintError`
 * and writes nothing), then an atomic write unless `dryRun`. Not-applicable and anchors-changed plans throw.
 */
export async function applyPatchPlan(plan: PatchPlan, options: { dryRun?: boolean } & PhpLintOptions = {}): Promise<PatchApplyResult> {
  assertApplicable(plan);
  const { outcome, target } = plan;
  if (outcome.code !== 'applied') return { plan, written: false, lint: undefined };
  const lint = await lintPatchedPhp(target.source ?? '', outcome.patched, options);
  if (lint.status === 'failed') {
    throw new PhpLintError(`${target.label}: the patched ${target.file} does not pass php -l on PHP ${lint.php} (${lint.message}): nothing written`);
  }
  if (options.dryRun) return { plan, written: false, lint };
  await writeFileAtomic(target.path, outcome.patched, target.source ?? '');
  return { plan, written: true, lint };
}

/** Plans and applies patch `id` to `targetDir` in one step (see `applyPatchPlan`). */
export async function applyPatchToTarget(id: PatchDefinition | string, targetDir: string, options: { dryRun?: boolean } & PhpLintOptions = {}): Promise<PatchApplyResult> {
  return applyPatchPlan(await planPatch(id, targetDir), options);
}
