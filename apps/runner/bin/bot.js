#!/usr/bin/env node
// Runs the CLI from its TypeScript sources: the workspace packages resolve through the `@bot/source`
// export condition, so `pnpm start` works on a fresh clone without a build step.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const result = spawnSync(
  process.execPath,
  [
    '--conditions=@bot/source',
    '--import',
    import.meta.resolve('tsx'),
    join(here, '..', 'src', 'cli.ts'),
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit', cwd: process.cwd() },
);
process.exit(result.status ?? 1);
