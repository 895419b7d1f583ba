/**
 * `bot backtest` speed, as ratios measured in the same run: bare parsing of the archive CSV (the floor: what
 * reading costs) against the whole backtest of the same candles, audit off and on.
 *
 *   pnpm bench:backtest [archive…]   (default: 3 days of generated BTCUSDC 1m candles)
 *   BENCH_TIMEFRAME=1m|15m (default 15m)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@bot/config';
import { parseKlineCsv } from '@bot/sim';
import { runBacktest } from '../src/backtest/backtest';
import { contractFor } from '../src/backtest/instruments';
import { archiveText } from '../src/data/kline-archive';
import { writeSampleArchive } from '../src/data/sample-archive';
import { createLogger } from '../src/logger';
import { readAllKlines } from '../src/testing';

const dir = mkdtempSync(join(tmpdir(), 'bot-bench-backtest-'));
const files = process.argv.slice(2);
if (files.length === 0) {
  files.push(
    writeSampleArchive(dir, {
      symbol: 'BTCUSDC',
      start: Date.UTC(2024, 0, 1),
      minutes: 3 * 1440,
      startPrice: 42_000,
      tickSize: '0.1',
    }),
  );
}
const timeframe = process.env['BENCH_TIMEFRAME'] ?? '15m';
const tickOf = (symbol: string) => contractFor(symbol).instrument.tickSize;

let started = performance.now();
let parsed = 0;
for (let round = 0; round < 3; round += 1) {
  for (const file of files) parsed += parseKlineCsv(await archiveText(file)).length;
}
const parseRate = parsed / ((performance.now() - started) / 1000);

const [data] = await readAllKlines(files, { tickOf });
if (!data) throw new Error('no candles');
const logger = createLogger({ format: 'json', level: 'error', destination: { write: () => undefined } });
const rates: Record<string, number> = {};
for (const audit of [false, true]) {
  const config = loadConfig({
    env: { BOT_AUDIT_PATH: join(dir, `audit-${audit}.jsonl`), BOT_TIMEFRAME: timeframe },
  });
  started = performance.now();
  const result = await runBacktest({ config, logger, symbol: data.symbol, candles: data.candles, audit });
  const seconds = (performance.now() - started) / 1000;
  rates[audit ? 'on' : 'off'] = data.candles.length / seconds;
  console.log(
    `backtest audit ${audit ? 'on ' : 'off'}: ${data.candles.length} 1m candles (${timeframe} strategy) in ${seconds.toFixed(1)} s = ${(data.candles.length / seconds).toFixed(0)} candles/s, ${result.trades.length} trades`,
  );
}
console.log(`bare CSV parsing: ${parseRate.toFixed(0)} candles/s`);
for (const [audit, rate] of Object.entries(rates)) {
  const target = audit === 'off' ? 0.1 : 0.03;
  console.log(
    `  audit ${audit}: ${(rate / parseRate).toFixed(4)}× bare parsing (target ≥ ${target}×) ${rate / parseRate >= target ? 'met' : 'NOT met'}`,
  );
}
