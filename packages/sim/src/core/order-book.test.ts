import Decimal from 'decimal.js';
import { describe, expect, it } from 'vitest';

import { MatchingCore } from './matching-core';
import { SyntheticBook, countUnits, printUnits, unitsOf } from './order-book';
import { SimRejection } from './types';
import type { CoreEvent, InstrumentSpec } from './types';
import { btcSpec, startTime } from './testing/core-fixtures';

const bookedBtc: InstrumentSpec = {
  ...btcSpec,
  book: { spreadTicks: 2, levelQty: '0.010', levels: 50, replenishMs: 1000 },
};

function bookedCore(seed = 7): MatchingCore {
  const core = new MatchingCore({ instruments: [bookedBtc], bookSeed: seed });
  core.addAccount('alice', { USDC: '100000' }, startTime);
  core.updateMarket({ symbol: 'BTCUSDC', lastPrice: '60000.0', markPrice: '60000.0', time: startTime });
  core.drainEvents();
  return core;
}

function tradeFills(events: readonly CoreEvent[]) {
  return events.flatMap((event) => (event.kind === 'order' && event.fill ? [event.fill] : []));
}

describe('integer units', () => {
  it('counts and prints exactly', () => {
    expect(unitsOf('0.001')).toEqual([1, 3]);
    expect(unitsOf('0.05')).toEqual([5, 2]);
    expect(unitsOf('1')).toEqual([1, 0]);
    expect(countUnits('0.015', [5, 3])).toBe(3);
    expect(countUnits('0.013', [5, 3])).toBeNaN();
    expect(printUnits(600001, 1)).toBe('60000.1');
    expect(printUnits(5, 3)).toBe('0.005');
    expect(printUnits(12, 0)).toBe('12');
  });
});

describe('the seeded book', () => {
  it('sits a spread of two ticks around the last price, and is the same for the same seed', () => {
    const core = bookedCore();
    const top = core.bookTop('BTCUSDC');
    expect(top).toMatchObject({ bidPrice: '59999.9', askPrice: '60000.1' });
    expect(bookedCore().depth('BTCUSDC', 20)).toEqual(core.depth('BTCUSDC', 20));
    expect(bookedCore(8).depth('BTCUSDC', 20)).not.toEqual(core.depth('BTCUSDC', 20));
    const depth = core.depth('BTCUSDC', 20);
    expect(depth.bids).toHaveLength(20);
    expect(depth.bids[1]?.[0]).toBe('59999.8');
    expect(depth.asks[19]?.[0]).toBe('60002.0');
    for (const [, quantity] of [...depth.bids, ...depth.asks]) {
      expect(Number(quantity)).toBeGreaterThanOrEqual(0.002);
      expect(Number(quantity)).toBeLessThanOrEqual(0.018);
    }
  });

  it('walks a market order through the levels: one fill per level, avgPrice the quantity-weighted mean', () => {
    const core = bookedCore();
    const before = core.depth('BTCUSDC', 50).asks;
    const order = core.placeOrder(
      'alice',
      { symbol: 'BTCUSDC', side: 'BUY', type: 'MARKET', quantity: '0.050' },
      startTime + 10,
    );
    const fills = tradeFills(core.drainEvents());
    expect(fills.length).toBeGreaterThan(2);
    let expectedQuantity = new Decimal(0);
    let notional = new Decimal(0);
    fills.forEach((fill, index) => {
      expect(fill.price).toBe(before[index]?.[0]);
      if (index < fills.length - 1) expect(fill.qty).toBe(before[index]?.[1]);
      expect(fill.maker).toBe(false);
      expectedQuantity = expectedQuantity.plus(fill.qty);
      notional = notional.plus(new Decimal(fill.price).times(fill.qty));
      expect(fill.commission).toBe(new Decimal(fill.price).times(fill.qty).times('0.0005').toFixed());
    });
    expect(expectedQuantity.toFixed(3)).toBe('0.050');
    expect(order.status).toBe('FILLED');
    expect(order.avgPrice).toBe(notional.div('0.05').toDecimalPlaces(8, Decimal.ROUND_HALF_UP).toFixed());
    expect(core.fills('alice')).toHaveLength(fills.length);
    // The levels it took are gone, the one it stopped in is thinner.
    const after = core.depth('BTCUSDC', 50).asks;
    expect(after[0]?.[0]).toBe(fills.at(-1)?.price);
    expect(core.bookTop('BTCUSDC').askPrice).toBe(fills.at(-1)?.price);
  });

  it('refills the taken levels linearly over replenishMs of market time', () => {
    const core = bookedCore();
    const before = core.depth('BTCUSDC', 5);
    core.placeOrder(
      'alice',
      { symbol: 'BTCUSDC', side: 'SELL', type: 'MARKET', quantity: '0.030' },
      startTime,
    );
    const taken = core.depth('BTCUSDC', 5);
    expect(taken.bids[0]).not.toEqual(before.bids[0]);
    expect(taken.lastUpdateId).toBeGreaterThan(before.lastUpdateId);
    core.updateMarket({
      symbol: 'BTCUSDC',
      lastPrice: '60000.0',
      markPrice: '60000.0',
      time: startTime + 500,
    });
    const half = core.depth('BTCUSDC', 5);
    expect(half.bids[0]?.[0]).toBe('59999.9');
    expect(Number(half.bids[0]?.[1])).toBeLessThanOrEqual(Number(before.bids[0]?.[1]));
    core.updateMarket({
      symbol: 'BTCUSDC',
      lastPrice: '60000.0',
      markPrice: '60000.0',
      time: startTime + 1000,
    });
    expect(core.depth('BTCUSDC', 5).bids).toEqual(before.bids);
  });

  it('rejects a GTX order that would take (-5022) and rests one inside the spread', () => {
    const core = bookedCore();
    const gtx = (price: string) =>
      core.placeOrder(
        'alice',
        { symbol: 'BTCUSDC', side: 'BUY', type: 'LIMIT', timeInForce: 'GTX', price, quantity: '0.010' },
        startTime,
      );
    expect(() => gtx('60000.1')).toThrow(SimRejection);
    try {
      gtx('60000.1');
    } catch (error) {
      expect((error as SimRejection).code).toBe(-5022);
    }
    expect(gtx('60000.0').status).toBe('NEW');
  });

  it('fills a marketable LIMIT only up to its price, rests the rest, and expires a FOK the book cannot fill', () => {
    const core = bookedCore();
    const asks = core.depth('BTCUSDC', 3).asks;
    const available = asks.slice(0, 2).reduce((sum, [, quantity]) => sum.plus(quantity), new Decimal(0));
    const limit = core.placeOrder(
      'alice',
      {
        symbol: 'BTCUSDC',
        side: 'BUY',
        type: 'LIMIT',
        timeInForce: 'GTC',
        price: asks[1]?.[0] as string,
        quantity: available.plus('0.005').toFixed(3),
      },
      startTime,
    );
    expect(limit.status).toBe('PARTIALLY_FILLED');
    expect(limit.executedQty).toBe(available.toFixed(3));
    const fok = core.placeOrder(
      'alice',
      {
        symbol: 'BTCUSDC',
        side: 'BUY',
        type: 'LIMIT',
        timeInForce: 'FOK',
        price: '60000.5',
        quantity: '1.000',
      },
      startTime,
    );
    expect(fok.status).toBe('EXPIRED');
    expect(fok.executedQty).toBe('0.000');
  });

  it('ends a market order larger than the book EXPIRED after what the levels held', () => {
    const core = bookedCore();
    const order = core.placeOrder(
      'alice',
      { symbol: 'BTCUSDC', side: 'BUY', type: 'MARKET', quantity: '5.000' },
      startTime,
    );
    expect(order.status).toBe('EXPIRED');
    expect(Number(order.executedQty)).toBeGreaterThan(0.2);
    expect(Number(order.executedQty)).toBeLessThan(1);
  });
});

describe('diff changes', () => {
  it('give the whole window to a cursor older than the kept log', () => {
    const book = new SyntheticBook({ spreadTicks: 2, levelQty: '0.010', levels: 20 }, '0.1', '0.001', 1, 'X');
    for (let step = 0; step < 6000; step += 1) book.setLast(600_000 + (step % 2) * 3, step * 1000);
    const changes = book.changesSince(0);
    // Every level of the window, plus recent ones that left it (quantity 0).
    const present = (levels: [string, string][]) => levels.filter(([, quantity]) => Number(quantity) > 0);
    expect(present(changes.bids)).toEqual(book.side(0, 20));
    expect(present(changes.asks)).toEqual(book.side(1, 20));
    expect(changes.last).toBe(book.updateId);
  });

  it('rebuild the book exactly from a snapshot and the changes after it, whatever moves in between', () => {
    const book = new SyntheticBook(
      { spreadTicks: 3, levelQty: '0.010', levels: 40, replenishMs: 700 },
      '0.1',
      '0.001',
      3,
      'X',
    );
    book.setLast(600_000, 0);
    const local = [new Map<string, string>(), new Map<string, string>()];
    const load = () => {
      for (const side of [0, 1] as const) {
        local[side]?.clear();
        for (const [price, quantity] of book.side(side, 1000)) local[side]?.set(price, quantity);
      }
    };
    load();
    let cursor = book.updateId;
    let state = 99;
    const random = () => (state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    for (let step = 1; step < 400; step += 1) {
      const action = random();
      if (action < 0.5) book.setLast(600_000 + Math.floor(random() * 30) - 15, step * 50);
      else {
        const buys = random() < 0.5;
        for (const [ticks, steps] of book.walk(buys, 1 + Math.floor(random() * 40), undefined))
          book.take(buys ? 1 : 0, ticks, steps, step * 50);
      }
      if (random() < 0.3) {
        const changes = book.changesSince(cursor);
        expect(changes.previous).toBe(cursor);
        for (const [side, levels] of [
          [0, changes.bids],
          [1, changes.asks],
        ] as const) {
          for (const [price, quantity] of levels) {
            if (Number(quantity) === 0) local[side]?.delete(price);
            else local[side]?.set(price, quantity);
          }
        }
        cursor = changes.last;
        for (const side of [0, 1] as const) {
          expect(new Map(book.side(side, 1000))).toEqual(local[side]);
        }
      }
    }
  });
});
