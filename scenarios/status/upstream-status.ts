import { basename } from 'node:path';
import { checkGroup } from '../checks.ts';
import type { UpstreamItem, Workaround } from '../expectations/upstream-schema.ts';
import { isNotMeasured, type Classification } from '../matrix/classify-cell.ts';
import { appAbsentReason } from '../matrix/diff-matrices.ts';
import { cellAnchor } from '../matrix/matrix-html.ts';
import { observedText } from '../matrix/matrix-text.ts';
import type { Matrix, MatrixCell, MatrixCheck, MatrixVariant } from '../matrix/matrix-schema.ts';
import type { Provider } from '../variant.ts';

/** One matrix.json the status is built from. */
export interface StatusRun {
  /** 1-based position in the inputs. */
  index: number;
  /** The path as given. */
  path: string;
  matrix: Matrix;
  /** Link from the status pages to this run's matrix.html (where the cells' anchors are). */
  href: string;
}

/** A tested release: one instance's versions (a variant without its patch and header modes). */
export interface Release {
  key: string;
  provider: Provider;
  /** The exact Nextcloud version when the run recorded it (`32.0.1`), else the major (`32`). */
  nextcloud: string;
  exact: boolean;
  oidc: string;
  userOidc: string;
  /** `Nextcloud 32.0.1 with oidc 1.16.6 and user_oidc 8.10.1 (external)`. */
  label: string;
}

/** A cell a claim of the status stands on, with the link to it. */
export interface CellLink {
  check: string;
  variant: string;
  patch: string;
  ocsHeader: boolean;
  classification: Classification;
  /** `pass` / `fail` as observed, `none` when not measured (`isNotMeasured`, or its app is not installed: `appAbsentReason`). */
  state: 'pass' | 'fail' | 'none';
  /** Why a cell that recorded an answer measured nothing: its check's app is not installed there (`appAbsentReason`). */
  notMeasured?: string;
  /** What was observed, in words (`failed 401 CORS requires basic auth`). */
  observed: string;
  run: number;
  href: string;
}

/** A workaround by name: a patch id, or `OCS-APIRequest`. */
export function workaroundName(w: Workaround): string {
  return 'patch' in w ? w.patch : 'OCS-APIRequest: true';
}

/** What the cells of one release say about an upstream item. */
export interface ItemOnRelease {
  release: Release;
  /**
   * `still-needed`: its checks fail unpatched and pass with a workaround; `fails`: they fail unpatched and no
   * workaround was measured to pass (see `failingWith`); `fixed`: every measured check passes unpatched (looks
   * fixed upstream); `not-measured`: no run measured its checks unpatched on this release, or the matrix does
   * not exercise the item's code path at all (`scope.untested`, then given as `untested`).
   */
  verdict: 'still-needed' | 'fails' | 'fixed' | 'not-measured';
  /** The item's `scope.untested`: why these cells do not measure it, whatever they say. */
  untested?: string;
  /** Workarounds whose cells pass where the unpatched ones fail. */
  working: string[];
  /** Workarounds that were measured and still fail. */
  failingWith: string[];
  /** The unpatched cells and the workaround cells behind the verdict. */
  cells: CellLink[];
}

/** An upstream item and its verdict on each release. */
export interface ItemStatus {
  item: UpstreamItem;
  releases: ItemOnRelease[];
}

/** What the cells of one release say about a check. */
export interface CheckOnRelease {
  release: Release;
  /** `works` unpatched without the header; `requires` a patch or the header (`needs`); `fails` even so; `not-measured`. */
  state: 'works' | 'requires' | 'fails' | 'not-measured';
  /** Patch ids and/or `OCS-APIRequest: true` with which it passes, for `requires`. */
  needs: string[];
  cells: CellLink[];
}

/** A check across the tested releases. */
export interface CheckStatus {
  check: MatrixCheck;
  group: string;
  /** `requires` when any release requires a workaround; else `fails` when any fails; else `works` when any works; else `not-measured`. */
  verdict: CheckOnRelease['state'];
  releases: CheckOnRelease[];
}

/** A known side effect of a workaround and, where a check measures it, whether the cells show it. */
export interface SideEffectStatus {
  item: UpstreamItem;
  workaround: string;
  description: string;
  measured: { check: string; release: Release; state: 'shows' | 'absent' | 'not-measured'; cells: CellLink[] }[];
}

/** Everything the status pages show, computed from the cells. */
export interface UpstreamStatus {
  runs: StatusRun[];
  /** True when every variant of every run used the Nextcloud double. */
  doubleOnly: boolean;
  releases: Release[];
  items: ItemStatus[];
  checks: CheckStatus[];
  sideEffects: SideEffectStatus[];
  /** The patch ids among the items' workarounds, for "How to apply". */
  patches: string[];
}

interface Slot {
  variant: MatrixVariant;
  run: StatusRun;
  cells: Map<string, MatrixCell>;
}

interface ReleaseSlots {
  release: Release;
  /** `${patch}|${ocsHeader}` -> the newest run's variant. */
  modes: Map<string, Slot>;
}

function releaseOf(v: MatrixVariant): Release {
  const nextcloud = v.nextcloudVersion ?? String(v.variant.nextcloud);
  const where = v.provider === 'external' ? '' : ` (${v.provider === 'double' ? 'the Nextcloud double' : 'docker'})`;
  return {
    key: `${v.provider}|${nextcloud}|${v.variant.oidc}|${v.variant.userOidc}`,
    provider: v.provider,
    nextcloud,
    exact: v.nextcloudVersion !== undefined,
    oidc: v.variant.oidc,
    userOidc: v.variant.userOidc,
    label: `Nextcloud ${nextcloud} with oidc ${v.variant.oidc} and user_oidc ${v.variant.userOidc}${where}`,
  };
}

function stateOf(cell: MatrixCell | undefined, variant: MatrixVariant): CellLink['state'] {
  // A cell whose app the instance lacks is not a Nextcloud result (a 404 from an app that is not there).
  if (!cell || isNotMeasured(cell.classification) || appAbsentReason(cell, variant) !== undefined) return 'none';
  return cell.observed.outcome === 'passed' ? 'pass' : 'fail';
}

function link(slot: Slot, check: string): CellLink | undefined {
  const cell = slot.cells.get(check);
  if (!cell) return undefined;
  return {
    check,
    variant: slot.variant.key,
    patch: slot.variant.variant.patch,
    ocsHeader: slot.variant.variant.ocsHeader,
    classification: cell.classification,
    state: stateOf(cell, slot.variant),
    observed: observedText(cell),
    ...(appAbsentReason(cell, slot.variant) ? { notMeasured: appAbsentReason(cell, slot.variant)! } : {}),
    run: slot.run.index,
    href: `${slot.run.href}#${cellAnchor(check, slot.variant.key)}`,
  };
}

function cellsOf(slots: readonly Slot[], checks: readonly string[]): CellLink[] {
  return checks.flatMap((c) => slots.map((s) => link(s, c)).filter((l): l is CellLink => l !== undefined));
}

const measured = (cells: readonly CellLink[]): CellLink[] => cells.filter((c) => c.state !== 'none');
const allPass = (cells: readonly CellLink[]): boolean => measured(cells).length > 0 && measured(cells).every((c) => c.state === 'pass');

/** Pools the variants of every run by release; a variant measured by several runs is taken from the newest. */
function poolReleases(runs: readonly StatusRun[]): ReleaseSlots[] {
  const out = new Map<string, ReleaseSlots>();
  for (const run of runs) {
    for (const v of run.matrix.variants) {
      const release = releaseOf(v);
      const slots = out.get(release.key) ?? { release, modes: new Map<string, Slot>() };
      out.set(release.key, slots);
      const mode = `${v.variant.patch}|${v.variant.ocsHeader}`;
      const old = slots.modes.get(mode);
      if (old && old.run.matrix.generatedAt > run.matrix.generatedAt) continue;
      slots.modes.set(mode, { variant: v, run, cells: new Map(run.matrix.cells.filter((c) => c.variant === v.key).map((c) => [c.check, c])) });
    }
  }
  return [...out.values()];
}

function slotsWhere(r: ReleaseSlots, pred: (patch: string, hdr: boolean) => boolean): Slot[] {
  return [...r.modes.entries()].filter(([k]) => pred(k.split('|')[0]!, k.split('|')[1] === 'true')).map(([, s]) => s);
}

function itemOnRelease(item: UpstreamItem, r: ReleaseSlots): ItemOnRelease {
  const scopeHdr = item.scope?.ocsHeader;
  const inScope = (hdr: boolean): boolean => scopeHdr === undefined || hdr === scopeHdr;
  const without = cellsOf(slotsWhere(r, (p, h) => p === 'none' && inScope(h)), item.fixes);
  const base = { release: r.release, working: [] as string[], failingWith: [] as string[] };
  if (item.scope?.untested) return { ...base, verdict: 'not-measured', untested: item.scope.untested, cells: measured(without) };
  if (measured(without).length === 0) return { ...base, verdict: 'not-measured', cells: without };
  const failing = measured(without).filter((c) => c.state === 'fail');
  if (failing.length === 0) return { ...base, verdict: 'fixed', cells: measured(without) };
  const failingChecks = [...new Set(failing.map((c) => c.check))];
  const cells = [...failing];
  for (const w of item.workarounds) {
    const slots = 'patch' in w ? slotsWhere(r, (p, h) => p === w.patch && inScope(h)) : slotsWhere(r, (p, h) => p === 'none' && h);
    const checks = failingChecks.filter((c) => (w.fixes ?? item.fixes).includes(c));
    const withCells = measured(cellsOf(slots, checks));
    if (withCells.length === 0) continue;
    cells.push(...withCells);
    if (withCells.some((c) => c.state === 'pass')) base.working.push(workaroundName(w));
    else base.failingWith.push(workaroundName(w));
  }
  return { ...base, verdict: base.working.length > 0 ? 'still-needed' : 'fails', cells };
}

function checkOnRelease(check: string, r: ReleaseSlots, patches: readonly string[]): CheckOnRelease {
  const bare = cellsOf(slotsWhere(r, (p, h) => p === 'none' && !h), [check]);
  const hdr = cellsOf(slotsWhere(r, (p, h) => p === 'none' && h), [check]);
  const unpatched = measured(bare).length > 0 ? bare : hdr;
  const base = { release: r.release, needs: [] as string[] };
  if (measured(unpatched).length === 0) return { ...base, state: 'not-measured', cells: [...bare, ...hdr] };
  if (allPass(unpatched)) return { ...base, state: 'works', cells: measured(unpatched) };
  const cells = measured(unpatched).filter((c) => c.state === 'fail');
  for (const patch of patches) {
    const withPatch = measured(cellsOf(slotsWhere(r, (p) => p === patch), [check]));
    if (withPatch.length === 0) continue;
    if (allPass(withPatch)) base.needs.push(patch);
    cells.push(...withPatch);
  }
  if (unpatched === bare && allPass(hdr)) {
    base.needs.push('OCS-APIRequest: true');
    cells.push(...measured(hdr));
  }
  return { ...base, state: base.needs.length > 0 ? 'requires' : 'fails', cells };
}

function sideEffectsOf(items: readonly UpstreamItem[], pooled: readonly ReleaseSlots[]): SideEffectStatus[] {
  const out: SideEffectStatus[] = [];
  for (const item of items) {
    for (const w of item.workarounds) {
      for (const s of w.sideEffects) {
        const rows: SideEffectStatus['measured'] = [];
        for (const check of s.checks ?? []) {
          for (const r of pooled) {
            const slots = 'patch' in w ? slotsWhere(r, (p) => p === w.patch) : slotsWhere(r, (p, h) => p === 'none' && h);
            if (slots.length === 0) continue;
            const cells = cellsOf(slots, [check]);
            const m = measured(cells);
            const state = m.length === 0 ? 'not-measured' : m.some((c) => c.state === 'fail') ? 'shows' : 'absent';
            rows.push({ check, release: r.release, state, cells: m.length > 0 ? m : cells });
          }
        }
        out.push({ item, workaround: workaroundName(w), description: s.description, measured: rows });
      }
    }
  }
  return out;
}

/**
 * The upstream status computed from the cells of one or more matrices: per upstream item, where it is still
 * needed, where it looks fixed upstream and where it was not measured; per check, whether it works without
 * patches, requires one (or the header), fails, or was not measured; whether the workarounds' known side
 * effects show. Variants are pooled by release (provider and versions); a cell that is not measured
 * (`isNotMeasured`) never counts as a pass or a fail.
 */
export function upstreamStatus(runs: readonly StatusRun[], items: readonly UpstreamItem[]): UpstreamStatus {
  const pooled = poolReleases(runs);
  const patches = [...new Set(items.flatMap((i) => i.workarounds.flatMap((w) => ('patch' in w ? [w.patch] : []))))];
  const checkIds = new Map<string, MatrixCheck>();
  for (const run of runs) for (const c of run.matrix.checks) if (!checkIds.has(c.id)) checkIds.set(c.id, c);
  const runPatches = [...new Set(runs.flatMap((r) => r.matrix.variants.map((v) => v.variant.patch)).filter((p) => p !== 'none'))];
  const checks = [...checkIds.values()].map((check): CheckStatus => {
    const releases = pooled.map((r) => checkOnRelease(check.id, r, runPatches));
    const has = (s: CheckOnRelease['state']): boolean => releases.some((r) => r.state === s);
    const verdict = has('requires') ? 'requires' : has('fails') ? 'fails' : has('works') ? 'works' : 'not-measured';
    return { check, group: checkGroup(check.id), verdict, releases };
  });
  return {
    runs: [...runs],
    doubleOnly: runs.length > 0 && runs.every((r) => r.matrix.variants.every((v) => v.provider === 'double')),
    releases: pooled.map((r) => r.release),
    items: items.map((item) => ({ item, releases: pooled.map((r) => itemOnRelease(item, r)) })),
    checks,
    sideEffects: sideEffectsOf(items, pooled),
    patches,
  };
}

/** The run of a matrix file as the status reads it, with the name of its rendered matrix.html beside the status pages. */
export function statusRun(index: number, path: string, matrix: Matrix): StatusRun {
  const name = basename(path).replace(/\.json$/i, '').replace(/[^A-Za-z0-9._-]/g, '_');
  return { index, path, matrix, href: `matrices/${index}-${name}.html` };
}
