import { describe, expect, it } from 'vitest';
import { MatchingCore } from './matching-core';
import { btcSpec, createCore, eventKinds, startTime } from './testing/core-fixtures';
import { btc, btcPosition, move, rejectionOf } from './testing/matching-core-helpers';
import type { NewOrderRequest } from './types';

/** The matching core: validation codes, reduce-only orders and the partial-fill fault. */

const t = startTime;

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
