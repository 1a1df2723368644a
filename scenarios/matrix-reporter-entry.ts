// Playwright loads a reporter module by its default export (requireOrImportDefaultFunction in
// playwright/lib/runner): this entry re-exports MatrixReporter as that default. Use it as
// `reporter: [['./scenarios/matrix-reporter-entry.ts', { outputDir }]]` or
// `npx playwright merge-reports --reporter ./scenarios/matrix-reporter-entry.ts <blob dir>`.
export { MatrixReporter as default } from './matrix-reporter.ts';
