import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'reports/out/**'],
    restoreMocks: true,
    unstubEnvs: true,
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests start real PostgreSQL/Redis/process trees; two cores cannot run many at once.
    maxWorkers: 2,
    fileParallelism: true,
    reporters: ['default'],
  },
});
