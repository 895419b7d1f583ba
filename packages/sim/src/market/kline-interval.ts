/** Binance kline intervals the emulator serves, and their UTC-aligned periods. */

export const klineIntervals = [
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
] as const;
export type KlineInterval = (typeof klineIntervals)[number];

const minute = 60_000;
const hour = 60 * minute;

export const klineIntervalMs: Readonly<Record<KlineInterval, number>> = {
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
  '1d': 24 * hour,
};

export function isKlineInterval(value: unknown): value is KlineInterval {
  return typeof value === 'string' && Object.hasOwn(klineIntervalMs, value);
}

/**
 * Open time of the `interval` period containing `time`. Every interval divides a day and the epoch starts
 * at 00:00 UTC, so periods are aligned to UTC midnight as Binance's are.
 */
export function klineOpenTime(time: number, interval: KlineInterval): number {
  const length = klineIntervalMs[interval];
  return time - (((time % length) + length) % length);
}
