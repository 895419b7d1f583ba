import { describe, expect, it } from 'vitest';

import type { MatchingCore } from './matching-core';
import { createCore, eventKinds, startTime } from './testing/core-fixtures';
import type { ConditionalOrderType, NewAlgoOrderRequest, Side, SimRejection } from './types';

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

function algo(partial: Partial<NewAlgoOrderRequest>): NewAlgoOrderRequest {
  return {
    symbol: 'BTCUSDC',
    side: 'SELL',
    type: 'STOP_MARKET',
    triggerPrice: '59000.0',
    quantity: '0.010',
    reduceOnly: true,
    ...partial,
  };
}

function move(core: MatchingCore, last: string, mark = last, time = t + 1) {
  core.updateMarket({ symbol: 'BTCUSDC', lastPrice: last, markPrice: mark, time });
}

function openLong(core: MatchingCore, quantity = '0.010') {
  core.placeOrder('alice', { symbol: 'BTCUSDC', side: 'BUY', type: 'MARKET', quantity }, t);
}

function openShort(core: MatchingCore, quantity = '0.010') {
  core.placeOrder('alice', { symbol: 'BTCUSDC', side: 'SELL', type: 'MARKET', quantity }, t);
}

function positionAmount(core: MatchingCore): string {
  return core.positions('alice').find((position) => position.symbol === 'BTCUSDC')?.positionAmt ?? '?';
}

describe('trigger rules (CONTRACT_PRICE, the default)', () => {
  it('long stop-loss: SELL STOP_MARKET fires when last ≤ trigger', () => {
    const core = createCore();
    openLong(core);
    const stop = core.placeAlgoOrder('alice', algo({}), t);
    expect(stop).toMatchObject({
      algoId: 2000001,
      algoStatus: 'NEW',
      workingType: 'CONTRACT_PRICE',
      triggerPrice: '59000.0',
    });
    expect(core.openOrders('alice')).toEqual([]); // algo orders are not regular open orders
    move(core, '59000.1');
    expect(core.openAlgoOrders('alice')).toHaveLength(1);
    move(core, '59000');
    expect(core.openAlgoOrders('alice')).toEqual([]);
    expect(positionAmount(core)).toBe('0.000');
    // realized (59000 − 60000) × 0.010 = −10; fee 590 × 0.0005 = 0.295
    expect(core.fills('alice').at(-1)).toMatchObject({
      price: '59000.0',
      realizedPnl: '-10',
      commission: '0.295',
    });
  });

  it('long take-profit: SELL TAKE_PROFIT_MARKET fires when last ≥ trigger', () => {
    const core = createCore();
    openLong(core);
    core.placeAlgoOrder('alice', algo({ type: 'TAKE_PROFIT_MARKET', triggerPrice: '62000.0' }), t);
    move(core, '61999.9');
    expect(positionAmount(core)).toBe('0.010');
    move(core, '62000.5');
    expect(positionAmount(core)).toBe('0.000');
    expect(core.fills('alice').at(-1)).toMatchObject({ price: '62000.5', realizedPnl: '20.005' });
  });

  it('short stop-loss: BUY STOP_MARKET fires when last ≥ trigger', () => {
    const core = createCore();
    openShort(core);
    core.placeAlgoOrder('alice', algo({ side: 'BUY', triggerPrice: '61000.0' }), t);
    move(core, '60999.9');
    expect(positionAmount(core)).toBe('-0.010');
    move(core, '61000');
    expect(positionAmount(core)).toBe('0.000');
  });

  it('short take-profit: BUY TAKE_PROFIT_MARKET fires when last ≤ trigger', () => {
    const core = createCore();
    openShort(core);
    core.placeAlgoOrder(
      'alice',
      algo({ side: 'BUY', type: 'TAKE_PROFIT_MARKET', triggerPrice: '58000.0' }),
      t,
    );
    move(core, '58000.1');
    expect(positionAmount(core)).toBe('-0.010');
    move(core, '57990');
    expect(positionAmount(core)).toBe('0.000');
    // realized (57990 − 60000) × 0.010 × −1 = 20.1
    expect(core.fills('alice').at(-1)?.realizedPnl).toBe('20.1');
  });
});

describe('mark price versus contract price', () => {
  it('a MARK_PRICE stop ignores a last-price spike the mark did not follow, and fires on the mark', () => {
    const core = createCore();
    openLong(core);
    core.placeAlgoOrder('alice', algo({ workingType: 'MARK_PRICE' }), t);
    move(core, '58000', '59500'); // last spikes through 59000, mark does not
    expect(positionAmount(core)).toBe('0.010');
    move(core, '59500', '58900'); // mark reaches it: the child MARKET fills at the last price
    expect(positionAmount(core)).toBe('0.000');
    expect(core.fills('alice').at(-1)?.price).toBe('59500.0');
  });

  it('a CONTRACT_PRICE stop ignores the mark and fires on the last price', () => {
    const core = createCore();
    openLong(core);
    core.placeAlgoOrder('alice', algo({ workingType: 'CONTRACT_PRICE' }), t);
    move(core, '59500', '58000');
    expect(positionAmount(core)).toBe('0.010');
    move(core, '58999.9', '59500');
    expect(positionAmount(core)).toBe('0.000');
  });
});

describe('exact comparisons behind the float pre-check', () => {
  it('a price equal as a float but above the trigger as a decimal does not fire a SELL stop', () => {
    const core = createCore();
    openLong(core);
    core.placeAlgoOrder('alice', algo({}), t);
    // Number('59000.00000000000001') === 59000, but the decimal is above 59000.0
    move(core, '59000.00000000000001');
    expect(positionAmount(core)).toBe('0.010');
    move(core, '59000.00');
    expect(positionAmount(core)).toBe('0.000');
  });

  it('a resting buy at 59000.0 does not fill at 59000.00000000000001', () => {
    const core = createCore();
    const order = core.placeOrder(
      'alice',
      { symbol: 'BTCUSDC', side: 'BUY', type: 'LIMIT', price: '59000.0', quantity: '0.010' },
      t,
    );
    move(core, '59000.00000000000001');
    expect(core.getOrder('alice', 'BTCUSDC', { orderId: order.orderId }).status).toBe('NEW');
    move(core, '59000');
    expect(core.getOrder('alice', 'BTCUSDC', { orderId: order.orderId }).status).toBe('FILLED');
  });
});

describe('-2021 immediate trigger', () => {
  // last = mark = 60000
  const immediate: [ConditionalOrderType, Side, string][] = [
    ['STOP_MARKET', 'BUY', '60000.0'], // BUY stop fires when price ≥ trigger
    ['STOP_MARKET', 'BUY', '59999.9'],
    ['STOP_MARKET', 'SELL', '60000.0'], // SELL stop fires when price ≤ trigger
    ['STOP_MARKET', 'SELL', '60000.1'],
    ['TAKE_PROFIT_MARKET', 'BUY', '60000.1'], // BUY take-profit fires when price ≤ trigger
    ['TAKE_PROFIT_MARKET', 'SELL', '59999.9'], // SELL take-profit fires when price ≥ trigger
    ['STOP', 'BUY', '59999.9'],
    ['STOP', 'SELL', '60000.1'],
    ['TAKE_PROFIT', 'BUY', '60000.0'],
    ['TAKE_PROFIT', 'SELL', '60000.0'],
  ];
  for (const [type, side, triggerPrice] of immediate) {
    it(`${side} ${type} at ${triggerPrice} → -2021`, () => {
      const core = createCore();
      const price = type === 'STOP' || type === 'TAKE_PROFIT' ? triggerPrice : undefined;
      expect(
        rejectionOf(() =>
          core.placeAlgoOrder(
            'alice',
            algo({ type, side, triggerPrice, price, reduceOnly: false, quantity: '0.010' }),
            t,
          ),
        ),
      ).toEqual({ code: -2021, msg: 'Order would immediately trigger.' });
    });
  }

  const resting: [ConditionalOrderType, Side, string][] = [
    ['STOP_MARKET', 'BUY', '60000.1'],
    ['STOP_MARKET', 'SELL', '59999.9'],
    ['TAKE_PROFIT_MARKET', 'BUY', '59999.9'],
    ['TAKE_PROFIT_MARKET', 'SELL', '60000.1'],
  ];
  for (const [type, side, triggerPrice] of resting) {
    it(`${side} ${type} at ${triggerPrice} is accepted`, () => {
      const core = createCore();
      expect(
        core.placeAlgoOrder('alice', algo({ type, side, triggerPrice, reduceOnly: false }), t).algoStatus,
      ).toBe('NEW');
    });
  }

  it('checks the price of the working type', () => {
    const core = createCore();
    move(core, '60000', '59000');
    const request = algo({ triggerPrice: '59500.0', reduceOnly: false });
    expect(
      rejectionOf(() => core.placeAlgoOrder('alice', { ...request, workingType: 'MARK_PRICE' }, t)).code,
    ).toBe(-2021);
    expect(core.placeAlgoOrder('alice', request, t).algoStatus).toBe('NEW');
  });
});

describe('triggered stop-loss events', () => {
  it('ALGO TRIGGERING → TRIGGERED → child NEW → TRADE → account ORDER → ALGO FINISHED', () => {
    const core = createCore();
    openLong(core);
    core.drainEvents();
    const stop = core.placeAlgoOrder('alice', algo({ clientAlgoId: 'my-sl' }), t);
    expect(eventKinds(core.drainEvents())).toEqual(['algo:NEW']);
    move(core, '58950', '58950', t + 5);
    const events = core.drainEvents();
    expect(eventKinds(events)).toEqual([
      'algo:TRIGGERING',
      'algo:TRIGGERED',
      'order:NEW:NEW',
      'order:TRADE:FILLED',
      'trade',
      'account:ORDER',
      'algo:FINISHED',
    ]);
    const triggered = events[1];
    const child = events[2];
    if (triggered?.kind !== 'algo' || child?.kind !== 'order') throw new Error('unexpected events');
    expect(triggered.algo.actualOrderId).toBe(child.order.orderId);
    expect(child.order).toMatchObject({
      clientOrderId: 'my-sl',
      type: 'MARKET',
      origType: 'STOP_MARKET',
      reduceOnly: true,
      stopPrice: '59000.0',
      workingType: 'CONTRACT_PRICE',
      side: 'SELL',
    });
    const finished = events[6];
    expect(finished?.kind === 'algo' && finished.algo).toMatchObject({
      algoId: stop.algoId,
      algoStatus: 'FINISHED',
      actualPrice: '58950.0',
      actualQty: '0.010',
      triggerTime: t + 5,
    });
    expect(core.getAlgoOrder('alice', { clientAlgoId: 'my-sl' }).algoStatus).toBe('FINISHED');
    expect(core.getOrder('alice', 'BTCUSDC', { origClientOrderId: 'my-sl' }).status).toBe('FILLED');
  });
});

describe('closePosition', () => {
  it('closes the whole current position on the reducing side', () => {
    const core = createCore();
    openLong(core, '0.030');
    const request = algo({ closePosition: true, reduceOnly: undefined, quantity: undefined });
    const stop = core.placeAlgoOrder('alice', request, t);
    expect(stop).toMatchObject({ closePosition: true, quantity: '0' });
    openLong(core, '0.005'); // the position grows after placement: the child takes it all
    move(core, '59000');
    expect(positionAmount(core)).toBe('0.000');
    const finished = core.getAlgoOrder('alice', { algoId: stop.algoId });
    expect(finished).toMatchObject({ algoStatus: 'FINISHED', actualQty: '0.035' });
    expect(core.getOrder('alice', 'BTCUSDC', { orderId: finished.actualOrderId })).toMatchObject({
      origQty: '0.035',
      closePosition: true,
      reduceOnly: true,
    });
  });

  it('expires when the position is flat at trigger time, without touching the position', () => {
    const core = createCore();
    core.placeAlgoOrder(
      'alice',
      algo({ closePosition: true, reduceOnly: undefined, quantity: undefined }),
      t,
    );
    core.drainEvents();
    move(core, '58000');
    expect(eventKinds(core.drainEvents())).toEqual(['algo:TRIGGERING', 'algo:EXPIRED']);
    const [expired] = core.allAlgoOrders('alice');
    expect(expired).toMatchObject({
      algoStatus: 'EXPIRED',
      rejectReason: 'ReduceOnly Order is rejected.',
      actualOrderId: 0,
    });
    expect(positionAmount(core)).toBe('0.000');
    expect(core.fills('alice')).toEqual([]);
  });

  it('rejects closePosition with a quantity (-4137) or with reduceOnly (-1106)', () => {
    const core = createCore();
    expect(
      rejectionOf(() => core.placeAlgoOrder('alice', algo({ closePosition: true, reduceOnly: false }), t)),
    ).toEqual({
      code: -4137,
      msg: 'Quantity must be zero with closePosition equals true',
    });
    expect(
      rejectionOf(() =>
        core.placeAlgoOrder('alice', algo({ closePosition: true, reduceOnly: true, quantity: undefined }), t),
      ),
    ).toEqual({ code: -1106, msg: "Parameter 'reduceonly' sent when not required." });
  });

  it('a reduce-only stop whose position is gone expires at trigger', () => {
    const core = createCore();
    openLong(core);
    core.placeAlgoOrder('alice', algo({}), t);
    openShort(core); // flat again
    move(core, '58000');
    expect(core.allAlgoOrders('alice')[0]).toMatchObject({ algoStatus: 'EXPIRED' });
    expect(positionAmount(core)).toBe('0.000');
  });
});

describe('STOP / TAKE_PROFIT (limit children)', () => {
  it('a child LIMIT that crosses fills at once as taker at the last price', () => {
    const core = createCore();
    openShort(core);
    core.placeAlgoOrder(
      'alice',
      algo({ side: 'BUY', type: 'STOP', triggerPrice: '61000.0', price: '61100.0' }),
      t,
    );
    move(core, '61000');
    expect(positionAmount(core)).toBe('0.000');
    expect(core.fills('alice').at(-1)).toMatchObject({ price: '61000.0', maker: false });
  });

  it('a child LIMIT that does not cross rests (the algo is FINISHED when the child is placed) and fills later as maker', () => {
    const core = createCore();
    openShort(core);
    const stop = core.placeAlgoOrder(
      'alice',
      algo({ side: 'BUY', type: 'STOP', triggerPrice: '61000.0', price: '61000.0' }),
      t,
    );
    move(core, '61200');
    const finished = core.getAlgoOrder('alice', { algoId: stop.algoId });
    expect(finished).toMatchObject({ algoStatus: 'FINISHED', actualPrice: '0', actualQty: '0.000' });
    expect(core.openOrders('alice')).toMatchObject([
      { orderId: finished.actualOrderId, status: 'NEW', origType: 'STOP' },
    ]);
    move(core, '60900', '60900', t + 2);
    expect(positionAmount(core)).toBe('0.000');
    expect(core.fills('alice').at(-1)).toMatchObject({ price: '61000.0', maker: true });
  });

  it('requires a price for the limit types and refuses one for the market types', () => {
    const core = createCore();
    expect(rejectionOf(() => core.placeAlgoOrder('alice', algo({ type: 'STOP' }), t)).code).toBe(-1102);
    expect(rejectionOf(() => core.placeAlgoOrder('alice', algo({ price: '58000.0' }), t)).code).toBe(-1106);
  });
});

describe('algo validation, faults and bookkeeping', () => {
  it('triggerPrice must be on the tick (-4014) and within precision (-1111)', () => {
    const core = createCore();
    expect(rejectionOf(() => core.placeAlgoOrder('alice', algo({ triggerPrice: '59000.05' }), t)).code).toBe(
      -1111,
    );
    const sol = { symbol: 'SOLUSDT', quantity: '1.000', reduceOnly: false, triggerPrice: '140.03' };
    expect(rejectionOf(() => core.placeAlgoOrder('alice', algo(sol), t))).toEqual({
      code: -4014,
      msg: 'Price not increased by tick size.',
    });
    expect(
      rejectionOf(() =>
        core.placeAlgoOrder('alice', algo({ triggerPrice: undefined as unknown as string }), t),
      ).code,
    ).toBe(-1102);
  });

  it('validates quantity and min notional like regular orders', () => {
    const core = createCore();
    expect(rejectionOf(() => core.placeAlgoOrder('alice', algo({ quantity: '0.0001' }), t)).code).toBe(-1111);
    expect(rejectionOf(() => core.placeAlgoOrder('alice', algo({ quantity: '121' }), t)).code).toBe(-4005);
    expect(
      rejectionOf(() =>
        core.placeAlgoOrder(
          'alice',
          algo({ symbol: 'ETHUSDC', triggerPrice: '2900.00', quantity: '0.001', reduceOnly: false }),
          t,
        ),
      ).code,
    ).toBe(-4164);
    expect(
      rejectionOf(() => core.placeAlgoOrder('alice', algo({ type: 'MARKET' as 'STOP_MARKET' }), t)).code,
    ).toBe(-1116);
  });

  it('rejectNextConditional rejects the next placement once', () => {
    const core = createCore();
    core.faults.rejectNextConditional = { code: -2021, msg: 'Order would immediately trigger.' };
    expect(rejectionOf(() => core.placeAlgoOrder('alice', algo({ reduceOnly: false }), t))).toEqual({
      code: -2021,
      msg: 'Order would immediately trigger.',
    });
    expect(core.faults.rejectNextConditional).toBeUndefined();
    expect(core.placeAlgoOrder('alice', algo({ reduceOnly: false }), t).algoStatus).toBe('NEW');
  });

  it('partialFillRatio applies to the triggered child', () => {
    const core = createCore();
    openLong(core);
    core.placeAlgoOrder('alice', algo({}), t);
    core.faults.partialFillRatio = 0.5;
    move(core, '58000');
    expect(positionAmount(core)).toBe('0.005');
    expect(core.allAlgoOrders('alice')[0]).toMatchObject({ algoStatus: 'FINISHED', actualQty: '0.005' });
    const child = core.allOrders('alice').at(-1);
    expect(child).toMatchObject({ status: 'EXPIRED', executedQty: '0.005' });
  });

  it('a child that fails margin is REJECTED with the reason', () => {
    const core = createCore({}, '100');
    core.placeAlgoOrder(
      'alice',
      algo({ side: 'BUY', triggerPrice: '61000.0', quantity: '0.100', reduceOnly: false }),
      t,
    );
    move(core, '61000');
    expect(core.allAlgoOrders('alice')[0]).toMatchObject({
      algoStatus: 'REJECTED',
      rejectReason: 'Margin is insufficient.',
    });
    expect(positionAmount(core)).toBe('0.000');
  });

  it('keeps a separate id space; cancel by id or client id; -2011 when not open; -2013 when unknown', () => {
    const core = createCore();
    const first = core.placeAlgoOrder('alice', algo({ reduceOnly: false, clientAlgoId: 'sl-1' }), t);
    const second = core.placeAlgoOrder('alice', algo({ reduceOnly: false, triggerPrice: '58000.0' }), t);
    expect([first.algoId, second.algoId]).toEqual([2000001, 2000002]);
    expect(second.clientAlgoId).toBe('sim-algo-2000002');
    expect(
      rejectionOf(() => core.placeAlgoOrder('alice', algo({ reduceOnly: false, clientAlgoId: 'sl-1' }), t))
        .code,
    ).toBe(-4116);
    expect(core.cancelAlgoOrder('alice', { clientAlgoId: 'sl-1' }, t).algoStatus).toBe('CANCELED');
    expect(rejectionOf(() => core.cancelAlgoOrder('alice', { algoId: first.algoId }, t)).code).toBe(-2011);
    expect(rejectionOf(() => core.getAlgoOrder('alice', { algoId: 1000001 })).code).toBe(-2013);
    expect(rejectionOf(() => core.getOrder('alice', 'BTCUSDC', { orderId: first.algoId })).code).toBe(-2013);
    expect(core.cancelAllAlgoOrders('alice', 'BTCUSDC', t).map((view) => view.algoId)).toEqual([
      second.algoId,
    ]);
    expect(core.openAlgoOrders('alice')).toEqual([]);
    expect(core.allAlgoOrders('alice', 'BTCUSDC').map((view) => view.algoStatus)).toEqual([
      'CANCELED',
      'CANCELED',
    ]);
    // a canceled algo never triggers
    core.drainEvents();
    move(core, '50000');
    expect(core.drainEvents().filter((event) => event.kind === 'algo')).toEqual([]);
  });

  it('several algo orders reached by one update fire in algoId order', () => {
    const core = createCore();
    openLong(core, '0.020');
    const first = core.placeAlgoOrder('alice', algo({ triggerPrice: '59000.0' }), t);
    const second = core.placeAlgoOrder('alice', algo({ triggerPrice: '59500.0' }), t);
    core.drainEvents();
    move(core, '58000');
    const triggered = core
      .drainEvents()
      .flatMap((event) =>
        event.kind === 'algo' && event.algo.algoStatus === 'TRIGGERING' ? [event.algo.algoId] : [],
      );
    expect(triggered).toEqual([first.algoId, second.algoId]);
    expect(positionAmount(core)).toBe('0.000');
  });
});
