import { defineConfig } from 'vitest/config';
import shared from '../vitest.shared.ts';

/**
 * `pnpm test:e2e`: the chaos suite alone, with more runs than `pnpm test`'s short version (CHAOS_RUNS,
 * default 8; `CHAOS_RUNS=30 pnpm test:e2e` for the long one). See README.md.
 */
export default defineConfig({
  ...shared,
  test: {
    ...shared.test,
    include: ['src/chaos.test.ts'],
    env: { CHAOS_RUNS: process.env['CHAOS_RUNS'] ?? '8', CHAOS_KILLS: process.env['CHAOS_KILLS'] ?? '1,3' },
    reporters: ['default'],
  },
});
