import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { parseKlineCsv, parseOhlcvJson } from './market/replay-file';
import type { Candle } from './market/replay-file';
import { startSim } from './sim';

/** What the emulator's command line was given, checked. */
interface SimArguments {
  readonly port: number;
  readonly seed: number;
  readonly speed: number | 'manual';
  readonly replay?: { symbol: string; candles: Candle[] };
  readonly books: boolean;
}

/**
 * The emulator's command line as a commander command, declared once: `bot-sim` runs it as its program and the
 * runner's `bot sim` adds it as a subcommand. Prints the `BOT_SIM_*` lines, serves until SIGINT or SIGTERM,
 * closes and resolves. Bad arguments and replay files are refused before anything starts through commander's
 * `error()` (exit code 2), so each program reports them as it reports its own usage errors.
 */
export function simCommand(name: string): Command {
  return new Command(name)
    .description(
      'run the Binance USDⓈ-M futures emulator on 127.0.0.1 (for other bots, or `bot run --sim-url`), printing BOT_SIM_URL, BOT_SIM_WS_URL, BOT_SIM_API_KEY and BOT_SIM_API_SECRET; runs until SIGINT or SIGTERM',
    )
    .option('--port <port>', 'port on 127.0.0.1, 0 picks one', '0')
    .option('--seed <seed>', 'seed of the synthetic market', '42')
    .option(
      '--replay <file>',
      'replay a kline CSV (Binance archive) or OHLCV JSON instead of the synthetic market',
    )
    .option('--symbol <symbol>', 'the symbol the replayed candles are for', 'BTCUSDC')
    .option('--speed <speed>', "market clock speed (1 = real time, at most 100000) or 'manual'", '1')
    .option('--no-book', 'no order book: takers fill in full at the last price (bid = ask = last)')
    .action(async (options: Record<string, string | boolean | undefined>, command: Command) => {
      let checked: SimArguments;
      try {
        checked = simArguments(options);
      } catch (error) {
        command.error(`error: ${(error as Error).message}`, { exitCode: 2 });
      }
      const sim = await startSim({
        port: checked.port,
        seed: checked.seed,
        speed: checked.speed,
        ...(checked.replay ? { replay: checked.replay } : {}),
        ...(checked.books ? {} : { books: false as const }),
      });
      const [account] = sim.accounts;
      process.stdout.write(
        `BOT_SIM_URL=${sim.url}\nBOT_SIM_WS_URL=${sim.wsUrl}\n` +
          `BOT_SIM_API_KEY=${account?.apiKey ?? ''}\nBOT_SIM_API_SECRET=${account?.apiSecret ?? ''}\n`,
      );
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      process.stderr.write(`${signal}: shutting the emulator down\n`);
      await sim.close();
    });
}

function simArguments(options: Record<string, string | boolean | undefined>): SimArguments {
  const text = (key: string) => String(options[key]);
  const port = Number(text('port'));
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0..65535, got ${text('port')}`);
  const seed = Number(text('seed'));
  if (!Number.isSafeInteger(seed)) throw new Error(`--seed must be an integer, got ${text('seed')}`);
  const speed = text('speed') === 'manual' ? 'manual' : Number(text('speed'));
  if (speed !== 'manual' && !(speed > 0 && speed <= 100_000))
    throw new Error(`--speed must be > 0 (at most 100000) or 'manual', got ${text('speed')}`);
  const books = options['book'] !== false;
  if (typeof options['replay'] !== 'string') return { port, seed, speed, books };
  const file = options['replay'];
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    const candles = content.trimStart().startsWith('[') ? parseOhlcvJson(content) : parseKlineCsv(content);
    return { port, seed, speed, books, replay: { symbol: text('symbol').toUpperCase(), candles } };
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
}
