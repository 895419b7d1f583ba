import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { KLINE_INTERVALS, isKlineInterval, klineIntervalMs } from './kline-intervals';
import type { KlineInterval } from './kline-intervals';
import { SymbolError } from './symbol-error';

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

describe('KLINE_INTERVALS', () => {
  it("lists Binance USDⓈ-M's fifteen intervals, shortest first", () => {
    expect(KLINE_INTERVALS).toEqual([
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
    ]);
  });
});

describe('isKlineInterval', () => {
  it.each(KLINE_INTERVALS)('accepts %s', (interval) => {
    expect(isKlineInterval(interval)).toBe(true);
  });

  it.each(['2m', '1D', '1H', '1W', '60m', '24h', '1y', ' 1m', '1m ', '', 'kline_1m', 'toString'])(
    'refuses %j',
    (value) => {
      expect(isKlineInterval(value)).toBe(false);
    },
  );

  it.each([undefined, null, 1, 60_000, true, ['1m'], { interval: '1m' }, new String('1m')])(
    'refuses the non-string %j',
    (value) => {
      expect(isKlineInterval(value)).toBe(false);
    },
  );

  it('accepts no string outside the list', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 4 }), (value) => {
        expect(isKlineInterval(value)).toBe((KLINE_INTERVALS as readonly string[]).includes(value));
      }),
    );
  });
});

describe('klineIntervalMs', () => {
  it.each<[KlineInterval, number]>([
    ['1m', minute],
    ['3m', 3 * minute],
    ['5m', 5 * minute],
    ['15m', 15 * minute],
    ['30m', 30 * minute],
    ['1h', hour],
    ['2h', 2 * hour],
    ['4h', 4 * hour],
    ['6h', 6 * hour],
    ['8h', 8 * hour],
    ['12h', 12 * hour],
    ['1d', day],
    ['3d', 3 * day],
    ['1w', 7 * day],
  ])('gives %s as %i ms', (interval, length) => {
    expect(klineIntervalMs(interval)).toBe(length);
  });

  it('gives no fixed length for 1M, as months have 28 to 31 days', () => {
    expect(klineIntervalMs('1M')).toBeUndefined();
  });

  it('has a length for every interval but 1M, growing along the list', () => {
    const lengths = KLINE_INTERVALS.filter((interval) => interval !== '1M').map((interval) =>
      klineIntervalMs(interval),
    );
    expect(lengths).toHaveLength(KLINE_INTERVALS.length - 1);
    for (const [index, length] of lengths.entries()) {
      expect(Number.isInteger(length) && length > 0).toBe(true);
      if (index > 0) expect(length).toBeGreaterThan(lengths[index - 1] as number);
    }
  });

  it.each(['2m', '1D', '', 'toString', undefined, 60_000])(
    'throws SymbolError INVALID_ARGUMENT for %j',
    (value) => {
      let caught: unknown;
      try {
        klineIntervalMs(value as KlineInterval);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(SymbolError);
      expect((caught as SymbolError).code).toBe('INVALID_ARGUMENT');
      expect((caught as SymbolError).value).toBe(value);
      expect((caught as SymbolError).message).toContain('kline interval');
    },
  );
});
