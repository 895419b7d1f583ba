import { describe, expect, it } from 'vitest';

import { CandleBook } from './candle-book';
import type { Kline } from './candle-book';
import { ManualWallClock } from './manual-wall-clock';
import { MarketDriver } from './market-driver';
import type { MarketTick } from './market-tick';
import { createReplayMarket } from './replay-market';
import type { Candle } from './replay-file';
import { SimClock } from './sim-clock';
import { createSyntheticMarket } from './synthetic-market';

const start = Date.UTC(2025, 0, 1);
const minute = 60_000;
const btc = { symbol: 'BTCUSDC', startPrice: '60000', tickSize: '0.1', stepSize: '0.001' };

function recorder() {
  const batches: (readonly MarketTick[])[] = [];
  const closed: Kline[] = [];
  let ends = 0;
  return {
    batches,
    closed,
    get ends() {
      return ends;
    },
    onTick: (ticks: readonly MarketTick[]) => batches.push(ticks),
    onKlinesClosed: (klines: readonly Kline[]) => closed.push(...klines),
    onEnd: () => {
      ends += 1;
    },
  };
}

describe('MarketDriver', () => {
  it('in accelerated mode, polls on the wall interval and emits every tick due, in order', () => {
    const wall = new ManualWallClock(0);
    const clock = new SimClock({ wall, speed: 60, startTime: start });
    const source = createSyntheticMarket({ seed: 1, symbols: [btc], startTime: start });
    const record = recorder();
    const driver = new MarketDriver({ source, clock, ...record });
    driver.start();
    expect(driver.running).toBe(true);
    expect(record.batches.map((batch) => batch[0]?.time)).toEqual([start]);
    wall.advance(50); // 3 simulated seconds
    expect(record.batches.map((batch) => (batch[0]?.time ?? 0) - start)).toEqual([0, 1000, 2000, 3000]);
    wall.advance(950);
    expect(record.batches).toHaveLength(61);
    expect(driver.lastTime).toBe(start + 60_000);
    const times = record.batches.map((batch) => batch[0]?.time ?? 0);
    expect(times).toEqual([...times].sort((left, right) => left - right));
    driver.stop();
    expect(wall.timerCount).toBe(0);
    wall.advance(1000);
    expect(record.batches).toHaveLength(61);
  });

  it('catches up to a time no tick after it has been emitted for, however the clock runs on meanwhile', () => {
    // A wall clock that moves 1 ms (600 market ms) on every read: the clock is always ahead of the pump.
    const wall = new ManualWallClock(0);
    const reads = {
      now: () => wall.now() + (wall.advance(1), 0),
      setInterval: wall.setInterval.bind(wall),
      clearInterval: wall.clearInterval.bind(wall),
    };
    const clock = new SimClock({ wall: reads, speed: 600, startTime: start });
    const source = createSyntheticMarket({ seed: 1, symbols: [btc], startTime: start });
    const record = recorder();
    const driver = new MarketDriver({ source, clock, ...record });
    for (let round = 0; round < 20; round += 1) {
      const caughtUp = driver.catchUp();
      // Every tick up to the answer is out, and the next one still waiting comes after it.
      expect(driver.lastTime).toBeLessThanOrEqual(caughtUp);
      expect(source.peekTime()).toBeGreaterThan(caughtUp);
    }
  });

  it('in real-time mode, emits a tick each simulated second', () => {
    const wall = new ManualWallClock(start);
    const clock = new SimClock({ wall });
    const record = recorder();
    const driver = new MarketDriver({
      source: createSyntheticMarket({ seed: 2, symbols: [btc], startTime: start }),
      clock,
      ...record,
      pollMs: 100,
    });
    driver.start();
    wall.advance(2950);
    expect(record.batches.map((batch) => (batch[0]?.time ?? 0) - start)).toEqual([0, 1000, 2000]);
    driver.stop();
  });

  it('in manual mode, emits nothing by itself and everything due on advanceTo or a clock advance', () => {
    const wall = new ManualWallClock(0);
    const clock = new SimClock({ wall, speed: 'manual', startTime: start });
    const candles = new CandleBook({ symbols: [btc] });
    const record = recorder();
    const driver = new MarketDriver({
      source: createSyntheticMarket({ seed: 3, symbols: [btc], startTime: start }),
      clock,
      candles,
      ...record,
    });
    driver.start();
    expect(wall.timerCount).toBe(0);
    wall.advance(60_000);
    expect(record.batches).toHaveLength(1);
    driver.advanceTo(start + 5 * minute);
    expect(record.batches).toHaveLength(301);
    expect(
      record.closed.filter((kline) => kline.interval === '1m').map((kline) => kline.openTime - start),
    ).toEqual([0, 60_000, 120_000, 180_000, 240_000]);
    expect(record.closed.filter((kline) => kline.interval === '5m')).toHaveLength(1);
    clock.advance(10_000);
    expect(record.batches).toHaveLength(311);
    expect(candles.currentKline('BTCUSDC', '1m')?.openTime).toBe(start + 5 * minute);
    expect(candles.klines('BTCUSDC', '1m')).toHaveLength(6);
    driver.stop();
    clock.advance(10_000);
    expect(record.batches).toHaveLength(311);
    driver.advanceTo(start + 6 * minute); // works when stopped too
    expect(record.batches).toHaveLength(361); // the 20 s skipped while stopped are emitted too
  });

  it('follows speed changes: polling starts when a manual clock is set running and stops when set back', () => {
    const wall = new ManualWallClock(0);
    const clock = new SimClock({ wall, speed: 'manual', startTime: start });
    const record = recorder();
    const driver = new MarketDriver({
      source: createSyntheticMarket({ seed: 6, symbols: [btc], startTime: start }),
      clock,
      ...record,
    });
    driver.start();
    expect(wall.timerCount).toBe(0);
    clock.setSpeed(10);
    expect(wall.timerCount).toBe(1);
    wall.advance(1000);
    expect(record.batches).toHaveLength(11);
    clock.setSpeed('manual');
    expect(wall.timerCount).toBe(0);
    wall.advance(1000);
    expect(record.batches).toHaveLength(11);
    driver.stop();
  });

  it('closes klines when the clock passes a minute even without a tick', () => {
    const clock = new SimClock({ wall: new ManualWallClock(0), speed: 'manual', startTime: start });
    const candles = new CandleBook({ symbols: [btc] });
    const record = recorder();
    const source = createSyntheticMarket({ seed: 4, symbols: [btc], startTime: start, tickMs: 5 * minute });
    const driver = new MarketDriver({ source, clock, candles, ...record });
    driver.advanceTo(start + 2 * minute);
    expect(record.batches).toHaveLength(1);
    expect(record.closed.map((kline) => [kline.interval, kline.openTime])).toEqual([['1m', start]]);
  });

  it('ends a replay cleanly: last klines closed, onEnd once, polling stopped', () => {
    const wall = new ManualWallClock(0);
    const clock = new SimClock({ wall, speed: 600, startTime: start });
    const candles: Candle[] = [0, 1, 2].map((index) => ({
      openTime: start + index * minute,
      open: '100.0',
      high: '101.0',
      low: '99.0',
      close: '100.5',
      volume: '4',
    }));
    const book = new CandleBook({ symbols: [{ symbol: 'XUSDT', tickSize: '0.1', stepSize: '1' }] });
    const record = recorder();
    const driver = new MarketDriver({
      source: createReplayMarket({ symbol: 'XUSDT', candles, tickSize: '0.1' }),
      clock,
      candles: book,
      ...record,
    });
    driver.start();
    wall.advance(250); // 150 simulated seconds: into the third candle
    expect(driver.ended).toBe(false);
    expect(record.batches).toHaveLength(11);
    wall.advance(50); // 180 s: past the last tick (02:45)
    expect(record.batches).toHaveLength(12);
    expect(driver.ended).toBe(true);
    expect(driver.running).toBe(false);
    expect(record.ends).toBe(1);
    expect(wall.timerCount).toBe(0);
    expect(
      record.closed.filter((kline) => kline.interval === '1m').map((kline) => kline.openTime - start),
    ).toEqual([0, 60_000, 120_000]);
    expect(record.closed.filter((kline) => kline.interval === '3m').map((kline) => kline.close)).toEqual([
      '100.5',
    ]);
    wall.advance(10_000);
    driver.start();
    driver.advanceTo(start + 3_600_000);
    expect(record.ends).toBe(1);
    expect(book.klines('XUSDT', '1m').map((row) => row.slice(1, 6))).toEqual([
      ['100.0', '101.0', '99.0', '100.5', '4'],
      ['100.0', '101.0', '99.0', '100.5', '4'],
      ['100.0', '101.0', '99.0', '100.5', '4'],
    ]);
  });

  it('ends at once for an empty replay, and folds re-entrant clock moves into the running pump', () => {
    const clock = new SimClock({ wall: new ManualWallClock(0), speed: 'manual', startTime: start });
    const record = recorder();
    const empty = new MarketDriver({
      source: createReplayMarket({ symbol: 'XUSDT', candles: [], tickSize: '0.1' }),
      clock,
      ...record,
    });
    empty.start();
    expect([empty.ended, record.ends]).toEqual([true, 1]);

    const times: number[] = [];
    const driver = new MarketDriver({
      source: createSyntheticMarket({ seed: 5, symbols: [btc], startTime: start }),
      clock,
      onTick: (ticks) => {
        times.push((ticks[0]?.time ?? 0) - start);
        if (times.length === 1) clock.advance(2000);
      },
    });
    driver.start();
    expect(times).toEqual([0, 1000, 2000]);
    expect(() => new MarketDriver({ source: empty as never, clock, pollMs: 0 })).toThrow(/pollMs/);
  });
});

describe('MarketDriver with a running clock', () => {
  it('never flushes the candle book past a tick that is still waiting (regression)', () => {
    // A wall clock that moves on every reading: the pump's check and its flush see different times.
    let wall = 0;
    const wallClock = {
      now: () => (wall += 70),
      setInterval: () => 0,
      clearInterval: () => undefined,
    };
    const clock = new SimClock({ speed: 1, startTime: 1_000_000_020, wall: wallClock });
    const source = createSyntheticMarket({
      seed: 1,
      startTime: 1_000_000_000,
      symbols: [{ symbol: 'BTCUSDC', startPrice: '60000.0', tickSize: '0.1', stepSize: '0.001' }],
    });
    const candles = new CandleBook({ symbols: [{ symbol: 'BTCUSDC', tickSize: '0.1', stepSize: '0.001' }] });
    const driver = new MarketDriver({ source, clock, candles });
    expect(() => {
      for (let pump = 0; pump < 500; pump += 1) driver.pump();
    }).not.toThrow();
    expect(candles.klines('BTCUSDC', '1m').length).toBeGreaterThan(0);
  });
});
