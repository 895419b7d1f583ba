import { Command } from 'commander';
import { findPlaybook, formatPlaybook, PLAYBOOKS } from './playbooks';
import { runQuickCheck } from './quick-check';

/**
 * The `bot` command line. Every command is a thin shell: it gathers options and the environment,
 * hands them to a function that returns an exit code, and prints what that function reports.
 */
export function buildProgram(): Command {
  const program = new Command('bot')
    .description('USDⓈ-M futures bot for Binance, margined in USDC')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('quick-check')
    .description('validate the configuration and print the resolved settings the bot would trade with')
    .option('--config <file>', 'JSON config file (defaults < file < environment < flags)')
    .option('--mode <mode>', 'paper | testnet | live (default paper)')
    .action(async (options: { config?: string; mode?: string }) => {
      process.exitCode = await runQuickCheck({
        env: process.env,
        configFile: options.config,
        mode: options.mode,
        print: (line) => console.log(line),
      });
    });

  program
    .command('playbook')
    .description(
      'list the incident playbooks, or show one: how it is detected, what the bot does, what you do',
    )
    .argument('[id]', 'playbook id, e.g. sl-placement-failed')
    .action((id: string | undefined) => {
      if (id === undefined) {
        for (const playbook of PLAYBOOKS)
          console.log(`${playbook.id.padEnd(28)} ${playbook.severity.padEnd(9)} ${playbook.title}`);
        return;
      }
      const playbook = findPlaybook(id);
      if (!playbook) {
        console.error(
          `bot playbook: no playbook '${id}'; known: ${PLAYBOOKS.map((entry) => entry.id).join(', ')}`,
        );
        process.exitCode = 2;
        return;
      }
      console.log(formatPlaybook(playbook));
    });

  return program;
}

// `bot playbook | head` closes the pipe early; that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  // commander throws on --help and usage errors once exitOverride is set; it has printed them already.
  const exitCode = (error as { exitCode?: number }).exitCode;
  if (typeof exitCode === 'number') process.exit(exitCode);
  throw error;
}
