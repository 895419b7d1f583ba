import { KLINE_INTERVALS } from '@bot/symbols';
import type { KlineInterval } from '@bot/symbols';
import { WsError } from './errors';
import type { MarketEventType } from './market-events';

/** Kline intervals Binance USDⓈ-M serves: the one list, `@bot/symbols`' `KLINE_INTERVALS`. */
export const klineIntervals = KLINE_INTERVALS;
export type { KlineInterval };

/** Which socket path serves a stream since Binance's 2026 split: book tickers on `/public`, the rest on `/market`. */
export type MarketStreamCategory = 'market' | 'public';

/** A market stream name taken apart. */
export interface MarketStreamDescriptor {
  /** As sent to Binance, e.g. `btcusdc@markPrice@1s`. */
  readonly stream: string;
  readonly kind: MarketEventType;
  /** Upper case, as in payloads: `BTCUSDC`. */
  readonly symbol: string;
  readonly interval: string | undefined;
  readonly category: MarketStreamCategory;
  /** How often Binance pushes it (ms), when it ticks on a schedule; `undefined` for trade-driven streams. */
  readonly cadenceMs: number | undefined;
  /** The feed's key for the event series: `kind|SYMBOL[|interval]` (one per symbol and kind). */
  readonly key: string;
}

const STREAM = /^([a-z0-9_]{1,40})@(markPrice(@1s)?|kline_([0-9]{1,2}[mhdwM])|bookTicker|aggTrade)$/;

/** The series key an event belongs to (see {@link MarketStreamDescriptor.key}). */
export function seriesKey(kind: MarketEventType, symbol: string, interval?: string): string {
  return interval === undefined ? `${kind}|${symbol}` : `${kind}|${symbol}|${interval}`;
}

/**
 * Parses a stream name this package can route, parse and poll; throws `WsError('INVALID_STREAM')` for
 * anything else (depth streams, `!markPrice@arr`, upper-case symbols, unknown intervals).
 */
export function describeMarketStream(stream: string): MarketStreamDescriptor {
  const match = STREAM.exec(stream);
  if (!match) {
    throw new WsError(
      'INVALID_STREAM',
      `unsupported stream "${stream}": expected <symbol>@markPrice[@1s], <symbol>@kline_<interval>, <symbol>@bookTicker or <symbol>@aggTrade with a lower-case symbol`,
    );
  }
  const symbol = (match[1] as string).toUpperCase();
  const name = match[2] as string;
  const interval = match[4];
  if (interval !== undefined && !(klineIntervals as readonly string[]).includes(interval)) {
    throw new WsError('INVALID_STREAM', `unsupported kline interval "${interval}" in "${stream}"`);
  }
  let kind: MarketEventType;
  let cadenceMs: number | undefined;
  if (name.startsWith('markPrice')) {
    kind = 'markPrice';
    cadenceMs = match[3] ? 1_000 : 3_000;
  } else if (interval !== undefined) {
    kind = 'kline';
    cadenceMs = 250;
  } else if (name === 'bookTicker') {
    kind = 'bookTicker';
  } else {
    kind = 'aggregateTrade';
  }
  return {
    stream,
    kind,
    symbol,
    interval,
    category: kind === 'bookTicker' ? 'public' : 'market',
    cadenceMs,
    key: seriesKey(kind, symbol, interval),
  };
}

const lower = (symbol: string) => symbol.toLowerCase();

/** `btcusdc@markPrice@1s` (default, every second) or `btcusdc@markPrice` (every 3 s). */
export function markPriceStream(symbol: string, options: { everySecond?: boolean } = {}): string {
  return `${lower(symbol)}@markPrice${options.everySecond === false ? '' : '@1s'}`;
}

/** `btcusdc@kline_1m`. */
export function klineStream(symbol: string, interval: KlineInterval): string {
  return `${lower(symbol)}@kline_${interval}`;
}

/** `btcusdc@bookTicker` (served on `/public`). */
export function bookTickerStream(symbol: string): string {
  return `${lower(symbol)}@bookTicker`;
}

/** `btcusdc@aggTrade`. */
export function aggregateTradeStream(symbol: string): string {
  return `${lower(symbol)}@aggTrade`;
}
