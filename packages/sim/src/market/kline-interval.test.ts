import { klineIntervalMs as binanceKlineIntervalMs } from '@bot/symbols';
import { describe, expect, it } from 'vitest';

import { isKlineInterval, klineIntervalMs, klineIntervals, klineOpenTime } from './kline-interval';

describe('the served kline intervals', () => {
  it('are the Binance intervals that divide a day, in Binance order', () => {
    expect(klineIntervals).toEqual([
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
    ]);
  });

  it('have the lengths @bot/symbols gives them', () => {
    expect(Object.keys(klineIntervalMs)).toEqual([...klineIntervals]);
    for (const interval of klineIntervals) {
      expect(klineIntervalMs[interval]).toBe(binanceKlineIntervalMs(interval));
    }
  });

  it('leave out 3d, 1w and 1M, and refuse what is no interval', () => {
    for (const interval of klineIntervals) expect(isKlineInterval(interval)).toBe(true);
    for (const value of ['3d', '1w', '1M', '2m', '1D', '', 'toString', '__proto__', undefined, 60_000]) {
      expect(isKlineInterval(value), String(value)).toBe(false);
    }
  });

  it('open on UTC-aligned periods', () => {
    const time = Date.UTC(2026, 0, 5, 13, 47, 12, 345);
    expect(klineOpenTime(time, '1m')).toBe(Date.UTC(2026, 0, 5, 13, 47));
    expect(klineOpenTime(time, '15m')).toBe(Date.UTC(2026, 0, 5, 13, 45));
    expect(klineOpenTime(time, '8h')).toBe(Date.UTC(2026, 0, 5, 8));
    expect(klineOpenTime(time, '1d')).toBe(Date.UTC(2026, 0, 5));
  });
});
