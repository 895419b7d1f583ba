import { defineConfig, type Options } from 'tsup';

/**
 * The one build every published package uses: dual ESM + CJS with `.d.ts` and `.d.cts`, so the
 * package works from `import` and `require` with types (checked by publint and arethetypeswrong).
 * `entry` names each public entry point, e.g. `{ index: 'src/index.ts', testing: 'src/testing.ts' }`.
 */
export function packageBuild(entry: Record<string, string>, overrides: Options = {}) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    treeshake: true,
    ...overrides,
  });
}
