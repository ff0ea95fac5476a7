import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    // Timeouts only catch a hang: generous, so that a loaded 2-core machine (other jobs, a CPU burner) never
    // fails a test by its duration.
    testTimeout: 180_000,
    // Servers the tests start as child processes (recommender serve) leave the HTTP port off unless a test
    // asks for one (--http-port any): parallel test files would fight over the default 50052.
    env: { RECOMMENDER_HTTP_PORT: '0' },
    hookTimeout: 180_000,
    pool: 'forks',
    // 2-core machines: a little parallelism, not one process per file.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
