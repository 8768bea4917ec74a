import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Runs once per `vitest run`, whichever projects it runs: every test's temporary files go to one folder it removes.
    globalSetup: ['test/globalSetup.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['main/**/*.test.ts', 'preload/**/*.test.ts', 'renderer/**/*.test.{ts,tsx}'],
          environment: 'node',
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['e2e/**/*.e2e.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // One browser and one engine at a time: CI has two cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
