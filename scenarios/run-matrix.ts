import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { problemLines } from './matrix/build-matrix.ts';
import { MatrixFileError, readMatrixFile } from './matrix/diff-matrices.ts';
import type { Matrix } from './matrix/matrix-schema.ts';
import { REPORT_FILES } from './matrix/write-matrix-reports.ts';
import { MATRIX_EXPECTATIONS_ENV, MATRIX_OUT_ENV } from './matrix-reporter.ts';
import { encodeMatrixSpec, MATRIX_BLOB_DIR_ENV, MATRIX_PROGRESS_ENV, MATRIX_SPEC_ENV, type MatrixSpec, type PROGRESS_REPORTERS } from './fixtures/matrix-spec.ts';

/** The Playwright config of the matrix. */
export const MATRIX_CONFIG = fileURLToPath(new URL('./playwright.matrix.config.ts', import.meta.url));

/** The matrix reporter's module, as `merge-reports --reporter` takes it. */
export const MATRIX_REPORTER_ENTRY = fileURLToPath(new URL('./matrix-reporter-entry.ts', import.meta.url));

/** Where a shard's blob report goes, inside the run's report directory. */
export const BLOB_SUBDIR = 'blob-report';

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
  /** Receives Playwright's output (progress, the matrix reporter's summary); the CLI sends it to stderr. */
  output: (chunk: string) => void;
  /** Extra environment for the Playwright process. */
  env?: Readonly<Record<string, string>>;
}

/** How a run or a merge ended. */
export interface MatrixOutcome {
  /** Exit code of Playwright. */
  playwrightExitCode: number;
  /** The matrix written by this run, if any. */
  matrix?: Matrix;
  /** Where matrix.json is. */
  matrixPath: string;
  /** One line per cell that makes the run fail: unexpected-fail, stale, error. */
  failures: string[];
  /** 0 when every cell is as expected; 1 otherwise (including no matrix at all). */
  exitCode: number;
  /** Where this shard's blob report is, for `matrix merge`. */
  blobDir?: string;
}

function playwrightCli(): string {
  return createRequire(import.meta.url).resolve('@playwright/test/cli');
}

function runPlaywright(args: string[], env: Record<string, string>, output: (chunk: string) => void): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [playwrightCli(), ...args], { cwd: dirname(dirname(MATRIX_CONFIG)), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => output(d.toString()));
    child.stderr.on('data', (d: Buffer) => output(d.toString()));
    const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
    process.once('SIGINT', forward);
    process.once('SIGTERM', forward);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolvePromise(code ?? (signal ? 128 : 1));
    });
  });
}

/** Removes the reports a previous run left, so that a run that writes none is not read as this run's. */
async function clearReports(out: string): Promise<void> {
  await mkdir(out, { recursive: true });
  for (const name of [...Object.values(REPORT_FILES), 'logs', 'artifacts', 'test-results', BLOB_SUBDIR]) await rm(join(out, name), { recursive: true, force: true });
}

/**
 * The verdict of a matrix: a line for each cell that is unexpected-fail or stale (the data or the code
 * must change) or error (the procedure broke before it recorded the check).
 */
export function matrixFailures(matrix: Matrix): string[] {
  // Error cells of one variant with one reason (a variant that could not be built or started) make one line.
  const groups = new Map<string, { variant: string; reason: string; checks: string[] }>();
  for (const c of matrix.cells.filter((x) => x.classification === 'error')) {
    const reason = (c.observed.error ?? 'the procedure failed').split('\n')[0]!;
    const key = `${c.variant}\u0000${reason}`;
    const group = groups.get(key) ?? { variant: c.variant, reason, checks: [] };
    group.checks.push(c.check);
    groups.set(key, group);
  }
  const errors = [...groups.values()].map((g) =>
    g.checks.length === 1 ? `error: ${g.checks[0]} on ${g.variant}: ${g.reason}` : `error: ${g.checks.length} cells on ${g.variant}: ${g.reason}`,
  );
  return [...problemLines(matrix), ...errors];
}

function outcome(code: number, out: string, blobDir?: string): MatrixOutcome {
  const matrixPath = join(out, REPORT_FILES.json);
  let matrix: Matrix | undefined;
  try {
    matrix = readMatrixFile(matrixPath);
  } catch (error) {
    if (!(error instanceof MatrixFileError)) throw error;
  }
  const failures = matrix ? matrixFailures(matrix) : [`no matrix was written to ${matrixPath}: see Playwright's output above`];
  // A Playwright failure outside the cells (a test that failed after recording all its checks, a worker
  // that crashed during teardown) still fails the run.
  if (failures.length === 0 && code !== 0) failures.push(`Playwright exited ${code} although every cell is as expected: see its output above`);
  return { playwrightExitCode: code, ...(matrix ? { matrix } : {}), matrixPath, failures, exitCode: failures.length > 0 ? 1 : 0, ...(blobDir ? { blobDir } : {}) };
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
  const env: Record<string, string> = {
    ...(options.env ?? {}),
    [MATRIX_SPEC_ENV]: encodeMatrixSpec(options.spec),
    [MATRIX_OUT_ENV]: out,
    [MATRIX_PROGRESS_ENV]: options.progress ?? 'list',
    [MATRIX_BLOB_DIR_ENV]: blobDir ?? '',
  };
  if (options.expectations) env[MATRIX_EXPECTATIONS_ENV] = resolve(options.expectations);
  const code = await runPlaywright(args, env, options.output);
  return outcome(code, out, blobDir);
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
    const env: Record<string, string> = { [MATRIX_OUT_ENV]: out };
    if (options.expectations) env[MATRIX_EXPECTATIONS_ENV] = resolve(options.expectations);
    const code = await runPlaywright(['merge-reports', '--reporter', MATRIX_REPORTER_ENTRY, staging], env, options.output);
    return outcome(code, out);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
