import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { CandleBook } from './candle-book';
import { parseUnits } from '@bot/symbols';
import type { MarketTick } from './market-tick';
import { createSyntheticMarket } from './synthetic-market';
import type { SyntheticSymbolOptions } from './synthetic-market';

const startTime = Date.UTC(2025, 0, 1, 0, 0, 0);
const btc: SyntheticSymbolOptions = {
  symbol: 'BTCUSDC',
  startPrice: '60000',
  tickSize: '0.1',
  stepSize: '0.001',
};
const eth: SyntheticSymbolOptions = {
  symbol: 'ETHUSDC',
  startPrice: '3000',
  tickSize: '0.01',
  stepSize: '0.001',
};

function take(market: { next(): MarketTick[] }, batches: number): MarketTick[] {
  const ticks: MarketTick[] = [];
  for (let index = 0; index < batches; index += 1) ticks.push(...market.next());
  return ticks;
}

function onGrid(value: string, increment: string): boolean {
  const decimals = increment.includes('.') ? increment.length - increment.indexOf('.') - 1 : 0;
  const units = parseUnits(value, decimals);
  const incrementUnits = parseUnits(increment, decimals) ?? 1;
  return (
    units !== undefined &&
    units % incrementUnits === 0 &&
    value.split('.')[1]?.length === (decimals || undefined)
  );
}

describe('createSyntheticMarket', () => {
  it('gives the same ticks for the same seed and different ones for another seed', () => {
    const options = { seed: 7, symbols: [btc, eth], startTime };
    const first = take(createSyntheticMarket(options), 2000);
    const second = take(createSyntheticMarket(options), 2000);
    const other = take(createSyntheticMarket({ ...options, seed: 8 }), 2000);
    expect(second).toEqual(first);
    expect(other).not.toEqual(first);
    expect(other.map((tick) => tick.lastPrice)).not.toEqual(first.map((tick) => tick.lastPrice));
  });

  it('emits one tick per symbol per batch, starting at startTime with the start price, then every tickMs', () => {
    const market = createSyntheticMarket({ seed: 1, symbols: [btc, eth], startTime, tickMs: 250 });
    expect(market.peekTime()).toBe(startTime);
    const first = market.next();
    expect(first.map((tick) => [tick.symbol, tick.time])).toEqual([
      ['BTCUSDC', startTime],
      ['ETHUSDC', startTime],
    ]);
    expect(Math.abs(Number(first[0]?.lastPrice) - 60000)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(Number(first[1]?.lastPrice) - 3000)).toBeLessThanOrEqual(0.01);
    expect(market.peekTime()).toBe(startTime + 250);
    expect(market.next()[0]?.time).toBe(startTime + 250);
    expect(market.ended).toBe(false);
    expect(market.symbols).toEqual(['BTCUSDC', 'ETHUSDC']);
  });

  it("keeps a symbol's path independent of the other symbols listed", () => {
    const alone = take(createSyntheticMarket({ seed: 3, symbols: [btc], startTime }), 500);
    const withEth = take(createSyntheticMarket({ seed: 3, symbols: [eth, btc], startTime }), 500);
    expect(withEth.filter((tick) => tick.symbol === 'BTCUSDC')).toEqual(alone);
  });

  it('keeps prices positive and on the grid, mark near last, funding within the clamp (any seed)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }),
        fc.constantFrom(
          { symbol: 'BTCUSDC', startPrice: '60000', tickSize: '0.1', stepSize: '0.001' },
          { symbol: 'DOGEUSDC', startPrice: '0.12345', tickSize: '0.00001', stepSize: '1' },
          { symbol: 'XYZUSDT', startPrice: '12.5', tickSize: '0.5', stepSize: '0.1', volatility: 0.01 },
        ),
        (seed, symbol) => {
          const market = createSyntheticMarket({ seed, symbols: [symbol], startTime });
          const tickSize = Number(symbol.tickSize);
          const problems: string[] = [];
          let previousTime = -1;
          for (const tick of take(market, 400)) {
            const last = Number(tick.lastPrice);
            const where = `${tick.time}`;
            if (!(tick.time > previousTime)) problems.push(`${where}: time does not increase`);
            previousTime = tick.time;
            for (const price of [tick.lastPrice, tick.markPrice, tick.indexPrice]) {
              if (!(Number(price) > 0)) problems.push(`${where}: price ${price} not positive`);
              if (!onGrid(price, symbol.tickSize)) problems.push(`${where}: price ${price} off the grid`);
            }
            if (Math.abs(Number(tick.markPrice) - last) > last * 0.001 + 2 * tickSize) {
              problems.push(`${where}: mark ${tick.markPrice} too far from last ${tick.lastPrice}`);
            }
            if (!/^-?0\.\d{8}$/.test(tick.fundingRate) || Math.abs(Number(tick.fundingRate)) > 0.0075) {
              problems.push(`${where}: funding ${tick.fundingRate}`);
            }
            if (!onGrid(tick.tradeQty, symbol.stepSize) || !(Number(tick.tradeQty) > 0)) {
              problems.push(`${where}: tradeQty ${tick.tradeQty}`);
            }
          }
          expect(problems).toEqual([]);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('never goes to zero, even from one tick above it with a wild volatility', () => {
    const market = createSyntheticMarket({
      seed: 5,
      symbols: [
        { symbol: 'TINYUSDT', startPrice: '0.0002', tickSize: '0.0001', stepSize: '1', volatility: 0.05 },
      ],
      startTime,
    });
    for (const tick of take(market, 5000)) {
      expect(Number(tick.lastPrice)).toBeGreaterThanOrEqual(0.0001);
      expect(Number(tick.markPrice)).toBeGreaterThanOrEqual(0.0001);
      expect(Number(tick.indexPrice)).toBeGreaterThanOrEqual(0.0001);
    }
  });

  it('shows regimes, jumps over 2 %, volatility clustering and a moving funding rate over 3 days of 1 s ticks', () => {
    const market = createSyntheticMarket({ seed: 42, symbols: [btc], startTime });
    const regimes = new Set<string>();
    let previous = Number(market.next()[0]?.lastPrice);
    let largestMove = 0;
    const minuteCloses: number[] = [];
    const fundingRates = new Set<string>();
    for (let second = 1; second <= 3 * 86_400; second += 1) {
      const tick = market.next()[0] as MarketTick;
      const price = Number(tick.lastPrice);
      largestMove = Math.max(largestMove, Math.abs(price / previous - 1));
      previous = price;
      fundingRates.add(tick.fundingRate);
      if (second % 60 === 0) {
        minuteCloses.push(price);
        regimes.add(market.inspect('BTCUSDC').regime);
      }
    }
    expect(largestMove).toBeGreaterThan(0.02);
    expect(largestMove).toBeLessThan(0.08);
    expect(market.inspect('BTCUSDC').jumps).toBeGreaterThan(0);
    expect([...regimes].sort()).toEqual(['range', 'trend-down', 'trend-up']);
    expect(fundingRates.size).toBeGreaterThan(10);
    // Volatility clustering: absolute 1m returns are autocorrelated (clipped at the 99th percentile so that
    // the few jumps do not swamp the estimate).
    const rawReturns = minuteCloses
      .slice(1)
      .map((close, index) => Math.abs(Math.log(close / (minuteCloses[index] ?? close))));
    const clip =
      [...rawReturns].sort((left, right) => left - right)[Math.floor(rawReturns.length * 0.99)] ?? 0;
    const absoluteReturns = rawReturns.map((value) => Math.min(value, clip));
    const mean = absoluteReturns.reduce((sum, value) => sum + value, 0) / absoluteReturns.length;
    let covariance = 0;
    let variance = 0;
    for (let index = 0; index < absoluteReturns.length; index += 1) {
      const centered = (absoluteReturns[index] ?? 0) - mean;
      variance += centered * centered;
      if (index > 0) covariance += centered * ((absoluteReturns[index - 1] ?? 0) - mean);
    }
    expect(covariance / variance).toBeGreaterThan(0.1);
  });

  it('correlates symbols through the common factor', () => {
    const market = createSyntheticMarket({ seed: 11, symbols: [btc, eth], startTime, tickMs: 60_000 });
    const returns: [number[], number[]] = [[], []];
    let previous = market.next().map((tick) => Number(tick.lastPrice));
    for (let minute = 0; minute < 2000; minute += 1) {
      const prices = market.next().map((tick) => Number(tick.lastPrice));
      returns[0].push(Math.log((prices[0] ?? 1) / (previous[0] ?? 1)));
      returns[1].push(Math.log((prices[1] ?? 1) / (previous[1] ?? 1)));
      previous = prices;
    }
    const correlation = (left: number[], right: number[]): number => {
      const meanLeft = left.reduce((sum, value) => sum + value, 0) / left.length;
      const meanRight = right.reduce((sum, value) => sum + value, 0) / right.length;
      let covariance = 0;
      let varianceLeft = 0;
      let varianceRight = 0;
      for (let index = 0; index < left.length; index += 1) {
        const a = (left[index] ?? 0) - meanLeft;
        const b = (right[index] ?? 0) - meanRight;
        covariance += a * b;
        varianceLeft += a * a;
        varianceRight += b * b;
      }
      return covariance / Math.sqrt(varianceLeft * varianceRight);
    };
    const measured = correlation(...returns);
    expect(measured).toBeGreaterThan(0.1);
    expect(measured).toBeLessThan(0.6);
  });

  it('scales per-tick volatility with tickMs by default and honours an explicit volatility', () => {
    const spread = (tickMs: number, volatility?: number): number => {
      const market = createSyntheticMarket({
        seed: 2,
        symbols: [{ ...btc, jumpsPerDay: 0, ...(volatility === undefined ? {} : { volatility }) }],
        startTime,
        tickMs,
      });
      let previous = Number(market.next()[0]?.markPrice);
      let sum = 0;
      for (let index = 0; index < 3000; index += 1) {
        const price = Number(market.next()[0]?.markPrice);
        sum += Math.log(price / previous) ** 2;
        previous = price;
      }
      return Math.sqrt(sum / 3000);
    };
    const oneSecond = spread(1000);
    const oneMinute = spread(60_000);
    expect(oneMinute / oneSecond).toBeGreaterThan(4);
    expect(oneMinute / oneSecond).toBeLessThan(16);
    const explicit = spread(1000, 0.001);
    expect(explicit).toBeGreaterThan(0.0004);
    expect(explicit).toBeLessThan(0.003);
  });

  it('rejects bad options', () => {
    expect(() => createSyntheticMarket({ seed: 1, symbols: [], startTime })).toThrow(/symbols/);
    expect(() => createSyntheticMarket({ seed: 1, symbols: [btc, btc], startTime })).toThrow(/duplicate/);
    expect(() =>
      createSyntheticMarket({ seed: 1, symbols: [{ ...btc, tickSize: '0' }], startTime }),
    ).toThrow();
    expect(() =>
      createSyntheticMarket({ seed: 1, symbols: [{ ...btc, startPrice: '0.01' }], startTime }),
    ).toThrow(/below one tick/);
    expect(() => createSyntheticMarket({ seed: 1, symbols: [btc], startTime, tickMs: 0 })).toThrow(/tickMs/);
    expect(() => createSyntheticMarket({ seed: Number.NaN, symbols: [btc], startTime })).toThrow(/seed/);
    expect(() =>
      createSyntheticMarket({ seed: 1, symbols: [{ ...btc, volatility: -1 }], startTime }),
    ).toThrow(/volatility/);
    expect(() => createSyntheticMarket({ seed: 1, symbols: [btc], startTime }).inspect('NOPE')).toThrow(
      /unknown/,
    );
  });
});

describe('SyntheticMarket.history', () => {
  const start = startTime + 90_500; // 00:01:30.5, mid-minute

  it('ends at the start price in the minute before the one containing startTime, on the grid', () => {
    const market = createSyntheticMarket({ seed: 9, symbols: [btc, eth], startTime: start });
    const history = market.history({ minutes: 1500 });
    for (const [symbol, tickSize] of [
      ['BTCUSDC', '0.1'],
      ['ETHUSDC', '0.01'],
    ] as const) {
      const candles = history.get(symbol) ?? [];
      expect(candles).toHaveLength(1500);
      expect(candles.at(-1)?.openTime).toBe(startTime);
      expect(candles[0]?.openTime).toBe(startTime + 60_000 - 1500 * 60_000);
      expect(Number(candles.at(-1)?.close)).toBe(symbol === 'BTCUSDC' ? 60000 : 3000);
      const problems: string[] = [];
      for (let index = 0; index < candles.length; index += 1) {
        const candle = candles[index];
        if (candle === undefined) continue;
        const { open, high, low, close } = candle;
        if (index > 0 && candle.openTime - (candles[index - 1]?.openTime ?? 0) !== 60_000)
          problems.push(`${index}: gap`);
        if (![open, high, low, close].every((price) => onGrid(price, tickSize)))
          problems.push(`${index}: off grid`);
        if (Number(high) < Math.max(Number(open), Number(close))) problems.push(`${index}: high`);
        if (Number(low) > Math.min(Number(open), Number(close)) || !(Number(low) > 0))
          problems.push(`${index}: low`);
        if (!(Number(candle.volume) > 0) || Number(candle.takerBuyVolume) > Number(candle.volume)) {
          problems.push(`${index}: volume`);
        }
        if (candle.trades !== 60) problems.push(`${index}: trades`);
      }
      expect(problems).toEqual([]);
    }
  });

  it('is deterministic and leaves the live ticks unchanged', () => {
    const options = { seed: 4, symbols: [btc], startTime: start };
    const plain = createSyntheticMarket(options);
    const withHistory = createSyntheticMarket(options);
    const first = withHistory.history({ minutes: 100 });
    expect(createSyntheticMarket(options).history({ minutes: 100 })).toEqual(first);
    expect(take(withHistory, 300)).toEqual(take(plain, 300));
    expect(createSyntheticMarket({ ...options, seed: 5 }).history({ minutes: 100 })).not.toEqual(first);
  });

  it('feeds a candle book that then continues with the live ticks', () => {
    const market = createSyntheticMarket({ seed: 6, symbols: [btc], startTime: start });
    const book = new CandleBook({ symbols: [btc] });
    book.warmUp('BTCUSDC', market.history({ minutes: 1500, stepMs: 10_000 }).get('BTCUSDC') ?? []);
    for (let second = 0; second < 120; second += 1) book.onTicks(market.next());
    const rows = book.klines('BTCUSDC', '1m', { limit: 1500 });
    expect(rows).toHaveLength(1500);
    expect(rows.at(-1)?.[0]).toBe(startTime + 180_000);
    expect(book.klines('BTCUSDC', '1h', { limit: 1000 }).length).toBeGreaterThanOrEqual(25);
  });

  it('rejects a step that does not divide a minute', () => {
    const market = createSyntheticMarket({ seed: 1, symbols: [btc], startTime });
    expect(() => market.history({ stepMs: 7000 })).toThrow(/divide/);
    expect(() => market.history({ minutes: -1 })).toThrow(/minutes/);
    expect(market.history({ minutes: 0 }).get('BTCUSDC')).toEqual([]);
  });
});
