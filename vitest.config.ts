import { defineConfig } from 'vitest/config';

// Two projects: `unit` is fast and runs on every change (npm run test:unit); `e2e`
// generates real repos, installs them once (shared through test/e2e/setup), builds,
// tests and boots them. `npm test` runs both.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'node_modules/**', 'dist/**'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 600_000,
          hookTimeout: 900_000,
          // e2e files share one installed repo and ports; run them one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
