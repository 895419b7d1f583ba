import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { CandleBook } from './candle-book';
import { formatUnits } from '@bot/symbols';
import type { MarketTick } from './market-tick';
import { mergeMarketSources } from './merge-market-sources';
import { parseKlineCsv, ReplayFileError } from './replay-file';
import { candlePath, createReplayMarket } from './replay-market';

const firstOpen = Date.UTC(2024, 1, 1, 0, 0);
const minute = 60_000;

/** A small Binance futures-archive CSV, generated: 60 one-minute candles on a 0.01 tick, volumes on 0.001. */
function fixtureCsv(count = 60): string {
  let state = 12345;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  const lines = [
    'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore',
  ];
  let close = 300_000; // 3000.00 in 0.01 units
  for (let index = 0; index < count; index += 1) {
    const open = close;
    close = Math.max(100, open + Math.round((random() - 0.5) * 400));
    if (index % 10 === 3) close = open; // a doji
    const high = Math.max(open, close) + (index % 10 === 4 ? 0 : Math.floor(random() * 150));
    const low = Math.min(open, close) - (index % 10 === 5 ? 0 : Math.floor(random() * 150));
    const volume = index % 10 === 6 ? 2 : Math.floor(random() * 5_000_000); // 0.002 on candle 6: fewer steps than ticks
    const openTime = firstOpen + index * minute;
    const price = (units: number) => formatUnits(units, 2);
    lines.push(
      [
        openTime,
        price(open),
        price(high),
        price(low),
        price(close),
        formatUnits(volume, 3),
        openTime + minute - 1,
        '1.0',
        10,
        '0',
        '0',
        '0',
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

function drain(source: { ended: boolean; next(): MarketTick[] }): MarketTick[] {
  const ticks: MarketTick[] = [];
  while (!source.ended) ticks.push(...source.next());
  return ticks;
}

describe('createReplayMarket', () => {
  const candles = parseKlineCsv(fixtureCsv());

  it.each([4, 5, 10, 60])(
    'reproduces the file exactly when aggregated back to 1m (%i ticks per candle)',
    (ticksPerCandle) => {
      const replay = createReplayMarket({ symbol: 'ETHUSDC', candles, tickSize: '0.01', ticksPerCandle });
      const book = new CandleBook({ symbols: [{ symbol: 'ETHUSDC', tickSize: '0.01', stepSize: '0.001' }] });
      const ticks = drain(replay);
      expect(ticks).toHaveLength(candles.length * ticksPerCandle);
      book.onTicks(ticks);
      const rows = book.klines('ETHUSDC', '1m', { limit: 1500 });
      expect(rows.map((row) => row.slice(0, 6))).toEqual(
        candles.map((candle) => [
          candle.openTime,
          Number(candle.open).toFixed(2),
          Number(candle.high).toFixed(2),
          Number(candle.low).toFixed(2),
          Number(candle.close).toFixed(2),
          Number(candle.volume).toFixed(3),
        ]),
      );
      expect(replay.ended).toBe(true);
      expect(replay.candlesReplayed).toBe(candles.length);
      expect(replay.peekTime()).toBeUndefined();
      expect(replay.next()).toEqual([]);
    },
  );

  it('replays a stream (any iterable) as it replays the array, pulling one candle ahead of the ticks', () => {
    const whole = drain(createReplayMarket({ symbol: 'ETHUSDC', candles, tickSize: '0.01' }));
    let pulled = 0;
    const stream = (function* () {
      for (const candle of candles) {
        pulled += 1;
        yield candle;
      }
    })();
    const streamed = createReplayMarket({
      symbol: 'ETHUSDC',
      candles: stream,
      tickSize: '0.01',
      stepSize: '0.001',
    });
    expect(pulled).toBe(1);
    const first = streamed.next();
    expect(pulled).toBe(1);
    expect([...first, ...drain(streamed)]).toEqual(whole);
    expect(pulled).toBe(candles.length);
  });

  it('refuses a stream without its volume grid (its volumes are not known up front)', () => {
    expect(() =>
      createReplayMarket({ symbol: 'ETHUSDC', candles: new Set(candles), tickSize: '0.01' }),
    ).toThrow(/streamed replay .* needs its stepSize/);
  });

  it('walks open → low → high → close for a bullish candle and open → high → low → close otherwise, evenly in time', () => {
    const csv = [
      `${firstOpen},100.00,110.00,95.00,105.00,4,${firstOpen + minute - 1},0,1,0,0,0`,
      `${firstOpen + minute},105.00,108.00,90.00,92.00,4,${firstOpen + 2 * minute - 1},0,1,0,0,0`,
      `${firstOpen + 2 * minute},92.00,92.00,92.00,92.00,4,${firstOpen + 3 * minute - 1},0,1,0,0,0`,
    ].join('\n');
    const ticks = drain(
      createReplayMarket({ symbol: 'XUSDT', candles: parseKlineCsv(csv), tickSize: '0.01' }),
    );
    expect(ticks.map((tick) => [tick.time - firstOpen, tick.lastPrice, tick.tradeQty])).toEqual([
      [0, '100.00', '1'],
      [15_000, '95.00', '1'],
      [30_000, '110.00', '1'],
      [45_000, '105.00', '1'],
      [60_000, '105.00', '1'],
      [75_000, '108.00', '1'],
      [90_000, '90.00', '1'],
      [105_000, '92.00', '1'],
      [120_000, '92.00', '1'],
      [135_000, '92.00', '1'],
      [150_000, '92.00', '1'],
      [165_000, '92.00', '1'],
    ]);
    expect(ticks.map((tick) => tick.buyerIsMaker).slice(0, 4)).toEqual([false, true, false, true]);
  });

  it('keeps the mark price within the basis of the last price and funding at 0.0001 for a small basis', () => {
    const ticks = drain(createReplayMarket({ symbol: 'ETHUSDC', candles, tickSize: '0.01', basisBps: 3 }));
    for (const tick of ticks) {
      const last = Number(tick.lastPrice);
      expect(Math.abs(Number(tick.markPrice) - last)).toBeLessThanOrEqual(last * 0.0003 + 0.01);
      expect(Math.abs(Number(tick.indexPrice) - last)).toBeLessThanOrEqual(last * 0.0006 + 0.01);
      expect(tick.fundingRate).toBe('0.00010000');
    }
    expect(new Set(ticks.map((tick) => Number(tick.markPrice) - Number(tick.lastPrice) > 0)).size).toBe(2);
    const flat = drain(createReplayMarket({ symbol: 'ETHUSDC', candles, tickSize: '0.01', basisBps: 0 }));
    expect(
      flat.every((tick) => tick.markPrice === tick.lastPrice && tick.indexPrice === tick.lastPrice),
    ).toBe(true);
  });

  it('re-times the replay to a new start, keeping minute alignment', () => {
    const start = Date.UTC(2030, 0, 1);
    const replay = createReplayMarket({ symbol: 'ETHUSDC', candles, tickSize: '0.01', startTime: start });
    expect(replay.peekTime()).toBe(start);
    expect(drain(replay).at(-1)?.time).toBe(start + 59 * minute + 45_000);
    expect(() =>
      createReplayMarket({ symbol: 'ETHUSDC', candles, tickSize: '0.01', startTime: start + 1 }),
    ).toThrow(/whole minutes/);
  });

  it('infers the candle length from the file (hourly candles spread over the hour)', () => {
    const hourly = [0, 1, 2].map((hour) => ({
      openTime: firstOpen + hour * 3_600_000,
      open: '1.0',
      high: '2.0',
      low: '0.5',
      close: '1.5',
      volume: '8',
    }));
    const replay = createReplayMarket({
      symbol: 'XUSDT',
      candles: hourly,
      tickSize: '0.1',
      ticksPerCandle: 8,
    });
    expect(replay.candleMs).toBe(3_600_000);
    expect(
      drain(replay)
        .map((tick) => tick.time - firstOpen)
        .slice(0, 3),
    ).toEqual([0, 450_000, 900_000]);
  });

  it('rejects prices off the tick grid with the candle index, and bad options', () => {
    let caught: unknown;
    try {
      createReplayMarket({ symbol: 'ETHUSDC', candles, tickSize: '0.05' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ReplayFileError);
    expect((caught as ReplayFileError).message).toMatch(
      /^index \d+: \w+ \d+\.\d+ is not on the 0\.05 tick grid$/,
    );
    expect(() =>
      createReplayMarket({ symbol: 'ETHUSDC', candles, tickSize: '0.01', ticksPerCandle: 3 }),
    ).toThrow(/ticksPerCandle/);
    expect(() =>
      createReplayMarket({ symbol: 'ETHUSDC', candles, tickSize: '0.01', candleMs: 120_000 }),
    ).toThrow(/index 1: opens before/);
    expect(() => createReplayMarket({ symbol: 'ETHUSDC', candles, tickSize: '0.01', basisBps: -1 })).toThrow(
      /basisBps/,
    );
  });

  it('is an ended source from the start when given no candles', () => {
    const replay = createReplayMarket({ symbol: 'ETHUSDC', candles: [], tickSize: '0.01' });
    expect(replay.ended).toBe(true);
    expect(replay.next()).toEqual([]);
  });
});

describe('candlePath', () => {
  it('starts at the open, ends at the close and touches exactly the high and low (any candle, any count ≥ 4)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.nat(500),
        fc.nat(500),
        fc.integer({ min: 4, max: 40 }),
        (open, close, above, below, count) => {
          const candle = {
            open,
            close,
            high: Math.max(open, close) + above,
            low: Math.max(1, Math.min(open, close) - below),
          };
          const path = candlePath(candle, count);
          expect(path).toHaveLength(count);
          expect(path[0]).toBe(open);
          expect(path.at(-1)).toBe(close);
          expect(Math.max(...path)).toBe(candle.high);
          expect(Math.min(...path)).toBe(candle.low);
          expect(path.every(Number.isInteger)).toBe(true);
          // The low is touched before the high's last touch on a bullish path, the other way on a bearish one
          // (an open at the high touches it first: [2, 1, 2, 2] for open 2, low 1, high 2, close 2).
          if (close >= open)
            expect(path.indexOf(candle.low)).toBeLessThanOrEqual(path.lastIndexOf(candle.high));
          else expect(path.indexOf(candle.high)).toBeLessThanOrEqual(path.lastIndexOf(candle.low));
        },
      ),
    );
  });
});

describe('mergeMarketSources', () => {
  it('merges replays by time, ticks of the same time in one batch', () => {
    const candles = parseKlineCsv(fixtureCsv(3));
    const merged = mergeMarketSources([
      createReplayMarket({ symbol: 'AUSDT', candles, tickSize: '0.01' }),
      createReplayMarket({ symbol: 'BUSDT', candles, tickSize: '0.01', startTime: firstOpen + minute }),
    ]);
    expect(merged.symbols).toEqual(['AUSDT', 'BUSDT']);
    const batches: string[][] = [];
    while (!merged.ended)
      batches.push(merged.next().map((tick) => `${tick.symbol}@${(tick.time - firstOpen) / 1000}`));
    expect(batches.slice(0, 5)).toEqual([
      ['AUSDT@0'],
      ['AUSDT@15'],
      ['AUSDT@30'],
      ['AUSDT@45'],
      ['AUSDT@60', 'BUSDT@60'],
    ]);
    expect(batches).toHaveLength(16);
    expect(merged.peekTime()).toBeUndefined();
    expect(() => mergeMarketSources([merged, merged])).toThrow(/share a symbol/);
  });
});
