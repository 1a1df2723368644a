import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { extname, join, relative, resolve, sep } from 'node:path';
import type { FullConfig, FullResult, Reporter, Suite, TestCase, TestError, TestResult } from '@playwright/test/reporter';
import type { ExpectationSet } from './expectations/expected-outcome.ts';
import { parseVariantTimings, timingsLine, VARIANT_ERROR_ANNOTATION, VARIANT_TIMINGS_ANNOTATION, type VariantTimings } from './fixtures/variant-annotations.ts';
import { DEFAULT_EXPECTATIONS_DIR, loadExpectations } from './expectations/lint-expectations.ts';
import { buildMatrix, problemLines, type TestObservation, type TestOutcome } from './matrix/build-matrix.ts';
import type { Matrix, MatrixInterruption, MatrixLink, MatrixVariant } from './matrix/matrix-schema.ts';
import { INSTANCE_ATTACHMENT, parseInstanceRecord, type InstanceRecord } from './instance-record.ts';
import { CLASS_LABELS, doubleBanner } from './matrix/matrix-text.ts';
import { matrixVerdict } from './matrix/matrix-verdict.ts';
import { REPORT_FILES, writeMatrixReports } from './matrix/write-matrix-reports.ts';
import { CHECK_ANNOTATION, CHECK_ATTACHMENT, CHECK_RECORD_VERSION, normaliseCheckRecord, type CheckRecordBody } from './record-check.ts';
import { redactText } from './redact-secrets.ts';
import { toolInfo } from './tool-info.ts';
import { exactNextcloudVersion, projectVariant, variantKey } from './variant.ts';

/** Environment variable naming the directory the matrix reports go to (when the reporter option is not set). */
export const MATRIX_OUT_ENV = 'NC_OAUTH_LAB_MATRIX_OUT';

/** Environment variable naming a directory of expectations data to use instead of scenarios/expectations. */
export const MATRIX_EXPECTATIONS_ENV = 'NC_OAUTH_LAB_EXPECTATIONS';

/**
 * Environment variable that turns the reporter's console summary off (`0`) when a caller prints the verdict
 * itself: `nc-oauth-lab matrix` and `matrix merge` do, so that it appears once. Warnings and errors still print.
 */
export const MATRIX_SUMMARY_ENV = 'NC_OAUTH_LAB_MATRIX_SUMMARY';

/**
 * Environment variable naming a JSON file `{ "reason": "SIGTERM", "at": "<ISO date>" }` that the process
 * which stops a run (`nc-oauth-lab matrix` on SIGINT or SIGTERM, `matrix merge` for an interrupted shard)
 * writes before it stops Playwright, so that matrix.json names why the run was interrupted.
 */
export const MATRIX_INTERRUPTION_ENV = 'NC_OAUTH_LAB_MATRIX_INTERRUPTION';

/** Where the reports go by default, relative to the working directory. */
export const DEFAULT_MATRIX_OUT = join('reports', 'matrix');

/** Options of the matrix reporter (`reporter: [['./scenarios/matrix-reporter-entry.ts', { outputDir }]]`). */
export interface MatrixReporterOptions {
  /** Report directory; relative to the config's directory. Default: $NC_OAUTH_LAB_MATRIX_OUT, else reports/matrix. */
  outputDir?: string;
  /** Expectations directory. Default: $NC_OAUTH_LAB_EXPECTATIONS, else scenarios/expectations. */
  expectations?: string;
  /** Print nothing (the reports are still written). */
  quiet?: boolean;
  /** Print the summary (verdict, counts, problem cells) at the end. Default: true, unless $NC_OAUTH_LAB_MATRIX_SUMMARY is `0`. */
  summary?: boolean;
  /** Set by Playwright: the directory of the config file. */
  configDir?: string;
  /** Set by Playwright: `merge` under merge-reports. */
  _mode?: string;
}

/**
 * Thrown from onEnd under merge-reports, where Playwright ignores the status onEnd returns and exits 1 only
 * on a reporter error; the reporter has printed why before.
 */
export class MatrixRunFailed extends Error {
  readonly code = 'ERR_MATRIX_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'MatrixRunFailed';
  }
}

const MATRIX_FAILED_MARK = 'nc-oauth-lab matrix failed:';

// eslint-disable-next-line no-control-regex -- ANSI colour escapes in Playwright error messages
const ANSI = /\u001b\[[0-9;]*m/g;

function outcomeOf(result: TestResult | undefined): TestOutcome {
  return result ? result.status : 'notRun';
}

/** What the fixtures found on a project's instance (`recordInstance`): the first record among its tests' results, if any. */
function foundInstance(tests: readonly TestCase[]): InstanceRecord | undefined {
  for (const test of tests) {
    for (const result of test.results) {
      const found = result.attachments.find((a) => a.name === INSTANCE_ATTACHMENT && a.body);
      const record = found?.body ? parseInstanceRecord(found.body.toString('utf8')) : undefined;
      if (record) return record;
    }
  }
  return undefined;
}

function projectVariantOrUndefined(projectSuite: Suite): unknown {
  try {
    return projectVariant(projectSuite.project()!);
  } catch {
    return undefined;
  }
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'test';
}

/**
 * The Playwright reporter that builds the compatibility matrix. It reads the `nc-oauth-lab-check`
 * attachments (JSON bodies, so they survive the blob reporter) of the last result of every test of every
 * variant project, classifies each check x variant cell against the expectations data, writes matrix.json,
 * matrix.md, matrix.html and matrix-junit.xml, prints a summary naming the problem cells (`summaryLines`) and
 * makes the run fail (`{ status: 'failed' }`) when there is any. It works live and under
 * `npx playwright merge-reports --reporter <entry> <blob dir>` (shards merged), where the options come from
 * $NC_OAUTH_LAB_MATRIX_OUT and $NC_OAUTH_LAB_EXPECTATIONS.
 */
export class MatrixReporter implements Reporter {
  private readonly options: MatrixReporterOptions;
  private suite: Suite | undefined;
  private expectations: ExpectationSet | undefined;
  private setupError: string | undefined;
  private maxFailuresReached = false;
  /** The last matrix built (for tests and embedding). */
  matrix: Matrix | undefined;

  constructor(options: MatrixReporterOptions = {}) {
    this.options = options;
  }

  /** Where the reports are written. */
  outputDir(): string {
    if (this.options.outputDir) return resolve(this.options.configDir ?? process.cwd(), this.options.outputDir);
    const env = process.env[MATRIX_OUT_ENV];
    return resolve(process.cwd(), env && env !== '' ? env : DEFAULT_MATRIX_OUT);
  }

  private expectationsDir(): string {
    if (this.options.expectations) return resolve(this.options.configDir ?? process.cwd(), this.options.expectations);
    const env = process.env[MATRIX_EXPECTATIONS_ENV];
    return env && env !== '' ? resolve(process.cwd(), env) : DEFAULT_EXPECTATIONS_DIR;
  }

  printsToStdio(): boolean {
    return !this.options.quiet;
  }

  /** Errors outside tests (a global setup, a broken blob): printed, since this reporter may be the only one. */
  onError(error: TestError): void {
    if (/Testing stopped early after \d+ maximum allowed failures/.test((error.message ?? '').replace(ANSI, ''))) this.maxFailuresReached = true;
    if (this.options.quiet || error.message?.includes(MATRIX_FAILED_MARK)) return;
    process.stdout.write(`nc-oauth-lab matrix: error: ${redactText((error.message ?? error.value ?? 'unknown error').replace(ANSI, '').split('\n')[0]!)}\n`);
  }

  /** The run's failure: a returned status live; a thrown error under merge-reports (see MatrixRunFailed). */
  private failed(why: string): { status: FullResult['status'] } {
    if (this.options._mode === 'merge') throw new MatrixRunFailed(`${MATRIX_FAILED_MARK} ${why}`);
    return { status: 'failed' };
  }

  onBegin(_config: FullConfig, suite: Suite): void {
    this.suite = suite;
    try {
      this.expectations = loadExpectations(this.expectationsDir());
    } catch (error) {
      this.setupError = (error as Error).message;
    }
  }

  /**
   * Why and when the run stopped before its end, and how far it got: the stopping process's file
   * (MATRIX_INTERRUPTION_ENV), Playwright's global timeout (`timedout`), max failures (its error), or a
   * signal Playwright saw itself (`interrupted`); undefined for a run that ended.
   */
  private interruption(result: FullResult, suite: Suite): MatrixInterruption | undefined {
    const tests = suite.suites.filter((p) => p.project() && projectVariantOrUndefined(p)).flatMap((p) => p.allTests());
    const cutOff = tests.some((t) => t.results.at(-1)?.status === 'interrupted');
    let stopped: { reason?: unknown; at?: unknown } | undefined;
    const file = process.env[MATRIX_INTERRUPTION_ENV];
    if (file) {
      try {
        stopped = JSON.parse(readFileSync(file, 'utf8')) as typeof stopped;
      } catch {
        // no file: nobody stopped the run from outside
      }
    }
    const reason =
      typeof stopped?.reason === 'string'
        ? stopped.reason
        : result.status === 'timedout'
          ? 'timeout'
          : this.maxFailuresReached
            ? 'max-failures'
            : result.status === 'interrupted'
              ? this.options._mode === 'merge' ? 'interrupted' : 'SIGINT'
              : cutOff
                ? 'interrupted'
                : undefined;
    if (reason === undefined) return undefined;
    const ran = tests.filter((t) => {
      const status = t.results.at(-1)?.status;
      return status !== undefined && status !== 'interrupted';
    }).length;
    const at = typeof stopped?.at === 'string' ? stopped.at : new Date().toISOString();
    return { reason, at, testsRun: ran, testsTotal: tests.length };
  }

  async onEnd(result: FullResult): Promise<{ status?: FullResult['status'] } | undefined> {
    const print = (line: string): void => {
      if (!this.options.quiet) process.stdout.write(`${line}\n`);
    };
    if (this.setupError || !this.expectations || !this.suite) {
      print(`nc-oauth-lab matrix: ${this.setupError ?? 'the reporter did not see the test run'}`);
      return this.failed('no matrix');
    }
    const out = this.outputDir();
    try {
      // logs and artifacts of an earlier run in the same directory would be linked by nothing
      await Promise.all(['logs', 'artifacts'].map((d) => rm(join(out, d), { recursive: true, force: true })));
      const { variants, tests, warnings, runs } = await this.collect(this.suite, out);
      for (const w of warnings) print(`nc-oauth-lab matrix: warning: ${w}`);
      for (const [key, run] of runs) {
        if (run.error) print(`nc-oauth-lab matrix: variant ${key} did not run: ${run.error}`);
        else if (run.tests > 0) print(`nc-oauth-lab matrix: variant ${key}: ${timingsLine(run.timings, run.ms)}`);
      }
      const interruption = this.interruption(result, this.suite);
      const matrix = buildMatrix({ variants, tests, expectations: this.expectations, tool: toolInfo(), generatedAt: new Date(), ...(interruption ? { interruption } : {}) });
      this.matrix = matrix;
      const written = await writeMatrixReports(matrix, out);
      if (this.options.summary ?? process.env[MATRIX_SUMMARY_ENV] !== '0') for (const line of summaryLines(matrix, written.html)) print(line);
      if (matrix.status === 'interrupted') return this.options._mode === 'merge' ? this.failed(matrixVerdict(matrix).headline) : { status: result.status === 'passed' ? 'interrupted' : result.status };
      if (matrix.status === 'failed') return this.failed(`${matrix.summary.problems.length} cell(s) not as expected`);
      return undefined;
    } catch (error) {
      if (error instanceof MatrixRunFailed) throw error;
      print(`nc-oauth-lab matrix: cannot build the matrix into ${out}: ${(error as Error).message}`);
      return this.failed('no matrix');
    }
  }

  /** Turns Playwright's tests and results into variants and test observations; writes per-test logs for failures. */
  private async collect(suite: Suite, out: string): Promise<{ variants: MatrixVariant[]; tests: TestObservation[]; warnings: string[]; runs: Map<string, VariantRun> }> {
    const variants = new Map<string, MatrixVariant>();
    const tests: TestObservation[] = [];
    const warnings: string[] = [];
    const runs = new Map<string, VariantRun>();
    for (const projectSuite of suite.suites) {
      const project = projectSuite.project();
      if (!project) continue;
      let meta;
      try {
        meta = projectVariant(project);
      } catch (error) {
        warnings.push(`project ${project.name}: ${(error as Error).message}; its tests are left out`);
        continue;
      }
      if (!meta) continue;
      // A real instance's exact release: given with the project (external), else found by the fixtures (docker).
      const instance = foundInstance(projectSuite.allTests());
      const found = instance?.nextcloudVersion !== undefined ? exactNextcloudVersion(instance.nextcloudVersion) : undefined;
      const release = meta.variant.nextcloudVersion ?? found;
      const { nextcloudVersion: _, ...axes } = meta.variant;
      const key = variantKey({ ...axes, ...(release ? { nextcloudVersion: release } : {}) });
      variants.set(key, {
        key,
        project: project.name,
        provider: meta.provider,
        variant: axes,
        ...(release ? { nextcloudVersion: release } : {}),
        ...(instance ? { apps: instance.apps } : {}),
      });
      const run: VariantRun = { tests: 0, ms: 0 };
      runs.set(key, run);
      for (const test of projectSuite.allTests()) {
        const observation = this.observe(test, key, project.testDir, warnings);
        const result = test.results.at(-1);
        const annotations = result?.annotations ?? [];
        run.error ??= annotations.find((a) => a.type === VARIANT_ERROR_ANNOTATION)?.description;
        run.timings ??= parseVariantTimings(annotations.find((a) => a.type === VARIANT_TIMINGS_ANNOTATION)?.description);
        if (result) {
          run.tests += 1;
          run.ms += result.duration;
        }
        const logged = observation.variantError ? { ...observation, links: [] } : await this.writeLog(observation, test, out);
        delete (logged as { variantError?: string }).variantError;
        delete (logged as { result?: TestResult }).result;
        tests.push(logged);
      }
    }
    return { variants: [...variants.values()], tests, warnings, runs };
  }

  private observe(test: TestCase, variant: string, testDir: string, warnings: string[]): TestObservation & { result?: TestResult; variantError?: string } {
    const result = test.results.at(-1);
    const declared = [...test.annotations, ...(result?.annotations ?? [])].filter((a) => a.type === CHECK_ANNOTATION && a.description).map((a) => a.description!);
    // A variant that could not be built or started: its tests were skipped with the reason; its cells are errors.
    const variantError = result?.annotations.find((a) => a.type === VARIANT_ERROR_ANNOTATION)?.description;
    const records: CheckRecordBody[] = [];
    const links: MatrixLink[] = [];
    for (const a of result?.attachments ?? []) {
      if (a.name === CHECK_ATTACHMENT) {
        if (!a.body) {
          warnings.push(`${test.title}: a ${CHECK_ATTACHMENT} attachment without body is ignored (use recordCheck)`);
          continue;
        }
        try {
          const body = JSON.parse(a.body.toString('utf8')) as CheckRecordBody;
          if (body.v !== CHECK_RECORD_VERSION) throw new Error(`record version ${String(body.v)}, expected ${CHECK_RECORD_VERSION}`);
          records.push(normaliseCheckRecord(body));
        } catch (error) {
          warnings.push(`${test.title}: check record ignored: ${(error as Error).message}`);
        }
      } else if (a.path) {
        links.push({ name: a.name, path: a.path, contentType: a.contentType });
      }
    }
    const file = relative(testDir, test.location.file).split(sep).join('/');
    const error = variantError ? `the variant did not run: ${variantError}` : (result?.errors[0]?.message ?? result?.error?.message);
    const skipReason = !variantError && result?.status === 'skipped' ? [...(result.annotations ?? []), ...test.annotations].find((a) => a.type === 'skip' && a.description)?.description : undefined;
    const observation: TestObservation & { result?: TestResult; variantError?: string } = {
      variant,
      test: { title: test.titlePath().slice(3).join(' › '), file, line: test.location.line },
      outcome: variantError ? 'failed' : outcomeOf(result),
      declared,
      records,
      links,
      ...(error ? { error: redactText(error.replace(ANSI, '')).slice(0, 2000) } : {}),
      ...(skipReason ? { skipReason: redactText(skipReason).slice(0, 2000) } : {}),
    };
    if (result) observation.result = result;
    if (variantError) observation.variantError = variantError;
    return observation;
  }

  /**
   * For a test with a failed check or an error: writes `logs/<variant>/<test>.log` (title, outcome, error,
   * check records, stdout/stderr, all redacted) and copies its traces, screenshots and other files into
   * `artifacts/<variant>/<test>/`, so every failed cell links to its log and trace inside the report
   * directory (the same links live and after merge-reports, and the directory can be uploaded as is).
   * Tests without failure keep no links.
   */
  private async writeLog(o: TestObservation & { result?: TestResult }, test: TestCase, out: string): Promise<TestObservation> {
    const { result, ...observation } = o;
    const failed = o.records.some((r) => !r.passed) || (o.outcome !== 'passed' && o.outcome !== 'skipped' && o.outcome !== 'notRun');
    if (!failed) return { ...observation, links: [] };
    const testSlug = `${slug(test.titlePath().slice(3).join('-'))}-${createHash('sha1').update(`${o.test.file}:${o.test.line}:${o.test.title}`).digest('hex').slice(0, 8)}`;
    const variantSlug = slug(o.variant);
    const links: MatrixLink[] = [];
    const used = new Set<string>();
    for (const a of observation.links) {
      const base = slug(a.name);
      let name = `${base}${extname(a.path)}`;
      for (let i = 2; used.has(name); i += 1) name = `${base}-${i}${extname(a.path)}`;
      used.add(name);
      const rel = ['artifacts', variantSlug, testSlug, name];
      try {
        await mkdir(join(out, ...rel.slice(0, -1)), { recursive: true });
        await copyFile(a.path, join(out, ...rel));
        links.push({ name: a.name, path: rel.join('/'), ...(a.contentType ? { contentType: a.contentType } : {}) });
      } catch {
        // an attachment whose file is gone (not kept by the run): leave it out rather than link nowhere
      }
    }
    const rel = ['logs', variantSlug, `${testSlug}.log`];
    const text = [
      `test: ${o.test.title}`,
      `file: ${o.test.file}:${o.test.line}`,
      `variant: ${o.variant}`,
      `outcome: ${o.outcome}`,
      ...(o.error ? ['', 'error:', o.error] : []),
      '',
      'check records:',
      ...o.records.map((r) => `  ${r.passed ? 'passed' : 'FAILED'} ${r.id} ${JSON.stringify(r.observed)}`),
      ...(result && result.stdout.length > 0 ? ['', 'stdout:', ...result.stdout.map((c) => redactText(c.toString()).replace(ANSI, ''))] : []),
      ...(result && result.stderr.length > 0 ? ['', 'stderr:', ...result.stderr.map((c) => redactText(c.toString()).replace(ANSI, ''))] : []),
      ...(links.length > 0 ? ['', 'artifacts:', ...links.map((l) => `  ${l.name}: ${l.path}`)] : []),
    ].join('\n');
    await mkdir(join(out, ...rel.slice(0, -1)), { recursive: true });
    await writeFile(join(out, ...rel), `${text}\n`, 'utf8');
    return { ...observation, links: [{ name: 'log', path: rel.join('/'), contentType: 'text/plain' }, ...links] };
  }
}

/** What the reporter saw of one variant's run: its tests' time, its timings, why it did not run. */
interface VariantRun {
  tests: number;
  ms: number;
  timings?: VariantTimings;
  error?: string;
}

/**
 * The console summary: the verdict's headline (`matrixVerdict`), the counts, the problem cells by name (errors,
 * unexpected fails, wrong reasons, stale cells), the double banner and where the reports are.
 */
export function summaryLines(matrix: Matrix, htmlPath?: string): string[] {
  const counts = Object.entries(matrix.summary.counts)
    .filter(([, n]) => n > 0)
    .map(([c, n]) => `${n} ${CLASS_LABELS[c as keyof typeof CLASS_LABELS].label}`)
    .join(', ');
  const providers = [...new Set(matrix.variants.map((v) => v.provider))].join(', ');
  const verdict = matrixVerdict(matrix);
  const lines = [`nc-oauth-lab matrix: ${verdict.asExpected ? '' : 'FAILED: '}${verdict.headline}`];
  lines.push(`nc-oauth-lab matrix: ${matrix.cells.length} cells, ${matrix.checks.length} checks x ${matrix.variants.length} variants (${providers || 'no variants'}): ${counts || 'no cells'}`);
  lines.push(...problemLines(matrix).map((p) => `  ${p}`));
  const banner = doubleBanner(matrix);
  if (banner) lines.push(`nc-oauth-lab matrix: ${banner}`);
  if (htmlPath) lines.push(`nc-oauth-lab matrix: reports in ${relative(process.cwd(), join(htmlPath, '..')) || '.'} (${Object.values(REPORT_FILES).join(', ')})`);
  return lines;
}
