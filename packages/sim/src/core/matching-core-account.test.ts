import { describe, expect, it } from 'vitest';
import type { MatchingCore } from './matching-core';
import { createCore, eventKinds, startTime } from './testing/core-fixtures';
import { btc, btcPosition, move, rejectionOf, usdc } from './testing/matching-core-helpers';

/** The matching core: leverage and margin type, events, queries and determinism. */

const t = startTime;

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
    expect(JSON.parse(JSON.stringify(events[2]))).toEqual({
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

describe('exact figures', () => {
  it('rounds unrealized PnL once, from the exact cost basis (a half-way case of the 8th decimal)', () => {
    const core = createCore();
    const buyEth = (quantity: string) =>
      ({ symbol: 'ETHUSDC', side: 'BUY', type: 'MARKET', quantity }) as const;
    core.placeOrder('alice', buyEth('0.004'), t);
    move(core, 'ETHUSDC', '3000.01');
    core.placeOrder('alice', buyEth('0.002'), t + 1);
    // The entry price is 18.00002 / 0.006 = 3000.0033333…, held as that ratio, not rounded.
    move(core, 'ETHUSDC', '3000.01', '3000.0000025', t + 2);
    const position = core.positions('alice').find((view) => view.symbol === 'ETHUSDC');
    expect(position?.entryPrice).toBe('3000.00333333');
    // 0.006 × 3000.0000025 − 18.00002 = −0.000019985 exactly: half away from zero.
    expect(position?.unrealizedProfit).toBe('-0.00001999');
    expect(usdc(core).unrealizedProfit).toBe('-0.00001999');
  });

  it('keeps the entry price through a partial close and weighs what is added after it', () => {
    const core = createCore();
    core.placeOrder('alice', btc({ quantity: '0.003' }), t);
    move(core, 'BTCUSDC', '60000.1');
    core.placeOrder('alice', btc({ side: 'SELL', quantity: '0.001' }), t + 1);
    expect(btcPosition(core).entryPrice).toBe('60000.0');
    move(core, 'BTCUSDC', '60000.2', '60000.2', t + 2);
    core.placeOrder('alice', btc({ quantity: '0.002' }), t + 2);
    // (0.002 × 60000 + 0.002 × 60000.2) / 0.004
    expect(btcPosition(core).positionAmt).toBe('0.004');
    expect(btcPosition(core).entryPrice).toBe('60000.1');
  });
});
