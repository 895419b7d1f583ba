import { describe, expect, it } from 'vitest';
import { MatchingCore } from './matching-core';
import { btcSpec, createCore, eventKinds, startTime } from './testing/core-fixtures';
import { btc, btcPosition, move, rejectionOf, usdc } from './testing/matching-core-helpers';

/** The matching core: MARKET orders, fees and PnL, MARKET_LOT_SIZE, LIMIT orders and time in force. */

const t = startTime;

describe('MARKET orders, fees and PnL', () => {
  it('buys 0.010 BTC at 60000 and sells at 61000: fee 0.3 + 0.305, realized 10, wallet +9.395', () => {
    const core = createCore();
    const buy = core.placeOrder('alice', btc({}), t);
    // notional 0.010 × 60000 = 600; taker fee 600 × 0.0005 = 0.3
    expect(buy).toMatchObject({
      status: 'FILLED',
      avgPrice: '60000.0',
      executedQty: '0.010',
      cumQuote: '600',
    });
    expect(usdc(core).walletBalance).toBe('9999.7');
    expect(btcPosition(core)).toMatchObject({
      positionAmt: '0.010',
      entryPrice: '60000.0',
      breakEvenPrice: '60030.0', // 60000 + 0.3 / 0.010
      notional: '600',
      initialMargin: '30', // 600 / 20
      maintMargin: '2.4', // 600 × 0.004
      liquidationPrice: '0', // (9999.7 − 600) / (0.00004 − 0.01) < 0
    });
    move(core, 'BTCUSDC', '61000');
    expect(btcPosition(core).unrealizedProfit).toBe('10'); // 0.010 × 1000
    expect(usdc(core).availableBalance).toBe('9979.2'); // 9999.7 + 10 − 610/20
    const sell = core.placeOrder('alice', btc({ side: 'SELL' }), t + 2);
    expect(sell.avgPrice).toBe('61000.0');
    // realized (61000 − 60000) × 0.010 = 10; fee 610 × 0.0005 = 0.305; wallet 9999.7 + 10 − 0.305
    expect(usdc(core).walletBalance).toBe('10009.395');
    const fills = core.fills('alice', 'BTCUSDC');
    expect(fills.map((fill) => [fill.commission, fill.realizedPnl, fill.maker])).toEqual([
      ['0.3', '0', false],
      ['0.305', '10', false],
    ]);
    expect(btcPosition(core)).toMatchObject({ positionAmt: '0.000', entryPrice: '0', unrealizedProfit: '0' });
  });

  it('shorts 0.020 at 60000 and covers at 59000: realized +20, fees 0.6 + 0.59', () => {
    const core = createCore();
    core.placeOrder('alice', btc({ side: 'SELL', quantity: '0.020' }), t);
    expect(btcPosition(core)).toMatchObject({
      positionAmt: '-0.020',
      notional: '-1200',
      breakEvenPrice: '59970.0', // 60000 − 0.6 / 0.020
    });
    move(core, 'BTCUSDC', '59000');
    expect(btcPosition(core).unrealizedProfit).toBe('20'); // −0.020 × (59000 − 60000)
    core.placeOrder('alice', btc({ quantity: '0.020' }), t + 2);
    // 10000 − 0.6 + 20 − 0.59
    expect(usdc(core).walletBalance).toBe('10018.81');
  });

  it('averages the entry on increase and realizes on the reduced part only', () => {
    const core = createCore();
    core.placeOrder('alice', btc({}), t);
    move(core, 'BTCUSDC', '62000');
    core.placeOrder('alice', btc({ quantity: '0.030' }), t + 2);
    // (0.010 × 60000 + 0.030 × 62000) / 0.040 = 2460 / 0.04 = 61500
    expect(btcPosition(core).entryPrice).toBe('61500.0');
    // fees 0.3 + 1860 × 0.0005 = 0.93 → break-even 61500 + 1.23 / 0.04 = 61530.75
    expect(btcPosition(core).breakEvenPrice).toBe('61530.75');
    move(core, 'BTCUSDC', '63000', '63000', t + 3);
    core.placeOrder('alice', btc({ side: 'SELL', quantity: '0.010' }), t + 4);
    // realized (63000 − 61500) × 0.010 = 15; fee 630 × 0.0005 = 0.315
    expect(core.fills('alice').at(-1)).toMatchObject({ realizedPnl: '15', commission: '0.315' });
    expect(btcPosition(core)).toMatchObject({ positionAmt: '0.030', entryPrice: '61500.0' });
    // 10000 − 0.3 − 0.93 + 15 − 0.315
    expect(usdc(core).walletBalance).toBe('10013.455');
  });

  it('flips a position with a plain (non reduce-only) order', () => {
    const core = createCore();
    core.placeOrder('alice', btc({}), t);
    core.placeOrder('alice', btc({ side: 'SELL', quantity: '0.030' }), t + 1);
    expect(btcPosition(core)).toMatchObject({ positionAmt: '-0.020', entryPrice: '60000.0' });
    // fee of the flip 1800 × 0.0005 = 0.9, of which 2/3 (0.6) opens the short: BEP 60000 − 0.6 / 0.02
    expect(btcPosition(core).breakEvenPrice).toBe('59970.0');
  });

  it('rejects -2019 when the initial margin exceeds the available balance', () => {
    const core = createCore({}, '100');
    // 0.034 × 60000 / 20 = 102 > 100
    expect(rejectionOf(() => core.placeOrder('alice', btc({ quantity: '0.034' }), t))).toEqual({
      code: -2019,
      msg: 'Margin is insufficient.',
    });
    // 0.033 × 60000 / 20 = 99 ≤ 100
    expect(core.placeOrder('alice', btc({ quantity: '0.033' }), t).status).toBe('FILLED');
    // closing needs no margin even with little left
    expect(core.placeOrder('alice', btc({ side: 'SELL', quantity: '0.033' }), t).status).toBe('FILLED');
  });

  it('reserves margin for resting orders (notional / leverage) and releases it on cancel', () => {
    const core = createCore({}, '100');
    const resting = core.placeOrder('alice', btc({ type: 'LIMIT', price: '59000.0', quantity: '0.033' }), t);
    // 0.033 × 59000 / 20 = 97.35
    expect(usdc(core)).toMatchObject({ openOrderInitialMargin: '97.35', availableBalance: '2.65' });
    expect(
      rejectionOf(() =>
        core.placeOrder('alice', btc({ type: 'LIMIT', price: '59000.0', quantity: '0.001' }), t),
      ).code,
    ).toBe(-2019);
    core.cancelOrder('alice', 'BTCUSDC', { orderId: resting.orderId }, t);
    expect(usdc(core)).toMatchObject({ openOrderInitialMargin: '0', availableBalance: '100' });
  });

  it('rejects a MARKET order before any market data', () => {
    const core = new MatchingCore({ instruments: [btcSpec] });
    core.addAccount('alice', { USDC: '100' }, t);
    expect(rejectionOf(() => core.placeOrder('alice', btc({}), t)).code).toBe(-1000);
  });
});

describe('MARKET_LOT_SIZE with its own step and minimum', () => {
  it('holds MARKET orders and market algo orders to it, and limit orders to LOT_SIZE only', () => {
    const coarse = { ...btcSpec, marketStepSize: '0.01', marketMinQty: '0.01' };
    const core = new MatchingCore({ instruments: [coarse] });
    core.addAccount('alice', { USDC: '10000' }, t);
    move(core, 'BTCUSDC', '60000', '60000', t);
    expect(rejectionOf(() => core.placeOrder('alice', btc({ quantity: '0.015' }), t))).toMatchObject({
      code: -4023,
    });
    expect(rejectionOf(() => core.placeOrder('alice', btc({ quantity: '0.005' }), t)).code).toBe(-4023);
    const limit = core.placeOrder('alice', btc({ type: 'LIMIT', price: '60100', quantity: '0.015' }), t);
    expect(limit).toMatchObject({ status: 'FILLED', executedQty: '0.015' });
    const stop = { symbol: 'BTCUSDC', side: 'SELL' as const, triggerPrice: '58000', reduceOnly: true };
    expect(
      rejectionOf(() => core.placeAlgoOrder('alice', { ...stop, type: 'STOP_MARKET', quantity: '0.015' }, t))
        .code,
    ).toBe(-4023);
    // Rounded up to the market grid and reduce-only, it closes the position and no more when it fires.
    core.placeAlgoOrder('alice', { ...stop, type: 'STOP_MARKET', quantity: '0.020' }, t);
    move(core, 'BTCUSDC', '57900', '57900', t + 2);
    expect(btcPosition(core).positionAmt).toBe('0.000');
  });
});

describe('LIMIT orders and time in force', () => {
  it('a crossing LIMIT fills at once at the last price as taker (GTC, IOC, FOK alike)', () => {
    for (const timeInForce of ['GTC', 'IOC', 'FOK'] as const) {
      const core = createCore();
      const order = core.placeOrder('alice', btc({ type: 'LIMIT', price: '61000.0', timeInForce }), t);
      expect(order).toMatchObject({ status: 'FILLED', avgPrice: '60000.0', price: '61000.0', timeInForce });
      expect(core.fills('alice')[0]).toMatchObject({ price: '60000.0', maker: false, commission: '0.3' });
    }
  });

  it('a non-crossing GTC rests, then fills at its limit price as maker when last reaches it', () => {
    const core = createCore();
    const order = core.placeOrder('alice', btc({ type: 'LIMIT', price: '59000.0' }), t);
    expect(order.status).toBe('NEW');
    expect(core.openOrders('alice', 'BTCUSDC')).toHaveLength(1);
    move(core, 'BTCUSDC', '59000.1');
    expect(core.getOrder('alice', 'BTCUSDC', { orderId: order.orderId }).status).toBe('NEW');
    core.drainEvents();
    move(core, 'BTCUSDC', '58900', '59100', t + 2);
    // fills at 59000 (its price), maker fee 590 × 0.0002 = 0.118
    expect(core.getOrder('alice', 'BTCUSDC', { orderId: order.orderId })).toMatchObject({
      status: 'FILLED',
      avgPrice: '59000.0',
    });
    expect(core.fills('alice')[0]).toMatchObject({ price: '59000.0', maker: true, commission: '0.118' });
    expect(usdc(core).walletBalance).toBe('9999.882');
    expect(eventKinds(core.drainEvents())).toEqual(['order:TRADE:FILLED', 'trade', 'account:ORDER']);
    expect(core.openOrders('alice')).toEqual([]);
  });

  it('a resting sell fills when last ≥ its price (equality included)', () => {
    const core = createCore();
    core.placeOrder('alice', btc({ quantity: '0.020' }), t);
    const order = core.placeOrder('alice', btc({ side: 'SELL', type: 'LIMIT', price: '61000.0' }), t);
    move(core, 'BTCUSDC', '61000');
    expect(core.getOrder('alice', 'BTCUSDC', { orderId: order.orderId }).status).toBe('FILLED');
    // realized (61000 − 60000) × 0.010 = 10
    expect(core.fills('alice').at(-1)).toMatchObject({ realizedPnl: '10', maker: true, commission: '0.122' });
  });

  it('IOC and FOK that do not cross expire without a fill', () => {
    for (const timeInForce of ['IOC', 'FOK'] as const) {
      const core = createCore();
      const order = core.placeOrder('alice', btc({ type: 'LIMIT', price: '59000.0', timeInForce }), t);
      expect(order).toMatchObject({ status: 'EXPIRED', executedQty: '0.000' });
      expect(eventKinds(core.drainEvents())).toEqual(['order:NEW:NEW', 'order:EXPIRED:EXPIRED']);
    }
  });

  it('GTX rests when it would make, and is rejected -5022 when it would take', () => {
    const core = createCore();
    expect(
      core.placeOrder('alice', btc({ type: 'LIMIT', price: '59000.0', timeInForce: 'GTX' }), t).status,
    ).toBe('NEW');
    expect(
      rejectionOf(() =>
        core.placeOrder('alice', btc({ type: 'LIMIT', price: '60000.0', timeInForce: 'GTX' }), t),
      ),
    ).toEqual({
      code: -5022,
      msg: 'Due to the order could not be executed as maker, the Post Only order will be rejected.',
    });
  });

  it('cancels by orderId and by client id; unknown or finished orders give -2011 / -2013', () => {
    const core = createCore();
    const first = core.placeOrder(
      'alice',
      btc({ type: 'LIMIT', price: '59000.0', newClientOrderId: 'a-1' }),
      t,
    );
    core.placeOrder('alice', btc({ type: 'LIMIT', price: '58000.0', newClientOrderId: 'a-2' }), t);
    expect(core.cancelOrder('alice', 'BTCUSDC', { origClientOrderId: 'a-2' }, t).status).toBe('CANCELED');
    expect(core.cancelOrder('alice', 'BTCUSDC', { orderId: first.orderId }, t).status).toBe('CANCELED');
    expect(rejectionOf(() => core.cancelOrder('alice', 'BTCUSDC', { orderId: first.orderId }, t))).toEqual({
      code: -2011,
      msg: 'Unknown order sent.',
    });
    expect(rejectionOf(() => core.getOrder('alice', 'BTCUSDC', { orderId: 42 }))).toEqual({
      code: -2013,
      msg: 'Order does not exist.',
    });
    expect(core.getOrder('alice', 'BTCUSDC', { origClientOrderId: 'a-1' }).status).toBe('CANCELED');
    // an order of another symbol is unknown under this one
    expect(rejectionOf(() => core.getOrder('alice', 'ETHUSDC', { orderId: first.orderId })).code).toBe(-2013);
    const filled = core.placeOrder('alice', btc({}), t);
    expect(rejectionOf(() => core.cancelOrder('alice', 'BTCUSDC', { orderId: filled.orderId }, t)).code).toBe(
      -2011,
    );
    expect(rejectionOf(() => core.cancelOrder('alice', 'BTCUSDC', {}, t)).code).toBe(-1102);
  });

  it('cancelAllOrders cancels only that symbol', () => {
    const core = createCore();
    core.placeOrder('alice', btc({ type: 'LIMIT', price: '59000.0' }), t);
    core.placeOrder('alice', btc({ type: 'LIMIT', price: '58000.0' }), t);
    core.placeOrder(
      'alice',
      { symbol: 'ETHUSDC', side: 'BUY', type: 'LIMIT', price: '2900.00', quantity: '0.100' },
      t,
    );
    expect(core.cancelAllOrders('alice', 'BTCUSDC', t).map((order) => order.status)).toEqual([
      'CANCELED',
      'CANCELED',
    ]);
    expect(core.openOrders('alice').map((order) => order.symbol)).toEqual(['ETHUSDC']);
    expect(core.allOrders('alice', 'BTCUSDC')).toHaveLength(2);
  });
});
