import { describe, expect, it } from 'vitest';

import type { MatchingCore } from './matching-core';
import { createCore, eventKinds, startTime } from './testing/core-fixtures';
import type { CoreEvent, NewOrderRequest } from './types';

const t = startTime; // 2026-01-05 01:00 UTC
const hour = 3_600_000;
const nextBoundary = Date.UTC(2026, 0, 5, 8, 0, 0);

function btc(partial: Partial<NewOrderRequest>): NewOrderRequest {
  return { symbol: 'BTCUSDC', side: 'BUY', type: 'MARKET', quantity: '0.010', ...partial };
}

function move(core: MatchingCore, last: string, mark = last, time = t + 1) {
  core.updateMarket({ symbol: 'BTCUSDC', lastPrice: last, markPrice: mark, time });
}

function usdc(core: MatchingCore) {
  const asset = core.assets('alice').find((view) => view.asset === 'USDC');
  if (asset === undefined) throw new Error('no USDC');
  return asset;
}

function btcPosition(core: MatchingCore) {
  const position = core.positions('alice').find((view) => view.symbol === 'BTCUSDC');
  if (position === undefined) throw new Error('no BTC row');
  return position;
}

function accountEvents(events: readonly CoreEvent[], reason: string) {
  return events.flatMap((event) => (event.kind === 'account' && event.reason === reason ? [event] : []));
}

describe('isolated margin', () => {
  it('moves notional / leverage into the isolated wallet, settles PnL and fees there, returns the rest on close', () => {
    const core = createCore();
    core.setMarginType('alice', 'BTCUSDC', 'ISOLATED', t);
    core.setLeverage('alice', 'BTCUSDC', 10, t);
    core.placeOrder('alice', btc({ quantity: '0.100' }), t);
    // notional 6000 → margin 600 leaves the cross wallet; the fee 3 is paid from the isolated wallet
    expect(usdc(core)).toMatchObject({ crossWalletBalance: '9400', walletBalance: '9997' });
    expect(btcPosition(core)).toMatchObject({
      marginType: 'ISOLATED',
      isolatedWallet: '597',
      isolatedMargin: '597',
      // (597 − 0.1 × 60000) / (0.1 × 0.004 − 0.1) = −5403 / −0.0996 = 54246.98795180…
      liquidationPrice: '54246.98795181',
    });
    move(core, '61000');
    expect(btcPosition(core)).toMatchObject({
      isolatedWallet: '597',
      isolatedMargin: '697',
      unrealizedProfit: '100',
    });
    // the isolated position's profit is not in the cross available balance
    expect(usdc(core)).toMatchObject({ crossUnPnl: '0', availableBalance: '9400', unrealizedProfit: '100' });
    core.placeOrder('alice', btc({ side: 'SELL', quantity: '0.050' }), t + 2);
    // realized 50, fee 3050 × 0.0005 = 1.525 → 645.475; half the position stays: keep 322.7375
    expect(btcPosition(core).isolatedWallet).toBe('322.7375');
    expect(usdc(core).crossWalletBalance).toBe('9722.7375');
    core.placeOrder('alice', btc({ side: 'SELL', quantity: '0.050' }), t + 3);
    // realized 50, fee 1.525 → 322.7375 + 48.475 = 371.2125 returns: 9722.7375 + 371.2125
    expect(usdc(core)).toMatchObject({ crossWalletBalance: '10093.95', walletBalance: '10093.95' });
    // = 10000 − 3 + 100 − 3.05
    expect(btcPosition(core)).toMatchObject({ isolatedWallet: '0', positionAmt: '0.000' });
  });

  it('a cross position pays its fee and PnL into the cross wallet', () => {
    const core = createCore();
    core.setLeverage('alice', 'BTCUSDC', 10, t);
    core.placeOrder('alice', btc({ quantity: '0.100' }), t);
    expect(usdc(core)).toMatchObject({
      crossWalletBalance: '9997',
      availableBalance: '9397',
      positionInitialMargin: '600',
    });
    expect(btcPosition(core)).toMatchObject({ isolatedWallet: '0', isolatedMargin: '0' });
  });
});

describe('cross liquidation', () => {
  function openedCore() {
    const core = createCore({}, '100');
    core.placeOrder('alice', btc({ quantity: '0.030' }), t); // IM 1800 / 20 = 90, fee 0.9 → wallet 99.1
    // LP = (99.1 − 1800) / (0.03 × 0.004 − 0.03) = −1700.9 / −0.02988 = 56924.36412316…
    expect(btcPosition(core).liquidationPrice).toBe('56924.36412316');
    core.drainEvents();
    return core;
  }

  it('margin call once at 80 %, re-armed below, then liquidation at mark with autoclose- orders', () => {
    const core = openedCore();
    move(core, '57000'); // balance 99.1 − 90 = 9.1, maint 6.84: 75 % → nothing
    expect(core.drainEvents()).toEqual([]);
    move(core, '56950', '56950', t + 2); // balance 7.6, maint 6.834 ≥ 6.08 → margin call
    const calls = core.drainEvents();
    expect(eventKinds(calls)).toEqual(['marginCall']);
    expect(calls[0]).toMatchObject({
      crossWalletBalance: '99.1',
      positions: [{ symbol: 'BTCUSDC', positionAmt: '0.030' }],
    });
    move(core, '56940', '56940', t + 3); // still above 80 %: no second call
    expect(core.drainEvents()).toEqual([]);
    move(core, '57500', '57500', t + 4); // balance 24.1, maint 6.9: re-armed
    move(core, '56950', '56950', t + 5);
    expect(eventKinds(core.drainEvents())).toEqual(['marginCall']);
    move(core, '56900', '56900', t + 6); // balance 6.1 ≤ maint 6.828 → liquidation
    const events = core.drainEvents();
    // Binance: the fill of a liquidation executes as CALCULATED ("Liquidation Execution"), not TRADE.
    expect(eventKinds(events)).toEqual([
      'order:NEW:NEW',
      'order:CALCULATED:FILLED',
      'trade',
      'account:ORDER',
    ]);
    const liquidation = events[1];
    expect(liquidation?.kind === 'order' && liquidation.order).toMatchObject({
      clientOrderId: `autoclose-${t + 6}`,
      side: 'SELL',
      type: 'LIMIT',
      timeInForce: 'IOC',
      reduceOnly: false,
      forcedClose: 'LIQUIDATION',
      avgPrice: '56900.0',
      executedQty: '0.030',
    });
    // realized −93, fee 1707 × 0.0005 = 0.8535 → 99.1 − 93 − 0.8535
    expect(usdc(core).walletBalance).toBe('5.2465');
    expect(btcPosition(core).positionAmt).toBe('0.000');
  });

  it('cancels the open orders and never leaves a negative wallet after a gap through bankruptcy', () => {
    const core = openedCore();
    core.placeOrder('alice', btc({ type: 'LIMIT', price: '40000.0', quantity: '0.001' }), t);
    core.drainEvents();
    move(core, '50000'); // balance 99.1 − 300 < 0
    const events = core.drainEvents();
    expect(eventKinds(events)).toEqual([
      'order:CANCELED:CANCELED',
      'order:NEW:NEW',
      'order:CALCULATED:FILLED',
      'trade',
      'account:ORDER',
    ]);
    expect(usdc(core)).toMatchObject({ walletBalance: '0', availableBalance: '0' });
    expect(core.openOrders('alice')).toEqual([]);
  });

  it('liquidates every cross position of the asset together', () => {
    const core = createCore({}, '200');
    core.placeOrder('alice', btc({ quantity: '0.050' }), t); // IM 150, fee 1.5 → 198.5
    core.placeOrder('alice', { symbol: 'ETHUSDC', side: 'SELL', type: 'MARKET', quantity: '0.010' }, t); // fee 0.015
    core.drainEvents();
    move(core, '56000'); // BTC uPnL −200
    const autocloses = core
      .drainEvents()
      .flatMap((event) => (event.kind === 'order' && event.execution === 'CALCULATED' ? [event.order] : []));
    expect(autocloses.map((order) => [order.symbol, order.clientOrderId])).toEqual([
      ['BTCUSDC', `autoclose-${t + 1}`],
      ['ETHUSDC', `autoclose-${t + 1}`],
    ]);
    expect(core.positions('alice').every((position) => Number(position.positionAmt) === 0)).toBe(true);
    expect(Number(usdc(core).walletBalance)).toBeGreaterThanOrEqual(0);
  });
});

describe('isolated liquidation', () => {
  it('liquidates only the isolated position, from its own wallet; the cross wallet is untouched', () => {
    const core = createCore();
    core.setMarginType('alice', 'BTCUSDC', 'ISOLATED', t);
    core.setLeverage('alice', 'BTCUSDC', 10, t);
    core.placeOrder('alice', btc({ quantity: '0.100' }), t); // iso 597, cross 9400
    core.placeOrder('alice', { symbol: 'ETHUSDC', side: 'BUY', type: 'MARKET', quantity: '0.100' }, t); // cross fee 0.15
    core.drainEvents();
    move(core, '54300'); // iso balance 597 − 570 = 27, maint 21.72 ≥ 21.6 → margin call
    const call = core.drainEvents();
    expect(eventKinds(call)).toEqual(['marginCall']);
    expect(call[0]).toMatchObject({ positions: [{ symbol: 'BTCUSDC', marginType: 'ISOLATED' }] });
    move(core, '54000', '54000', t + 2); // iso balance −3 ≤ maint 21.6 → liquidation
    const events = core.drainEvents();
    expect(eventKinds(events)).toEqual([
      'order:NEW:NEW',
      'order:CALCULATED:FILLED',
      'trade',
      'account:ORDER',
    ]);
    expect(btcPosition(core)).toMatchObject({ positionAmt: '0.000', isolatedWallet: '0' });
    // the loss beyond the isolated wallet is absorbed: cross keeps 9400 − 0.15
    expect(usdc(core)).toMatchObject({ crossWalletBalance: '9399.85', walletBalance: '9399.85' });
    expect(core.positions('alice').find((position) => position.symbol === 'ETHUSDC')?.positionAmt).toBe(
      '0.100',
    );
  });

  it('liquidates an isolated position a partial close left with part of its wallet, at its liquidation price', () => {
    const core = createCore();
    core.setMarginType('alice', 'BTCUSDC', 'ISOLATED', t);
    core.setLeverage('alice', 'BTCUSDC', 10, t);
    core.placeOrder('alice', btc({ quantity: '0.100' }), t); // iso 597
    core.placeOrder('alice', btc({ side: 'SELL', quantity: '0.050' }), t); // fee 1.5: (597 − 1.5) / 2 stays
    expect(btcPosition(core)).toMatchObject({
      positionAmt: '0.050',
      isolatedWallet: '297.75',
      // (297.75 − 0.05 × 60000) / (0.05 × 0.004 − 0.05) = −2702.25 / −0.0498
      liquidationPrice: '54262.04819277',
    });
    core.drainEvents();
    move(core, '54250'); // balance 297.75 − 287.5 = 10.25 ≤ maint 10.85 → liquidation
    expect(eventKinds(core.drainEvents())).toEqual([
      'order:NEW:NEW',
      'order:CALCULATED:FILLED',
      'trade',
      'account:ORDER',
    ]);
    expect(btcPosition(core)).toMatchObject({ positionAmt: '0.000', isolatedWallet: '0' });
  });
});

describe('auto-deleveraging', () => {
  function longCore() {
    const core = createCore();
    core.placeOrder('alice', btc({ quantity: '0.100' }), t); // fee 3 → wallet 9997
    core.placeOrder('alice', btc({ type: 'LIMIT', price: '59000.0', quantity: '0.010' }), t);
    core.drainEvents();
    return core;
  }

  it('closes part of the position at mark with an adl_autoclose order: CALCULATED, no fee, open orders canceled', () => {
    const core = longCore();
    move(core, '61000', '61500', t + 1);
    core.drainEvents();
    const order = core.autoDeleverage('alice', 'BTCUSDC', t + 2, '0.040');
    expect(order).toMatchObject({
      clientOrderId: 'adl_autoclose',
      side: 'SELL',
      type: 'LIMIT',
      timeInForce: 'IOC',
      status: 'FILLED',
      price: '61500.0',
      avgPrice: '61500.0',
      executedQty: '0.040',
      reduceOnly: false,
      forcedClose: 'ADL',
    });
    const events = core.drainEvents();
    expect(eventKinds(events)).toEqual([
      'order:CANCELED:CANCELED',
      'order:NEW:NEW',
      'order:CALCULATED:FILLED',
      'trade',
      'account:ORDER',
    ]);
    // realized (61500 − 60000) × 0.04 = 60 at mark, and no fee: 9997 + 60
    const fill = core.fills('alice').at(-1);
    expect(fill).toMatchObject({ orderId: order.orderId, price: '61500.0', qty: '0.040', commission: '0' });
    expect(fill?.realizedPnl).toBe('60');
    expect(usdc(core).walletBalance).toBe('10057');
    expect(btcPosition(core)).toMatchObject({ positionAmt: '0.060', entryPrice: '60000.0' });
    expect(core.openOrders('alice')).toEqual([]);
    expect(core.getOrder('alice', 'BTCUSDC', { origClientOrderId: 'adl_autoclose' }).orderId).toBe(
      order.orderId,
    );
  });

  it('closes the whole position when no quantity is given, a short with a BUY', () => {
    const core = createCore();
    core.placeOrder('alice', btc({ side: 'SELL', quantity: '0.050' }), t);
    core.drainEvents();
    const order = core.autoDeleverage('alice', 'BTCUSDC', t + 1);
    expect(order).toMatchObject({ side: 'BUY', executedQty: '0.050', forcedClose: 'ADL' });
    expect(btcPosition(core).positionAmt).toBe('0.000');
    expect(eventKinds(core.drainEvents())).toEqual([
      'order:NEW:NEW',
      'order:CALCULATED:FILLED',
      'trade',
      'account:ORDER',
    ]);
  });

  it('refuses a flat position and a quantity that does not fit, changing nothing', () => {
    const core = longCore();
    expect(() => core.autoDeleverage('alice', 'ETHUSDC', t)).toThrow(/no ETHUSDC position/);
    for (const quantity of ['0', '-0.010', '0.101', '0.0105', 'lots']) {
      expect(() => core.autoDeleverage('alice', 'BTCUSDC', t, quantity), quantity).toThrow(/ADL quantity/);
    }
    expect(core.drainEvents()).toEqual([]);
    expect(btcPosition(core).positionAmt).toBe('0.100');
    expect(core.openOrders('alice')).toHaveLength(1);
  });
});

describe('funding', () => {
  it('longs pay and shorts receive a positive rate, only at the boundary, once per boundary', () => {
    const core = createCore();
    core.placeOrder('alice', btc({}), t); // wallet 9999.7
    core.placeOrder('alice', { symbol: 'ETHUSDC', side: 'SELL', type: 'MARKET', quantity: '1.000' }, t); // fee 1.5
    core.drainEvents();
    move(core, '60000', '60000', nextBoundary - 1);
    core.updateMarket({ symbol: 'ETHUSDC', lastPrice: '3000', markPrice: '3000', time: nextBoundary - 1 });
    expect(accountEvents(core.drainEvents(), 'FUNDING_FEE')).toEqual([]);
    expect(core.market('BTCUSDC').nextFundingTime).toBe(nextBoundary);

    move(core, '60000', '60000', nextBoundary);
    // long: −0.010 × 60000 × 0.0001 = −0.06
    let funding = accountEvents(core.drainEvents(), 'FUNDING_FEE');
    expect(funding).toHaveLength(1);
    expect(funding[0]?.balances[0]?.crossWalletBalance).toBe('9998.14'); // 10000 − 0.3 − 1.5 − 0.06
    expect(funding[0]?.positions).toEqual([]); // a cross position does not change
    core.updateMarket({ symbol: 'ETHUSDC', lastPrice: '3000', markPrice: '3000', time: nextBoundary + 10 });
    // short: +1 × 3000 × 0.0001 = +0.3
    funding = accountEvents(core.drainEvents(), 'FUNDING_FEE');
    expect(funding[0]?.balances[0]?.crossWalletBalance).toBe('9998.44');

    move(core, '60000', '60000', nextBoundary + 1000);
    expect(accountEvents(core.drainEvents(), 'FUNDING_FEE')).toEqual([]); // once per boundary
    expect(core.market('BTCUSDC').nextFundingTime).toBe(nextBoundary + 8 * hour);
    core.setFundingRate('BTCUSDC', '-0.0002');
    move(core, '61000', '61000', nextBoundary + 8 * hour);
    // negative rate: the long receives 0.010 × 61000 × 0.0002 = 0.122
    expect(usdc(core).crossWalletBalance).toBe('9998.562');
    expect(core.market('BTCUSDC').fundingRate).toBe('-0.0002');
    expect(core.nextFundingTime('BTCUSDC')).toBe(core.market('BTCUSDC').nextFundingTime);

    // A rate given again as text is not parsed again (a market repeats it every tick), yet every change counts,
    // back to an earlier text too.
    core.setFundingRate('BTCUSDC', '0.00030000');
    core.setFundingRate('BTCUSDC', '0.00030000');
    core.setFundingRate('BTCUSDC', '-0.0002');
    expect(core.market('BTCUSDC').fundingRate).toBe('-0.0002');
    core.setFundingRate('BTCUSDC', '0.00030000');
    expect(core.market('BTCUSDC').fundingRate).toBe('0.0003');
    expect(() => core.setFundingRate('BTCUSDC', 'abc')).toThrow();
    expect(core.market('BTCUSDC').fundingRate).toBe('0.0003');
    move(core, '61000', '61000', nextBoundary + 16 * hour);
    // the long pays 0.010 × 61000 × 0.0003 = 0.183
    expect(usdc(core).crossWalletBalance).toBe('9998.379');
  });

  it('isolated funding goes to the isolated wallet and reports the position', () => {
    const core = createCore();
    core.setMarginType('alice', 'BTCUSDC', 'ISOLATED', t);
    core.setLeverage('alice', 'BTCUSDC', 10, t);
    core.placeOrder('alice', btc({ side: 'SELL', quantity: '0.100' }), t); // iso 600 − 3 = 597
    core.drainEvents();
    move(core, '60000', '60000', nextBoundary);
    const [funding] = accountEvents(core.drainEvents(), 'FUNDING_FEE');
    // short receives 0.1 × 60000 × 0.0001 = 0.6
    expect(funding?.positions).toMatchObject([{ symbol: 'BTCUSDC', isolatedWallet: '597.6' }]);
    expect(usdc(core).crossWalletBalance).toBe('9400');
  });

  it('a flat account gets nothing', () => {
    const core = createCore();
    move(core, '60000', '60000', nextBoundary);
    expect(core.drainEvents()).toEqual([]);
  });
});
