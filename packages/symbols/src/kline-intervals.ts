import { SymbolError, describeValue } from './symbol-error';

/** Binance USDⓈ-M kline (candlestick) intervals, shortest first, spelled as the API and stream names spell them. */
export const KLINE_INTERVALS = [
  '1m',
  '3m',
  '5m',
  '15m',
  '30m',
  '1h',
  '2h',
  '4h',
  '6h',
  '8h',
  '12h',
  '1d',
  '3d',
  '1w',
  '1M',
] as const;

/** One Binance USDⓈ-M kline interval: `m` minutes, `h` hours, `d` days, `w` a week, `M` (upper case) a month. */
export type KlineInterval = (typeof KLINE_INTERVALS)[number];

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

const fixedLengths: Readonly<Record<Exclude<KlineInterval, '1M'>, number>> = Object.freeze({
  '1m': minute,
  '3m': 3 * minute,
  '5m': 5 * minute,
  '15m': 15 * minute,
  '30m': 30 * minute,
  '1h': hour,
  '2h': 2 * hour,
  '4h': 4 * hour,
  '6h': 6 * hour,
  '8h': 8 * hour,
  '12h': 12 * hour,
  '1d': day,
  '3d': 3 * day,
  '1w': 7 * day,
});

/** Whether `value` is a Binance kline interval, exactly as spelled (case matters: `1M` is a month, `1m` a minute). */
export function isKlineInterval(value: unknown): value is KlineInterval {
  return typeof value === 'string' && (KLINE_INTERVALS as readonly string[]).includes(value);
}

/**
 * The length of an `interval` kline in milliseconds (`'1m'` → 60 000, `'1w'` → 604 800 000).
 *
 * `'1M'` gives `undefined`: a monthly kline spans one calendar month (from 00:00 UTC on the 1st), which is
 * 28 to 31 days long, so it has no fixed length; compute its bounds with calendar arithmetic instead.
 *
 * This is a length, not an alignment rule: `time - (time % length)` is the open time only for intervals
 * that divide a day (`1m` … `1d`). Weekly klines open on Monday 00:00 UTC, while the epoch was a Thursday.
 *
 * Throws `SymbolError('INVALID_ARGUMENT')` for anything that is not a kline interval.
 */
export function klineIntervalMs(interval: Exclude<KlineInterval, '1M'>): number;
export function klineIntervalMs(interval: KlineInterval): number | undefined;
export function klineIntervalMs(interval: KlineInterval): number | undefined {
  if (!isKlineInterval(interval)) {
    throw new SymbolError(
      'INVALID_ARGUMENT',
      `Invalid kline interval ${describeValue(interval)}: expected one of ${KLINE_INTERVALS.join(', ')}.`,
      interval,
    );
  }
  return interval === '1M' ? undefined : fixedLengths[interval];
}
