/**
 * `bot backtest` speed, as ratios measured in the same run: bare parsing of the archive's CSV (the floor:
 * what reading costs) against the whole backtest of the same candles as `bot backtest` runs it (the checking
 * pass, then the streamed run), audit off and on; and the heap over the run (the archives are streamed, so
 * it must not grow with the history). `pnpm bench` runs it through runner.bench.ts; alone:
 *
 *   pnpm --filter @bot/runner bench:backtest [archive…]   (default: a generated month of BTCUSDC 1m candles)
 *   BENCH_TIMEFRAME=1m|15m (default 15m), BENCH_BACKTEST_DAYS (default 30)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '@bot/config';
import { parseKlineCsv } from '@bot/sim';
import type { BenchRowInput } from '../../../scripts/bench-report';
import { runBacktest } from '../src/backtest/backtest';
import { contractFor } from '../src/backtest/instruments';
import { archiveText, scanKlines, streamKlines } from '../src/data/kline-archive';
import { writeSampleArchive } from '../src/data/sample-archive';
import { createLogger } from '../src/logger';

/** A year of 1m candles of 5 symbols: the "under a minute" target. */
const YEAR_OF_FIVE = 5 * 365 * 1440;

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
  return { candles, timeframe, parseRate, ...runs, heapQuarterMb, heapEndMb };
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
  lines.push(
    `  a year of 5 symbols (${YEAR_OF_FIVE} candles) at the audit-off rate: ${(YEAR_OF_FIVE / result.off.rate).toFixed(0)} s (target ≤ 60 s)`,
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
    {
      name: 'backtest: a year of 5 symbols at the audit-off rate (extrapolated)',
      value: YEAR_OF_FIVE / result.off.rate,
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

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const line of describeBacktestBench(await benchBacktest(process.argv.slice(2)))) console.log(line);
}
