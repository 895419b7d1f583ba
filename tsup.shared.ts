import { defineConfig, type Options } from 'tsup';

/**
 * The one build every published package uses: dual ESM + CJS with `.d.ts` and `.d.cts`, so the
 * package works from `import` and `require` with types (checked by publint and arethetypeswrong).
 * `entry` names each public entry point, e.g. `{ index: 'src/index.ts' }`; `bin` names command-line
 * entry points, built once as ESM without types (Node runs them; nobody imports them); `extra` adds
 * tsup options to both (e.g. `noExternal` to bundle an ESM-only dependency).
 *
 * No source maps: the output is not minified (a stack trace's dist line reads as the source does), the
 * sources are not published for a map to point at, and the maps were a third of the tarballs.
 */
export function packageBuild(
  entry: Record<string, string>,
  bin: Record<string, string> = {},
  extra: Options = {},
) {
  const shared: Options = {
    ...extra,
    sourcemap: false,
    target: 'node20',
    platform: 'node',
    splitting: false,
    treeshake: true,
  };
  const library: Options = { ...shared, entry, format: ['esm', 'cjs'], dts: true, clean: true };
  if (Object.keys(bin).length === 0) return defineConfig(library);
  return defineConfig([library, { ...shared, entry: bin, format: ['esm'], dts: false, clean: false }]);
}
