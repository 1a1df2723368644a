import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { appReleases, findAppRelease, installsOn, NEXTCLOUD_MAJORS, type AppRelease } from '../double/index.ts';
import {
  assembleMatrix,
  BISECT_AXES,
  bisectReleases,
  DEFAULT_EXPECTATIONS_DIR,
  doubleBanner,
  expectedOutcome,
  grepForTests,
  isCheckId,
  loadExpectations,
  matrixVerdict,
  PROVIDERS,
  REPORT_FILES,
  runMatrix,
  testsDeclaring,
  toolInfo,
  variantKey,
  writeMatrixReports,
  type BisectAxis,
  type BisectCandidate,
  type BisectResult,
  type BisectStep,
  type CheckId,
  type Matrix,
  type MatrixSpec,
  type StepRun,
} from '../scenarios/index.ts';
import { CliError, type CommandContext, type CommandSpec } from './command.ts';
import { MATRIX_RUN_OPTIONS, matrixSpecFromOptions } from './matrix-run-command.ts';

/** Where `matrix bisect` writes its matrix and the runs of its steps by default. */
export const DEFAULT_BISECT_OUT = join('reports', 'bisect');

/** The option that fixes each axis in a matrix run. */
const AXIS_OPTION: Record<BisectAxis, 'nextcloud' | 'oidc' | 'user-oidc'> = { nextcloud: 'nextcloud', oidc: 'oidc', user_oidc: 'user-oidc' };

/** How the answer names a release of an axis. */
const AXIS_NAME: Record<BisectAxis, string> = { nextcloud: 'Nextcloud', oidc: 'oidc', user_oidc: 'user_oidc' };

function text(ctx: CommandContext, name: string): string | undefined {
  const value = ctx.values[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** One release of the axis before --from/--to and installability are applied. */
interface AxisRelease {
  version: string;
  released: boolean;
  notes?: string;
  /** For an app release: the Nextcloud majors it installs on. */
  nextcloud?: readonly [number, number];
}

function axisData(axis: BisectAxis): AxisRelease[] {
  if (axis === 'nextcloud') return NEXTCLOUD_MAJORS.map((m) => ({ version: String(m), released: true }));
  return appReleases(axis).map((r: AppRelease) => ({ version: r.version, released: r.released !== false, nextcloud: r.nextcloud, ...(r.notes ? { notes: r.notes } : {}) }));
}

/** The index of --from/--to in the axis data; a value outside the data is bad input. */
function position(axis: BisectAxis, data: readonly AxisRelease[], name: 'from' | 'to', value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const normalised = axis === 'nextcloud' ? value : (findAppRelease(axis, value)?.version ?? value);
  const index = data.findIndex((r) => r.version === normalised);
  if (index < 0) throw new CliError(`--${name} ${value} is not a release of ${AXIS_NAME[axis]} in the data: use one of ${data[0]!.version} ... ${data.at(-1)!.version} (double/${axis === 'nextcloud' ? 'version-gates.ts' : 'app-releases.ts'})`);
  return index;
}

/** A release of the range, the matrix spec of its one variant, and what the data expects of the check there. */
interface PlannedRelease extends BisectCandidate {
  spec: MatrixSpec;
  key: string;
  /** Its position in the axis data. */
  dataIndex: number;
}

/** The options of a matrix run with the axis set to one release (and bisect's own defaults: patch none, OCS-APIRequest on). */
function stepContext(ctx: CommandContext, axis: BisectAxis, version: string | undefined): CommandContext {
  const values = { ...ctx.values };
  delete values[AXIS_OPTION[axis]];
  if (version !== undefined) values[AXIS_OPTION[axis]] = version;
  values['patch'] ??= 'none';
  return { ...ctx, values };
}

/** The one variant of a step; several (a comma-separated fixed axis) are bad input. */
function oneVariant(spec: MatrixSpec): MatrixSpec {
  if (spec.variants.length !== 1) {
    const v = spec.variants;
    const several = (['nextcloud', 'oidc', 'userOidc', 'patch', 'ocsHeader'] as const).filter((a) => new Set(v.map((x) => String(x[a]))).size > 1);
    const option = { nextcloud: '--nextcloud', oidc: '--oidc', userOidc: '--user-oidc', patch: '--patch', ocsHeader: '--ocs-header' };
    throw new CliError(`bisect runs one variant per release: give one value to ${several.map((a) => option[a]).join(', ') || 'each fixed axis'}`);
  }
  return spec;
}

/**
 * The releases to bisect over, oldest first: the axis data from --from to --to (the `range`), plus the release
 * just outside each end for the monotonicity check, without the releases that do not install with the fixed
 * axes (listed in `leftOut`) and without unreleased versions unless --from/--to names one. Every problem of the
 * options is a CliError (exit 2) before anything runs.
 */
async function planReleases(ctx: CommandContext, axis: BisectAxis, check: CheckId): Promise<{ releases: PlannedRelease[]; range: { from: number; to: number }; fixed: string; leftOut: string[] }> {
  const data = axisData(axis);
  const fromIndex = position(axis, data, 'from', text(ctx, 'from'));
  const toIndex = position(axis, data, 'to', text(ctx, 'to'));
  if (fromIndex !== undefined && toIndex !== undefined && fromIndex >= toIndex) throw new CliError(`--from ${text(ctx, 'from')} must be an older release than --to ${text(ctx, 'to')}`);
  const named = new Set([fromIndex, toIndex].filter((i) => i !== undefined));
  // The fixed axes, checked once (an app axis: with the newest version for the major in the axis' place).
  let fixedSpec: MatrixSpec | undefined;
  if (axis !== 'nextcloud') fixedSpec = oneVariant(await matrixSpecFromOptions(stepContext(ctx, axis, undefined)));
  const expectationsDir = text(ctx, 'expectations') ?? process.env['NC_OAUTH_LAB_EXPECTATIONS'] ?? DEFAULT_EXPECTATIONS_DIR;
  let expectations;
  try {
    expectations = loadExpectations(resolve(expectationsDir));
  } catch (error) {
    throw new CliError(`cannot read the expectations in ${expectationsDir}: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  const fixedMajor = fixedSpec?.variants[0]!.nextcloud;
  const pinned = (['oidc', 'user_oidc'] as const).filter((a) => a !== axis && text(ctx, AXIS_OPTION[a]) !== undefined);
  const releases: PlannedRelease[] = [];
  const left: { index: number; version: string; why: string }[] = [];
  const first = fromIndex ?? 0;
  const last = toIndex ?? data.length - 1;
  let lastError: CliError | undefined;
  for (let i = 0; i < data.length; i += 1) {
    const r = data[i]!;
    // Releases outside --from/--to serve only as the neighbours of an answer at an end: left out silently.
    const inside = i >= first && i <= last;
    const leftOut = (why: string): void => void (inside && left.push({ index: i, version: r.version, why }));
    if (!r.released && !named.has(i)) {
      leftOut(`not released${r.notes ? ` (${r.notes})` : ''}: name it with --from/--to to include it`);
      continue;
    }
    if (r.nextcloud && fixedMajor !== undefined && !installsOn({ nextcloud: r.nextcloud }, fixedMajor)) {
      if (named.has(i)) throw new CliError(`--${i === fromIndex ? 'from' : 'to'} ${AXIS_NAME[axis]} ${r.version} installs on Nextcloud ${r.nextcloud[0]}-${r.nextcloud[1]}, not ${fixedMajor}: pick a release that does`);
      leftOut(`installs on Nextcloud ${r.nextcloud[0]}-${r.nextcloud[1]}, not ${fixedMajor}`);
      continue;
    }
    if (axis === 'nextcloud') {
      const clash = pinned.map((app) => ({ app, release: findAppRelease(app, text(ctx, AXIS_OPTION[app])!) })).find((p) => p.release && !installsOn(p.release, Number(r.version)));
      if (clash) {
        const why = `${clash.app} ${clash.release!.version} installs on Nextcloud ${clash.release!.nextcloud[0]}-${clash.release!.nextcloud[1]}`;
        if (named.has(i)) throw new CliError(`--${i === fromIndex ? 'from' : 'to'} Nextcloud ${r.version}: ${why}: pick a major it installs on`);
        leftOut(why);
        continue;
      }
    }
    let spec: MatrixSpec;
    try {
      spec = oneVariant(await matrixSpecFromOptions(stepContext(ctx, axis, r.version)));
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      if (!inside) continue;
      if (named.has(i) || axis !== 'nextcloud' || /one variant per release/.test(error.message)) throw error;
      lastError = error;
      leftOut(error.message);
      continue;
    }
    const variant = spec.variants[0]!;
    const expected = expectedOutcome(expectations, check, { variant, mcpServer: toolInfo().version }).outcome;
    releases.push({ version: r.version, expected, spec, key: variantKey(variant), dataIndex: i });
  }
  const inRange = releases.filter((r) => r.dataIndex >= first && r.dataIndex <= last);
  if (inRange.length < 2) {
    if (lastError && inRange.length === 0) throw lastError;
    throw new CliError(`${inRange.length === 0 ? 'no' : 'only one'} release of ${AXIS_NAME[axis]} in the range installs with the fixed axes: bisect needs two; widen --from/--to or change the fixed axes`);
  }
  const before = releases.filter((r) => r.dataIndex < first).at(-1);
  const after = releases.find((r) => r.dataIndex > last);
  const candidates = [...(before ? [before] : []), ...inRange, ...(after ? [after] : [])];
  const range = { from: before ? 1 : 0, to: (before ? 1 : 0) + inRange.length - 1 };
  const v = inRange[0]!.spec.variants[0]!;
  const fixedParts = [
    axis !== 'nextcloud' ? `Nextcloud ${v.nextcloud}` : '',
    axis !== 'oidc' ? (text(ctx, 'oidc') || axis !== 'nextcloud' ? `oidc ${v.oidc}` : 'oidc: the newest for each major') : '',
    axis !== 'user_oidc' ? (text(ctx, 'user-oidc') || axis !== 'nextcloud' ? `user_oidc ${v.userOidc}` : 'user_oidc: the newest for each major') : '',
    `patch ${v.patch}`,
    `OCS-APIRequest ${v.ocsHeader ? 'on' : 'off'}`,
  ].filter(Boolean);
  return { releases: candidates, range, fixed: fixedParts.join(', '), leftOut: leftOutLines(AXIS_NAME[axis], left) };
}

/** `left out oidc 1.8.0 ... 1.9.0 (7 releases): installs on Nextcloud 30-32, not 34`: consecutive releases with one reason in one line. */
export function leftOutLines(axisName: string, left: readonly { index: number; version: string; why: string }[]): string[] {
  const groups: { versions: string[]; why: string; end: number }[] = [];
  for (const l of left) {
    const last = groups.at(-1);
    if (last && last.why === l.why && last.end === l.index - 1) {
      last.versions.push(l.version);
      last.end = l.index;
    } else groups.push({ versions: [l.version], why: l.why, end: l.index });
  }
  return groups.map((g) => `left out ${axisName} ${g.versions.length === 1 ? g.versions[0] : `${g.versions[0]} ... ${g.versions.at(-1)} (${g.versions.length} releases)`}: ${g.why}`);
}

/** The step's cells with their links (logs, traces) pointing into its own directory under the bisect's. */
function stepCells(step: BisectStep, check: string, dir: string, out: string): Matrix['cells'] {
  const prefix = relative(out, dir).split('\\').join('/');
  return (step.run.matrix?.cells ?? []).filter((c) => c.check === check).map((c) => ({ ...c, links: c.links.map((l) => ({ ...l, path: `${prefix}/${l.path}` })) }));
}

function stepLine(axis: BisectAxis, step: BisectStep): string {
  const detail = step.detail.length > 140 ? `${step.detail.slice(0, 139)}…` : step.detail;
  return `  ${step.role.padEnd(9)} ${`${AXIS_NAME[axis]} ${step.version}`.padEnd(18)} ${step.outcome.padEnd(12)} ${step.seconds.toFixed(1).padStart(6)} s  ${detail}`;
}

function answerLines(check: string, axis: BisectAxis, result: BisectResult, range: { from: string; to: string }): { lines: string[]; code: number } {
  const name = (version: string): string => `${AXIS_NAME[axis]} ${version}`;
  if (result.kind === 'ends-agree') {
    const verb = result.outcome === 'passed' ? 'pass' : 'fail';
    return { lines: [`${check}: the ends agree: ${name(range.from)} and ${name(range.to)} both ${verb}: nothing to bisect (widen or move the range with --from/--to)`], code: 1 };
  }
  if (result.kind === 'not-measured') return { lines: [`${check}: no answer: ${result.reason}`], code: 1 };
  const now = result.change === 'fixed' ? 'passing' : 'failing';
  const before = result.change === 'fixed' ? 'failing' : 'passing';
  const lines = [`${check}: first ${now} release ${name(result.first.version)} (last ${before}: ${name(result.last.version)})`];
  for (const note of result.notes) lines.push(`${check}: ${note}`);
  if (result.monotonic) {
    const verb = (o: string): string => (o === 'passed' ? 'passes' : 'fails');
    const checked = [result.neighbours.before && [result.neighbours.before, result.last], result.neighbours.after && [result.neighbours.after, result.first]]
      .filter((pair): pair is BisectStep[] => Array.isArray(pair) && pair[0]!.outcome !== 'not-measured')
      .map(([n, anchor]) => `${name(n!.version)} ${verb(n!.outcome)} like ${anchor!.version}`);
    if (checked.length > 0) lines.push(`${check}: monotonic at the answer: ${checked.join(', ')}`);
  } else {
    lines.push(`${check}: the outcome is not monotonic at the answer: the first ${now} release may not be the only change (run 'nc-oauth-lab matrix' over the releases around it)`);
  }
  return { lines, code: result.monotonic ? 0 : 1 };
}

/** `nc-oauth-lab matrix bisect`: the first release of an axis where a check flips. */
export const matrixBisectCommand: CommandSpec = {
  name: 'bisect',
  summary: 'Find the first release of Nextcloud, oidc or user_oidc where a check flips (pass <-> fail), running only its scenarios.',
  options: {
    check: { type: 'string', valueName: 'ID', description: 'The check to bisect (a check id of scenarios/checks.ts, e.g. discovery.pkce-advertised).' },
    axis: { type: 'string', choices: BISECT_AXES, description: 'The axis whose releases are walked; the other axes stay fixed.' },
    from: { type: 'string', valueName: 'VERSION', description: 'The oldest release of the axis to run (default: the oldest that installs with the fixed axes).' },
    to: { type: 'string', valueName: 'VERSION', description: 'The newest release to run (default: the newest released one that installs with the fixed axes).' },
    provider: { ...MATRIX_RUN_OPTIONS['provider']!, choices: PROVIDERS.filter((p) => p !== 'external'), description: 'Where each release\'s Nextcloud comes from: the in-process double or a container per release.' },
    nextcloud: { ...MATRIX_RUN_OPTIONS['nextcloud']!, valueName: 'MAJOR', description: 'The fixed Nextcloud major (one of 31-35; not with --axis nextcloud).' },
    oidc: { ...MATRIX_RUN_OPTIONS['oidc']!, valueName: 'VERSION', description: 'The fixed oidc version (default: the newest for the major).' },
    'user-oidc': { ...MATRIX_RUN_OPTIONS['user-oidc']!, valueName: 'VERSION', description: 'The fixed user_oidc version (default: the newest for the major).' },
    patch: { ...MATRIX_RUN_OPTIONS['patch']!, valueName: 'MODE', description: 'The fixed patch mode (none, user_oidc-app-api, server-cors; default none).' },
    'ocs-header': { ...MATRIX_RUN_OPTIONS['ocs-header']!, valueName: 'on|off', description: 'Whether the included MCP server sends OCS-APIRequest: true.', default: 'on' },
    out: { type: 'string', valueName: 'DIR', description: 'Report directory: matrix.json (and .md, .html, junit) of the cells behind the answer, steps/ with each release\'s run.', default: DEFAULT_BISECT_OUT },
    expectations: MATRIX_RUN_OPTIONS['expectations']!,
    database: MATRIX_RUN_OPTIONS['database']!,
  },
  details: [
    'Runs both ends first; if they agree it says so and exits 1. Otherwise it searches for the first release whose',
    'outcome (measured pass or fail of the check) equals the later end\'s, one release at a time, running only the',
    'scenario(s) that declare the check (Playwright --grep on their titles). Each step prints the release, the outcome',
    'and the seconds it took; probes go first to the change the expectations data predicts, then halve the interval.',
    'Then it runs the release before and the release after the answer (also just outside --from/--to) to check the',
    'outcome is monotonic there. Releases come from double/app-releases.ts (every version with the Nextcloud majors it',
    'installs on); one that does not install with the fixed axes is left out and said so, an unreleased one (user_oidc',
    '8.11.0) unless --from/--to names it. A cell that measured nothing (error, skipped, unknown, interrupted, not run)',
    'is reported and stepped around, never counted as a pass or a fail. Exit 0 with an answer; 1 when the ends agree,',
    'nothing answers (an end or the change not measured) or the outcome is not monotonic at the answer; 2 on bad input',
    '(an unknown check or axis, a version outside the data, a fixed axis with several values, --provider external).',
  ].join('\n'),
  async run(ctx) {
    const checkText = text(ctx, 'check');
    if (!checkText) throw new CliError('matrix bisect needs --check ID, the check to bisect (e.g. discovery.pkce-advertised)');
    if (!isCheckId(checkText)) throw new CliError(`unknown check '${checkText}': use a check id of scenarios/checks.ts, e.g. discovery.pkce-advertised`);
    const check: CheckId = checkText;
    const axisText = text(ctx, 'axis');
    if (!axisText) throw new CliError(`matrix bisect needs --axis, one of ${BISECT_AXES.join(', ')}`);
    const axis = axisText as BisectAxis;
    if ((text(ctx, 'provider') ?? 'double') === 'external') throw new CliError('matrix bisect installs each release: use --provider double or docker, not external');
    if (text(ctx, AXIS_OPTION[axis]) !== undefined) throw new CliError(`--${AXIS_OPTION[axis]} is the axis of the bisect: give its range with --from/--to`);
    const tests = testsDeclaring(check);
    if (tests.length === 0) throw new CliError(`no scenario declares ${check} (withChecks in scenarios/specs): nothing can measure it`);
    const { releases, range, fixed, leftOut } = await planReleases(ctx, axis, check);
    const out = resolve(text(ctx, 'out') ?? DEFAULT_BISECT_OUT);
    const provider = releases[0]!.spec.provider;
    const grep = grepForTests(tests);
    ctx.err(
      `nc-oauth-lab matrix bisect: ${check} over ${range.to - range.from + 1} releases of ${AXIS_NAME[axis]} (${releases[range.from]!.version} ... ${releases[range.to]!.version}) on the ${provider}` +
        `${provider === 'double' ? ' (the Nextcloud double, a test double, not a real Nextcloud)' : ''}; fixed: ${fixed}`,
    );
    for (const line of leftOut) ctx.err(`nc-oauth-lab matrix bisect: ${line}`);
    ctx.err(`nc-oauth-lab matrix bisect: scenario(s): ${tests.map((t) => `'${t.title}' (${t.file}:${t.line})`).join(', ')}`);
    // a previous bisect's reports would be read as this one's when this one writes none
    for (const name of ['steps', ...Object.values(REPORT_FILES)]) await rm(join(out, name), { recursive: true, force: true });
    let interrupted: NodeJS.Signals | undefined;
    const stop = (signal: NodeJS.Signals): void => {
      interrupted = signal;
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    const dirs = new Map<number, string>();
    const expectations = text(ctx, 'expectations');
    const runner = {
      async run(_candidate: BisectCandidate, index: number): Promise<StepRun> {
        if (interrupted) throw new CliError(`interrupted (${interrupted}) before ${AXIS_NAME[axis]} ${releases[index]!.version}: no answer`, { exitCode: 130 });
        const release = releases[index]!;
        const dir = join(out, 'steps', release.key);
        dirs.set(index, dir);
        const chunks: string[] = [];
        const result = await runMatrix({ spec: release.spec, out: dir, workers: 1, grep, progress: 'null', ...(expectations ? { expectations } : {}), output: (c) => chunks.push(c) });
        await mkdir(dir, { recursive: true });
        await writeFile(join(dir, 'playwright.log'), chunks.join(''), 'utf8');
        if (interrupted) throw new CliError(`interrupted (${interrupted}) while running ${AXIS_NAME[axis]} ${release.version}: no answer`, { exitCode: 130 });
        const log = relative(process.cwd(), join(dir, 'playwright.log'));
        if (!result.matrix) return { note: `Playwright wrote no matrix: see ${log}` };
        const cell = result.matrix.cells.find((c) => c.check === check && c.variant === release.key);
        return { matrix: result.matrix, ...(cell ? { cell } : { note: `the run has no cell of ${check}: see ${log}` }) };
      },
    };
    let result: BisectResult;
    try {
      result = await bisectReleases({ check, candidates: releases, range, runner, onStep: (step) => ctx.out(stepLine(axis, step)) });
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    const cells = result.steps.flatMap((s) => stepCells(s, check, dirs.get(s.index)!, out));
    const variants = result.steps.flatMap((s) => s.run.matrix?.variants ?? []).filter((v) => cells.some((c) => c.variant === v.key));
    const { lines, code } = answerLines(check, axis, result, { from: releases[range.from]!.version, to: releases[range.to]!.version });
    for (const line of lines) ctx.out(line);
    if (cells.length > 0) {
      const matrix = assembleMatrix({ variants, cells, tool: toolInfo(), generatedAt: new Date() });
      const written = await writeMatrixReports(matrix, out);
      const seconds = result.steps.reduce((sum, s) => sum + s.seconds, 0);
      ctx.out(`nc-oauth-lab matrix bisect: ${result.steps.length} runs in ${seconds.toFixed(1)} s; cells in ${relative(process.cwd(), written.json) || written.json}: ${matrixVerdict(matrix).headline}`);
      const banner = doubleBanner(matrix);
      if (banner) ctx.out(`nc-oauth-lab matrix bisect: ${banner}`);
    }
    return code;
  },
};
