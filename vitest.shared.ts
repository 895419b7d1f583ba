import { defineConfig } from 'vitest/config';

/**
 * Shared test setup: workspace packages are resolved through the `@bot/source` export condition, so
 * tests run against each package's TypeScript sources without a prior build.
 */
export default defineConfig({
  resolve: { conditions: ['@bot/source', 'module', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['@bot/source', 'node', 'import', 'default'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    // Generous: CI is a shared 2-core machine running two packages' suites at once, and several tests
    // start the bot as a process (tsx compiles on start). Tests assert behaviour, never time.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The JSON report feeds scripts/test-summary.mjs, CI's one closing line of counts.
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
  },
});
