/**
 * The whole runner against the emulator (in a worker thread, its clock moved by `POST /_sim/advance`):
 * - tick-to-order, as a client sees it: from the arrival on the bot's socket of the kline frame that closes a
 *   candle (`"x":true`) to the first bytes of that candle's entry order (`POST /fapi/v1/order` for the same
 *   symbol) written to the bot's socket — both taken by hooks on `net.Socket` in this process, so nothing
 *   of the emulator's own work counts. p50 and p99 over 300 entries (the first day's and the next days',
 *   see LATENCY_ENTRIES). Baseline: one signed REST round trip through the same kind of ccxt client, so the
 *   ratio reads "costs N round trips";
 * - a 24-hour paper run at maximum speed (the first day): candles/s, and the runner's heap and RSS at its
 *   start and end after a forced GC, the bot running (the emulator's memory is in its worker, not counted):
 *   the loop must not grow;
 * - the REST it spends with healthy streams: requests per market hour in that run (orders apart), and a
 *   second run with 10 symbols on 1m for the request weight per hour (what the emulator charged, Binance's
 *   weights) against Binance's limit of 2 400 per minute. The periodic sweep runs on wall-clock time, which
 *   this bench outruns: it is measured once (`trader.sweep()`) and counted once per `accountSweepMs` (60 s)
 *   of market time; everything else is counted as it happened per market minute.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { loadConfig } from '@bot/config';
import { createExchange } from '@bot/exchange';
import { percentile, writeBenchResults } from '../../../scripts/bench-report';
import { createLogger } from '../src/logger';
import { startBot } from '../src/run';
import { backtestBenchRows, describeBacktestBench } from './backtest.bench';
import type { BacktestBench } from './backtest.bench';
import { benchTrades, describeTradesBench } from './trades.bench';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (pnpm bench does)');

function memory() {
  gc?.();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapMb: heapUsed / 2 ** 20, rssMb: rss / 2 ** 20 };
}

const MINUTES = Number(process.env['BENCH_MINUTES'] ?? 1440);
/**
 * Tick-to-order over enough entries that p99 is not the slowest one: the default strategy and config enter
 * about 20 times in the first day and then stop (three stop-losses in a row halt the guard until an operator
 * resumes it). The first day is the "24 h paper run" as before (its candles/s and memory, nobody resumes);
 * then the same bot goes on through the next market days with an operator who resumes every halt
 * (`POST /resume`), until this many entries are measured (about 40 a day: the daily drawdown limit still
 * stops a day) or `BENCH_LATENCY_MAX_DAYS` days have run. p99 of 300 is the fourth slowest.
 */
const LATENCY_ENTRIES = Number(process.env['BENCH_LATENCY_ENTRIES'] ?? 300);
const LATENCY_MAX_DAYS = Number(process.env['BENCH_LATENCY_MAX_DAYS'] ?? 14);
/** Market minutes of the 10-symbol run that counts the request weight. */
const WEIGHT_MINUTES = Number(process.env['BENCH_WEIGHT_MINUTES'] ?? 240);

// --- socket-level timestamps (this process's sockets: the bot's, and the bench's own fetches) ---
/** When the closing kline frame of each symbol (BTCUSDC) reached a socket, this minute. */
const closedFrameAt = new Map<string, number>();
/** The first entry order of this minute: when its first bytes were written, and its symbol. */
let orderWritten: { at: number; symbol: string | undefined } | undefined;
/** A socket whose `POST /fapi/v1/order` header was written without the body (the symbol is in the body). */
let awaitingBody: { socket: Socket; at: number } | undefined;
const CLOSED_KLINE = /"s":"([A-Z0-9]+)","i":"\w+",[^{}]*?"x":true/g;
const originalEmit = Socket.prototype.emit;
Socket.prototype.emit = function emit(this: Socket, event: string | symbol, ...args: unknown[]): boolean {
  const chunk = args[0];
  if (event === 'data' && Buffer.isBuffer(chunk) && chunk.indexOf('"x":true') !== -1) {
    const at = performance.now();
    for (const match of chunk.toString('latin1').matchAll(CLOSED_KLINE)) {
      const symbol = match[1] as string;
      if (!closedFrameAt.has(symbol)) closedFrameAt.set(symbol, at);
    }
  }
  return Reflect.apply(originalEmit, this, [event, ...args]) as boolean;
} as typeof Socket.prototype.emit;
const originalWrite = Socket.prototype.write;
Socket.prototype.write = function write(this: Socket, ...args: unknown[]): boolean {
  const chunk = args[0];
  if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) {
    const text =
      typeof chunk === 'string' ? chunk : chunk.toString('latin1', 0, Math.min(chunk.length, 4096));
    if (orderWritten === undefined && text.startsWith('POST /fapi/v1/order')) {
      const at = performance.now();
      const symbol = /(?:^|[?&\n])symbol=([A-Z0-9]+)/.exec(text)?.[1];
      if (symbol !== undefined) orderWritten = { at, symbol };
      else awaitingBody = { socket: this, at };
    } else if (awaitingBody?.socket === this) {
      const symbol = /(?:^|&)symbol=([A-Z0-9]+)/.exec(text)?.[1];
      if (symbol !== undefined && orderWritten === undefined) orderWritten = { at: awaitingBody.at, symbol };
      awaitingBody = undefined;
    }
  }
  return (originalWrite as (...parameters: unknown[]) => boolean).apply(this, args);
} as typeof Socket.prototype.write;

interface RequestCounts {
  readonly requests: number;
  readonly weight: number;
  readonly orders: number;
  readonly orderWeight: number;
  readonly byPath: Record<string, number>;
}

async function startEmulator(extraUsdc: readonly string[] = []) {
  const worker = new Worker(new URL('./sim-worker.mjs', import.meta.url), { workerData: { extraUsdc } });
  const emulator = await new Promise<{ url: string; apiKey: string; apiSecret: string }>((resolve) =>
    worker.once('message', resolve),
  );
  const advance = async (ms: number): Promise<number> => {
    const response = await fetch(`${emulator.url}/_sim/advance`, {
      method: 'POST',
      body: JSON.stringify({ ms }),
    });
    return ((await response.json()) as { marketTime: number }).marketTime;
  };
  /** The REST requests the emulator counted since the last call. */
  const requests = () =>
    new Promise<RequestCounts>((resolve) => {
      worker.once('message', resolve);
      worker.postMessage('requests');
    });
  return { ...emulator, advance, requests, close: () => worker.postMessage('close') };
}

const silent = createLogger({ format: 'json', level: 'info', destination: { write: () => undefined } });
const emulator = await startEmulator();
const advance = emulator.advance;
const config = loadConfig({
  env: {
    BOT_AUDIT_PATH: join(mkdtempSync(join(tmpdir(), 'bot-bench-')), 'audit.jsonl'),
    BOT_TIMEFRAME: '1m',
    BOT_API_KEY: emulator.apiKey,
    BOT_API_SECRET: emulator.apiSecret,
  },
});
const bot = await startBot({ config, logger: silent, paper: { url: emulator.url }, operatorApi: false });

const baselineClient = await createExchange({
  mode: 'paper',
  simUrl: emulator.url,
  apiKey: emulator.apiKey,
  apiSecret: emulator.apiSecret,
  // As the runner in paper mode: ccxt's own throttle (50 ms between requests) is off against the emulator.
  enableRateLimit: false,
});
const roundTrips: number[] = [];
for (let index = 0; index < 200; index += 1) {
  const started = performance.now();
  await baselineClient.fetchBalances();
  roundTrips.push(performance.now() - started);
}

// The durability floor: one fdatasync on the disk the trail is on (the write-ahead record must be on disk before
// the entry leaves, so no tick-to-order is shorter than this plus the work before it).
const syncs: number[] = [];
{
  const fd = openSync(join(mkdtempSync(join(tmpdir(), 'bot-bench-sync-')), 'probe'), 'w');
  for (let index = 0; index < 50; index += 1) {
    writeSync(fd, `${index}\n`);
    const began = performance.now();
    fdatasyncSync(fd);
    syncs.push(performance.now() - began);
  }
  closeSync(fd);
}

/**
 * The feeds after the first measured minute and at the end. A market stream not `live` then (on the manual
 * clock it counts as up once every stream delivered, and nothing is delivered before the first advance: a
 * start-up slower than its 5 s connect window leaves it `recovering` for 30 s of wall clock) sends marks and
 * equity to REST, and the numbers measure that mode: said next to them.
 */
const feedsAt = () => JSON.stringify(bot.trader.health()['feeds']);
let feedsAtStart = '';
const start = memory();
const latencies: number[] = [];
let unmatched = 0;
await emulator.requests(); // start-up's requests are not the run's
/** One market minute: advance the emulator's clock, wait for the bot to be done with it, take the entry's time. */
async function playMinute(operator: boolean) {
  closedFrameAt.clear();
  orderWritten = undefined;
  const marketTime = await advance(60_000);
  await bot.trader.processedThrough(marketTime - 1);
  const order = orderWritten as { at: number; symbol: string | undefined } | undefined;
  if (order !== undefined) {
    const frameAt = order.symbol === undefined ? undefined : closedFrameAt.get(order.symbol);
    if (frameAt === undefined) unmatched += 1;
    else latencies.push(order.at - frameAt);
  }
  if (operator && bot.trader.guard.tradingState === 'halted')
    bot.trader.resume('bench: the operator resumes');
}
const started = performance.now();
const loopBefore = performance.eventLoopUtilization();
for (let minute = 0; minute < MINUTES; minute += 1) {
  await playMinute(false);
  if (minute === 0) feedsAtStart = feedsAt();
}
const elapsedS = (performance.now() - started) / 1000;
// The runner's own share: the main thread's busy time (the emulator works in its worker meanwhile).
const loopBusyS = performance.eventLoopUtilization(loopBefore).active / 1000;
const candles = MINUTES * config.symbols.length;
const dayRequests = await emulator.requests();
const dayEntries = latencies.length;
const end = memory();
const moreStarted = performance.now();
let minutesPlayed = MINUTES;
for (; latencies.length < LATENCY_ENTRIES && minutesPlayed < LATENCY_MAX_DAYS * 1440; minutesPlayed += 1)
  await playMinute(true);
const moreElapsedS = (performance.now() - moreStarted) / 1000;
const moreRequests = await emulator.requests();
const feedsAtEnd = feedsAt();
const endOfRun = memory();

const summary = await bot.stop();
emulator.close();

// --- the request weight of 10 symbols on 1m with healthy streams ---
const WEIGHT_LIMIT_PER_MINUTE = 2400;
const TEN = ['BTC', 'ETH', 'BNB', 'SOL', 'ADA', 'XRP', 'DOGE', 'LINK', 'AVAX', 'DOT'];
const wide = await startEmulator(TEN.slice(5));
const wideConfig = loadConfig({
  env: {
    BOT_AUDIT_PATH: join(mkdtempSync(join(tmpdir(), 'bot-bench-')), 'audit.jsonl'),
    BOT_TIMEFRAME: '1m',
    BOT_SYMBOLS: TEN.join(','),
    BOT_API_KEY: wide.apiKey,
    BOT_API_SECRET: wide.apiSecret,
    // The periodic sweep is measured apart (its timer runs on wall-clock time, which the bench outruns).
    BOT_ACCOUNT_SWEEP_MS: '3600000',
  },
});
const wideBot = await startBot({
  config: wideConfig,
  logger: silent,
  paper: { url: wide.url },
  operatorApi: false,
});
await wide.requests();
let openTradeMinutes = 0;
for (let minute = 0; minute < WEIGHT_MINUTES; minute += 1) {
  const marketTime = await wide.advance(60_000);
  await wideBot.trader.processedThrough(marketTime - 1);
  openTradeMinutes += wideBot.trader.openTrades.length;
}
const wideRun = await wide.requests();
await wideBot.trader.sweep('bench: one periodic sweep');
const sweep = await wide.requests();
await wideBot.stop();
wide.close();
const sweepsPerHour = 3_600_000 / config.execution.accountSweepMs;
const readWeightPerHour = (wideRun.weight / WEIGHT_MINUTES) * 60 + sweep.weight * sweepsPerHour;
const weightPerHour = readWeightPerHour + (wideRun.orderWeight / WEIGHT_MINUTES) * 60;
const limitPerHour = WEIGHT_LIMIT_PER_MINUTE * 60;
// The sweep's weight grows with the symbols (one request of each order book per symbol): a straight line
// through the 10-symbol sweep and its fixed part (positions, balances and settings, 5 + 5 + 5) gives the most symbols that
// fit in 10 % of the limit with the rest of the run's weight as measured.
const SWEEP_FIXED_WEIGHT = 15;
const perSymbolSweep = (sweep.weight - SWEEP_FIXED_WEIGHT) / TEN.length;
const budgetPerMinute =
  0.1 * WEIGHT_LIMIT_PER_MINUTE - (weightPerHour / 60 - sweep.weight) * (sweepsPerHour / 60);
const mostSymbols = Math.floor((budgetPerMinute - SWEEP_FIXED_WEIGHT) / Math.max(perSymbolSweep, 1e-9));

const p50 = percentile(latencies, 0.5);
const p99 = percentile(latencies, 0.99);
const roundTrip = percentile(roundTrips, 0.5);
console.log(
  `runner: ${MINUTES} market minutes × ${config.symbols.length} symbols in ${elapsedS.toFixed(1)} s`,
);
console.log(`  ${(candles / elapsedS).toFixed(0)} candles/s through the whole loop (emulator in a worker)`);
console.log(
  `  entries ${summary.entries}, closes ${summary.closes} in ${(minutesPlayed / 1440).toFixed(1)} market days (${dayEntries} in the first ${MINUTES} minutes, then an operator resumed every halt); tick-to-order (closing frame in → order bytes out) over ${latencies.length} entries: p50 ${p50.toFixed(1)} ms, p90 ${percentile(latencies, 0.9).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, slowest ${Math.max(...latencies).toFixed(1)} ms (signed REST round trip p50 ${roundTrip.toFixed(2)} ms)`,
);
console.log(
  `  the ${minutesPlayed - MINUTES} minutes after: ${(((minutesPlayed - MINUTES) * config.symbols.length) / Math.max(moreElapsedS, 1e-9)).toFixed(0)} candles/s; runner heap at their end ${endOfRun.heapMb.toFixed(1)} MB`,
);
const perMarketHour = (count: number) => (count / MINUTES) * 60;
const syncP50 = percentile(syncs, 0.5);
console.log(
  `  the runner's own loop busy ${loopBusyS.toFixed(1)} s of ${elapsedS.toFixed(1)} s: ${(candles / loopBusyS).toFixed(0)} candles per busy second (the rest is the emulator's worker and the wait for it)`,
);
console.log(
  `  durability floor: fdatasync p50 ${syncP50.toFixed(2)} ms on the trail's disk (tick-to-order p50 = ${(percentile(latencies, 0.5) / syncP50).toFixed(1)}× it)`,
);
console.log(
  `  REST with healthy streams (${config.symbols.length} symbols): ${perMarketHour(dayRequests.requests).toFixed(1)} requests/market hour besides ${perMarketHour(dayRequests.orders).toFixed(1)} order requests; ${unmatched} entries without a matching closed frame`,
);
console.log(`  feeds after the first measured minute ${feedsAtStart}, at the end ${feedsAtEnd}`);
console.log(`  requests of the day by path: ${JSON.stringify(dayRequests.byPath)}`);
console.log(`  requests of the days after by path: ${JSON.stringify(moreRequests.byPath)}`);
console.log(
  `  10 symbols on 1m, ${WEIGHT_MINUTES} market minutes, ${(openTradeMinutes / WEIGHT_MINUTES).toFixed(2)} open trades on average: ${wideRun.requests} reads (weight ${wideRun.weight}) + ${wideRun.orders} order requests; one sweep ${sweep.requests} requests, weight ${sweep.weight}`,
);
console.log(`  10-symbol reads by path: ${JSON.stringify(wideRun.byPath)}`);
console.log(
  `  request weight per hour: ${weightPerHour.toFixed(0)} (${((100 * weightPerHour) / limitPerHour).toFixed(2)} % of Binance's ${limitPerHour} = 2400/min); most symbols on 1m within 10 % of the limit: ${mostSymbols}`,
);
console.log(
  `  runner heap ${start.heapMb.toFixed(1)} → ${end.heapMb.toFixed(1)} MB, RSS ${start.rssMb.toFixed(1)} → ${end.rssMb.toFixed(1)} MB (RSS includes the emulator's worker)`,
);

const tradesRun = await benchTrades();
console.log(`  bot trades: ${describeTradesBench(tradesRun)}`);

// In a process of its own, as `bot backtest` runs: after the runs above in this one (its heap, its compiled
// code) the same backtest measured 15–35 % slower, which no user's backtest pays.
const backtestDir = mkdtempSync(join(tmpdir(), 'bot-bench-backtest-out-'));
const backtestOut = join(backtestDir, 'result.json');
execFileSync(
  process.execPath,
  [
    ...process.execArgv,
    fileURLToPath(new URL('./backtest.bench.ts', import.meta.url)),
    '--json',
    backtestOut,
  ],
  { stdio: 'inherit' },
);
const backtestRun = JSON.parse(readFileSync(backtestOut, 'utf8')) as BacktestBench;
rmSync(backtestDir, { recursive: true, force: true });
for (const line of describeBacktestBench(backtestRun)) console.log(line);

writeBenchResults(import.meta.url, [
  {
    name: 'tick-to-order p50',
    value: p50,
    unit: 'ms',
    baseline: { name: 'signed REST round trip p50', value: roundTrip },
    target: { op: '<=', value: 3, of: 'ratio' },
  },
  {
    name: 'tick-to-order p99',
    value: p99,
    unit: 'ms',
    baseline: { name: 'signed REST round trip p50', value: roundTrip },
    target: { op: '<=', value: 10, of: 'ratio' },
  },
  {
    name: '24 h paper run at full speed',
    value: candles / elapsedS,
    unit: 'candles/s',
    target: { op: '>=', value: 240 },
  },
  {
    name: "24 h paper run: the runner's own loop (main-thread busy time)",
    value: candles / loopBusyS,
    unit: 'candles/s',
  },
  {
    name: 'tick-to-order p50 against the durability floor',
    value: p50,
    unit: 'ms',
    baseline: { name: "fdatasync p50 on the trail's disk", value: syncP50 },
  },
  {
    name: 'REST reads per market hour, healthy streams (orders apart)',
    value: perMarketHour(dayRequests.requests),
    unit: 'req/h',
  },
  {
    name: 'request weight per hour, 10 symbols on 1m',
    value: weightPerHour,
    unit: 'weight/h',
    baseline: { name: "Binance's limit (2400/min)", value: limitPerHour },
    target: { op: '<=', value: 0.1, of: 'ratio' },
  },
  { name: 'one account sweep, 10 symbols', value: sweep.weight, unit: 'weight' },
  { name: 'most symbols on 1m within 10 % of the weight limit', value: mostSymbols, unit: 'symbols' },
  {
    name: '24 h paper run: runner heap growth',
    value: end.heapMb - start.heapMb,
    unit: 'MB',
    target: { op: '<=', value: 5 },
  },
  { name: '24 h paper run: RSS growth (with emulator)', value: end.rssMb - start.rssMb, unit: 'MB' },
  {
    name: `bot trades: read, verify and pair ${tradesRun.trades} trades`,
    value: tradesRun.pairedMs,
    unit: 'ms',
    baseline: { name: 'read the trail and JSON.parse its lines', value: tradesRun.parseOnlyMs },
  },
  ...backtestBenchRows(backtestRun),
]);
