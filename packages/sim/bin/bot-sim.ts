#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { parseKlineCsv, parseOhlcvJson } from '../src/market/replay-file';
import type { Candle } from '../src/market/replay-file';
import { startSim } from '../src/sim';

const usage = `Usage: bot-sim [--port 0] [--seed 42] [--replay file.csv|file.json --symbol BTCUSDC] [--speed 60|manual] [--no-book]

Starts the Binance USDⓈ-M futures emulator on 127.0.0.1 and prints, env-file style:
  BOT_SIM_URL, BOT_SIM_WS_URL, BOT_SIM_API_KEY, BOT_SIM_API_SECRET
--no-book: no order book; takers fill in full at the last price (bid = ask = last).
Runs until SIGINT or SIGTERM.`;

function fail(message: string): never {
  console.error(`bot-sim: ${message}\n\n${usage}`);
  process.exit(2);
}

// Commander, the repository's one argument parser (as in the runner); it prints nothing itself: errors go
// through `fail` with the usage, and --help prints the usage above.
const program = new Command('bot-sim')
  .helpOption(false)
  .option('-h, --help')
  .option('--port <port>', '', '0')
  .option('--seed <seed>', '', '42')
  .option('--replay <file>')
  .option('--symbol <symbol>', '', 'BTCUSDC')
  .option('--speed <speed>', '', '1')
  .option('--no-book')
  .exitOverride()
  .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
try {
  program.parse(process.argv);
} catch (error) {
  fail((error as Error).message);
}
const values = program.opts<{
  help?: boolean;
  port: string;
  seed: string;
  replay?: string;
  symbol: string;
  speed: string;
  book: boolean;
}>();
if (values.help) {
  console.log(usage);
  process.exit(0);
}

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be 0..65535, got ${values.port}`);
const seed = Number(values.seed);
if (!Number.isSafeInteger(seed)) fail(`--seed must be an integer, got ${values.seed}`);
const speed = values.speed === 'manual' ? 'manual' : Number(values.speed);
if (speed !== 'manual' && !(speed > 0 && speed <= 100_000))
  fail(`--speed must be > 0 or 'manual', got ${values.speed}`);

let replay: { symbol: string; candles: Candle[] } | undefined;
if (typeof values.replay === 'string') {
  let text: string;
  try {
    text = readFileSync(values.replay, 'utf8');
  } catch (error) {
    fail(`cannot read ${values.replay}: ${(error as Error).message}`);
  }
  try {
    const candles = text.trimStart().startsWith('[') ? parseOhlcvJson(text) : parseKlineCsv(text);
    replay = { symbol: String(values.symbol).toUpperCase(), candles };
  } catch (error) {
    fail(`${values.replay}: ${(error as Error).message}`);
  }
}

const sim = await startSim({
  port,
  seed,
  speed,
  ...(replay ? { replay } : {}),
  ...(values.book ? {} : { books: false as const }),
});
const [account] = sim.accounts;
console.log(`BOT_SIM_URL=${sim.url}`);
console.log(`BOT_SIM_WS_URL=${sim.wsUrl}`);
console.log(`BOT_SIM_API_KEY=${account?.apiKey ?? ''}`);
console.log(`BOT_SIM_API_SECRET=${account?.apiSecret ?? ''}`);

const stop = (signal: string) => {
  console.error(`bot-sim: ${signal}, shutting down`);
  void sim.close().then(() => process.exit(0));
};
process.once('SIGINT', () => stop('SIGINT'));
process.once('SIGTERM', () => stop('SIGTERM'));
