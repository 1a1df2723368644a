import { fileURLToPath } from 'node:url';
import { PATCHES } from '../../patches/index.ts';
import { CHECK_IDS } from '../checks.ts';
import { ExpectationsError, formatLintProblem, type LintProblem } from './expectations-error.ts';
import { jsonPath, parseRawFile, readExpectationFiles, type RawExpectationsFile } from './lint-expectations.ts';
import { upstreamFileSchema, type UpstreamItem } from './upstream-schema.ts';

/** Where the upstream items live: scenarios/expectations/upstream/*.json. */
export const DEFAULT_UPSTREAM_DIR = fileURLToPath(new URL('./upstream/', import.meta.url));

/** `https://github.com/nextcloud/user_oidc/pull/1221` -> `nextcloud/user_oidc#1221`. */
function githubRef(url: string): string | undefined {
  const m = /^https:\/\/github\.com\/([^/]+\/[^/]+)\/(?:pull|issues)\/(\d+)\/?$/.exec(url);
  return m ? `${m[1]}#${m[2]}` : undefined;
}

/**
 * Lints the upstream items: the schema, then unknown check ids (in `fixes`, `workarounds[].fixes` and side
 * effects), unknown patches, a workaround's `fixes` that are not the item's, a `url` that is not the GitHub
 * page of `ref`, a patch whose registry entry names another upstream PR, an item defined twice.
 */
export function lintUpstreamItems(files: readonly RawExpectationsFile[], options: { checkIds?: readonly string[] } = {}): { problems: LintProblem[]; items: UpstreamItem[] } {
  const checkIds = new Set(options.checkIds ?? CHECK_IDS);
  const problems: LintProblem[] = [];
  const items: UpstreamItem[] = [];
  const seen = new Map<string, string>();
  for (const raw of files) {
    const push = (path: string, message: string): void => void problems.push({ file: raw.file, path, message });
    const data = parseRawFile(raw, upstreamFileSchema, problems);
    if (!data) continue;
    data.items.forEach((item, i) => {
      const path = jsonPath(['items', i]);
      if (seen.has(item.ref)) push(`${path}.ref`, `${item.ref} is already listed in ${seen.get(item.ref)}`);
      seen.set(item.ref, raw.file);
      const fromUrl = githubRef(item.url);
      if (fromUrl !== item.ref) push(`${path}.url`, `url ${item.url} is not the GitHub pull request or issue ${item.ref}`);
      const checks = (p: string, ids: readonly string[]): void =>
        ids.forEach((id, j) => {
          if (!checkIds.has(id)) push(`${p}[${j}]`, `unknown check '${id}': it is not in scenarios/checks.ts`);
        });
      checks(`${path}.fixes`, item.fixes);
      item.workarounds.forEach((w, j) => {
        const wp = `${path}.workarounds[${j}]`;
        if ('patch' in w) {
          const patch = PATCHES.find((p) => p.id === w.patch);
          if (!patch) push(`${wp}.patch`, `unknown patch '${w.patch}': use one of ${PATCHES.map((p) => p.id).join(', ')}`);
        }
        (w.fixes ?? []).forEach((id, k) => {
          if (!item.fixes.includes(id)) push(`${wp}.fixes[${k}]`, `'${id}' is not one of the item's fixes`);
        });
        w.sideEffects.forEach((s, k) => checks(`${wp}.sideEffects[${k}].checks`, s.checks ?? []));
      });
      items.push(item);
    });
  }
  for (const patch of PATCHES) {
    const item = items.find((i) => i.workarounds.some((w) => 'patch' in w && w.patch === patch.id));
    if (item && item.ref !== patch.upstream.ref && !items.some((i) => i.ref === patch.upstream.ref && i.workarounds.some((w) => 'patch' in w && w.patch === patch.id))) {
      problems.push({ file: seen.get(item.ref) ?? '', path: '', message: `patch ${patch.id} stands for ${patch.upstream.ref} (patches/), but no item with that ref has it as a workaround` });
    }
  }
  return { problems, items };
}

/** Reads and lints the upstream items of a directory; throws an ExpectationsError naming the first problem when the data is not clean. */
export function loadUpstreamItems(dir: string = DEFAULT_UPSTREAM_DIR): UpstreamItem[] {
  const files = readExpectationFiles(dir);
  if (files.length === 0) throw new ExpectationsError(`no upstream items (*.json) in ${dir}`);
  const { problems, items } = lintUpstreamItems(files);
  if (problems.length > 0) throw new ExpectationsError(`${problems.length} problem(s) in the upstream items in ${dir}: ${formatLintProblem(problems[0]!)}`, problems);
  return items;
}
