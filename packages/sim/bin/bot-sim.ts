#!/usr/bin/env node
import { CommanderError } from 'commander';
import { simCommand } from '../src/sim-command';

// The command is declared once in src/sim-command.ts; the runner's `bot sim` is the same command.
// Commander prints a usage error with the help after it, and --help; exit 0 for help, 2 for a usage error.
const program = simCommand('bot-sim').showHelpAfterError().exitOverride();
try {
  await program.parseAsync(process.argv);
  process.exit(0);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  throw error;
}
