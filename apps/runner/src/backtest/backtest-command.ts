/**
 * `bot backtest`: reads Binance kline archives (as streams: a first pass checks them, the run reads them
 * again as the clock reaches them), runs the bot over them (see backtest.ts) and prints the report; `--json` writes it for machines. Bad input (a file that is not a kline archive, rows out of
 * order or overlapping, prices off the tick grid, an unknown symbol, --from after --to) exits 2 naming the
 * file and row, before anything is traded or written.
 */
import { ConfigError, loadConfig } from '@bot/config';
import type { BotConfig } from '@bot/config';
import type { ListedContract } from '@bot/sim';
import { perpSymbol } from '@bot/symbols';
import { loadStrategyModule, StrategyModuleError } from '../custom-strategy';
import type { StrategyFactory } from '../custom-strategy';
import {
  KlineDataError,
  listArchives,
  parseArchiveName,
  parseDateOption,
  scanKlines,
  streamKlines,
} from '../data/kline-archive';
import type { ReadKlinesOptions, SymbolScan } from '../data/kline-archive';
import { createLogger } from '../logger';
import { EXIT_BAD_INPUT } from '../run-command';
import { barCells, formatDuration } from '../progress-bar';
import { writeWhole } from '../write-whole';
import { runBacktest } from './backtest';
import type { BacktestResult } from './backtest';
import {
  InstrumentSnapshotError,
  UnknownInstrumentError,
  contractFor,
  readSnapshot,
  snapshotContracts,
} from './instruments';
import { htmlReport } from './html-report';
import { computeStats, formatStats, reportJson } from './report';

export interface BacktestCommandOptions {
  readonly data: string[];
  readonly symbols?: string;
  readonly timeframe?: string;
  readonly from?: string;
  readonly to?: string;
  readonly config?: string;
  readonly json?: string;
  readonly report?: string;
  readonly audit?: string;
  readonly logLevel?: string;
  /** An instrument snapshot written by `bot data instruments --out` (default the bundled one). */
  readonly instruments?: string;
  /** A module of the user's own exporting `createStrategy(symbol)`, as for `bot run --strategy`. */
  readonly strategy?: string;
}

function usage(message: string): number {
  console.error(`bot backtest: ${message}`);
  return EXIT_BAD_INPUT;
}

function progressBar(): (reached: number, from: number, to: number) => void {
  if (!process.stderr.isTTY) return () => undefined;
  const started = Date.now();
  let shown = 0;
  return (reached, from, to) => {
    const now = Date.now();
    if (now - shown < 200 && reached < to) return;
    shown = now;
    const done = Math.min(1, (reached - from) / Math.max(1, to - from));
    const elapsed = (now - started) / 1000;
    const left = done > 0 ? (elapsed * (1 - done)) / done : 0;
    process.stderr.write(
      `\r${barCells(done)} ${(100 * done).toFixed(1)} %  ${new Date(reached).toISOString().slice(0, 10)}  ${formatDuration(left)} left `,
    );
    if (reached >= to) process.stderr.write('\n');
  };
}

export async function backtestCommand(options: BacktestCommandOptions): Promise<number> {
  let from: number | undefined;
  let to: number | undefined;
  try {
    from = parseDateOption('from', options.from);
    to = parseDateOption('to', options.to);
  } catch (error) {
    return usage((error as Error).message);
  }
  if (from !== undefined && to !== undefined && from >= to) {
    return usage(`--from ${options.from} is not before --to ${options.to}`);
  }
  if (options.audit !== undefined && options.audit !== 'on' && options.audit !== 'off') {
    return usage(`--audit must be on or off, got ${options.audit}`);
  }
  let config: BotConfig;
  try {
    config = loadConfig({
      env: process.env,
      configFile: options.config,
      overrides: {
        mode: 'paper',
        strategy: options.timeframe
          ? { timeframe: options.timeframe as BotConfig['strategy']['timeframe'] }
          : undefined,
      },
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return usage(error.message);
  }
  let contracts: ListedContract[];
  try {
    contracts = snapshotContracts(
      options.instruments === undefined ? undefined : readSnapshot(options.instruments),
    );
  } catch (error) {
    if (!(error instanceof InstrumentSnapshotError)) throw error;
    return usage(options.instruments === undefined ? error.message : `--instruments ${error.message}`);
  }
  // `BTCUSDC` or ccxt's `BTC/USDC:USDC`.
  const symbols = options.symbols
    ?.split(',')
    .map((symbol) => symbol.trim().toUpperCase().split(':')[0]?.replace('/', '') ?? '');
  let data: SymbolScan[];
  const reading: ReadKlinesOptions = {
    symbols,
    from,
    to,
    tickOf: (symbol) => contractFor(symbol, contracts).instrument.tickSize,
  };
  try {
    for (const symbol of symbols ?? []) contractFor(symbol, contracts);
    // A first pass checks every row (bad input exits 2 before anything trades); the run reads them again.
    data = await scanKlines(options.data, reading);
  } catch (error) {
    if (error instanceof KlineDataError || error instanceof UnknownInstrumentError)
      return usage(error.message);
    throw error;
  }
  const found = new Set(listArchives(options.data).map((file) => parseArchiveName(file).symbol));
  for (const symbol of found) {
    if ((symbols === undefined || symbols.includes(symbol)) && !data.some((one) => one.symbol === symbol)) {
      console.error(`bot backtest: ${symbol}: no candles between --from and --to; not traded`);
    }
  }
  for (const symbol of data) {
    for (const gap of symbol.gaps) {
      console.error(
        `bot backtest: ${symbol.symbol}: gap of ${gap.missingMinutes} minutes after ${new Date(gap.after).toISOString()} (resumes ${new Date(gap.resumes).toISOString()})`,
      );
    }
  }
  // The user's strategy is loaded and built for every traded symbol (as the bot names them: BTC/USDC:USDC)
  // before the backtest starts: a module it cannot use is bad input, as for `bot run --strategy`.
  let createStrategy: StrategyFactory | undefined;
  if (options.strategy !== undefined) {
    const traded = data.map(({ symbol }) => {
      const { baseAsset, quoteAsset } = contractFor(symbol, contracts).instrument;
      return perpSymbol(baseAsset, quoteAsset);
    });
    try {
      createStrategy = await loadStrategyModule(options.strategy, traded);
    } catch (error) {
      if (!(error instanceof StrategyModuleError)) throw error;
      return usage(error.message);
    }
  }
  const logger = createLogger({
    format: 'json',
    level: options.logLevel ?? 'error',
    destination: process.stderr,
  });
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once('SIGINT', interrupt);
  let result: BacktestResult;
  try {
    result = await runBacktest({
      config,
      logger,
      markets: data.map((scan) => ({ symbol: scan.symbol, candles: streamKlines(scan, reading), scan })),
      audit: options.audit === 'on',
      signal: controller.signal,
      onProgress: progressBar(),
      contracts,
      createStrategy,
    });
  } catch (error) {
    if (error instanceof RangeError || error instanceof KlineDataError) return usage(error.message);
    throw error;
  } finally {
    process.off('SIGINT', interrupt);
  }
  const stats = computeStats(result);
  const quote = contractFor(data[0]?.symbol ?? '', contracts).instrument.quoteAsset;
  for (const line of formatStats(stats, quote)) console.log(line);
  if (options.json) writeWhole(options.json, reportJson(result, stats));
  if (options.report) writeWhole(options.report, htmlReport(result, stats));
  return 0;
}
