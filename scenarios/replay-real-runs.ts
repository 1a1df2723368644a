import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { diffMatrices, leftOutReason, readMatrixFile, type MatrixDiff } from './matrix/diff-matrices.ts';
import type { Matrix } from './matrix/matrix-schema.ts';
import { runMatrix } from './run-matrix.ts';
import { checkVariant, variantKey, VariantError, type Variant } from './variant.ts';

/** One recorded run of the tool against a real Nextcloud (a matrix.json). */
export interface RealRun {
  path: string;
  matrix: Matrix;
}

/**
 * The `*.matrix.json` files of `dir`, read with `readMatrixFile` (schema versions 1 and 2), in name
 * order; an empty list when the folder does not exist or holds none. Files of the double are refused:
 * a recording is of a real Nextcloud.
 */
export function readRealRuns(dir: string): RealRun[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.matrix.json'))
    .sort()
    .map((name) => {
      const path = join(dir, name);
      const matrix = readMatrixFile(path);
      const double = matrix.variants.filter((v) => v.provider === 'double').map((v) => v.key);
      if (double.length > 0) throw new VariantError(`${path} has variants of the double (${double.join(', ')}): a recorded run is of a real Nextcloud`);
      return { path, matrix };
    });
}

/** The variant the double plays for a recorded one: the same axes (the double plays the major of an exact version). */
export function doubleVariant(run: RealRun, key: string): Variant {
  const recorded = run.matrix.variants.find((v) => v.key === key);
  if (!recorded) throw new VariantError(`${basename(run.path)}: no variant ${key}`);
  try {
    return checkVariant(recorded.variant);
  } catch (error) {
    if (error instanceof VariantError) throw new VariantError(`${basename(run.path)}: the double cannot play ${recorded.key}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** A Playwright test title path as matrix.json records it (`describe › test`). */
const TITLE_SEPARATOR = ' › ';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The tests the double must run for some recorded runs: every test that recorded a cell the comparison
 * keeps (not `leftOutReason`), as a Playwright `--grep` anchored on the test's describe and title.
 */
export function replayGrep(runs: readonly RealRun[]): string {
  const titles = new Set<string>();
  for (const { matrix } of runs) {
    const variants = new Map(matrix.variants.map((v) => [v.key, v]));
    for (const cell of matrix.cells) {
      if (leftOutReason(cell, variants.get(cell.variant)) !== undefined) continue;
      for (const t of cell.observed.tests) titles.add(t.title);
    }
  }
  // Playwright greps "project file describe title [tags]".
  return [...titles]
    .sort()
    .map((t) => `(?:^| )${escapeRegExp(t.split(TITLE_SEPARATOR).join(' '))}(?:$| @)`)
    .join('|');
}

/** What one recorded run and the double answered. */
export interface Replay {
  run: RealRun;
  /** `diffMatrices(real, double)`: across providers. */
  diff: MatrixDiff;
}

/** Options of `replayOnDouble`. */
export interface ReplayOptions {
  /** Playwright workers for the double's runs. */
  workers?: number;
  /** Receives Playwright's output. */
  output?: (chunk: string) => void;
}

/**
 * Replays recorded real runs on the double: runs with the same set of tests share one matrix run
 * (`runMatrix`, the tool's own machinery) of their variants on the double, limited to those tests; each
 * recording is then compared with `diffMatrices`, as `nc-oauth-lab matrix diff real.json double.json` does.
 */
export async function replayOnDouble(runs: readonly RealRun[], options: ReplayOptions = {}): Promise<Replay[]> {
  const groups = new Map<string, RealRun[]>();
  for (const run of runs) {
    const grep = replayGrep([run]);
    groups.set(grep, [...(groups.get(grep) ?? []), run]);
  }
  const replays: Replay[] = [];
  for (const [grep, group] of groups) {
    const variants = new Map<string, Variant>();
    for (const run of group) {
      for (const v of run.matrix.variants) {
        const variant = doubleVariant(run, v.key);
        variants.set(variantKey(variant), variant);
      }
    }
    const out = await mkdtemp(join(tmpdir(), 'nc-oauth-lab-replay-'));
    try {
      const outcome = await runMatrix({
        spec: { provider: 'double', variants: [...variants.values()] },
        out,
        ...(grep !== '' ? { grep } : {}),
        ...(options.workers !== undefined ? { workers: options.workers } : {}),
        progress: 'null',
        output: options.output ?? (() => undefined),
      });
      if (!outcome.matrix) throw new Error(`the double's run for ${group.map((r) => basename(r.path)).join(', ')} wrote no matrix: ${outcome.failures.join('; ')}`);
      for (const run of group) replays.push({ run, diff: diffMatrices(run.matrix, outcome.matrix) });
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }
  return replays;
}
