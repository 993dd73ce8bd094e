import { defineConfig } from 'vitest/config';

// Browser tests: a real server on a free port, driven by playwright-core in Debian's chromium.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
