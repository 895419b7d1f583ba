import { CommanderError } from 'commander';
import { buildProgram } from './program';
import { EXIT_BAD_INPUT } from './run-command';

// `bot playbook | head` closes the pipe early; that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

// `pnpm --filter @bot/runner bot …` runs the bot in apps/runner; the paths a user gives (--config, --replay,
// BOT_AUDIT_PATH, *_FILE) and the default data/ directory are relative to where they ran the command, which
// pnpm and npm pass as INIT_CWD.
const initCwd = process.env['INIT_CWD'];
if (initCwd) {
  try {
    process.chdir(initCwd);
  } catch {
    // Gone or not ours: stay where we were started.
  }
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  // commander throws on --help, --version and usage errors once exitOverride is set, having printed them:
  // 0 for help and the version, 2 (bad input, as for every command) for a usage error.
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : EXIT_BAD_INPUT);
  throw error;
}
