import { Command } from 'commander';
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

  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  // commander throws on --help and usage errors once exitOverride is set; it has printed them already.
  const exitCode = (error as { exitCode?: number }).exitCode;
  if (typeof exitCode === 'number') process.exit(exitCode);
  throw error;
}
