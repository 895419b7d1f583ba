/** Binance kline intervals the emulator serves, and their UTC-aligned periods. */
import { KLINE_INTERVALS, klineIntervalMs as binanceKlineIntervalMs } from '@bot/symbols';
import type { KlineInterval as BinanceKlineInterval } from '@bot/symbols';

/**
 * The served subset of `@bot/symbols`' `KLINE_INTERVALS`: the intervals that divide a day (`1m` … `1d`),
 * whose periods `klineOpenTime` can align on UTC midnight. `3d`, `1w` and `1M` are not served: the REST
 * API answers them -1120 "Invalid interval.", and no kline stream is published for them.
 */
export type KlineInterval = Exclude<BinanceKlineInterval, '3d' | '1w' | '1M'>;

const dayMs = 86_400_000;

function dividesADay(interval: BinanceKlineInterval): interval is KlineInterval {
  const length = binanceKlineIntervalMs(interval);
  return length !== undefined && dayMs % length === 0;
}

/** Derived from `@bot/symbols` rather than listed again, shortest first. */
export const klineIntervals: readonly KlineInterval[] = Object.freeze(KLINE_INTERVALS.filter(dividesADay));

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
