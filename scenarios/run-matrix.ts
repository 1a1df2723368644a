import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { leftoverLines, readLeftovers } from '../harness/leftover-ledger.ts';
import { problemLines } from './matrix/build-matrix.ts';
import { MatrixFileError, readMatrixFile } from './matrix/diff-matrices.ts';
import type { Matrix } from './matrix/matrix-schema.ts';
import { matrixVerdict } from './matrix/matrix-verdict.ts';
import { REPORT_FILES } from './matrix/write-matrix-reports.ts';
import { MATRIX_EXPECTATIONS_ENV, MATRIX_INTERRUPTION_ENV, MATRIX_OUT_ENV, MATRIX_SUMMARY_ENV } from './matrix-reporter.ts';
import { encodeMatrixSpec, MATRIX_BLOB_DIR_ENV, MATRIX_LEDGER_ENV, MATRIX_PROGRESS_ENV, MATRIX_SPEC_ENV, type MatrixSpec, type PROGRESS_REPORTERS } from './fixtures/matrix-spec.ts';

/** The Playwright config of the matrix. */
export const MATRIX_CONFIG = fileURLToPath(new URL('./playwright.matrix.config.ts', import.meta.url));

/** The matrix reporter's module, as `merge-reports --reporter` takes it. */
export const MATRIX_REPORTER_ENTRY = fileURLToPath(new URL('./matrix-reporter-entry.ts', import.meta.url));

/** Where a shard's blob report goes, inside the run's report directory. */
export const BLOB_SUBDIR = 'blob-report';

/** Inside the report directory: the file that says why a run was stopped (see MATRIX_INTERRUPTION_ENV). */
const INTERRUPTION_FILE = '.interruption.json';

/** Inside the report directory: the workers' ledgers of what they changed and have not undone yet. */
const LEDGER_SUBDIR = '.leftovers';

/** The exit code of a run stopped by a signal, as a shell reports a process the signal ended (128 + its number). */
export const SIGNAL_EXIT_CODES: Readonly<Record<string, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/** A bad option of a matrix run or merge: the CLI turns it into exit code 2. */
export class MatrixRunError extends Error {
  readonly code: 'ERR_MATRIX_OPTION' | 'ERR_MATRIX_INPUT';
  constructor(code: MatrixRunError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MatrixRunError';
    this.code = code;
  }
}

/** A Playwright shard, `--shard 1/2` (1-based). */
export interface Shard {
  current: number;
  total: number;
}

/** Parses `i/n` with 1 <= i <= n; throws a MatrixRunError naming the expected form. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const current = m ? Number(m[1]) : NaN;
  const total = m ? Number(m[2]) : NaN;
  if (!m || total < 1 || current < 1 || current > total) throw new MatrixRunError('ERR_MATRIX_OPTION', `--shard must be i/n with 1 <= i <= n (e.g. 1/2), not '${text}'`);
  return { current, total };
}

/** Options of one matrix run. */
export interface MatrixRunOptions {
  spec: MatrixSpec;
  /** The report directory (matrix.json, matrix.md, matrix.html, matrix-junit.xml; `blob-report/` for a shard). */
  out: string;
  shard?: Shard;
  /** Playwright workers (default: Playwright's, half the cores). */
  workers?: number;
  /** An expectations directory instead of scenarios/expectations. */
  expectations?: string;
  /** Only tests whose title matches (Playwright's `--grep`). */
  grep?: string;
  /** Playwright's progress reporter (default `list`). */
  progress?: (typeof PROGRESS_REPORTERS)[number];
  /** Receives Playwright's output (progress, the matrix reporter's warnings; its summary is left to the caller); the CLI sends it to stderr. */
  output: (chunk: string) => void;
  /** Extra environment for the Playwright process. */
  env?: Readonly<Record<string, string>>;
  /** Playwright's `--max-failures`: stop after this many failed tests (the run is then interrupted). */
  maxFailures?: number;
  /** Playwright's `--global-timeout` in milliseconds (a run that reaches it is interrupted). */
  globalTimeoutMs?: number;
}

/** How a run or a merge ended. */
export interface MatrixOutcome {
  /** Exit code of Playwright. */
  playwrightExitCode: number;
  /** The matrix written by this run, if any. */
  matrix?: Matrix;
  /** Where matrix.json is. */
  matrixPath: string;
  /** One line per cell that makes the run fail (`problemLines`), or why there is no verdict. */
  failures: string[];
  /** 0 when every cell is as expected; 1 otherwise (including no matrix at all). */
  exitCode: number;
  /** Where this shard's blob report is, for `matrix merge`. */
  blobDir?: string;
  /** The signal that stopped the run, when one did (SIGINT, SIGTERM, SIGHUP). */
  signal?: NodeJS.Signals;
  /**
   * What the run's workers had changed and not undone when a third signal ended their cleanup: one line
   * per change, with the command that undoes it by hand (empty when the cleanup finished).
   */
  leftBehind: string[];
}

function playwrightCli(): string {
  return createRequire(import.meta.url).resolve('@playwright/test/cli');
}

/**
 * Node options for the Playwright process and its workers (they inherit them): tsx's ESM hook. Playwright
 * compiles TypeScript itself but never a file inside node_modules, which is where the config, the reporter
 * and the scenarios are when nc-oauth-lab is installed as a package; its hook passes those on to tsx's.
 * In a checkout Playwright's hook compiles them and tsx's is not reached.
 */
function playwrightNodeOptions(): string[] {
  return ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href];
}

/** How a Playwright process ended, and what a signal to this process did to it. */
interface PlaywrightEnd {
  code: number;
  signal?: NodeJS.Signals;
  /** True when a third signal ended the cleanup (the process group was killed). */
  abandoned: boolean;
}

/** Options of `runPlaywright` for a run that can be stopped by a signal. */
interface StopOptions {
  /** Where the stopping signal is written for the reporter (MATRIX_INTERRUPTION_ENV). */
  interruptionFile?: string;
  /** What a cleanup cut short leaves behind, for the warning after the second signal. */
  cleanup: string;
}

/**
 * Runs Playwright in its own process group, so that a Ctrl-C in the terminal reaches this process only,
 * which then stops the run the one way that cleans up: SIGINT to Playwright's runner (a SIGTERM too: the
 * runner would die of it without its teardown), which stops the workers, tears their fixtures down (the
 * harness restores each instance, removes its test users and containers) and lets the matrix reporter write
 * the interrupted matrix. A second signal during that cleanup does not cut it short: it says what a third
 * would leave behind. A third kills the process group and the caller lists what the ledgers say was left.
 */
function runPlaywright(args: string[], env: Record<string, string>, output: (chunk: string) => void, stop: StopOptions): Promise<PlaywrightEnd> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...playwrightNodeOptions(), playwrightCli(), ...args], { cwd: dirname(dirname(MATRIX_CONFIG)), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout.on('data', (d: Buffer) => output(d.toString()));
    child.stderr.on('data', (d: Buffer) => output(d.toString()));
    let signals = 0;
    let first: NodeJS.Signals | undefined;
    let abandoned = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals += 1;
      if (signals === 1) {
        first = signal;
        if (stop.interruptionFile) {
          try {
            writeFileSync(stop.interruptionFile, `${JSON.stringify({ reason: signal, at: new Date().toISOString() })}\n`);
          } catch {
            // the matrix then names Playwright's own view of the stop
          }
        }
        output(`nc-oauth-lab matrix: ${signal}: stopping the run; cleaning up ${stop.cleanup}\n`);
        child.kill('SIGINT');
      } else if (signals === 2) {
        output(`nc-oauth-lab matrix: cleaning up, press Ctrl-C again to leave ${stop.cleanup} behind\n`);
      } else if (!abandoned) {
        abandoned = true;
        output('nc-oauth-lab matrix: cleanup abandoned\n');
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }
    };
    const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, () => onSignal(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    child.on('error', (error) => {
      for (const [s, h] of handlers) process.off(s, h);
      reject(error);
    });
    child.on('close', (code, signal) => {
      for (const [s, h] of handlers) process.off(s, h);
      resolvePromise({ code: code ?? (signal ? 128 : 1), ...(first ? { signal: first } : {}), abandoned });
    });
  });
}

/** Removes the reports a previous run left, so that a run that writes none is not read as this run's. */
async function clearReports(out: string): Promise<void> {
  await mkdir(out, { recursive: true });
  for (const name of [...Object.values(REPORT_FILES), 'logs', 'artifacts', 'test-results', BLOB_SUBDIR, INTERRUPTION_FILE, LEDGER_SUBDIR]) await rm(join(out, name), { recursive: true, force: true });
}

/**
 * The failures of a matrix: when it was stopped, that first; then a line for each problem cell
 * (`problemLines`): error (the procedure broke before it recorded the check), unexpected-fail, wrong-reason
 * or stale (the data or the code must change).
 */
export function matrixFailures(matrix: Matrix): string[] {
  const stopped = matrix.interruption ? [`stopped: ${matrixVerdict(matrix).headline}; the cells it did not reach are not measured`] : [];
  return [...stopped, ...problemLines(matrix)];
}

function outcome(end: PlaywrightEnd, out: string, blobDir?: string, occCommand?: string): MatrixOutcome {
  const matrixPath = join(out, REPORT_FILES.json);
  let matrix: Matrix | undefined;
  try {
    matrix = readMatrixFile(matrixPath);
  } catch (error) {
    if (!(error instanceof MatrixFileError)) throw error;
  }
  const code = end.code;
  const failures = matrix ? matrixFailures(matrix) : [`no matrix was written to ${matrixPath}: see Playwright's output above`];
  // A Playwright failure outside the cells (a test that failed after recording all its checks, a worker
  // that crashed during teardown) still fails the run.
  if (failures.length === 0 && code !== 0) failures.push(`Playwright exited ${code} although every cell is as expected: see its output above`);
  const leftBehind = end.abandoned ? leftoverLines(readLeftovers(join(out, LEDGER_SUBDIR)), occCommand) : [];
  if (end.abandoned) failures.push(leftBehind.length > 0 ? 'the cleanup was abandoned: see what was left behind below' : 'the cleanup was abandoned; the workers had nothing left to undo');
  const exitCode = end.signal ? (SIGNAL_EXIT_CODES[end.signal] ?? 130) : failures.length > 0 ? 1 : 0;
  return {
    playwrightExitCode: code,
    ...(matrix ? { matrix } : {}),
    matrixPath,
    failures,
    exitCode,
    ...(blobDir ? { blobDir } : {}),
    ...(end.signal ? { signal: end.signal } : {}),
    leftBehind,
  };
}

/** What a cleanup cut short would leave behind, in words, for a run of `spec`. */
function cleanupWords(spec: MatrixSpec): string {
  if (spec.provider === 'external') return `the test users and changed settings on ${spec.external?.url ?? 'the instance'}`;
  if (spec.provider === 'docker') return "the variants' containers and networks";
  return 'the in-process doubles (nothing outside this run)';
}

/**
 * Runs the matrix with Playwright Test (`playwright test -c scenarios/playwright.matrix.config.ts`): one
 * project per variant of `spec`, Playwright's workers and `--shard`, the matrix reporter writing into
 * `out`, and for a shard the blob reporter into `out/blob-report` for `mergeMatrixReports`. Resolves with the
 * verdict read back from matrix.json.
 */
export async function runMatrix(options: MatrixRunOptions): Promise<MatrixOutcome> {
  const out = resolve(options.out);
  await clearReports(out);
  const blobDir = options.shard ? join(out, BLOB_SUBDIR) : undefined;
  const args = ['test', '-c', MATRIX_CONFIG];
  if (options.shard) args.push(`--shard=${options.shard.current}/${options.shard.total}`);
  if (options.workers !== undefined) args.push(`--workers=${options.workers}`);
  if (options.grep !== undefined) args.push(`--grep=${options.grep}`);
  if (options.maxFailures !== undefined) args.push(`--max-failures=${options.maxFailures}`);
  if (options.globalTimeoutMs !== undefined) args.push(`--global-timeout=${options.globalTimeoutMs}`);
  const interruptionFile = join(out, INTERRUPTION_FILE);
  const env: Record<string, string> = {
    ...(options.env ?? {}),
    [MATRIX_SPEC_ENV]: encodeMatrixSpec(options.spec),
    [MATRIX_OUT_ENV]: out,
    [MATRIX_PROGRESS_ENV]: options.progress ?? 'list',
    [MATRIX_BLOB_DIR_ENV]: blobDir ?? '',
    // the caller prints the verdict (summaryLines of the outcome's matrix): the reporter stays quiet
    [MATRIX_SUMMARY_ENV]: '0',
    [MATRIX_INTERRUPTION_ENV]: interruptionFile,
    [MATRIX_LEDGER_ENV]: join(out, LEDGER_SUBDIR),
  };
  if (options.expectations) env[MATRIX_EXPECTATIONS_ENV] = resolve(options.expectations);
  const end = await runPlaywright(args, env, options.output, { interruptionFile, cleanup: cleanupWords(options.spec) });
  await rm(interruptionFile, { force: true });
  return outcome(end, out, blobDir, options.spec.external?.occ);
}

/** The reason and time of the first interrupted shard among `inputs` (their matrix.json), if any. */
function shardInterruption(inputs: readonly string[]): { reason: string; at: string } | undefined {
  for (const input of inputs) {
    try {
      const m = readMatrixFile(join(resolve(input), REPORT_FILES.json));
      if (m.interruption) return { reason: m.interruption.reason, at: m.interruption.at };
    } catch {
      // a .zip input or a shard without its matrix.json: Playwright's merged status still tells
    }
  }
  return undefined;
}

/** Options of `mergeMatrixReports`. */
export interface MatrixMergeOptions {
  /** Blob report zips, or directories that hold them (directly or in `blob-report/`). */
  inputs: readonly string[];
  out: string;
  expectations?: string;
  output: (chunk: string) => void;
}

/** The blob zips of the inputs; throws a MatrixRunError for an input that is missing or holds none. */
export async function blobReports(inputs: readonly string[]): Promise<string[]> {
  if (inputs.length === 0) throw new MatrixRunError('ERR_MATRIX_INPUT', 'matrix merge needs the blob reports of the shards: give their directories or .zip files');
  const zips: string[] = [];
  for (const input of inputs) {
    const path = resolve(input);
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new MatrixRunError('ERR_MATRIX_INPUT', `${input} does not exist: give a shard's report directory or its blob .zip`);
    if (info.isFile()) {
      if (!path.endsWith('.zip')) throw new MatrixRunError('ERR_MATRIX_INPUT', `${input} is not a blob report (.zip)`);
      zips.push(path);
      continue;
    }
    const found: string[] = [];
    for (const dir of [path, join(path, BLOB_SUBDIR)]) {
      for (const name of await readdir(dir).catch(() => [] as string[])) if (name.endsWith('.zip')) found.push(join(dir, name));
    }
    if (found.length === 0) throw new MatrixRunError('ERR_MATRIX_INPUT', `${input} holds no blob report (.zip): run the shards with 'nc-oauth-lab matrix --shard i/n --out DIR' and give those DIRs`);
    zips.push(...found);
  }
  return [...new Set(zips)];
}

/**
 * Merges the blob reports of shards with `playwright merge-reports` and the matrix reporter into one
 * matrix in `out`. Two blobs of the same name (every shard's `report-<i>.zip` lives in its own directory)
 * are copied apart first.
 */
export async function mergeMatrixReports(options: MatrixMergeOptions): Promise<MatrixOutcome> {
  const zips = await blobReports(options.inputs);
  const out = resolve(options.out);
  await clearReports(out);
  const staging = await mkdtemp(join(tmpdir(), 'nc-oauth-lab-merge-'));
  try {
    const used = new Set<string>();
    for (const zip of zips) {
      let name = basename(zip);
      for (let i = 2; used.has(name); i += 1) name = basename(zip).replace(/\.zip$/, `-${i}.zip`);
      used.add(name);
      await copyFile(zip, join(staging, name));
    }
    const env: Record<string, string> = { [MATRIX_OUT_ENV]: out, [MATRIX_SUMMARY_ENV]: '0' };
    if (options.expectations) env[MATRIX_EXPECTATIONS_ENV] = resolve(options.expectations);
    // A shard that was interrupted says why in its own matrix.json: the merged matrix says it too.
    const stopped = shardInterruption(options.inputs);
    if (stopped) {
      const file = join(staging, INTERRUPTION_FILE);
      await writeFile(file, `${JSON.stringify(stopped)}\n`);
      env[MATRIX_INTERRUPTION_ENV] = file;
    }
    const end = await runPlaywright(['merge-reports', '--reporter', MATRIX_REPORTER_ENTRY, staging], env, options.output, { cleanup: 'nothing (a merge changes no instance)' });
    return outcome(end, out);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
