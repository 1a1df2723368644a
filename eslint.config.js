// Lint: typescript-eslint's recommended rules plus the project's conventions
// (named exports only, server/ never imports harness/).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'reports/**', 'test-results/**', 'playwright-report/**', 'blob-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      'no-restricted-exports': ['error', { restrictDefaultExports: { direct: true, named: true, defaultFrom: true, namedFrom: true, namespaceFrom: true } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['server/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/harness/**', '**/harness'], message: 'server/ never imports harness/.' }] }],
    },
  },
  {
    // Config files that their tools load by default export, and the matrix reporter's entry
    // (Playwright loads a reporter module by its default export).
    files: ['playwright.config.ts', 'vitest.config.ts', 'scenarios/matrix-reporter-entry.ts', 'scenarios/playwright.matrix.config.ts'],
    rules: { 'no-restricted-exports': 'off' },
  },
);
