/** Which market streams the emulator sends, and how often (depth speeds, ticker intervals). */
import { isKlineInterval, klineIntervals } from './market/kline-interval';
import type { KlineInterval } from './market/kline-interval';

/** The per-symbol market streams the emulator sends (partial and diff depth from the seeded book). */
const SYMBOL_STREAM =
  /^[a-z0-9]+@(aggTrade|trade|markPrice|markPrice@1s|ticker|miniTicker|bookTicker|kline_[0-9a-zA-Z]+|depth(5|10|20)?(@100ms|@500ms)?)$/;

/** Depth stream update speeds: Binance's default 250 ms, or the `@100ms` / `@500ms` suffix. */
export const DEPTH_SPEEDS: readonly (readonly [string, number])[] = [
  ['', 250],
  ['@100ms', 100],
  ['@500ms', 500],
];

export const PARTIAL_DEPTH_LEVELS = [5, 10, 20] as const;

/** The all-market streams it sends. */
const ALL_MARKET_STREAMS = new Set([
  '!ticker@arr',
  '!miniTicker@arr',
  '!markPrice@arr',
  '!markPrice@arr@1s',
  '!bookTicker',
]);

/** Whether the emulator sends `stream`; SUBSCRIBEs to anything else are refused as invalid streams. */
export function servesStream(stream: string): boolean {
  if (ALL_MARKET_STREAMS.has(stream)) return true;
  if (!SYMBOL_STREAM.test(stream)) return false;
  const kline = /@kline_(.+)$/.exec(stream);
  return kline === null || isKlineInterval(kline[1]);
}

/** Binance's individual ticker streams update every 2 s, the all-market arrays every 1 s. */
export const TICKER_INTERVAL_MS = 2000;

export const ALL_TICKERS_INTERVAL_MS = 1000;

/** One symbol's market stream names (`btcusdc@markPrice@1s`, …), as the emulator sends them. */
export interface SymbolStreamNames {
  readonly markPrice: string;
  readonly markPrice1s: string;
  readonly aggTrade: string;
  readonly trade: string;
  readonly ticker: string;
  readonly miniTicker: string;
  readonly bookTicker: string;
  readonly klines: ReadonlyMap<KlineInterval, string>;
  /** Per depth speed: the diff stream, its interval, and the partial streams by level count. */
  readonly depth: readonly {
    readonly diff: string;
    readonly intervalMs: number;
    readonly partials: readonly (readonly [levels: number, stream: string])[];
  }[];
}

export function symbolStreamNames(symbol: string): SymbolStreamNames {
  const lower = symbol.toLowerCase();
  return {
    markPrice: `${lower}@markPrice`,
    markPrice1s: `${lower}@markPrice@1s`,
    aggTrade: `${lower}@aggTrade`,
    trade: `${lower}@trade`,
    ticker: `${lower}@ticker`,
    miniTicker: `${lower}@miniTicker`,
    bookTicker: `${lower}@bookTicker`,
    klines: new Map(klineIntervals.map((interval) => [interval, `${lower}@kline_${interval}`])),
    depth: DEPTH_SPEEDS.map(([speed, intervalMs]) => ({
      diff: `${lower}@depth${speed}`,
      intervalMs,
      partials: PARTIAL_DEPTH_LEVELS.map((levels) => [levels, `${lower}@depth${levels}${speed}`] as const),
    })),
  };
}
