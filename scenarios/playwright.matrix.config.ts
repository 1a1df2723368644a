// The Playwright config of the compatibility matrix (issue 6): one project per variant, the scenario specs
// of scenarios/specs, the matrix reporter. `nc-oauth-lab matrix` runs it and passes the variants in
// NC_OAUTH_LAB_MATRIX_SPEC; without that variable it runs the default matrix against the double.
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { defineConfig, type ReporterDescription } from '@playwright/test';
import { chromiumLaunchOptions } from '../harness/chromium-launch-options.ts';
import { MATRIX_BLOB_DIR_ENV, MATRIX_PROGRESS_ENV, readMatrixSpec } from './fixtures/matrix-spec.ts';
import { DEFAULT_MATRIX_OUT, MATRIX_OUT_ENV } from './matrix-reporter.ts';
import { matrixProjects } from './variant.ts';

const spec = readMatrixSpec();
// One id for the whole run, inherited by the workers: an image build that failed in this run is not tried
// again by another worker (harness/providers/docker-build-lock.ts).
process.env['NC_OAUTH_LAB_RUN_ID'] ||= randomUUID();
const out = resolve(process.cwd(), process.env[MATRIX_OUT_ENV] || DEFAULT_MATRIX_OUT);
const blobDir = process.env[MATRIX_BLOB_DIR_ENV];
const progress = process.env[MATRIX_PROGRESS_ENV] || 'list';

const reporter: ReporterDescription[] = [];
if (progress !== 'null') reporter.push([progress]);
reporter.push(['./matrix-reporter-entry.ts', { outputDir: out }]);
if (blobDir) reporter.push(['blob', { outputDir: blobDir }]);

export default defineConfig({
  testDir: './specs',
  // One test list imports every scenario file: one test group, one worker, one instance per variant.
  testMatch: 'matrix.list.ts',
  outputDir: resolve(out, 'test-results'),
  // A scenario's browser logins and OAuth round trips take a second or two on the double; a real Nextcloud
  // needs 10-17 s per browser login on 2 cores (facts page, "The browser login").
  timeout: spec.provider === 'double' ? 60_000 : 180_000,
  expect: { timeout: 10_000 },
  // Failures are cells of the matrix, not flakes: a retry would hide a changed behaviour.
  retries: 0,
  // A variant's tests share the worker's instance and run in order (some switch app config and put it back).
  fullyParallel: false,
  forbidOnly: Boolean(process.env['CI']),
  reporter,
  use: {
    browserName: 'chromium',
    launchOptions: chromiumLaunchOptions(),
    // Playwright's own tracing would record the typed passwords: the harness keeps redacted traces itself.
    trace: 'off',
    screenshot: 'off',
    video: 'off',
  },
  projects: matrixProjects(spec.variants, spec.provider),
});
