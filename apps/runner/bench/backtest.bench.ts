/**
 * `bot backtest` speed, as ratios measured in the same run: bare parsing of the archive's CSV (the floor:
 * what reading costs) against the whole backtest of the same candles as `bot backtest` runs it (the checking
 * pass, then the streamed run), audit off and on; and the heap over the run (the archives are streamed, so
 * it must not grow with the history). `pnpm bench` runs it from runner.bench.ts, in a process of its own; alone:
 *
 *   pnpm --filter @bot/runner bench:backtest [archive…]   (default: a generated month of BTCUSDC 1m candles)
 *   BENCH_TIMEFRAME=1m|15m (default 15m), BENCH_BACKTEST_DAYS (default 30)
 *
 * The third target, a year of 1m candles of 5 symbols within a minute, is one backtest of 5 symbols
 * together (they share each clock move) over the same days, start-up measured and counted once, the rest
 * scaled to the year. BENCH_YEAR=1 also runs the real year (2.6 M candles, ~130 MB of generated archives
 * in the temporary directory) to check that extrapolation.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '@bot/config';
import { parseKlineCsv } from '@bot/sim';
import type { BenchRowInput } from '../../../scripts/bench-report';
import { runBacktest } from '../src/backtest/backtest';
import { contractFor } from '../src/backtest/instruments';
import { archiveText, scanKlines, streamKlines } from '../src/data/kline-archive';
import { writeSampleArchive, writeSampleMonths } from '../src/data/sample-archive';
import { createLogger } from '../src/logger';

/** A year of 1m candles of 5 symbols: the "under a minute" target. */
const YEAR_OF_FIVE = 5 * 365 * 1440;

/** The five: USDC perpetuals of the shipped snapshot, each from a price of its order, walks of their own. */
const FIVE = [
  { symbol: 'BTCUSDC', startPrice: 42_000 },
  { symbol: 'ETHUSDC', startPrice: 2_300 },
  { symbol: 'SOLUSDC', startPrice: 100 },
  { symbol: 'BNBUSDC', startPrice: 300 },
  { symbol: 'XRPUSDC', startPrice: 0.6 },
] as const;

/**
 * The default config halts trading for good after three stop-losses in a row (SL_STREAK: a backtest does
 * not resume), which on the generated data comes on the third day: the rest of a year is then an idle bot.
 * This config trades through the month (limits within the aggressive tier's caps, about a thousand trades):
 * the work per candle with positions open, scaled to a year as if it went on so. It does not, in a real
 * year: the sizes compound with the equity until a liquidation halts it in the fourth month.
 */
const KEEPS_TRADING = {
  BOT_TIER: 'aggressive',
  MAX_SL_STREAK: '10',
  MAX_CONCURRENT_POSITIONS: '5',
  RISK_PER_TRADE_PCT: '0.002',
};

/** One backtest of the five symbols together, audit off, as `bot backtest` runs it (the checking pass too). */
export interface FiveSymbolsRun {
  readonly days: number;
  readonly candles: number;
  readonly trades: number;
  readonly seconds: number;
  /** From the end of the checking pass to the first clock move handled: the bot's start, paid once. */
  readonly startupSeconds: number;
  /** A year of the five: start-up once, the rest of this run scaled to the year's candles. */
  readonly yearSeconds: number;
}

export interface BacktestBench {
  readonly candles: number;
  readonly timeframe: string;
  /** Bare `parseKlineCsv` of the same files (candles/s). */
  readonly parseRate: number;
  /** The whole backtest (candles/s), audit off and on, and its trades. */
  readonly off: { readonly rate: number; readonly trades: number };
  readonly on: { readonly rate: number; readonly trades: number };
  /** Heap after a forced GC at a quarter of the audit-off run and at its end (MB); NaN without --expose-gc. */
  readonly heapQuarterMb: number;
  readonly heapEndMb: number;
  /** Five symbols over the same days, default config and one that keeps trading; a real year with BENCH_YEAR=1. */
  readonly five: FiveSymbolsRun;
  readonly fiveTrading: FiveSymbolsRun;
  readonly fiveYear?: FiveSymbolsRun | undefined;
}

export async function benchBacktest(
  given: readonly string[] = [],
  timeframe = process.env['BENCH_TIMEFRAME'] ?? '15m',
  days = Number(process.env['BENCH_BACKTEST_DAYS'] ?? 30),
): Promise<BacktestBench> {
  const dir = mkdtempSync(join(tmpdir(), 'bot-bench-backtest-'));
  const files = [...given];
  if (files.length === 0) {
    files.push(
      writeSampleArchive(dir, {
        symbol: 'BTCUSDC',
        start: Date.UTC(2024, 0, 1),
        minutes: days * 1440,
        startPrice: 42_000,
        tickSize: '0.1',
      }),
    );
  }
  const reading = { tickOf: (symbol: string) => contractFor(symbol).instrument.tickSize };
  const gc = (globalThis as { gc?: () => void }).gc;
  const heapMb = () => {
    if (!gc) return Number.NaN;
    gc();
    return process.memoryUsage().heapUsed / 2 ** 20;
  };

  let started = performance.now();
  let parsed = 0;
  for (let round = 0; round < 3; round += 1) {
    for (const file of files) parsed += parseKlineCsv(await archiveText(file)).length;
  }
  const parseRate = parsed / ((performance.now() - started) / 1000);

  const logger = createLogger({ format: 'json', level: 'error', destination: { write: () => undefined } });
  const runs: Record<'off' | 'on', { rate: number; trades: number }> = {
    off: { rate: 0, trades: 0 },
    on: { rate: 0, trades: 0 },
  };
  let heapQuarterMb = Number.NaN;
  let heapEndMb = Number.NaN;
  let candles = 0;
  for (const audit of [false, true]) {
    const config = loadConfig({
      env: { BOT_AUDIT_PATH: join(dir, `audit-${audit}.jsonl`), BOT_TIMEFRAME: timeframe },
    });
    started = performance.now();
    // As `bot backtest` reads: a checking pass, then the run streams the files again.
    const scans = await scanKlines(files, reading);
    let quarterTaken = audit;
    const result = await runBacktest({
      config,
      logger,
      markets: scans.map((scan) => ({ symbol: scan.symbol, candles: streamKlines(scan, reading), scan })),
      audit,
      onProgress: (reached, from, to) => {
        if (!quarterTaken && reached - from >= (to - from) / 4) {
          quarterTaken = true;
          heapQuarterMb = heapMb();
        }
      },
    });
    const seconds = (performance.now() - started) / 1000;
    if (!audit) heapEndMb = heapMb();
    candles = result.candles;
    runs[audit ? 'on' : 'off'] = { rate: result.candles / seconds, trades: result.trades.length };
  }
  const monthStart = Date.UTC(2024, 0, 1);
  const five = await benchFiveSymbols(join(dir, 'five'), timeframe, monthStart, days);
  const fiveTrading = await benchFiveSymbols(join(dir, 'five'), timeframe, monthStart, days, KEEPS_TRADING);
  const fiveYear =
    process.env['BENCH_YEAR'] === '1'
      ? await benchFiveSymbols(join(dir, 'year'), timeframe, Date.UTC(2025, 0, 1), 365)
      : undefined;
  rmSync(dir, { recursive: true, force: true });
  return { candles, timeframe, parseRate, ...runs, heapQuarterMb, heapEndMb, five, fiveTrading, fiveYear };
}

/** Generates the five symbols' monthly archives (not timed), then times one backtest of them all. */
export async function benchFiveSymbols(
  dir: string,
  timeframe: string,
  start: number,
  days: number,
  env: Record<string, string> = {},
): Promise<FiveSymbolsRun> {
  const files = FIVE.flatMap(({ symbol, startPrice }, position) =>
    writeSampleMonths(dir, {
      symbol,
      start,
      minutes: days * 1440,
      startPrice,
      tickSize: contractFor(symbol).instrument.tickSize,
      stepSize: contractFor(symbol).instrument.stepSize,
      seed: 7 + position,
    }),
  );
  const reading = { tickOf: (symbol: string) => contractFor(symbol).instrument.tickSize };
  const logger = createLogger({ format: 'json', level: 'error', destination: { write: () => undefined } });
  const config = loadConfig({ env: { ...env, BOT_TIMEFRAME: timeframe } });
  const started = performance.now();
  const scans = await scanKlines(files, reading);
  const scanned = performance.now();
  let firstMove: number | undefined;
  const result = await runBacktest({
    config,
    logger,
    markets: scans.map((scan) => ({ symbol: scan.symbol, candles: streamKlines(scan, reading), scan })),
    audit: false,
    onProgress: () => {
      firstMove ??= performance.now();
    },
  });
  const seconds = (performance.now() - started) / 1000;
  rmSync(dir, { recursive: true, force: true });
  const startupSeconds = ((firstMove ?? scanned) - scanned) / 1000;
  return {
    days,
    candles: result.candles,
    trades: result.trades.length,
    seconds,
    startupSeconds,
    yearSeconds: startupSeconds + ((seconds - startupSeconds) * YEAR_OF_FIVE) / result.candles,
  };
}

export function describeBacktestBench(result: BacktestBench): string[] {
  const lines = [
    `backtest: ${result.candles} 1m candles (${result.timeframe} strategy); bare CSV parsing ${result.parseRate.toFixed(0)} candles/s`,
  ];
  for (const audit of ['off', 'on'] as const) {
    const run = result[audit];
    const target = audit === 'off' ? 0.1 : 0.03;
    const ratio = run.rate / result.parseRate;
    lines.push(
      `  audit ${audit}: ${run.rate.toFixed(0)} candles/s, ${run.trades} trades: ${ratio.toFixed(4)}× bare parsing (target ≥ ${target}×) ${ratio >= target ? 'met' : 'NOT met'}`,
    );
  }
  const described = (run: FiveSymbolsRun) =>
    `${run.candles} candles in ${run.seconds.toFixed(1)} s (${(run.candles / run.seconds).toFixed(0)} candles/s, start-up ${run.startupSeconds.toFixed(2)} s), ${run.trades} trades`;
  for (const [name, run] of [
    ['default config', result.five],
    ['a config that keeps trading through them', result.fiveTrading],
  ] as const) {
    lines.push(
      `  5 symbols together over ${run.days} days, ${name}, audit off: ${described(run)}`,
      `    a year of them (${YEAR_OF_FIVE} candles), start-up once and the rest scaled: ${run.yearSeconds.toFixed(0)} s (target ≤ 60 s)`,
    );
  }
  if (result.fiveYear)
    lines.push(`  a year of 5 symbols run (BENCH_YEAR=1), default config: ${described(result.fiveYear)}`);
  lines.push(
    `  heap (after GC) at a quarter of the run ${result.heapQuarterMb.toFixed(1)} MB, at its end ${result.heapEndMb.toFixed(1)} MB`,
  );
  return lines;
}

/** The rows `pnpm bench`'s table shows. */
export function backtestBenchRows(result: BacktestBench): BenchRowInput[] {
  const baseline = { name: 'bare CSV parsing of the same file', value: result.parseRate };
  return [
    {
      name: `backtest, audit off (1m candles, ${result.timeframe} strategy)`,
      value: result.off.rate,
      unit: 'candles/s',
      baseline,
      target: { op: '>=', value: 0.1, of: 'ratio' },
    },
    {
      name: `backtest, audit on (1m candles, ${result.timeframe} strategy)`,
      value: result.on.rate,
      unit: 'candles/s',
      baseline,
      target: { op: '>=', value: 0.03, of: 'ratio' },
    },
    result.fiveYear
      ? {
          name: 'backtest: a year of 5 symbols in one run (1m candles, audit off)',
          value: result.fiveYear.seconds,
          unit: 's',
          target: { op: '<=', value: 60 },
        }
      : {
          name: `backtest: a year of 5 symbols in one run (from ${result.five.days} days of 5: start-up once, the rest scaled)`,
          value: result.five.yearSeconds,
          unit: 's',
          target: { op: '<=', value: 60 },
        },
    {
      name: `backtest: a year of 5 symbols trading as in ${result.fiveTrading.days} days of them (aggressive tier, streak 10)`,
      value: result.fiveTrading.yearSeconds,
      unit: 's',
      target: { op: '<=', value: 60 },
    },
    {
      name: `backtest: heap growth from a quarter to the end of ${result.candles} candles`,
      value: result.heapEndMb - result.heapQuarterMb,
      unit: 'MB',
      target: { op: '<=', value: 5 },
    },
  ];
}

// Alone: prints the result. `--json <file>`: writes it there instead (runner.bench.ts runs this file in a process
// of its own and prints it).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const json = args.indexOf('--json');
  const out = json === -1 ? undefined : args.splice(json, 2)[1];
  const result = await benchBacktest(args);
  if (out === undefined) for (const line of describeBacktestBench(result)) console.log(line);
  else writeFileSync(out, JSON.stringify(result));
}
