import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '**/*.spec.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
