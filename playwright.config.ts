import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './harness/chromium-launch-options.ts';

export default defineConfig({
  testMatch: '**/*.spec.ts',
  // The matrix scenarios (scenarios/specs) run only under scenarios/playwright.matrix.config.ts (`nc-oauth-lab matrix`);
  // the browser specs of the reports (scenarios/matrix/*.spec.ts) run here.
  testIgnore: ['node_modules/**', 'scenarios/specs/**'],
  outputDir: 'test-results',
  timeout: 60_000,
  reporter: process.env.CI ? [['list']] : [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: chromiumLaunchOptions(),
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
