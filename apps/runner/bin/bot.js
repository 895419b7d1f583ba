#!/usr/bin/env node
// Runs the CLI from its TypeScript sources: the workspace packages resolve through the `@bot/source`
// export condition, so `pnpm start` works on a fresh clone without a build step. Signals are passed on
// to the CLI (so `bot run` and `bot sim` shut down cleanly), and its exit code is ours.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const child = spawn(
  process.execPath,
  [
    '--conditions=@bot/source',
    '--import',
    import.meta.resolve('tsx'),
    join(here, '..', 'src', 'cli.ts'),
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1)));
