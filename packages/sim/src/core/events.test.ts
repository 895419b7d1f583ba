import Decimal from 'decimal.js';
import { describe, expect, it } from 'vitest';

import { MatchingCore } from './matching-core';
import type { CoreEvent, InstrumentSpec } from './types';
import { btcSpec, ethSpec, startTime } from './testing/core-fixtures';

const bookedBtc: InstrumentSpec = {
  ...btcSpec,
  book: { spreadTicks: 2, levelQty: '0.010', levels: 50, replenishMs: 1000 },
};

function bookedCore(): MatchingCore {
  const core = new MatchingCore({ instruments: [bookedBtc, ethSpec], bookSeed: 7 });
  core.addAccount('alice', { USDC: '100000' }, startTime);
  core.updateMarket({ symbol: 'BTCUSDC', lastPrice: '60000.0', markPrice: '60000.0', time: startTime });
  core.updateMarket({ symbol: 'ETHUSDC', lastPrice: '3000.00', markPrice: '3000.00', time: startTime });
  core.drainEvents();
  return core;
}

type OrderEvent = Extract<CoreEvent, { kind: 'order' }>;
type AccountEvent = Extract<CoreEvent, { kind: 'account' }>;

describe('events show the moment they were emitted, however late they are read', () => {
  it('a walk drained after the position closed and the mark moved shows every fill as it was', () => {
    const core = bookedCore();
    core.placeOrder(
      'alice',
      { symbol: 'BTCUSDC', side: 'BUY', type: 'MARKET', quantity: '0.050' },
      startTime + 10,
    );
    core.updateMarket({
      symbol: 'BTCUSDC',
      lastPrice: '60100.0',
      markPrice: '60123.4',
      time: startTime + 20,
    });
    core.placeOrder(
      'alice',
      { symbol: 'BTCUSDC', side: 'SELL', type: 'MARKET', quantity: '0.050' },
      startTime + 30,
    );
    const events = core.drainEvents();
    const fills = events.filter((event): event is OrderEvent => event.kind === 'order' && !!event.fill);
    const updates = events.filter((event): event is AccountEvent => event.kind === 'account');
    const buys = fills.filter((event) => event.order.side === 'BUY');
    expect(buys.length).toBeGreaterThan(2);
    expect(updates).toHaveLength(fills.length);

    let amount = new Decimal(0);
    let wallet = new Decimal('100000');
    let quote = new Decimal(0);
    buys.forEach((event, index) => {
      const fill = event.fill!;
      amount = amount.plus(fill.qty);
      wallet = wallet.minus(fill.commission);
      quote = quote.plus(fill.quoteQty);
      const last = index === buys.length - 1;
      expect(event.order).toMatchObject({
        status: last ? 'FILLED' : 'PARTIALLY_FILLED',
        executedQty: amount.toFixed(3),
        cumQuote: quote.toFixed(),
        updateTime: startTime + 10,
      });
      const update = updates[index]!;
      expect(update.positions).toHaveLength(1);
      expect(update.positions[0]).toMatchObject({
        positionAmt: amount.toFixed(3),
        markPrice: '60000.0',
        updateTime: startTime + 10,
      });
      expect(update.balances[0]).toMatchObject({ crossWalletBalance: wallet.toFixed() });
    });
    // The closing walk saw the later mark, and ends flat.
    expect(updates.at(-1)?.positions[0]).toMatchObject({ positionAmt: '0.000', markPrice: '60123.4' });
    expect(updates.at(-1)?.balances[0]).toEqual(core.assets('alice')[0]);
  });

  it("a fill's balance and position rows are the REST answers of its moment, with other positions, isolated margin and resting orders", () => {
    const core = bookedCore();
    core.setLeverage('alice', 'ETHUSDC', 10, startTime + 1);
    core.setMarginType('alice', 'ETHUSDC', 'ISOLATED', startTime + 1);
    const steps: [string, 'BUY' | 'SELL', string][] = [
      ['ETHUSDC', 'SELL', '3.000'], // isolated short
      ['BTCUSDC', 'BUY', '0.030'], // cross long beside it, walking levels
      ['ETHUSDC', 'BUY', '1.000'], // partial close of the isolated short
      ['BTCUSDC', 'SELL', '0.050'], // flips the cross position
      ['ETHUSDC', 'BUY', '2.000'], // closes the isolated short
    ];
    // A resting order on each symbol: open-order margin on both positions.
    core.placeOrder(
      'alice',
      {
        symbol: 'BTCUSDC',
        side: 'BUY',
        type: 'LIMIT',
        price: '59000.0',
        quantity: '0.020',
        timeInForce: 'GTC',
      },
      startTime + 2,
    );
    core.placeOrder(
      'alice',
      {
        symbol: 'ETHUSDC',
        side: 'SELL',
        type: 'LIMIT',
        price: '3100.00',
        quantity: '1.000',
        timeInForce: 'GTC',
      },
      startTime + 2,
    );
    steps.forEach(([symbol, side, quantity], index) => {
      const time = startTime + 10 + index;
      core.updateMarket({
        symbol: 'ETHUSDC',
        lastPrice: '3000.00',
        markPrice: (3001.37 + index).toFixed(2),
        time,
      });
      core.drainEvents();
      core.placeOrder('alice', { symbol, side, type: 'MARKET', quantity }, time);
      const update = core
        .drainEvents()
        .filter((event): event is AccountEvent => event.kind === 'account')
        .at(-1)!;
      expect(update.balances).toEqual(core.assets('alice'));
      expect(update.positions).toEqual(core.positions('alice').filter((row) => row.symbol === symbol));
    });
  });

  it('reading the views at once or after everything else happened gives the same payloads', () => {
    const script = (core: MatchingCore, drain: () => void) => {
      core.setLeverage('alice', 'ETHUSDC', 10, startTime + 1);
      core.setMarginType('alice', 'ETHUSDC', 'ISOLATED', startTime + 2);
      drain();
      core.placeOrder(
        'alice',
        { symbol: 'ETHUSDC', side: 'SELL', type: 'MARKET', quantity: '3.000' },
        startTime + 3,
      );
      drain();
      core.placeOrder(
        'alice',
        {
          symbol: 'BTCUSDC',
          side: 'BUY',
          type: 'LIMIT',
          price: '59950.0',
          quantity: '0.020',
          timeInForce: 'GTC',
        },
        startTime + 4,
      );
      core.placeOrder(
        'alice',
        { symbol: 'BTCUSDC', side: 'BUY', type: 'MARKET', quantity: '0.040' },
        startTime + 5,
      );
      drain();
      core.updateMarket({
        symbol: 'BTCUSDC',
        lastPrice: '59940.0',
        markPrice: '59941.0',
        time: startTime + 6,
      });
      drain();
      core.updateMarket({
        symbol: 'ETHUSDC',
        lastPrice: '3010.00',
        markPrice: '3012.50',
        time: startTime + 7,
      });
      core.placeOrder(
        'alice',
        { symbol: 'BTCUSDC', side: 'SELL', type: 'MARKET', quantity: '0.070' },
        startTime + 8,
      );
      drain();
      // Across a funding boundary (08:00 UTC): FUNDING_FEE updates of both positions.
      const funding = Date.UTC(2026, 0, 5, 8, 0, 0);
      core.updateMarket({ symbol: 'ETHUSDC', lastPrice: '3005.00', markPrice: '3006.00', time: funding });
      core.updateMarket({ symbol: 'BTCUSDC', lastPrice: '60010.0', markPrice: '60011.0', time: funding });
      drain();
      core.placeOrder(
        'alice',
        { symbol: 'ETHUSDC', side: 'BUY', type: 'MARKET', quantity: '3.000' },
        funding + 1,
      );
      drain();
    };
    const payloads = (events: readonly CoreEvent[]) => events.map((event) => JSON.stringify(event));

    const atOnce = bookedCore();
    const readAtOnce: string[] = [];
    script(atOnce, () => readAtOnce.push(...payloads(atOnce.drainEvents())));

    const later = bookedCore();
    const kept: CoreEvent[] = [];
    script(later, () => kept.push(...later.drainEvents()));
    const readLater = payloads(kept);

    expect(readLater.filter((payload) => payload.includes('"FUNDING_FEE"'))).toHaveLength(2);
    expect(readLater.filter((payload) => payload.includes('"ISOLATED"')).length).toBeGreaterThan(3);
    expect(readLater).toEqual(readAtOnce);
  });

  it('hands out the same views on every read and prints them in JSON; a spread sees no views (they are getters)', () => {
    const core = bookedCore();
    core.placeOrder(
      'alice',
      { symbol: 'BTCUSDC', side: 'BUY', type: 'MARKET', quantity: '0.005' },
      startTime + 1,
    );
    const events = core.drainEvents();
    const order = events.find((event): event is OrderEvent => event.kind === 'order')!;
    const account = events.find((event): event is AccountEvent => event.kind === 'account')!;
    expect(order.order).toBe(order.order);
    expect(account.balances).toBe(account.balances);
    expect(account.positions).toBe(account.positions);
    expect(JSON.parse(JSON.stringify(account))).toEqual({
      kind: 'account',
      accountId: 'alice',
      time: startTime + 1,
      reason: 'ORDER',
      balances: account.balances,
      positions: account.positions,
    });
    expect(JSON.parse(JSON.stringify(order))).toEqual({
      kind: 'order',
      accountId: 'alice',
      time: startTime + 1,
      execution: order.execution,
      order: order.order,
      ...(order.fill === undefined ? {} : { fill: order.fill }),
    });
    expect({ ...account }).not.toHaveProperty('balances');
  });
});
