/** Helpers for the runner's tests: a captured JSON logger, a config in a temp dir, a manual market clock. */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { afterEach, vi } from 'vitest';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '@bot/config';
import type { BotConfig } from '@bot/config';
import { createExchange } from '@bot/exchange';
import type { CcxtExchange } from '@bot/exchange';
import { startSim } from '@bot/sim';
import type { AlgoOrderView, Candle as ArchiveCandle, PositionView, Sim, SimOptions } from '@bot/sim';
import type { Candle, Signal, Strategy } from '@bot/strategy';
import { backtestCommand } from './backtest/backtest-command';
import { scanKlines, streamKlines } from './data/kline-archive';
import type { ReadKlinesOptions, SymbolScan } from './data/kline-archive';
import { createLogger } from './logger';
import { startBot } from './run';
import type { RunningBot, StartBotOptions } from './run';
import type { Logger } from './logger';
import type { Trader } from './trader';

export interface CapturedLog {
  readonly logger: Logger;
  readonly lines: string[];
  /** The `msg` of every line, in order. */
  messages(): string[];
}

export function captureLog(): CapturedLog {
  const lines: string[] = [];
  const logger = createLogger({
    format: 'json',
    level: 'debug',
    destination: { write: (line: string) => void lines.push(line) },
  });
  return {
    logger,
    lines,
    messages: () => lines.map((line) => (JSON.parse(line) as { msg: string }).msg),
  };
}

export function tempDir(prefix = 'bot-runner-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The default config with 1m candles, the audit trail (and state) in `dir`, plus `env`. */
export function testConfig(dir: string, env: Record<string, string> = {}): BotConfig {
  return loadConfig({
    env: {
      BOT_AUDIT_PATH: join(dir, 'audit.jsonl'),
      BOT_TIMEFRAME: '1m',
      ...env,
    },
  });
}

/** Moves the emulator's manual clock a minute at a time and waits until the bot handled each candle. */
export async function advanceMinutes(sim: Sim, trader: Trader, minutes: number): Promise<void> {
  for (let minute = 0; minute < minutes; minute += 1) {
    sim.advance(60_000);
    await trader.processedThrough(sim.marketTime() - 1);
  }
}

/** Advances minute by minute until `done()` holds (at most `limit` minutes); returns the minutes taken. */
export async function advanceUntil(
  sim: Sim,
  trader: Trader,
  done: () => boolean,
  limit = 600,
): Promise<number> {
  for (let minute = 1; minute <= limit; minute += 1) {
    await advanceMinutes(sim, trader, 1);
    if (done()) return minute;
  }
  throw new Error(`condition not met within ${limit} market minutes`);
}

/**
 * An emulator on a manual clock with 300 minutes of history, for a bot that connects with `paper: { url }`;
 * `options` change the rest (the contracts listed…).
 */
export function manualSim(seed: number, options: SimOptions = {}): Promise<Sim> {
  return startSim({ ...options, seed, speed: 'manual', historyMinutes: 300 });
}

/** The environment that gives a bot the emulator's first account. */
export function simKeys(sim: Sim): Record<string, string> {
  const [account] = sim.accounts;
  if (!account) throw new Error('the emulator has no account');
  return { BOT_API_KEY: account.apiKey, BOT_API_SECRET: account.apiSecret };
}

/** What the next closed candle should signal, with prices derived from that candle's close. */
export interface ScriptedSignal {
  readonly side: 'long' | 'short';
  readonly entry?: (close: number) => number;
  readonly stop: (close: number) => number;
  readonly target: (close: number) => number;
}

/** A strategy a test drives: it signals exactly what `signalNext` asked, on the next closed candle. */
export class ScriptedStrategy implements Strategy {
  readonly name = 'scripted';
  readonly warmUpCandles = 1;
  #next: ScriptedSignal | undefined;

  constructor(readonly symbol: string) {}

  signalNext(signal: ScriptedSignal): void {
    this.#next = signal;
  }

  onCandle(candle: Candle): Signal | undefined {
    const next = this.#next;
    if (!next) return undefined;
    this.#next = undefined;
    const entry = next.entry?.(candle.close) ?? candle.close;
    const stop = next.stop(candle.close);
    const target = next.target(candle.close);
    return {
      symbol: this.symbol,
      side: next.side,
      entry,
      stop,
      target,
      rewardRisk: Math.abs(target - entry) / Math.abs(entry - stop),
      time: candle.openTime,
      why: `scripted ${next.side} at ${entry}`,
      indicators: {},
    };
  }
}

/** Waits (wall clock, no market time) until `done()` holds: for what the streams push by themselves. */
export async function eventually(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > until) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A bot with scripted strategies against an emulator, and "the user" acting on the same account with ccxt. */
export interface ScriptedWorld {
  readonly sim: Sim;
  readonly bot: RunningBot;
  readonly strategies: Map<string, ScriptedStrategy>;
  /** An unmodified ccxt client on the bot's account: the operator on the website. */
  readonly user: CcxtExchange['client'];
  readonly log: CapturedLog;
  readonly config: BotConfig;
  /** Stops the bot, runs `meanwhile` (the exchange moves while the bot is down), starts a new one on the same config. */
  restart(meanwhile?: () => Promise<void> | void): Promise<RunningBot>;
}

export interface ScriptedWorldOptions {
  readonly env?: Record<string, string>;
  /** Runs before the bot starts (e.g. the user opens a position). */
  readonly before?: (sim: Sim, user: ScriptedWorld['user']) => Promise<void>;
  /** Where the test keeps what its `afterEach` stops and closes. */
  readonly cleanup: { readonly bots: RunningBot[]; readonly sims: Sim[] };
  /** More for `startBot` (the operator API, the notifier's timings…). */
  readonly startOptions?: Partial<StartBotOptions>;
  /** More for the emulator (`manualSim`): the contracts it lists… */
  readonly simOptions?: SimOptions;
}

/**
 * What a test file starts (bots, emulators), stopped and closed after each of its tests. Called once at the
 * file's top level; give it to `startScriptedWorld` as `cleanup`, or push what a test starts by hand.
 */
export function stoppedAfterEach(): ScriptedWorldOptions['cleanup'] {
  const cleanup = { bots: [] as RunningBot[], sims: [] as Sim[] };
  afterEach(async () => {
    for (const bot of cleanup.bots.splice(0)) await bot.stop().catch(() => undefined);
    for (const sim of cleanup.sims.splice(0)) await sim.close();
  });
  return cleanup;
}

export async function startScriptedWorld(options: ScriptedWorldOptions): Promise<ScriptedWorld> {
  const { cleanup } = options;
  const sim = await manualSim(11, options.simOptions);
  cleanup.sims.push(sim);
  const keys = simKeys(sim);
  const user = (
    await createExchange({
      mode: 'paper',
      simUrl: sim.url,
      apiKey: keys['BOT_API_KEY'] ?? '',
      apiSecret: keys['BOT_API_SECRET'] ?? '',
    })
  ).client;
  await options.before?.(sim, user);
  const config = testConfig(tempDir(), { ...keys, ...options.env });
  const strategies = new Map<string, ScriptedStrategy>();
  const log = captureLog();
  const start = async () => {
    const bot = await startBot({
      config,
      logger: log.logger,
      paper: { url: sim.url },
      operatorApi: false,
      createStrategy: (symbol) => {
        const strategy = new ScriptedStrategy(symbol);
        strategies.set(symbol, strategy);
        return strategy;
      },
      ...options.startOptions,
    });
    cleanup.bots.push(bot);
    return bot;
  };
  const bot = await start();
  return {
    sim,
    bot,
    strategies,
    user,
    log,
    config,
    async restart(meanwhile) {
      await cleanup.bots.splice(cleanup.bots.indexOf(bot), 1)[0]?.stop();
      await meanwhile?.();
      return start();
    },
  };
}

/** A Binance archive CSV (futures layout, with its header) of a random walk around 60 000. */
export function writeArchiveCsv(path: string, minutes: number, start: number): number[] {
  const closes: number[] = [];
  const rows = [
    'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore',
  ];
  let price = 60_000;
  let state = 12345;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let index = 0; index < minutes; index += 1) {
    const open = price;
    price = Math.round(price * (1 + (random() - 0.5) * 0.004) * 10) / 10;
    const high = Math.max(open, price) + 5;
    const low = Math.min(open, price) - 5;
    const openTime = start + index * 60_000;
    closes.push(price);
    rows.push(
      `${openTime},${open.toFixed(1)},${high.toFixed(1)},${low.toFixed(1)},${price.toFixed(1)},12.5,${openTime + 59_999},750000,100,6,375000,0`,
    );
  }
  writeFileSync(path, `${rows.join('\n')}\n`);
  return closes;
}

/** The `bot` command's launcher (`bin/bot.js`), as a user runs it. */
export const BOT_BIN = resolve(import.meta.dirname, '..', 'bin', 'bot.js');

/**
 * `bot …` as a process (in `cwd` when given) with only PATH, HOME and `env`: its exit code and everything it
 * printed, stdout and stderr interleaved.
 */
export function botProcess(
  args: readonly string[],
  env: Record<string, string> = {},
  cwd?: string,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [BOT_BIN, ...args], {
    ...(cwd === undefined ? {} : { cwd }),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((done) => child.on('exit', (code) => done({ code, output })));
}

/** Each symbol's scan with all its candles in an array, read through the streaming reader (small test data). */
export async function readAllKlines(
  paths: readonly string[],
  options: ReadKlinesOptions,
): Promise<(SymbolScan & { readonly candles: ArchiveCandle[] })[]> {
  const scans = await scanKlines(paths, options);
  const result: (SymbolScan & { readonly candles: ArchiveCandle[] })[] = [];
  for (const scan of scans) {
    const candles: ArchiveCandle[] = [];
    for await (const chunk of streamKlines(scan, options)) candles.push(...chunk);
    result.push({ ...scan, candles });
  }
  return result;
}

/**
 * A strategy module as a user writes one: long on every candle, 1 % stop, 2 % target, `why` as its reason (so
 * a test can find its decisions in the trail).
 */
export function alwaysLongModule(why: string): string {
  return `import type { Candle, Signal, Strategy } from '@bot/strategy';
export function createStrategy(symbol: string): Strategy {
  return {
    name: 'always-long',
    symbol,
    warmUpCandles: 1,
    onCandle(candle: Candle): Signal {
      const entry = candle.close;
      return { symbol, side: 'long', entry, stop: entry * 0.99, target: entry * 1.02, rewardRisk: 2,
        time: candle.openTime, why: ${JSON.stringify(why)}, indicators: {} };
    },
  };
}
`;
}

/** Runs `bot backtest` in-process with console output captured; returns the exit code and what it printed. */
export async function runBacktestCommand(options: Parameters<typeof backtestCommand>[0]) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
  vi.spyOn(console, 'error').mockImplementation((line: string) => void err.push(line));
  const code = await backtestCommand(options);
  vi.restoreAllMocks();
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The emulator's position on `symbol` (exchange id, e.g. `BTCUSDC`), if any. */
export const positionOf = (sim: Sim, symbol: string): PositionView | undefined =>
  (sim.state().positions as PositionView[]).find((position) => position.symbol === symbol);

/** The stop orders (STOP, STOP_MARKET) live on the emulator for `symbol`. */
export const stopsOf = (sim: Sim, symbol: string): AlgoOrderView[] =>
  (sim.state().openAlgoOrders as AlgoOrderView[]).filter(
    (order) => order.symbol === symbol && order.orderType.startsWith('STOP'),
  );
