import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BreakoutStrategy } from './breakout-strategy';
import { RollingExtremes } from './rolling-extremes';
import type { Candle, Signal } from './types';
import { StrategyError } from './types';

const MINUTE = 60_000;

/** A quiet range around `price`, one candle a minute: highs and lows within ±`swing`. */
function range(count: number, price: number, swing: number, start = 0): Candle[] {
  return Array.from({ length: count }, (_, index) => {
    const wiggle = ((index % 5) - 2) * (swing / 4);
    const close = price + wiggle;
    return {
      openTime: start + index * MINUTE,
      open: price,
      high: Math.max(price, close) + swing / 2,
      low: Math.min(price, close) - swing / 2,
      close,
    };
  });
}

function feed(strategy: BreakoutStrategy, candles: readonly Candle[]): Signal[] {
  return candles.flatMap((candle) => strategy.onCandle(candle) ?? []);
}

describe('BreakoutStrategy', () => {
  const options = { symbol: 'BTC/USDC:USDC', donchianPeriod: 20, atrPeriod: 14, emaPeriod: 30 };

  it('stays silent while warming up and in a quiet range', () => {
    const strategy = new BreakoutStrategy(options);
    expect(feed(strategy, range(200, 60_000, 100))).toEqual([]);
  });

  it('signals a long on a wide candle closing above the channel in an up-trend, with stop, target and why', () => {
    const strategy = new BreakoutStrategy(options);
    const quiet = range(60, 60_000, 100);
    feed(strategy, quiet);
    const breakout: Candle = {
      openTime: 60 * MINUTE,
      open: 60_020,
      high: 60_420,
      low: 60_000,
      close: 60_400,
    };
    const signal = strategy.onCandle(breakout);
    expect(signal).toBeDefined();
    expect(signal).toMatchObject({
      symbol: 'BTC/USDC:USDC',
      side: 'long',
      entry: 60_400,
      rewardRisk: 2,
      time: 60 * MINUTE,
    });
    const { entry, stop, target, indicators } = signal!;
    expect(stop).toBeLessThan(entry);
    expect(target - entry).toBeCloseTo(2 * (entry - stop), 6);
    expect(entry - stop).toBeCloseTo(1.5 * indicators.atr!, 6);
    expect(indicators.donchianUpper).toBeLessThan(entry);
    expect(signal!.why).toMatch(
      /^breakout>donchian20\(\d+(\.\d+)?\); TR\/ATR=\d+\.\d\d>=1\.2; trend=up\(ema30=[\d.]+\); stop=1\.5xATR\([\d.]+\); rr=2\.0$/,
    );
  });

  it('signals a short on a wide candle closing below the channel in a down-trend', () => {
    const strategy = new BreakoutStrategy(options);
    feed(strategy, range(60, 60_000, 100));
    const signal = strategy.onCandle({
      openTime: 60 * MINUTE,
      open: 59_980,
      high: 60_000,
      low: 59_560,
      close: 59_580,
    });
    expect(signal).toMatchObject({ side: 'short', entry: 59_580 });
    expect(signal!.stop).toBeGreaterThan(59_580);
    expect(signal!.target).toBeLessThan(59_580);
    expect(signal!.why).toMatch(/^breakout<donchian20.*trend=down/);
  });

  it('needs the ATR expansion: a narrow close above the channel is not a signal', () => {
    const strategy = new BreakoutStrategy(options);
    feed(strategy, range(60, 60_000, 100));
    const narrow = strategy.onCandle({
      openTime: 60 * MINUTE,
      open: 60_080,
      high: 60_140,
      low: 60_070,
      close: 60_130,
    });
    expect(narrow).toBeUndefined();
  });

  it('needs the trend: a breakout up against a falling EMA is not a long', () => {
    const strategy = new BreakoutStrategy({ ...options, donchianPeriod: 5 });
    // A long fall, then a short flat base: the EMA is still far above.
    const falling = Array.from({ length: 60 }, (_, index) => {
      const price = 70_000 - index * 150;
      return {
        openTime: index * MINUTE,
        open: price + 50,
        high: price + 80,
        low: price - 80,
        close: price - 50,
      };
    });
    feed(strategy, falling);
    feed(strategy, range(6, 61_000, 60, 60 * MINUTE));
    const up = strategy.onCandle({
      openTime: 66 * MINUTE,
      open: 61_000,
      high: 61_400,
      low: 60_990,
      close: 61_380,
    });
    expect(up).toBeUndefined();
  });

  it('is deterministic: the same candles give the same signals', () => {
    const candles = randomWalk(7, 2000);
    const first = feed(new BreakoutStrategy(options), candles);
    const second = feed(new BreakoutStrategy(options), candles);
    expect(first.length).toBeGreaterThan(0);
    expect(second).toEqual(first);
  });

  it('always puts the stop on the losing side and the target at the configured reward:risk', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), (seed) => {
        for (const signal of feed(new BreakoutStrategy(options), randomWalk(seed, 400))) {
          const risk = Math.abs(signal.entry - signal.stop);
          const reward = Math.abs(signal.target - signal.entry);
          if (signal.side === 'long' ? signal.stop >= signal.entry : signal.stop <= signal.entry)
            return false;
          if (Math.abs(reward / risk - signal.rewardRisk) > 1e-9) return false;
          if (signal.rewardRisk < 1.8) return false;
        }
        return true;
      }),
      { numRuns: 50 },
    );
  });

  it('refuses bad candles and out-of-order candles with typed errors, and keeps its state', () => {
    const strategy = new BreakoutStrategy(options);
    strategy.onCandle({ openTime: 0, open: 10, high: 11, low: 9, close: 10 });
    const bad: Candle[] = [
      { openTime: MINUTE, open: Number.NaN, high: 11, low: 9, close: 10 },
      { openTime: MINUTE, open: 10, high: 9, low: 8, close: 10 },
      { openTime: MINUTE, open: 10, high: 11, low: 10.5, close: 10 },
      { openTime: MINUTE, open: -1, high: 11, low: 9, close: 10 },
    ];
    for (const candle of bad) {
      expect(() => strategy.onCandle(candle)).toThrow(expect.objectContaining({ code: 'INVALID_CANDLE' }));
    }
    expect(() => strategy.onCandle({ openTime: 0, open: 10, high: 11, low: 9, close: 10 })).toThrow(
      expect.objectContaining({ code: 'CANDLE_OUT_OF_ORDER' }),
    );
    expect(strategy.onCandle({ openTime: MINUTE, open: 10, high: 11, low: 9, close: 10 })).toBeUndefined();
  });

  it('refuses options that make no sense, including a reward:risk below the minimum', () => {
    expect(() => new BreakoutStrategy({ symbol: 'X', rewardRisk: 1.5 })).toThrow(StrategyError);
    expect(() => new BreakoutStrategy({ symbol: 'X', donchianPeriod: 2.5 })).toThrow(/whole number/);
    expect(() => new BreakoutStrategy({ symbol: 'X', atrExpansion: Number.NaN })).toThrow(/atrExpansion/);
    expect(() => new BreakoutStrategy({ symbol: '' })).toThrow(/symbol/);
  });
});

describe('RollingExtremes', () => {
  it('matches a brute-force window maximum and minimum', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 1000 })), {
          minLength: 1,
          maxLength: 3000,
        }),
        (length, values) => {
          const extremes = new RollingExtremes(length);
          return values.every(([a, b], index) => {
            extremes.push(Math.max(a, b), Math.min(a, b));
            const window = values.slice(Math.max(0, index - length + 1), index + 1);
            return (
              extremes.highest === Math.max(...window.map(([x, y]) => Math.max(x, y))) &&
              extremes.lowest === Math.min(...window.map(([x, y]) => Math.min(x, y)))
            );
          });
        },
      ),
      { numRuns: 100 },
    );
  });
});

/** A seeded random walk with bursts, enough to produce breakouts both ways. */
export function randomWalk(seed: number, count: number): Candle[] {
  let state = seed >>> 0 || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4_294_967_296;
  };
  let price = 60_000;
  return Array.from({ length: count }, (_, index) => {
    const burst = random() < 0.03 ? 6 : 1;
    const open = price;
    const close = Math.max(1, open * (1 + (random() - 0.5) * 0.004 * burst));
    const high = Math.max(open, close) * (1 + random() * 0.001 * burst);
    const low = Math.min(open, close) * (1 - random() * 0.001 * burst);
    price = close;
    return { openTime: index * MINUTE, open, high, low, close };
  });
}
