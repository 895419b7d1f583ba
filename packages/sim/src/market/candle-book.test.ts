import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { CandleBook, klineRow } from './candle-book';
import type { CandleTick, KlineRow } from './candle-book';
import { formatUnits } from '@bot/symbols';
import { klineIntervalMs, klineIntervals } from './kline-interval';
import type { KlineInterval } from './kline-interval';

const day = Date.UTC(2025, 0, 2);
const minute = 60_000;
const btc = { symbol: 'BTCUSDC', tickSize: '0.1', stepSize: '0.001' };

function tick(time: number, lastPrice: string, tradeQty = '0.001', buyerIsMaker = false): CandleTick {
  return { symbol: 'BTCUSDC', time, lastPrice, tradeQty, buyerIsMaker };
}

/** The straightforward aggregation the book must agree with: group ticks by UTC-aligned period. */
function referenceRows(
  ticks: readonly { time: number; price: number; quantity: number; buyerIsMaker: boolean }[],
  interval: KlineInterval,
): KlineRow[] {
  const length = klineIntervalMs[interval];
  const groups = new Map<number, typeof ticks>();
  for (const entry of ticks) {
    const openTime = Math.floor(entry.time / length) * length;
    groups.set(openTime, [...(groups.get(openTime) ?? []), entry]);
  }
  return [...groups.entries()].map(([openTime, group]) => {
    const prices = group.map((entry) => entry.price);
    const traded = group.filter((entry) => entry.quantity > 0);
    const bought = traded.filter((entry) => !entry.buyerIsMaker);
    const sum = (entries: typeof ticks, value: (entry: (typeof ticks)[number]) => number) =>
      entries.reduce((total, entry) => total + value(entry), 0);
    return [
      openTime,
      formatUnits(prices[0] ?? 0, 1),
      formatUnits(Math.max(...prices), 1),
      formatUnits(Math.min(...prices), 1),
      formatUnits(prices.at(-1) ?? 0, 1),
      formatUnits(
        sum(traded, (entry) => entry.quantity),
        3,
      ),
      openTime + length - 1,
      formatUnits(
        sum(traded, (entry) => entry.quantity * entry.price),
        4,
      ),
      traded.length,
      formatUnits(
        sum(bought, (entry) => entry.quantity),
        3,
      ),
      formatUnits(
        sum(bought, (entry) => entry.quantity * entry.price),
        4,
      ),
      '0',
    ];
  });
}

describe('CandleBook', () => {
  it("gives the kline stream's forming candle as the tick left it, in Binance's JSON, formatted only when read", () => {
    const book = new CandleBook({ symbols: [btc] });
    expect(book.formingStreamKline('BTCUSDC', '1m')).toBeUndefined();
    book.onTick(tick(day + 1000, '60000.0', '0.010', false));
    book.onTick(tick(day + 2000, '60010.5', '0.005', true));
    const oneMinute = book.formingStreamKline('BTCUSDC', '1m');
    const fifteen = book.formingStreamKline('BTCUSDC', '15m');
    // A later tick changes the book, not the candles already handed out.
    book.onTick(tick(day + 4000, '60001.2', '0.100', false));
    const expected = (interval: KlineInterval) => ({
      t: day,
      T: day + klineIntervalMs[interval] - 1,
      s: 'BTCUSDC',
      i: interval,
      f: 1,
      L: 2,
      o: '60000.0',
      c: '60010.5',
      h: '60010.5',
      l: '60000.0',
      v: '0.015',
      n: 2,
      x: false,
      q: '900.0525',
      V: '0.010',
      Q: '600.0000',
      B: '0',
    });
    for (const [interval, candle] of [
      ['1m', oneMinute],
      ['15m', fifteen],
    ] as const) {
      // Key for key in Binance's order, as a socket sends it.
      expect(JSON.stringify(candle)).toBe(JSON.stringify(expected(interval)));
      expect(candle?.c).toBe('60010.5');
    }
  });

  it("gives every interval's forming stream kline as the in-progress kline REST reads, across minutes and quiet ticks", () => {
    const book = new CandleBook({ symbols: [btc] });
    // Minutes with trades, then a minute of price moves without a trade (no trade ids of its own).
    const ticks = [
      tick(day + 1000, '60000.0', '0.010', false),
      tick(day + 2000, '60010.5', '0.005', true),
      tick(day + minute + 1000, '59990.0', '0.020', false),
      tick(day + 2 * minute + 1000, '60020.0', '0', true),
      tick(day + 2 * minute + 2000, '59980.0', '0', false),
      tick(day + 3 * minute + 1000, '60005.0', '0.001', true),
    ];
    for (const one of ticks) {
      book.onTick(one);
      for (const interval of klineIntervals) {
        const rest = book.currentKline('BTCUSDC', interval);
        const stream = book.formingStreamKline('BTCUSDC', interval);
        expect(stream && { ...stream.toJSON() }).toEqual(
          rest && {
            t: rest.openTime,
            T: rest.closeTime,
            s: rest.symbol,
            i: rest.interval,
            f: rest.firstTradeId,
            L: rest.lastTradeId,
            o: rest.open,
            c: rest.close,
            h: rest.high,
            l: rest.low,
            v: rest.volume,
            n: rest.trades,
            x: false,
            q: rest.quoteVolume,
            V: rest.takerBuyVolume,
            Q: rest.takerBuyQuoteVolume,
            B: '0',
          },
        );
      }
    }
  });

  it('builds the 1m kline from ticks: OHLC, volumes, trade count, taker buys and trade ids', () => {
    const book = new CandleBook({ symbols: [btc] });
    expect(book.currentKline('BTCUSDC', '1m')).toBeUndefined();
    book.onTick(tick(day + 1000, '60000.0', '0.010', false));
    book.onTick(tick(day + 2000, '60010.5', '0.005', true));
    book.onTick(tick(day + 3000, '59990', '0', true));
    book.onTick(tick(day + 4000, '60001.2', '0.100', false));
    expect(book.currentKline('BTCUSDC', '1m')).toEqual({
      symbol: 'BTCUSDC',
      interval: '1m',
      openTime: day,
      closeTime: day + minute - 1,
      open: '60000.0',
      high: '60010.5',
      low: '59990.0',
      close: '60001.2',
      volume: '0.115',
      quoteVolume: '6900.1725',
      trades: 3,
      takerBuyVolume: '0.110',
      takerBuyQuoteVolume: '6600.1200',
      firstTradeId: 1,
      lastTradeId: 3,
      closed: false,
    });
    expect(book.lastTradeId('BTCUSDC')).toBe(3);
    expect(book.klines('BTCUSDC', '1m')).toEqual([
      [
        day,
        '60000.0',
        '60010.5',
        '59990.0',
        '60001.2',
        '0.115',
        day + minute - 1,
        '6900.1725',
        3,
        '0.110',
        '6600.1200',
        '0',
      ],
    ]);
  });

  it('reports klines as they close: the 1m at each minute, the 5m on UTC-aligned 5-minute boundaries', () => {
    const book = new CandleBook({ symbols: [btc] });
    const start = day + 3 * minute + 30_000; // 00:03:30
    const closedAt: Record<string, string[]> = {};
    for (let second = 0; second < 8 * 60; second += 10) {
      const time = start + second * 1000;
      const closed = book.onTick(tick(time, (60000 + second / 10).toFixed(1)));
      if (closed.length > 0)
        closedAt[new Date(time).toISOString().slice(11, 19)] = closed.map((kline) => kline.interval);
      for (const kline of closed) {
        expect(kline.closed).toBe(true);
        expect(kline.closeTime).toBe(kline.openTime + klineIntervalMs[kline.interval] - 1);
        expect(kline.openTime % klineIntervalMs[kline.interval]).toBe(0);
      }
    }
    expect(closedAt).toEqual({
      '00:04:00': ['1m'],
      '00:05:00': ['1m', '5m'],
      '00:06:00': ['1m', '3m'],
      '00:07:00': ['1m'],
      '00:08:00': ['1m'],
      '00:09:00': ['1m', '3m'],
      '00:10:00': ['1m', '5m'],
      '00:11:00': ['1m'],
    });
    const fives = book.klines('BTCUSDC', '5m');
    expect(fives.map((row) => [row[0], row[6]])).toEqual([
      [day, day + 5 * minute - 1],
      [day + 5 * minute, day + 10 * minute - 1],
      [day + 10 * minute, day + 15 * minute - 1],
    ]);
    // The first 5m kline started at 00:03:30 with the first tick, and is open-to-close of its ticks.
    expect(fives[0]?.slice(1, 5)).toEqual(['60000.0', '60008.0', '60000.0', '60008.0']);
    expect(book.currentKline('BTCUSDC', '5m')?.openTime).toBe(day + 10 * minute);
    expect(book.currentKline('BTCUSDC', '1d')?.openTime).toBe(day);
  });

  it('agrees with a straightforward aggregation of the ticks for every interval, across gaps and days', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (seed) => {
        let state = seed;
        const random = () => {
          state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
          return state / 2_147_483_648;
        };
        const book = new CandleBook({ symbols: [btc] });
        const ticks: { time: number; price: number; quantity: number; buyerIsMaker: boolean }[] = [];
        let time = day - 2 * 3_600_000 + Math.floor(random() * 3_600_000);
        let price = 600_000;
        while (ticks.length < 1500) {
          time += random() < 0.02 ? Math.floor(random() * 40 * minute) : Math.floor(random() * 60_000);
          price = Math.max(1, price + Math.round((random() - 0.5) * 200));
          const entry = {
            time,
            price,
            quantity: random() < 0.1 ? 0 : 1 + Math.floor(random() * 500),
            buyerIsMaker: random() < 0.5,
          };
          ticks.push(entry);
          book.onTick(tick(time, formatUnits(price, 1), formatUnits(entry.quantity, 3), entry.buyerIsMaker));
        }
        for (const interval of klineIntervals) {
          expect(book.klines('BTCUSDC', interval, { limit: 1500 })).toEqual(referenceRows(ticks, interval));
        }
      }),
      { numRuns: 15 },
    );
  });

  describe('klines query', () => {
    const book = new CandleBook({ symbols: [btc] });
    for (let index = 0; index < 30; index += 1) book.onTick(tick(day + index * minute, `${60000 + index}.0`));
    const openTimes = (rows: KlineRow[]) => rows.map((row) => (row[0] - day) / minute);

    it('returns the newest `limit` rows (500 by default), oldest first, including the open kline', () => {
      expect(openTimes(book.klines('BTCUSDC', '1m'))).toEqual([...Array(30).keys()]);
      expect(openTimes(book.klines('BTCUSDC', '1m', { limit: 3 }))).toEqual([27, 28, 29]);
    });

    it('with startTime, the oldest rows opening at or after it', () => {
      expect(openTimes(book.klines('BTCUSDC', '1m', { startTime: day + 10 * minute, limit: 3 }))).toEqual([
        10, 11, 12,
      ]);
      expect(openTimes(book.klines('BTCUSDC', '1m', { startTime: day + 10 * minute + 1, limit: 2 }))).toEqual(
        [11, 12],
      );
      expect(openTimes(book.klines('BTCUSDC', '1m', { startTime: day + 28 * minute }))).toEqual([28, 29]);
      expect(book.klines('BTCUSDC', '1m', { startTime: day + 40 * minute })).toEqual([]);
    });

    it('with endTime, the newest rows opening at or before it; with both, the range from startTime', () => {
      expect(openTimes(book.klines('BTCUSDC', '1m', { endTime: day + 10 * minute, limit: 3 }))).toEqual([
        8, 9, 10,
      ]);
      expect(openTimes(book.klines('BTCUSDC', '1m', { endTime: day + 10 * minute - 1, limit: 2 }))).toEqual([
        8, 9,
      ]);
      expect(
        openTimes(
          book.klines('BTCUSDC', '1m', { startTime: day + 5 * minute, endTime: day + 7 * minute, limit: 10 }),
        ),
      ).toEqual([5, 6, 7]);
      expect(
        openTimes(
          book.klines('BTCUSDC', '1m', { startTime: day + 5 * minute, endTime: day + 20 * minute, limit: 2 }),
        ),
      ).toEqual([5, 6]);
      expect(book.klines('BTCUSDC', '1m', { endTime: day - 1 })).toEqual([]);
    });

    it('aggregates larger intervals over the same rows', () => {
      const rows = book.klines('BTCUSDC', '15m');
      expect(rows.map((row) => row.slice(0, 5))).toEqual([
        [day, '60000.0', '60014.0', '60000.0', '60014.0'],
        [day + 15 * minute, '60015.0', '60029.0', '60015.0', '60029.0'],
      ]);
      expect(rows.map((row) => row[8])).toEqual([15, 15]);
      expect(book.klines('BTCUSDC', '1h', { limit: 1 })[0]?.[6]).toBe(day + 3_600_000 - 1);
    });

    it('rejects a bad limit, interval, time or symbol', () => {
      expect(() => book.klines('BTCUSDC', '1m', { limit: 0 })).toThrow(/limit/);
      expect(() => book.klines('BTCUSDC', '1m', { limit: 1501 })).toThrow(/limit/);
      expect(() => book.klines('BTCUSDC', '1m', { limit: 2.5 })).toThrow(/limit/);
      expect(() => book.klines('BTCUSDC', '7m' as KlineInterval)).toThrow(/interval/);
      expect(() => book.klines('BTCUSDC', '1m', { startTime: Number.NaN })).toThrow(/startTime/);
      expect(() => book.klines('ETHUSDC', '1m')).toThrow(/unknown symbol/);
      expect(book.klines('BTCUSDC', '1m', { limit: 1500 })).toHaveLength(30);
    });
  });

  it('keeps at most maxCandles closed candles per interval, dropping the oldest', () => {
    const book = new CandleBook({ symbols: [btc], maxCandles: 50 });
    for (let index = 0; index < 200; index += 1) book.onTick(tick(day + index * minute, '60000.0'));
    expect(book.closedCount('BTCUSDC', '1m')).toBe(50);
    const rows = book.klines('BTCUSDC', '1m', { limit: 1500 });
    expect(rows).toHaveLength(51);
    expect(rows[0]?.[0]).toBe(day + 149 * minute);
    expect(rows.at(-1)?.[0]).toBe(day + 199 * minute);
    expect(book.closedCount('BTCUSDC', '3m')).toBe(50);
    expect(book.klines('BTCUSDC', '3m', { startTime: 0, limit: 1 })[0]?.[0]).toBe(day + 48 * minute);
    expect(() => new CandleBook({ maxCandles: 0 })).toThrow(/maxCandles/);
  });

  it('returns only the closed klines `wants` asks for, and stores every one of them', () => {
    const asked: string[] = [];
    const book = new CandleBook({
      symbols: [btc],
      wants: (symbol, interval) => {
        asked.push(`${symbol} ${interval}`);
        return interval === '5m';
      },
    });
    const closed: string[] = [];
    for (let second = 0; second < 11 * 60; second += 15) {
      const time = day + second * 1000;
      for (const kline of book.onTick(tick(time, (60000 + second / 15).toFixed(1))))
        closed.push(`${kline.interval} ${new Date(kline.openTime).toISOString().slice(11, 16)}`);
    }
    closed.push(...book.flush(day + 15 * minute).map((kline) => `${kline.interval} flush`));
    expect(closed).toEqual(['5m 00:00', '5m 00:05', '5m flush']);
    expect(asked).toContain('BTCUSDC 1m');
    expect(asked).toContain('BTCUSDC 3m');
    // Not returned, still stored: REST reads every interval.
    expect(book.klines('BTCUSDC', '1m')).toHaveLength(11);
    expect(book.klines('BTCUSDC', '3m').map((row) => row[0])).toEqual([
      day,
      day + 3 * minute,
      day + 6 * minute,
      day + 9 * minute,
    ]);
    expect(book.klines('BTCUSDC', '3m')[0]?.slice(1, 5)).toEqual([
      '60000.0',
      '60011.0',
      '60000.0',
      '60011.0',
    ]);
  });

  it('leaves no candle for minutes without ticks, and closes klines by time with flush', () => {
    const book = new CandleBook({ symbols: [btc] });
    book.onTick(tick(day + 10_000, '60000.0'));
    expect(book.flush(day + 59_999)).toEqual([]);
    const closed = book.flush(day + 5 * minute);
    expect(closed.map((kline) => [kline.interval, kline.openTime])).toEqual([
      ['1m', day],
      ['3m', day],
      ['5m', day],
    ]);
    expect(closed.every((kline) => kline.closed)).toBe(true);
    expect(book.currentKline('BTCUSDC', '1m')).toBeUndefined();
    expect(book.currentKline('BTCUSDC', '15m')?.close).toBe('60000.0');
    expect(() => book.onTick(tick(day + 4 * minute, '60000.0'))).toThrow(/in order/);
    book.onTick(tick(day + 9 * minute, '60100.0'));
    expect(book.klines('BTCUSDC', '1m').map((row) => row[0])).toEqual([day, day + 9 * minute]);
    const fifteen = book.currentKline('BTCUSDC', '15m');
    expect([fifteen?.open, fifteen?.close, fifteen?.trades]).toEqual(['60000.0', '60100.0', 2]);
  });

  it('rejects ticks out of order, off the grid or for an unknown symbol', () => {
    const book = new CandleBook({ symbols: [btc] });
    book.onTick(tick(day + 2 * minute, '60000.0'));
    expect(() => book.onTick(tick(day + minute, '60000.0'))).toThrow(/in order/);
    expect(() => book.onTick(tick(day + 2 * minute, '60000.05'))).toThrow(/grid/);
    expect(() => book.onTick(tick(day + 2 * minute, '60000.0', '0.0005'))).toThrow(/grid/);
    expect(() => book.onTick({ ...tick(day + 2 * minute, '1.0'), symbol: 'ETHUSDC' })).toThrow(
      /unknown symbol/,
    );
    expect(() => book.addSymbol(btc)).toThrow(/already/);
  });

  it('warms up from candles, then aggregates history and live ticks together', () => {
    const book = new CandleBook({ symbols: [btc], firstTradeId: 100 });
    book.warmUp('BTCUSDC', [
      {
        openTime: day,
        open: '60000.00',
        high: '60050',
        low: '59990.0',
        close: '60040.0',
        volume: '1.5',
        quoteVolume: '90030.5',
        trades: 10,
        takerBuyVolume: '1',
        takerBuyQuoteVolume: '60020',
      },
      {
        openTime: day + minute,
        open: '60040.0',
        high: '60040.0',
        low: '60000.0',
        close: '60000.0',
        volume: '2',
      },
    ]);
    expect(book.lastTradeId('BTCUSDC')).toBe(110);
    expect(book.currentKline('BTCUSDC', '1m')).toBeUndefined();
    const closed = book.onTick(tick(day + 2 * minute + 5000, '60100.0', '0.5', false));
    expect(closed.map((kline) => kline.interval)).toEqual([]);
    expect(book.klines('BTCUSDC', '1m')).toEqual([
      [
        day,
        '60000.0',
        '60050.0',
        '59990.0',
        '60040.0',
        '1.500',
        day + minute - 1,
        '90030.5000',
        10,
        '1.000',
        '60020.0000',
        '0',
      ],
      // Missing fields estimated: quote at the OHLC average, half taker-bought, one trade.
      [
        day + minute,
        '60040.0',
        '60040.0',
        '60000.0',
        '60000.0',
        '2.000',
        day + 2 * minute - 1,
        '120040.0000',
        1,
        '1.000',
        '60020.0000',
        '0',
      ],
      [
        day + 2 * minute,
        '60100.0',
        '60100.0',
        '60100.0',
        '60100.0',
        '0.500',
        day + 3 * minute - 1,
        '30050.0000',
        1,
        '0.500',
        '30050.0000',
        '0',
      ],
    ]);
    const fiveMinutes = book.currentKline('BTCUSDC', '5m');
    expect(fiveMinutes && klineRow(fiveMinutes)).toEqual([
      day,
      '60000.0',
      '60100.0',
      '59990.0',
      '60100.0',
      '4.000',
      day + 5 * minute - 1,
      '240120.5000',
      12,
      '2.500',
      '150090.0000',
      '0',
    ]);
    expect([fiveMinutes?.firstTradeId, fiveMinutes?.lastTradeId]).toEqual([100, 111]);
    const late = {
      openTime: day + 2 * minute,
      open: '1.0',
      high: '1.0',
      low: '1.0',
      close: '1.0',
      volume: '0',
    };
    expect(() => book.warmUp('BTCUSDC', [late])).toThrow(/not after/);
  });

  it('rejects warm-up candles off the minute or off the grid', () => {
    const book = new CandleBook({ symbols: [btc] });
    const candle = { openTime: day, open: '1.0', high: '1.0', low: '1.0', close: '1.0', volume: '1' };
    expect(() => book.warmUp('BTCUSDC', [{ ...candle, openTime: day + 1 }])).toThrow(/not on a minute/);
    expect(() => book.warmUp('BTCUSDC', [{ ...candle, high: '1.05' }])).toThrow(/price grid/);
    expect(() => book.warmUp('BTCUSDC', [candle, candle])).toThrow(/not after/);
  });
});
