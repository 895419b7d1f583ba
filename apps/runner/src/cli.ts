import { CommanderError } from 'commander';
import { buildProgram } from './program';
import { EXIT_BAD_INPUT } from './run-command';

// `bot playbook | head` closes the pipe early; that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  // commander throws on --help, --version and usage errors once exitOverride is set, having printed them:
  // 0 for help and the version, 2 (bad input, as for every command) for a usage error.
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : EXIT_BAD_INPUT);
  throw error;
}
