import { resolve } from 'node:path';
import { verifyCommand } from '@bot/audit';
import { CONFIG_DEFAULTS } from '@bot/config';
import { simCommand } from '@bot/sim';
import { Command } from 'commander';
import { buildInfo } from './build-card';
import { configTemplate } from './config-template';
import { NewFileError, StrategyModuleError, writeNew, writeStrategyTemplate } from './custom-strategy';
import { backtestCommand } from './backtest/backtest-command';
import { contractFor } from './backtest/instruments';
import { DEFAULT_BASE_URL, DownloadError, downloadArchives, progressReporter } from './data/download';
import { BINANCE_FAPI_URL, instrumentsCommand } from './data/refresh-instruments';
import type { InstrumentsCommandOptions } from './data/refresh-instruments';
import { writeSampleArchive } from './data/sample-archive';
import type { BacktestCommandOptions } from './backtest/backtest-command';
import { findPlaybook, formatPlaybook, PLAYBOOKS } from './playbooks';
import { runCommand } from './run-command';
import type { RunCommandOptions } from './run-command';
import { runQuickCheck } from './quick-check';
import { tradesCommand } from './trades/trades-command';
import type { TradesCommandOptions } from './trades/trades-command';

/**
 * The `bot` command line. Every command is a thin shell: it gathers options and the environment,
 * hands them to a function that returns an exit code, and prints what that function reports.
 */
export function buildProgram(): Command {
  const program = new Command('bot')
    .description('USDⓈ-M futures bot for Binance, margined in USDC')
    .version(buildInfo().version, '-V, --version', 'print the version')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('quick-check')
    .description(
      'validate the configuration, print the settings the bot would trade with, and in testnet/live check connectivity, clock, keys and symbols',
    )
    .option('--config <file>', 'JSON config file (defaults < file < environment < flags)')
    .option('--mode <mode>', 'paper | testnet | live (default paper)')
    .option('--sim-url <url>', 'paper: run the network checks against this emulator')
    .action(async (options: { config?: string; mode?: string; simUrl?: string }) => {
      process.exitCode = await runQuickCheck({
        env: process.env,
        simUrl: options.simUrl,
        configFile: options.config,
        mode: options.mode,
        print: (line) => console.log(line),
      });
    });

  program
    .command('run')
    .description(
      'trade: paper mode (default) runs on the built-in emulator with no keys and no network and prints a summary',
    )
    .option(
      '--mode <mode>',
      'paper | testnet | live (live also needs BOT_LIVE_CONFIRM) (default: paper, or BOT_MODE / the config file)',
    )
    .option('--config <file>', 'JSON config file (defaults < file < environment < flags)')
    .option(
      '--symbols <list>',
      `symbols to trade, e.g. BTC,ETH or BTC/USDC:USDC (default: ${CONFIG_DEFAULTS.symbols.join(',')}, or BOT_SYMBOLS / the config file)`,
    )
    .option(
      '--timeframe <interval>',
      `candle interval of the strategy, e.g. 1m, 15m (default: ${CONFIG_DEFAULTS.strategy.timeframe}, or BOT_TIMEFRAME / the config file)`,
    )
    .option(
      '--duration <time>',
      'run this long, then stop (90s, 10m, 2h; a bare number is seconds) (default: until Ctrl-C or SIGTERM)',
    )
    .option('--speed <speed>', 'paper: market clock speed (60 = an hour a minute)', '60')
    .option('--seed <seed>', 'paper: seed of the synthetic market (the same seed, the same market)', '42')
    .option(
      '--replay <file.csv>',
      'paper: replay a Binance archive kline CSV (e.g. BTCUSDC-1m-2026-01.csv) instead',
    )
    .option(
      '--sim-url <url>',
      'paper: use an emulator already running (`bot sim`); keys from BOT_API_KEY/BOT_API_SECRET',
    )
    .option(
      '--strategy <file>',
      'your own strategy: a .ts/.js module exporting createStrategy(symbol) (bot new-strategy writes one) (default: the breakout strategy)',
    )
    .option(
      '--heartbeat <time>',
      'a progress line (market time, equity, positions, PnL) this often; 0 for none',
      '5m',
    )
    .option('--flatten-on-exit', 'on SIGINT/SIGTERM or the end of --duration, close every position at market')
    .option('--no-operator-api', 'do not start the operator HTTP API')
    .option('--log-format <format>', 'pretty | json (default: pretty in a terminal, json otherwise)')
    .option('--log-level <level>', 'debug | info | warn | error', 'info')
    .action(async (options: RunCommandOptions) => {
      process.exitCode = await runCommand(options);
    });

  program
    .command('new-strategy')
    .description(
      'write a strategy template for bot run --strategy (.ts, or .js with JSDoc types); never overwrites',
    )
    .argument('<file>', 'e.g. my-strategy.ts')
    .action((file: string) => {
      try {
        const path = writeStrategyTemplate(file);
        console.log(`${path}: edit it, then bot run --strategy ${file}`);
      } catch (error) {
        if (!(error instanceof StrategyModuleError || error instanceof NewFileError)) throw error;
        console.error(`bot new-strategy: ${error.message}`);
        process.exitCode = 2;
      }
    });

  program
    .command('new-config')
    .description(
      'write a config file with every key, its default and what it does (JSON with comments); never overwrites',
    )
    .argument('<file>', 'e.g. bot.json')
    .action((file: string) => {
      try {
        writeNew(resolve(file), configTemplate(), file);
        console.log(`${resolve(file)}: edit it, then bot quick-check --config ${file}`);
      } catch (error) {
        if (!(error instanceof NewFileError)) throw error;
        console.error(`bot new-config: ${error.message}`);
        process.exitCode = 2;
      }
    });

  // `bot audit verify` and `bot sim` are the packages' own commands (declared once, as bot-audit and bot-sim
  // run them); added commands do not inherit settings, so they take the program's (usage after an error,
  // errors thrown to cli.ts) explicitly.
  const audit = program.command('audit').description('audit trail tools');
  audit.addCommand(
    verifyCommand({
      io: process,
      name: 'bot audit verify',
      exit: (code) => {
        process.exitCode = code;
      },
    }).copyInheritedSettings(audit),
  );
  program.addCommand(simCommand('sim').copyInheritedSettings(program));

  program
    .command('backtest')
    .description('run the bot over Binance kline archives (data.binance.vision, 1m) and print the report')
    .requiredOption('--data <paths...>', 'archive files (.zip or .csv) or directories holding them')
    .option('--symbols <list>', 'symbols to test, e.g. BTCUSDC,ETHUSDC (default every symbol in the data)')
    .option('--timeframe <interval>', "the strategy's candles (1m data is resampled), e.g. 15m")
    .option('--from <date>', 'first day, e.g. 2024-01-01 (UTC)')
    .option('--to <date>', 'day after the last, e.g. 2025-01-01 (UTC)')
    .option('--config <file>', 'config file (risk, strategy)')
    .option('--json <file>', 'write the report and every trade as JSON')
    .option('--report <file>', 'write the report as one self-contained HTML page with its charts')
    .option('--audit <on|off>', 'keep the audit trail at the configured path', 'off')
    .option('--log-level <level>', "the bot's log on stderr", 'error')
    .option(
      '--instruments <file>',
      'instrument rules written by bot data instruments --out (default the snapshot shipped with the bot)',
    )
    .option(
      '--strategy <file>',
      'your own strategy: a .ts/.js module exporting createStrategy(symbol), as for bot run (default: the breakout strategy)',
    )
    .action(async (options: BacktestCommandOptions) => {
      process.exitCode = await backtestCommand(options);
    });

  const data = program.command('data').description('kline archives for backtests');
  data
    .command('download')
    .description(
      "download Binance's USDⓈ-M kline archives, monthly or daily, each checked against its .CHECKSUM; resumable",
    )
    .requiredOption('--symbols <list>', 'e.g. BTCUSDC,ETHUSDC')
    .requiredOption(
      '--from <YYYY-MM|YYYY-MM-DD>',
      'first month (monthly archives) or first day (daily archives)',
    )
    .requiredOption('--to <YYYY-MM|YYYY-MM-DD>', 'last month or day (inclusive), the same form as --from')
    .option('--timeframe <interval>', 'kline interval of the archives', '1m')
    .option('--dir <dir>', 'where the archives go', 'data')
    .option('--base-url <url>', 'archive host (a mirror, or a test server)', DEFAULT_BASE_URL)
    .action(
      async (options: {
        symbols: string;
        from: string;
        to: string;
        timeframe: string;
        dir: string;
        baseUrl: string;
      }) => {
        try {
          const report = await downloadArchives({
            symbols: options.symbols.split(',').map((symbol) => symbol.trim().toUpperCase()),
            interval: options.timeframe,
            from: options.from,
            to: options.to,
            dir: options.dir,
            baseUrl: options.baseUrl,
            reporter: progressReporter(process.stderr),
          });
          console.log(
            `${report.downloaded.length} downloaded, ${report.skipped.length} already here, ${report.missing.length} not published`,
          );
        } catch (error) {
          if (!(error instanceof DownloadError)) throw error;
          console.error(`bot data download: ${error.message}`);
          process.exitCode = 2;
        }
      },
    );
  data
    .command('instruments')
    .description(
      "refresh the instrument rules backtests use (tick, step, min notional, leverage brackets) from Binance's exchangeInfo; brackets need BOT_API_KEY/BOT_API_SECRET, else the old ones are kept",
    )
    .option('--out <file>', 'the snapshot to write (default the one shipped with the bot)')
    .option('--base-url <url>', 'USDⓈ-M REST base (a mirror, or a test server)', BINANCE_FAPI_URL)
    .action(async (options: InstrumentsCommandOptions) => {
      process.exitCode = await instrumentsCommand(options, process.env);
    });
  data
    .command('sample')
    .description("write a generated archive shaped like Binance's (a first backtest that downloads nothing)")
    .option('--dir <dir>', 'where to write it', 'data')
    .option('--symbol <symbol>', 'symbol (its tick grid comes from the instrument snapshot)', 'BTCUSDC')
    .option('--days <days>', 'days of 1m candles from 2024-01-01', '7')
    .action((options: { dir: string; symbol: string; days: string }) => {
      const days = Number(options.days);
      if (!(Number.isInteger(days) && days >= 1 && days <= 31)) {
        console.error('bot data sample: --days must be 1..31 (one monthly archive)');
        process.exitCode = 2;
        return;
      }
      let tickSize: string;
      let stepSize: string;
      try {
        ({ tickSize, stepSize } = contractFor(options.symbol).instrument);
      } catch (error) {
        console.error(`bot data sample: ${(error as Error).message}`);
        process.exitCode = 2;
        return;
      }
      const path = writeSampleArchive(options.dir, {
        symbol: options.symbol,
        start: Date.UTC(2024, 0, 1),
        minutes: days * 1440,
        startPrice:
          1000 * Number(tickSize) * 10_000 > 0 ? 42_000 * Math.min(1, Number(tickSize) * 10) : 42_000,
        tickSize,
        stepSize,
      });
      console.log(path);
    });

  program
    .command('trades')
    .description(
      'the trade history from the audit trail: entry, exit, reason, fees, PnL, R multiple and the decision’s why',
    )
    .option('--from <date>', 'trades opened at or after this ISO date/time (UTC)')
    .option('--to <date>', 'trades opened before this ISO date/time; a date alone includes that day')
    .option('--symbol <symbol>', 'one symbol, BTCUSDC or BTC/USDC:USDC')
    .option('--json', 'print JSON instead of a table')
    .option('--audit <file>', 'the audit trail to read (default BOT_AUDIT_PATH, data/audit.jsonl)')
    .option('--config <file>', 'JSON config file (for the audit path)')
    .action(async (options: TradesCommandOptions) => {
      process.exitCode = await tradesCommand(options);
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
