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
    testTimeout: 20_000,
    // The JSON report feeds scripts/test-summary.mjs, CI's one closing line of counts.
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
  },
});
