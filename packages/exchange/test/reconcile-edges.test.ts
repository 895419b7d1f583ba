/**
 * reconcile() at its edges: the safety cases (a bare position whose mark is unknown gets a stop; two
 * reconciles never reuse a client id), what counts as a stop or a take-profit, and the reasons and flags
 * an operator reads in the plan. reconcile is pure: these tests give it exchange states directly.
 */
import { describe, expect, it } from 'vitest';
import { clientOrderIdsFor } from '../src/client-order-ids';
import type { ReconcileAction } from '../src/reconcile';
import { reconcile } from '../src/reconcile';
import { BTC, ETH, conditional, intent, order, position, state, takeProfit } from './reconcile-fixtures';

const now = 1_750_000_000_000;
const policy = { adoptedStopLossFraction: '0.02', now };
const generation = `r${now.toString(36)}`;

const ids = clientOrderIdsFor('intent-1');
const adoptedIds = (symbol: string, side: string) => clientOrderIdsFor(`adopted:${symbol}:${side}`);

describe('reconcile: a bare position', () => {
  it('gets a stop-loss, not a close, when its mark price is unknown', () => {
    const actions = reconcile(state({ positions: [position({ markPrice: undefined })] }), [], policy);
    expect(actions).toEqual([
      {
        type: 'flag',
        code: 'POSITION_ADOPTED',
        symbol: BTC,
        intentId: undefined,
        detail: `long 0.020 ${BTC} at 60000 is not the bot's; protecting it with a stop at 58800`,
      },
      {
        type: 'place-stop-loss',
        symbol: BTC,
        positionSide: 'long',
        quantity: '0.020',
        triggerPrice: '58800',
        clientOrderId: adoptedIds(BTC, 'long').stopLoss(generation),
        intentId: undefined,
        reason: 'the position has no stop-loss',
      },
    ]);
  });

  it('is closed at market when the mark is already beyond the stop, with the mark in the reason', () => {
    const actions = reconcile(
      state({ positions: [position({ side: 'short', markPrice: '61300' })] }),
      [],
      policy,
    );
    expect(actions.at(-1)).toEqual({
      type: 'close-position',
      symbol: BTC,
      positionSide: 'short',
      quantity: '0.020',
      clientOrderId: adoptedIds(BTC, 'short').close(generation),
      intentId: undefined,
      reason: 'no stop-loss, and the mark price 61300 is already beyond the stop 61200',
    });
  });

  it('of quantity 0 gets no action', () => {
    expect(reconcile(state({ positions: [position({ quantity: '0' })] }), [], policy)).toEqual([]);
  });

  it('already covered by a stop is adopted as it is', () => {
    const actions = reconcile(
      state({ positions: [position()], conditionalOrders: [conditional()] }),
      [],
      policy,
    );
    expect(actions).toEqual([
      {
        type: 'flag',
        code: 'POSITION_ADOPTED',
        symbol: BTC,
        intentId: undefined,
        detail: `long 0.020 ${BTC} at 60000 is not the bot's; it already has a stop-loss`,
      },
    ]);
  });
});

describe('reconcile: client ids', () => {
  it('differ between two reconciles at different times, so a second stop is not refused as a duplicate', () => {
    const first = reconcile(state({ positions: [position()] }), [intent()], { ...policy, now });
    const later = reconcile(state({ positions: [position()] }), [intent()], { ...policy, now: now + 60_000 });
    const stopId = (actions: ReconcileAction[]) =>
      actions.find((action) => action.type === 'place-stop-loss')?.clientOrderId;
    expect(stopId(first)).toBe(ids.stopLoss(generation));
    expect(stopId(later)).toBe(ids.stopLoss(`r${(now + 60_000).toString(36)}`));
    expect(stopId(later)).not.toBe(stopId(first));
  });

  it('start with the default prefix `bot`, or the policy’s own', () => {
    const plain = reconcile(state({ positions: [position()] }), [intent()], policy);
    const custom = reconcile(state({ positions: [position()] }), [intent()], {
      ...policy,
      clientIdPrefix: 'xy1',
    });
    const placed = (actions: ReconcileAction[]) =>
      actions.filter((action) => action.type === 'place-stop-loss' || action.type === 'place-take-profit');
    expect(placed(plain).map((action) => action.clientOrderId)).toEqual([
      ids.stopLoss(generation),
      ids.takeProfit(generation),
    ]);
    expect(ids.base).toMatch(/^bot/);
    const customIds = clientOrderIdsFor('intent-1', 'xy1');
    expect(placed(custom).map((action) => action.clientOrderId)).toEqual([
      customIds.stopLoss(generation),
      customIds.takeProfit(generation),
    ]);
  });
});

describe('reconcile: what counts as a stop-loss or a take-profit', () => {
  it('a stop with neither a quantity nor closePosition does not cover the position', () => {
    const bare = conditional({ quantity: undefined });
    const actions = reconcile(
      state({ positions: [position()], conditionalOrders: [bare, takeProfit()] }),
      [intent()],
      policy,
    );
    expect(actions).toEqual([
      {
        type: 'place-stop-loss',
        symbol: BTC,
        positionSide: 'long',
        quantity: '0.020',
        triggerPrice: '58800',
        clientOrderId: ids.stopLoss(generation),
        intentId: 'intent-1',
        reason: "stop-losses cover less than the position's 0.020",
      },
      {
        type: 'cancel-conditional-order',
        symbol: BTC,
        orderId: bare.id,
        clientOrderId: bare.clientOrderId,
        reason: 'replaced by a stop-loss for the whole 0.020',
      },
    ]);
  });

  it('two covering stops are flagged with their ids', () => {
    const one = conditional();
    const two = conditional({ closePosition: true, quantity: undefined });
    const actions = reconcile(
      state({ positions: [position()], conditionalOrders: [one, two, takeProfit()] }),
      [intent()],
      policy,
    );
    expect(actions).toEqual([
      {
        type: 'flag',
        code: 'DUPLICATE_STOP_LOSS',
        symbol: BTC,
        intentId: 'intent-1',
        detail: `2 stop-losses cover the position: ${one.id}, ${two.id}`,
      },
    ]);
  });

  it('a take-profit on the opening side is canceled and does not count: a new one is placed', () => {
    const wrong = takeProfit({ side: 'buy' });
    const actions = reconcile(
      state({ positions: [position()], conditionalOrders: [conditional(), wrong] }),
      [intent({ takeProfitLimitPrice: '62300' })],
      policy,
    );
    expect(actions).toEqual([
      {
        type: 'cancel-conditional-order',
        symbol: BTC,
        orderId: wrong.id,
        clientOrderId: wrong.clientOrderId,
        reason: `take-profit ${wrong.id} is on the buy side, which cannot reduce a long`,
      },
      {
        type: 'place-take-profit',
        symbol: BTC,
        positionSide: 'long',
        quantity: '0.020',
        triggerPrice: '62400',
        limitPrice: '62300',
        clientOrderId: ids.takeProfit(generation),
        intentId: 'intent-1',
        reason: 'the position has no take-profit',
      },
    ]);
  });

  it('a regular reduce-only order on the exit side counts as the take-profit; one on the other side or not reduce-only does not', () => {
    const counts = reconcile(
      state({ positions: [position()], conditionalOrders: [conditional()], orders: [order()] }),
      [intent()],
      policy,
    );
    expect(counts).toEqual([]);
    for (const other of [order({ side: 'buy' }), order({ reduceOnly: false })]) {
      const actions = reconcile(
        state({ positions: [position()], conditionalOrders: [conditional()], orders: [other] }),
        [intent()],
        policy,
      );
      expect(actions).toEqual([
        expect.objectContaining({ type: 'place-take-profit', limitPrice: undefined, triggerPrice: '62400' }),
      ]);
    }
  });

  it('a live conditional order that is not reduce-only is flagged unexpected, with or without a position', () => {
    const entryLike = conditional({ reduceOnly: false, side: 'buy', type: 'stop-market' });
    const withPosition = reconcile(
      state({ positions: [position()], conditionalOrders: [conditional(), takeProfit(), entryLike] }),
      [intent()],
      policy,
    );
    expect(withPosition).toEqual([
      {
        type: 'flag',
        code: 'UNEXPECTED_ORDER',
        symbol: BTC,
        intentId: undefined,
        detail: `${entryLike.id}: conditional stop-market buy not reduce-only`,
      },
    ]);
    const alone = reconcile(state({ conditionalOrders: [entryLike] }), [], policy);
    expect(alone).toEqual([withPosition[0]]);
  });
});

describe('reconcile: a missing take-profit the mark has already passed', () => {
  it.each([
    ['long', '62500', '62400'],
    ['short', '57500', '57600'],
  ] as const)('a %s is flagged TAKE_PROFIT_PASSED, not given a take-profit', (side, mark, target) => {
    const stop = side === 'long' ? '58800' : '61200';
    const actions = reconcile(
      state({
        positions: [position({ side, markPrice: mark })],
        conditionalOrders: [conditional({ side: side === 'long' ? 'sell' : 'buy', triggerPrice: stop })],
      }),
      [intent({ side, stopLossPrice: stop, takeProfitPrice: target })],
      policy,
    );
    expect(actions).toEqual([
      {
        type: 'flag',
        code: 'TAKE_PROFIT_PASSED',
        symbol: BTC,
        intentId: 'intent-1',
        detail: `the take-profit ${target} is missing and the mark ${mark} is already beyond it`,
      },
    ]);
  });

  it('a short whose mark has not reached the target gets its take-profit', () => {
    const actions = reconcile(
      state({
        positions: [position({ side: 'short', markPrice: '60000' })],
        conditionalOrders: [conditional({ side: 'buy', triggerPrice: '61200' })],
      }),
      [intent({ side: 'short', stopLossPrice: '61200', takeProfitPrice: '57600' })],
      policy,
    );
    expect(actions).toEqual([expect.objectContaining({ type: 'place-take-profit', triggerPrice: '57600' })]);
  });
});

describe('reconcile: orders without a position, and the plan’s order', () => {
  it('cancels stale protective orders, ignores filled or canceled ones, and flags a closed intent', () => {
    const stale = conditional();
    const staleLimit = order();
    const actions = reconcile(
      state({
        conditionalOrders: [stale, conditional({ status: 'canceled' }), takeProfit({ status: 'triggered' })],
        orders: [
          staleLimit,
          order({ status: 'filled' }),
          order({ status: 'canceled' }),
          order({ reduceOnly: false }),
        ],
      }),
      [intent()],
      policy,
    );
    expect(actions).toEqual([
      {
        type: 'flag',
        code: 'INTENT_CLOSED',
        symbol: BTC,
        intentId: 'intent-1',
        detail: `no long position on ${BTC} any more`,
      },
      {
        type: 'cancel-conditional-order',
        symbol: BTC,
        orderId: stale.id,
        clientOrderId: stale.clientOrderId,
        reason: `no position on ${BTC}: stop-loss ${stale.id} is stale`,
      },
      {
        type: 'cancel-order',
        symbol: BTC,
        orderId: staleLimit.id,
        clientOrderId: staleLimit.clientOrderId,
        reason: `no position on ${BTC}: reduce-only order ${staleLimit.id} is stale`,
      },
    ]);
  });

  it('gives its actions in symbol order, whatever the order of the exchange state', () => {
    const actions = reconcile(
      state({ positions: [position({ symbol: ETH, entryPrice: '3000', markPrice: '3000' }), position()] }),
      [],
      policy,
    );
    expect(actions.map((action) => action.symbol)).toEqual([BTC, BTC, ETH, ETH]);
  });

  it('flags a second intent for a symbol, a side mismatch and a quantity mismatch in words', () => {
    const actions = reconcile(
      state({
        positions: [
          position({ quantity: '0.010' }),
          position({ symbol: ETH, side: 'short', entryPrice: '3000', markPrice: '3000' }),
        ],
        conditionalOrders: [conditional({ quantity: '0.010' }), takeProfit({ quantity: '0.010' })],
      }),
      [
        intent(),
        intent({ intentId: 'intent-2' }),
        intent({ intentId: 'intent-3', symbol: ETH, stopLossPrice: '2900', takeProfitPrice: '3100' }),
      ],
      policy,
    );
    const flags = actions.filter((action) => action.type === 'flag');
    expect(flags).toEqual([
      {
        type: 'flag',
        code: 'DUPLICATE_INTENT',
        symbol: BTC,
        intentId: 'intent-2',
        detail: `a second intent for ${BTC}; only intent-1 is used`,
      },
      {
        type: 'flag',
        code: 'QUANTITY_MISMATCH',
        symbol: BTC,
        intentId: 'intent-1',
        detail: 'expected 0.02, the exchange holds 0.010',
      },
      {
        type: 'flag',
        code: 'SIDE_MISMATCH',
        symbol: ETH,
        intentId: 'intent-3',
        detail: 'intent is long, the position is short; protecting it as adopted',
      },
      {
        type: 'flag',
        code: 'POSITION_ADOPTED',
        symbol: ETH,
        intentId: undefined,
        detail: `short 0.020 ${ETH} at 3000 is not the bot's; protecting it with a stop at 3060`,
      },
    ]);
  });

  it('refuses an adopted stop fraction outside (0, 1) before anything else', () => {
    for (const fraction of ['0', '1', '1.5']) {
      expect(() => reconcile(state({}), [], { ...policy, adoptedStopLossFraction: fraction })).toThrow(
        new RangeError('reconcile: adoptedStopLossFraction must be between 0 and 1 (exclusive)'),
      );
    }
  });
});
