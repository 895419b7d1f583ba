/** Binance kline intervals the emulator serves, and their UTC-aligned periods. */
import { klineIntervalMs as binanceKlineIntervalMs } from '@bot/symbols';
import type { KlineInterval as BinanceKlineInterval } from '@bot/symbols';

/**
 * The served subset of `@bot/symbols`' `KLINE_INTERVALS`: the intervals that divide a day (`1m` … `1d`),
 * whose periods `klineOpenTime` can align on UTC midnight. `3d`, `1w` and `1M` are not served: the REST
 * API answers them -1120 "Invalid interval.", and no kline stream is published for them.
 */
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
] as const satisfies readonly BinanceKlineInterval[];
export type KlineInterval = (typeof klineIntervals)[number];

export const klineIntervalMs: Readonly<Record<KlineInterval, number>> = Object.fromEntries(
  klineIntervals.map((interval) => [interval, binanceKlineIntervalMs(interval)]),
) as Record<KlineInterval, number>;

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
