import { defineConfig } from 'vitest/config';

/**
 * Tests that drive the real Docker engine, Chromium, whole server processes or a production build: they run one file
 * at a time (their timings must not depend on what else runs). The rest run one at a time too until a cleanup that drops other workers' schemas is scoped.
 */
const ONE_AT_A_TIME = [
  'test/runtimes/**/*.test.ts',
  'test/browser/**/*.test.ts',
  'test/cli/**/*.test.ts',
  'test/web/bundle-size.test.ts',
  'test/bench/**/*.test.ts',
  'test/api/server.api.test.ts',
  'test/api/replicas.process.test.ts',
  'test/security/compose-engine.security.test.ts',
  'test/security/review-probes.security.test.ts',
];
const ALL = ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.{ts,tsx}'];

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic' } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'shared', include: ALL, exclude: ONE_AT_A_TIME, maxWorkers: 1, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'alone', include: ONE_AT_A_TIME, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
