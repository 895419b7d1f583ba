import { describe, expect, it } from 'vitest';

import { MatchingCore } from './matching-core';
import { btcSpec, createCore, eventKinds, startTime } from './testing/core-fixtures';
import type { NewOrderRequest, SimRejection } from './types';

const t = startTime;

function rejectionOf(action: () => unknown): { code: number; msg: string } {
  try {
    action();
  } catch (error) {
    const rejection = error as SimRejection;
    return { code: rejection.code, msg: rejection.msg };
  }
  throw new Error('expected a rejection');
}

function btc(partial: Partial<NewOrderRequest>): NewOrderRequest {
  return { symbol: 'BTCUSDC', side: 'BUY', type: 'MARKET', quantity: '0.010', ...partial };
}

function move(core: MatchingCore, symbol: string, last: string, mark = last, time = t + 1) {
  core.updateMarket({ symbol, lastPrice: last, markPrice: mark, time });
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

describe('validation codes', () => {
  const cases: [string, Partial<NewOrderRequest>, number, string][] = [
    ['unknown symbol', { symbol: 'XYZUSDC' }, -1121, 'Invalid symbol.'],
    ['zero quantity', { quantity: '0' }, -4003, 'Quantity less than or equal to zero.'],
    [
      'too many decimals',
      { quantity: '0.0001' },
      -1111,
      'Precision is over the maximum defined for this asset.',
    ],
    [
      'LIMIT above maxQty',
      { type: 'LIMIT', price: '59000.0', quantity: '1001' },
      -4005,
      'Quantity greater than max quantity.',
    ],
    ['MARKET above marketMaxQty', { quantity: '121' }, -4005, 'Quantity greater than max quantity.'],
    [
      'price off precision',
      { type: 'LIMIT', price: '59000.05' },
      -1111,
      'Precision is over the maximum defined for this asset.',
    ],
    ['price above max', { type: 'LIMIT', price: '4529765' }, -4002, 'Price greater than max price.'],
    [
      'PERCENT_PRICE up',
      { type: 'LIMIT', price: '63000.1' },
      -4016,
      "Limit price can't be higher than 63000.0.",
    ],
    [
      'PERCENT_PRICE down',
      { side: 'SELL', type: 'LIMIT', price: '56999.9' },
      -4024,
      "Limit price can't be lower than 57000.0.",
    ],
    [
      'min notional',
      { symbol: 'ETHUSDC', quantity: '0.001' },
      -4164,
      "Order's notional must be no smaller than 5 (unless you choose reduce only).",
    ],
    [
      'LIMIT min notional at its price',
      { type: 'LIMIT', price: '4000.0', quantity: '0.001' },
      -4164,
      "Order's notional must be no smaller than 5 (unless you choose reduce only).",
    ],
    ['reduceOnly while flat', { reduceOnly: true }, -2022, 'ReduceOnly Order is rejected.'],
    ['MARKET with a price', { price: '60000.0' }, -1106, "Parameter 'price' sent when not required."],
    [
      'LIMIT without price',
      { type: 'LIMIT' },
      -1102,
      "Mandatory parameter 'price' was not sent, was empty/null, or malformed.",
    ],
    [
      'exponent quantity',
      { quantity: '1e-2' },
      -1100,
      "Illegal characters found in parameter 'quantity'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.",
    ],
    [
      'negative quantity',
      { quantity: '-0.010' },
      -1100,
      "Illegal characters found in parameter 'quantity'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.",
    ],
    ['bad client id', { newClientOrderId: 'has space' }, -4015, 'Client order id is not valid.'],
    ['bad side', { side: 'LONG' as 'BUY' }, -1117, 'Invalid side.'],
    ['bad type', { type: 'STOP_MARKET' as 'MARKET' }, -1116, 'Invalid orderType.'],
    [
      'bad time in force',
      { type: 'LIMIT', price: '59000.0', timeInForce: 'GTD' as 'GTC' },
      -1115,
      'Invalid timeInForce.',
    ],
  ];
  for (const [name, partial, code, msg] of cases) {
    it(`${name} → ${code}`, () => {
      const core = createCore();
      expect(rejectionOf(() => core.placeOrder('alice', btc(partial), t))).toEqual({ code, msg });
      expect(core.drainEvents()).toEqual([]); // a rejection emits nothing
    });
  }

  it('step (-4023), min qty (-4004) and tick (-4014) on a coarse-step symbol', () => {
    const core = createCore();
    const sol = (partial: Partial<NewOrderRequest>): NewOrderRequest => ({
      symbol: 'SOLUSDT',
      side: 'BUY',
      type: 'LIMIT',
      price: '149.00',
      quantity: '1.000',
      ...partial,
    });
    expect(rejectionOf(() => core.placeOrder('alice', sol({ quantity: '1.013' }), t))).toEqual({
      code: -4023,
      msg: 'Qty not increased by step size.',
    });
    expect(rejectionOf(() => core.placeOrder('alice', sol({ quantity: '0.005' }), t))).toEqual({
      code: -4004,
      msg: 'Quantity less than min quantity.',
    });
    expect(rejectionOf(() => core.placeOrder('alice', sol({ price: '149.03' }), t))).toEqual({
      code: -4014,
      msg: 'Price not increased by tick size.',
    });
    expect(core.placeOrder('alice', sol({}), t).status).toBe('NEW');
  });

  it('price below min price → -4013, zero price → -4001', () => {
    const core = new MatchingCore({ instruments: [{ ...btcSpec, minPrice: '100.0' }] });
    core.addAccount('alice', { USDC: '10000' }, t);
    core.updateMarket({ symbol: 'BTCUSDC', lastPrice: '100.0', markPrice: '100.0', time: t });
    expect(rejectionOf(() => core.placeOrder('alice', btc({ type: 'LIMIT', price: '99.9' }), t))).toEqual({
      code: -4013,
      msg: 'Price less than min price.',
    });
    expect(rejectionOf(() => core.placeOrder('alice', btc({ type: 'LIMIT', price: '0' }), t)).code).toBe(
      -4001,
    );
  });

  it('PERCENT_PRICE is per side: a low BUY or a high SELL limit is accepted', () => {
    const core = createCore();
    expect(
      core.placeOrder('alice', btc({ type: 'LIMIT', price: '30000.0', quantity: '0.001' }), t).status,
    ).toBe('NEW');
    expect(core.placeOrder('alice', btc({ side: 'SELL', type: 'LIMIT', price: '63000.0' }), t).status).toBe(
      'NEW',
    );
  });

  it('a duplicate open client id is rejected -4116, but may be reused once the order is finished', () => {
    const core = createCore();
    const first = core.placeOrder(
      'alice',
      btc({ type: 'LIMIT', price: '59000.0', newClientOrderId: 'dup' }),
      t,
    );
    expect(rejectionOf(() => core.placeOrder('alice', btc({ newClientOrderId: 'dup' }), t))).toEqual({
      code: -4116,
      msg: 'ClientOrderId is duplicated.',
    });
    core.cancelOrder('alice', 'BTCUSDC', { orderId: first.orderId }, t);
    expect(core.placeOrder('alice', btc({ newClientOrderId: 'dup' }), t).status).toBe('FILLED');
    expect(core.getOrder('alice', 'BTCUSDC', { origClientOrderId: 'dup' }).status).toBe('FILLED');
  });

  it('reduce-only orders are exempt from min notional', () => {
    const core = createCore();
    core.placeOrder('alice', { symbol: 'ETHUSDC', side: 'BUY', type: 'MARKET', quantity: '1.000' }, t);
    const order = core.placeOrder(
      'alice',
      { symbol: 'ETHUSDC', side: 'SELL', type: 'MARKET', quantity: '0.001', reduceOnly: true },
      t,
    );
    expect(order.status).toBe('FILLED'); // 0.001 × 3000 = 3 < 5 but reduce-only
  });
});

describe('reduce-only', () => {
  it('cuts a reduce-only quantity above the position to the position size and never flips', () => {
    const core = createCore();
    core.placeOrder('alice', btc({}), t);
    const close = core.placeOrder('alice', btc({ side: 'SELL', quantity: '0.050', reduceOnly: true }), t);
    expect(close).toMatchObject({
      status: 'FILLED',
      origQty: '0.010',
      executedQty: '0.010',
      reduceOnly: true,
    });
    expect(btcPosition(core).positionAmt).toBe('0.000');
  });

  it('rejects a reduce-only order on the increasing side -2022', () => {
    const core = createCore();
    core.placeOrder('alice', btc({}), t);
    expect(rejectionOf(() => core.placeOrder('alice', btc({ reduceOnly: true }), t)).code).toBe(-2022);
  });

  it('a resting reduce-only order is cut at fill time and the rest expires', () => {
    const core = createCore();
    core.placeOrder('alice', btc({ quantity: '0.020' }), t);
    const resting = core.placeOrder(
      'alice',
      btc({ side: 'SELL', type: 'LIMIT', price: '61000.0', quantity: '0.020', reduceOnly: true }),
      t,
    );
    core.placeOrder('alice', btc({ side: 'SELL', quantity: '0.015' }), t);
    core.drainEvents();
    move(core, 'BTCUSDC', '61000');
    expect(core.getOrder('alice', 'BTCUSDC', { orderId: resting.orderId })).toMatchObject({
      status: 'EXPIRED',
      executedQty: '0.005',
    });
    expect(btcPosition(core).positionAmt).toBe('0.000');
    expect(eventKinds(core.drainEvents())).toEqual([
      'order:TRADE:PARTIALLY_FILLED',
      'trade',
      'account:ORDER',
      'order:EXPIRED:EXPIRED',
    ]);
  });

  it('expires resting reduce-only orders once the position is closed', () => {
    const core = createCore();
    core.placeOrder('alice', btc({}), t);
    const takeProfit = core.placeOrder(
      'alice',
      btc({ side: 'SELL', type: 'LIMIT', price: '62000.0', reduceOnly: true }),
      t,
    );
    core.placeOrder('alice', btc({ side: 'SELL' }), t);
    expect(core.getOrder('alice', 'BTCUSDC', { orderId: takeProfit.orderId }).status).toBe('EXPIRED');
    expect(core.openOrders('alice')).toEqual([]);
  });
});

describe('partial-fill fault', () => {
  it('a MARKET order fills the fraction (floored to the step) and the rest expires; the fault is used once', () => {
    const core = createCore();
    core.faults.partialFillRatio = 0.33;
    const order = core.placeOrder('alice', btc({}), t);
    // 0.010 × 0.33 = 0.0033 → 0.003
    expect(order).toMatchObject({ status: 'EXPIRED', executedQty: '0.003', origQty: '0.010' });
    expect(eventKinds(core.drainEvents())).toEqual([
      'order:NEW:NEW',
      'order:TRADE:PARTIALLY_FILLED',
      'trade',
      'account:ORDER',
      'order:EXPIRED:EXPIRED',
    ]);
    expect(core.faults.partialFillRatio).toBeUndefined();
    expect(core.placeOrder('alice', btc({}), t).status).toBe('FILLED');
  });

  it('a resting GTC LIMIT fills the fraction first and stays PARTIALLY_FILLED until the next touch', () => {
    const core = createCore();
    core.faults.partialFillRatio = 0.3;
    const order = core.placeOrder('alice', btc({ type: 'LIMIT', price: '59000.0' }), t);
    move(core, 'BTCUSDC', '59000');
    expect(core.getOrder('alice', 'BTCUSDC', { orderId: order.orderId })).toMatchObject({
      status: 'PARTIALLY_FILLED',
      executedQty: '0.003',
    });
    expect(core.openOrders('alice')).toHaveLength(1);
    move(core, 'BTCUSDC', '58900', '58900', t + 2);
    expect(core.getOrder('alice', 'BTCUSDC', { orderId: order.orderId })).toMatchObject({
      status: 'FILLED',
      executedQty: '0.010',
      avgPrice: '59000.0',
    });
  });

  it('a crossing FOK with the fault is killed whole; a crossing IOC keeps the fraction', () => {
    const core = createCore();
    core.faults.partialFillRatio = 0.5;
    expect(
      core.placeOrder('alice', btc({ type: 'LIMIT', price: '60000.0', timeInForce: 'FOK' }), t),
    ).toMatchObject({
      status: 'EXPIRED',
      executedQty: '0.000',
    });
    core.faults.partialFillRatio = 0.5;
    expect(
      core.placeOrder('alice', btc({ type: 'LIMIT', price: '60000.0', timeInForce: 'IOC' }), t),
    ).toMatchObject({
      status: 'EXPIRED',
      executedQty: '0.005',
    });
  });

  it('a rejected order does not consume the fault', () => {
    const core = createCore();
    core.faults.partialFillRatio = 0.5;
    expect(() => core.placeOrder('alice', btc({ quantity: '0' }), t)).toThrow();
    expect(core.faults.partialFillRatio).toBe(0.5);
  });
});

describe('leverage and margin type', () => {
  it('accepts 1..maxLeverage and rejects anything else -4028', () => {
    const core = createCore();
    expect(core.setLeverage('alice', 'BTCUSDC', 50, t)).toEqual({
      leverage: 50,
      maxNotionalValue: '1000000',
      symbol: 'BTCUSDC',
    });
    expect(core.drainEvents()).toEqual([
      { kind: 'leverage', accountId: 'alice', time: t, symbol: 'BTCUSDC', leverage: 50 },
    ]);
    expect(rejectionOf(() => core.setLeverage('alice', 'BTCUSDC', 0, t))).toEqual({
      code: -4028,
      msg: 'Leverage 0 is not valid',
    });
    expect(rejectionOf(() => core.setLeverage('alice', 'BTCUSDC', 126, t)).msg).toBe(
      'Leverage 126 is not valid',
    );
    expect(core.symbolConfig('alice', 'BTCUSDC')).toEqual([
      {
        symbol: 'BTCUSDC',
        marginType: 'CROSSED',
        isAutoAddMargin: false,
        leverage: 50,
        maxNotionalValue: '1000000',
      },
    ]);
    expect(core.symbolConfig('alice')).toHaveLength(3);
  });

  it('leverage changes the margin of a new order', () => {
    const core = createCore({}, '100');
    core.setLeverage('alice', 'BTCUSDC', 5, t);
    // 0.010 × 60000 / 5 = 120 > 100
    expect(rejectionOf(() => core.placeOrder('alice', btc({}), t)).code).toBe(-2019);
    core.setLeverage('alice', 'BTCUSDC', 10, t);
    expect(core.placeOrder('alice', btc({}), t).status).toBe('FILLED'); // 60 ≤ 100
    // lowering it back to 5 would need 120 > 99.7
    expect(rejectionOf(() => core.setLeverage('alice', 'BTCUSDC', 5, t)).code).toBe(-2019);
    expect(core.symbolConfig('alice', 'BTCUSDC')[0]?.leverage).toBe(10);
  });

  it('margin type: -4046 unchanged, -4048 with a position, -4047 with open orders', () => {
    const core = createCore();
    expect(rejectionOf(() => core.setMarginType('alice', 'BTCUSDC', 'CROSSED', t))).toEqual({
      code: -4046,
      msg: 'No need to change margin type.',
    });
    core.setMarginType('alice', 'BTCUSDC', 'ISOLATED', t);
    expect(core.symbolConfig('alice', 'BTCUSDC')[0]?.marginType).toBe('ISOLATED');
    core.placeOrder('alice', btc({}), t);
    expect(rejectionOf(() => core.setMarginType('alice', 'BTCUSDC', 'CROSSED', t))).toEqual({
      code: -4048,
      msg: 'Margin type cannot be changed if there exists position.',
    });
    core.placeOrder('alice', btc({ side: 'SELL' }), t);
    core.placeOrder('alice', btc({ type: 'LIMIT', price: '59000.0' }), t);
    expect(rejectionOf(() => core.setMarginType('alice', 'BTCUSDC', 'CROSSED', t))).toEqual({
      code: -4047,
      msg: 'Margin type cannot be changed if there exists open orders.',
    });
    core.cancelAllOrders('alice', 'BTCUSDC', t);
    core.setMarginType('alice', 'BTCUSDC', 'CROSSED', t);
    // Nothing moves, yet Binance pushes ACCOUNT_UPDATE MARGIN_TYPE_CHANGE with the symbol's flat row.
    const changes = core
      .drainEvents()
      .flatMap((event) => (event.kind === 'account' && event.reason !== 'ORDER' ? [event] : []));
    expect(
      changes.map(({ reason, balances, positions }) => ({
        reason,
        assets: balances.map((balance) => balance.asset),
        positions: positions.map(({ symbol, marginType, positionAmt }) => ({
          symbol,
          marginType,
          positionAmt,
        })),
      })),
    ).toEqual(
      (['ISOLATED', 'CROSSED'] as const).map((marginType) => ({
        reason: 'MARGIN_TYPE_CHANGE',
        assets: ['USDC'],
        positions: [{ symbol: 'BTCUSDC', marginType, positionAmt: '0.000' }],
      })),
    );
  });
});

describe('events', () => {
  it('placement and cancel emit order events only, never an account event', () => {
    const core = createCore();
    const order = core.placeOrder('alice', btc({ type: 'LIMIT', price: '59000.0' }), t);
    core.cancelOrder('alice', 'BTCUSDC', { orderId: order.orderId }, t + 1);
    const events = core.drainEvents();
    expect(eventKinds(events)).toEqual(['order:NEW:NEW', 'order:CANCELED:CANCELED']);
    expect(core.drainEvents()).toEqual([]);
  });

  it('a fill emits order TRADE (with the fill), a trade print and an ORDER account event with the changed position', () => {
    const core = createCore();
    core.placeOrder('alice', btc({}), t);
    const events = core.drainEvents();
    expect(eventKinds(events)).toEqual(['order:NEW:NEW', 'order:TRADE:FILLED', 'trade', 'account:ORDER']);
    const trade = events[1];
    expect(trade?.kind === 'order' && trade.fill).toMatchObject({
      price: '60000.0',
      qty: '0.010',
      commission: '0.3',
    });
    expect(events[2]).toEqual({
      kind: 'trade',
      symbol: 'BTCUSDC',
      time: t,
      price: '60000.0',
      qty: '0.010',
      buyerIsMaker: false,
    });
    const account = events[3];
    expect(account?.kind === 'account' && account.positions.map((position) => position.positionAmt)).toEqual([
      '0.010',
    ]);
    expect(account?.kind === 'account' && account.balances.map((balance) => balance.walletBalance)).toEqual([
      '9999.7',
    ]);
  });

  it('deposit emits a DEPOSIT account event', () => {
    const core = createCore();
    core.deposit('alice', 'USDC', '50.5', t);
    const [event] = core.drainEvents();
    expect(event).toMatchObject({ kind: 'account', reason: 'DEPOSIT', positions: [], balanceChange: '50.5' });
    expect(usdc(core).walletBalance).toBe('10050.5');
  });

  it('withdraw emits a WITHDRAW account event, and never takes margin that positions or orders use', () => {
    const core = createCore();
    core.placeOrder('alice', btc({ quantity: '1' }), t); // margin 3000 at 20x, fee 30
    core.drainEvents();
    expect(core.withdraw('alice', 'USDC', '1000.25', t)).toMatchObject({ walletBalance: '8969.75' });
    const [event] = core.drainEvents();
    expect(event).toMatchObject({
      kind: 'account',
      reason: 'WITHDRAW',
      positions: [],
      balanceChange: '-1000.25',
      balances: [{ asset: 'USDC', walletBalance: '8969.75' }],
    });
    // Available: 8969.75 − 3000 of position margin.
    expect(() => core.withdraw('alice', 'USDC', '5969.76', t)).toThrow(/exceeds the withdrawable 5969.75/);
    expect(() => core.withdraw('alice', 'USDC', '0', t)).toThrow(/positive/);
    expect(() => core.withdraw('alice', 'DOGE', '1', t)).toThrow(/holds no DOGE/);
    expect(core.drainEvents()).toEqual([]);
    core.withdraw('alice', 'USDC', '5969.75', t);
    expect(usdc(core)).toMatchObject({ walletBalance: '3000', availableBalance: '0' });
  });

  it('unknown accounts are rejected -2015', () => {
    const core = createCore();
    expect(rejectionOf(() => core.assets('bob')).code).toBe(-2015);
    expect(core.hasAccount('bob')).toBe(false);
    expect(core.hasAccount('alice')).toBe(true);
  });

  it('prints Binance-like strings: tick and step decimals, money without exponent or -0', () => {
    const core = createCore();
    core.placeOrder('alice', { symbol: 'ETHUSDC', side: 'SELL', type: 'MARKET', quantity: '0.002' }, t);
    move(core, 'ETHUSDC', '3000.01', '3000.01');
    const eth = core.positions('alice').find((position) => position.symbol === 'ETHUSDC');
    // uPnL −0.002 × 0.01 = −0.00002 (not "-2e-5")
    expect(eth).toMatchObject({ positionAmt: '-0.002', unrealizedProfit: '-0.00002', markPrice: '3000.01' });
    expect(core.market('ETHUSDC')).toMatchObject({ lastPrice: '3000.01', fundingRate: '0.0001' });
    const flat = core.positions('alice').find((position) => position.symbol === 'BTCUSDC');
    expect(flat).toMatchObject({
      positionAmt: '0.000',
      entryPrice: '0',
      notional: '0',
      liquidationPrice: '0',
    });
  });
});

describe('queries', () => {
  it('accountTotals sums the assets', () => {
    const core = createCore();
    core.placeOrder('alice', btc({}), t);
    move(core, 'BTCUSDC', '59000');
    expect(core.accountTotals('alice')).toEqual({
      totalWalletBalance: '10999.7', // 9999.7 USDC + 1000 USDT
      totalUnrealizedProfit: '-10',
      totalMarginBalance: '10989.7',
      totalInitialMargin: '29.5', // 590 / 20
      totalMaintMargin: '2.36',
      totalPositionInitialMargin: '29.5',
      totalOpenOrderInitialMargin: '0',
      totalCrossWalletBalance: '10999.7',
      totalCrossUnPnl: '-10',
      availableBalance: '10960.2', // 9999.7 − 10 − 29.5 + 1000
      maxWithdrawAmount: '10960.2',
    });
  });

  it('keeps at most historyLimit finished orders per account', () => {
    const core = createCore({ historyLimit: 2 });
    const ids = [1, 2, 3].map(
      (index) =>
        core.placeOrder(
          'alice',
          btc({ side: index % 2 === 1 ? 'BUY' : 'SELL', newClientOrderId: `c${index}` }),
          t,
        ).orderId,
    );
    expect(rejectionOf(() => core.getOrder('alice', 'BTCUSDC', { orderId: ids[0] })).code).toBe(-2013);
    expect(rejectionOf(() => core.getOrder('alice', 'BTCUSDC', { origClientOrderId: 'c1' })).code).toBe(
      -2013,
    );
    expect(core.getOrder('alice', 'BTCUSDC', { orderId: ids[2] }).status).toBe('FILLED');
    expect(core.allOrders('alice').map((order) => order.orderId)).toEqual(ids.slice(1));
  });

  it('lists the instruments and the market state', () => {
    const core = createCore();
    expect(core.instruments().map((spec) => spec.symbol)).toEqual(['BTCUSDC', 'ETHUSDC', 'SOLUSDT']);
    expect(core.market('BTCUSDC')).toEqual({
      symbol: 'BTCUSDC',
      lastPrice: '60000.0',
      markPrice: '60000.0',
      indexPrice: '60000.0',
      fundingRate: '0.0001',
      nextFundingTime: Date.UTC(2026, 0, 5, 8),
      time: t,
    });
    expect(rejectionOf(() => core.market('NOPE')).code).toBe(-1121);
  });
});

describe('determinism', () => {
  function script(core: MatchingCore) {
    core.placeOrder('alice', btc({}), t);
    core.placeOrder('alice', btc({ side: 'SELL', type: 'LIMIT', price: '61000.0', reduceOnly: true }), t);
    core.placeAlgoOrder(
      'alice',
      { symbol: 'BTCUSDC', side: 'SELL', type: 'STOP_MARKET', triggerPrice: '59000.0', closePosition: true },
      t,
    );
    const prices = ['60500', '59500', '58950', '60000', '61000'];
    prices.forEach((price, index) => move(core, 'BTCUSDC', price, price, t + index + 1));
    core.placeOrder('alice', btc({ side: 'SELL', quantity: '0.020' }), t + 10);
    move(core, 'BTCUSDC', '60000', '60000', t + 8 * 3_600_000);
    return {
      events: core.drainEvents(),
      positions: core.positions('alice'),
      assets: core.assets('alice'),
      fills: core.fills('alice'),
      orders: core.allOrders('alice'),
      algos: core.allAlgoOrders('alice'),
    };
  }

  it('two cores fed the same inputs produce deep-equal outputs', () => {
    expect(script(createCore())).toEqual(script(createCore()));
  });
});
