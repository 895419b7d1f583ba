/**
 * A strategy of the user's own (`bot run --strategy ./my-strategy.ts`): a module that exports
 * `createStrategy(symbol)` returning an object of `@bot/strategy`'s `Strategy` interface, loaded and checked
 * before the bot connects anywhere. `bot new-strategy <file>` writes a working template.
 */
import { closeSync, existsSync, openSync, statSync, writeSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Strategy } from '@bot/strategy';

/** The module cannot be used: bad input, exit 2, nothing connected. */
export class StrategyModuleError extends Error {
  readonly code = 'STRATEGY_MODULE_REFUSED';
}

/** `bot new-strategy` / `bot new-config` would overwrite a file, or cannot create it: exit 2. */
export class NewFileError extends Error {
  readonly code = 'NEW_FILE_REFUSED';
}

/** What the module must export: one strategy per traded symbol (the runner keeps state per symbol). */
export type StrategyFactory = (symbol: string) => Strategy;

const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/**
 * Imports the module, calls its `createStrategy` for every symbol and checks each result's shape. Returns a
 * factory that hands the runner those very instances (they are built once, here, so a failure shows now).
 */
export async function loadStrategyModule(file: string, symbols: readonly string[]): Promise<StrategyFactory> {
  const path = resolve(file);
  const refuse = (why: string) => new StrategyModuleError(`--strategy ${file}: ${why}`);
  if (!EXTENSIONS.includes(extname(path))) {
    throw refuse(`expected a ${EXTENSIONS.join(', ')} module (bot new-strategy ${file} writes a template)`);
  }
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw refuse(`no such file (bot new-strategy ${file} writes a template)`);
  }
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw refuse(`it failed to load: ${describe(error)}`);
  }
  const factory = loaded['createStrategy'];
  if (typeof factory !== 'function') {
    const names = Object.keys(loaded).filter((name) => name !== 'default');
    throw refuse(
      `it exports no createStrategy function (it exports: ${names.length > 0 ? names.join(', ') : 'nothing'}); ` +
        'export function createStrategy(symbol: string): Strategy',
    );
  }
  const built = new Map<string, Strategy>();
  for (const symbol of symbols) {
    let strategy: unknown;
    try {
      strategy = (factory as (symbol: string) => unknown)(symbol);
    } catch (error) {
      throw refuse(`createStrategy('${symbol}') threw: ${describe(error)}`);
    }
    const problems = shapeProblems(strategy);
    if (problems.length > 0) {
      throw refuse(`createStrategy('${symbol}') returned no Strategy: ${problems.join('; ')}`);
    }
    built.set(symbol, strategy as Strategy);
  }
  return (symbol) => {
    const strategy = built.get(symbol);
    if (strategy === undefined) throw new StrategyModuleError(`no strategy was built for ${symbol}`);
    return strategy;
  };
}

/** What keeps a value from being a `Strategy`, in the interface's words. */
function shapeProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return [`got ${value === null ? 'null' : typeof value}`];
  const strategy = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof strategy['name'] !== 'string' || strategy['name'] === '')
    problems.push('name must be a non-empty string');
  if (typeof strategy['symbol'] !== 'string') problems.push('symbol must be a string');
  const warmUp = strategy['warmUpCandles'];
  if (!(typeof warmUp === 'number' && Number.isInteger(warmUp) && warmUp >= 0)) {
    problems.push('warmUpCandles must be a whole number ≥ 0');
  }
  if (typeof strategy['onCandle'] !== 'function') problems.push('onCandle(candle) must be a function');
  return problems;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Writes the template to `file` (TypeScript for .ts/.mts, JavaScript with JSDoc types for .js/.mjs) and
 * never over an existing file. Throws StrategyModuleError when it cannot.
 */
export function writeStrategyTemplate(file: string): string {
  const path = resolve(file);
  const extension = extname(path);
  if (!EXTENSIONS.includes(extension)) {
    throw new StrategyModuleError(`${file}: name it .ts, .mts, .js or .mjs`);
  }
  writeNew(path, extension.endsWith('ts') ? TYPESCRIPT_TEMPLATE : JAVASCRIPT_TEMPLATE, file);
  return path;
}

/** Creates `path` with `text`; refuses an existing file (`wx`: no overwrite, no following a link). Throws NewFileError. */
export function writeNew(path: string, text: string, shown: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new NewFileError(
      code === 'EEXIST' ? `${shown} already exists: not overwritten` : `cannot create ${shown} (${code})`,
    );
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

const RULE = `/*
 * A strategy for \`bot run --strategy <this file>\`. The bot calls createStrategy once per traded symbol at the
 * start, then onCandle with every closed candle of that symbol, in order (after warmUpCandles of history). A
 * signal is an entry idea: the bot checks its reward:risk (strategy.minRewardRisk), the risk limits and sizing,
 * then enters at market with the stop-loss and take-profit on the exchange. Return undefined for no trade.
 *
 * This one: a close above the highest high of the previous \`period\` candles goes long, below the lowest low
 * goes short; the stop is the other side of the channel, the target twice the stop distance away.
 * Keep onCandle fast and free of I/O: it runs on the bot's trading loop.
 */`;

/** The two templates' shared `onCandle` body (the same strategy, typed by TypeScript or by JSDoc). */
const ON_CANDLE = `      const high = Math.max(...highs);
      const low = Math.min(...lows);
      const ready = highs.length === period;
      highs.push(candle.high);
      lows.push(candle.low);
      if (highs.length > period) highs.shift();
      if (lows.length > period) lows.shift();
      if (!ready) return undefined;
      const side = candle.close > high ? 'long' : candle.close < low ? 'short' : undefined;
      if (side === undefined) return undefined;
      const stop = side === 'long' ? low : high;
      const distance = Math.abs(candle.close - stop);
      const target = side === 'long' ? candle.close + 2 * distance : candle.close - 2 * distance;
      return {
        symbol,
        side,
        entry: candle.close,
        stop,
        target,
        rewardRisk: 2,
        time: candle.openTime,
        why: \`close \${candle.close} \${side === 'long' ? 'above' : 'below'} the \${period}-candle channel [\${low}, \${high}]\`,
        indicators: { channelHigh: high, channelLow: low },
      };
    },
  };
}
`;

const TYPESCRIPT_TEMPLATE = `// Types from @bot/strategy (\`npm install --save-dev @bot/strategy\` from the private registry for an editor's
// checks); \`import type\` is erased when the bot loads this file, so nothing needs installing to run it.
import type { Candle, Signal, Strategy } from '@bot/strategy';

${RULE}
export function createStrategy(symbol: string): Strategy {
  const period = 20;
  const highs: number[] = [];
  const lows: number[] = [];
  return {
    name: 'my-channel-breakout',
    symbol,
    warmUpCandles: period + 1,
    onCandle(candle: Candle): Signal | undefined {
${ON_CANDLE}`;

const JAVASCRIPT_TEMPLATE = `// @ts-check: the JSDoc types come from @bot/strategy (\`npm install --save-dev @bot/strategy\` from the private
// registry for an editor's checks); nothing needs installing to run this file.

${RULE}
/**
 * @param {string} symbol
 * @returns {import('@bot/strategy').Strategy}
 */
export function createStrategy(symbol) {
  const period = 20;
  /** @type {number[]} */
  const highs = [];
  /** @type {number[]} */
  const lows = [];
  return {
    name: 'my-channel-breakout',
    symbol,
    warmUpCandles: period + 1,
    onCandle(candle) {
${ON_CANDLE}`;
