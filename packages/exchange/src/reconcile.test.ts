import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BTC,
  ETH,
  conditional,
  intent,
  order,
  position,
  state,
  takeProfit,
} from '../test/reconcile-fixtures';
import type { ConditionalOrder, ExchangeState, Position, PositionSide } from './domain';
import { closingSide } from './domain';
import type { LocalIntent, ReconcileAction } from './reconcile';
import { reconcile } from './reconcile';

const policy = { adoptedStopLossFraction: '0.02', now: 1_750_000_000_000 };

const kinds = (actions: readonly ReconcileAction[]) =>
  actions.map((action) => (action.type === 'flag' ? `flag:${action.code}` : action.type));

describe('reconcile: the action table', () => {
  it('leaves a protected position alone', () => {
    const actions = reconcile(
      state({ positions: [position()], conditionalOrders: [conditional(), takeProfit()] }),
      [intent()],
      policy,
    );
    expect(actions).toEqual([]);
  });

  it('re-places a missing stop-loss from the intent, for the whole position', () => {
    const actions = reconcile(
      state({ positions: [position()], conditionalOrders: [takeProfit()] }),
      [intent()],
      policy,
    );
    expect(actions).toEqual([
      expect.objectContaining({
        type: 'place-stop-loss',
        symbol: BTC,
        positionSide: 'long',
        quantity: '0.020',
        triggerPrice: '58800',
        intentId: 'intent-1',
      }),
    ]);
    const action = actions[0] as Extract<ReconcileAction, { type: 'place-stop-loss' }>;
    expect(action.clientOrderId).toMatch(/^bot[0-9a-f]{18}-sr[0-9a-z]+$/);
    expect(action.clientOrderId.length).toBeLessThanOrEqual(36);
  });

  it('re-places a missing take-profit', () => {
    const actions = reconcile(
      state({ positions: [position()], conditionalOrders: [conditional()] }),
      [intent()],
      policy,
    );
    expect(actions).toEqual([
      expect.objectContaining({
        type: 'place-take-profit',
        quantity: '0.020',
        triggerPrice: '62400',
        positionSide: 'long',
      }),
    ]);
  });

  it('counts a triggered take-profit whose limit order rests as a take-profit', () => {
    const actions = reconcile(
      state({ positions: [position()], conditionalOrders: [conditional()], orders: [order()] }),
      [intent()],
      policy,
    );
    expect(actions).toEqual([]);
  });

  it('flags a take-profit the price has already passed instead of placing it', () => {
    const actions = reconcile(
      state({ positions: [position({ markPrice: '62500' })], conditionalOrders: [conditional()] }),
      [intent()],
      policy,
    );
    expect(kinds(actions)).toEqual(['flag:TAKE_PROFIT_PASSED']);
  });

  it('closes at market a position without a stop whose mark is already beyond the stop', () => {
    const actions = reconcile(state({ positions: [position({ markPrice: '58700' })] }), [intent()], policy);
    expect(actions).toEqual([
      expect.objectContaining({
        type: 'close-position',
        positionSide: 'long',
        quantity: '0.020',
        intentId: 'intent-1',
      }),
    ]);
  });

  it('replaces stop-losses that cover less than the position: new stop first, then the old ones canceled', () => {
    const partial = conditional({ quantity: '0.010' });
    const actions = reconcile(
      state({ positions: [position()], conditionalOrders: [partial, takeProfit()] }),
      [intent()],
      policy,
    );
    expect(kinds(actions)).toEqual(['place-stop-loss', 'cancel-conditional-order']);
    expect(actions[1]).toMatchObject({ orderId: partial.id });
  });

  it('accepts a closePosition stop-loss as covering any quantity', () => {
    const actions = reconcile(
      state({
        positions: [position({ quantity: '5' })],
        conditionalOrders: [
          conditional({ closePosition: true, reduceOnly: false, quantity: undefined }),
          takeProfit(),
        ],
      }),
      [intent({ quantity: '5' })],
      policy,
    );
    expect(actions).toEqual([]);
  });

  it('cancels the conditional and reduce-only orders of a position that is gone, and flags the intent', () => {
    const stop = conditional();
    const target = takeProfit();
    const child = order();
    const entry = order({ side: 'buy', reduceOnly: false, price: '59000' });
    const actions = reconcile(
      state({ conditionalOrders: [stop, target], orders: [child, entry] }),
      [intent()],
      policy,
    );
    expect(kinds(actions)).toEqual([
      'flag:INTENT_CLOSED',
      'cancel-conditional-order',
      'cancel-conditional-order',
      'cancel-order',
    ]);
    expect(actions.map((action) => ('orderId' in action ? action.orderId : undefined))).toEqual([
      undefined,
      stop.id,
      target.id,
      child.id,
    ]);
  });

  it('flags a conditional order that is not reduce-only instead of touching it', () => {
    const actions = reconcile(
      state({ conditionalOrders: [conditional({ reduceOnly: false, side: 'buy', purpose: 'take-profit' })] }),
      [],
      policy,
    );
    expect(kinds(actions)).toEqual(['flag:UNEXPECTED_ORDER']);
  });

  it('adopts an unknown long with a stop from the policy, below its entry', () => {
    const actions = reconcile(
      state({
        positions: [position({ symbol: ETH, entryPrice: '3000', markPrice: '3010', quantity: '0.5' })],
      }),
      [],
      policy,
    );
    expect(kinds(actions)).toEqual(['flag:POSITION_ADOPTED', 'place-stop-loss']);
    expect(actions[1]).toMatchObject({
      symbol: ETH,
      positionSide: 'long',
      quantity: '0.5',
      triggerPrice: '2940',
      intentId: undefined,
    });
  });

  it('adopts an unknown short with a stop above its entry', () => {
    const actions = reconcile(
      state({ positions: [position({ side: 'short', entryPrice: '60000', markPrice: '59000' })] }),
      [],
      policy,
    );
    expect(actions[1]).toMatchObject({
      type: 'place-stop-loss',
      positionSide: 'short',
      triggerPrice: '61200',
    });
  });

  it('adopts an unknown position that already has a stop without placing another', () => {
    const actions = reconcile(
      state({ positions: [position()], conditionalOrders: [conditional()] }),
      [],
      policy,
    );
    expect(kinds(actions)).toEqual(['flag:POSITION_ADOPTED']);
  });

  it('closes an adopted position that is already beyond the policy stop', () => {
    const actions = reconcile(
      state({ positions: [position({ entryPrice: '60000', markPrice: '58000' })] }),
      [],
      policy,
    );
    expect(kinds(actions)).toEqual(['flag:POSITION_ADOPTED', 'close-position']);
  });

  it('flags a quantity mismatch and covers the real quantity', () => {
    const actions = reconcile(
      state({
        positions: [position({ quantity: '0.030' })],
        conditionalOrders: [conditional(), takeProfit()],
      }),
      [intent()],
      policy,
    );
    expect(kinds(actions)).toEqual(['flag:QUANTITY_MISMATCH', 'place-stop-loss', 'cancel-conditional-order']);
    expect(actions[1]).toMatchObject({ quantity: '0.030' });
  });

  it('treats a position on the other side than its intent as adopted', () => {
    const actions = reconcile(
      state({ positions: [position({ side: 'short', markPrice: '60000' })] }),
      [intent()],
      policy,
    );
    expect(kinds(actions)).toEqual(['flag:SIDE_MISMATCH', 'flag:POSITION_ADOPTED', 'place-stop-loss']);
    expect(actions[2]).toMatchObject({ positionSide: 'short', triggerPrice: '61200', intentId: undefined });
  });

  it('cancels reduce-only conditional orders on the side that cannot reduce the position', () => {
    const wrong = conditional({ side: 'buy' });
    const actions = reconcile(
      state({ positions: [position()], conditionalOrders: [conditional(), takeProfit(), wrong] }),
      [intent()],
      policy,
    );
    expect(actions).toEqual([
      expect.objectContaining({ type: 'cancel-conditional-order', orderId: wrong.id }),
    ]);
  });

  it('flags a second intent for one symbol and uses the first', () => {
    const actions = reconcile(
      state({ positions: [position()], conditionalOrders: [conditional(), takeProfit()] }),
      [intent(), intent({ intentId: 'intent-2' })],
      policy,
    );
    expect(actions).toEqual([
      expect.objectContaining({ type: 'flag', code: 'DUPLICATE_INTENT', intentId: 'intent-2' }),
    ]);
  });

  it('flags two covering stop-losses without canceling either', () => {
    const actions = reconcile(
      state({ positions: [position()], conditionalOrders: [conditional(), conditional(), takeProfit()] }),
      [intent()],
      policy,
    );
    expect(kinds(actions)).toEqual(['flag:DUPLICATE_STOP_LOSS']);
  });

  it('ignores conditional orders that already fired or were canceled', () => {
    const actions = reconcile(
      state({
        positions: [position()],
        conditionalOrders: [
          conditional({ status: 'finished' }),
          conditional({ status: 'canceled' }),
          takeProfit(),
        ],
      }),
      [intent()],
      policy,
    );
    expect(kinds(actions)).toEqual(['place-stop-loss']);
  });

  it('is repeatable: the same inputs give the same actions and client ids', () => {
    const input = state({ positions: [position()] });
    expect(reconcile(input, [intent()], policy)).toEqual(reconcile(input, [intent()], policy));
  });

  it('refuses an adopted stop fraction outside (0, 1)', () => {
    expect(() => reconcile(state({}), [], { ...policy, adoptedStopLossFraction: '0' })).toThrow(RangeError);
    expect(() => reconcile(state({}), [], { ...policy, adoptedStopLossFraction: '1' })).toThrow(RangeError);
  });
});

// ------------------------------------------------------------------------------------------ properties

const symbols = [BTC, ETH, 'SOL/USDC:USDC'];
const sides: PositionSide[] = ['long', 'short'];
const quantityArbitrary = fc.integer({ min: 1, max: 50 }).map((steps) => (steps / 1000).toFixed(3));
const priceArbitrary = fc.integer({ min: 900, max: 1100 }).map((value) => String(value * 60));

const positionArbitrary = fc.record({
  symbol: fc.constantFrom(...symbols),
  side: fc.constantFrom(...sides),
  quantity: quantityArbitrary,
  entryPrice: priceArbitrary,
  markPrice: fc.option(priceArbitrary, { nil: undefined }),
});

const conditionalArbitrary = fc.record({
  symbol: fc.constantFrom(...symbols),
  side: fc.constantFrom('buy' as const, 'sell' as const),
  purpose: fc.constantFrom('stop-loss' as const, 'take-profit' as const),
  status: fc.constantFrom('open' as const, 'triggering' as const, 'finished' as const, 'canceled' as const),
  quantity: quantityArbitrary,
  closePosition: fc.boolean(),
  reduceOnly: fc.boolean(),
  triggerPrice: priceArbitrary,
});

const orderArbitrary = fc.record({
  symbol: fc.constantFrom(...symbols),
  side: fc.constantFrom('buy' as const, 'sell' as const),
  reduceOnly: fc.boolean(),
  quantity: quantityArbitrary,
  status: fc.constantFrom('open' as const, 'partially-filled' as const, 'filled' as const),
});

const intentArbitrary = fc.record({
  symbol: fc.constantFrom(...symbols),
  side: fc.constantFrom(...sides),
  quantity: quantityArbitrary,
  stopLossPrice: priceArbitrary,
  takeProfitPrice: fc.option(priceArbitrary, { nil: undefined }),
});

const scenarioArbitrary = fc.record({
  positions: fc.uniqueArray(positionArbitrary, { selector: (entry) => entry.symbol, maxLength: 3 }),
  conditionalOrders: fc.array(conditionalArbitrary, { maxLength: 8 }),
  orders: fc.array(orderArbitrary, { maxLength: 4 }),
  intents: fc.array(intentArbitrary, { maxLength: 4 }),
  fraction: fc.integer({ min: 1, max: 200 }).map((basisPoints) => (basisPoints / 10_000).toString()),
});

type Scenario = typeof scenarioArbitrary extends fc.Arbitrary<infer T> ? T : never;

function build(scenario: Scenario): { exchange: ExchangeState; intents: LocalIntent[] } {
  const exchange: ExchangeState = {
    positions: scenario.positions.map((entry) => position({ ...entry })),
    conditionalOrders: scenario.conditionalOrders.map((entry) =>
      conditional({
        ...entry,
        type: entry.purpose === 'stop-loss' ? 'stop-market' : 'take-profit-market',
        quantity: entry.closePosition ? undefined : entry.quantity,
        reduceOnly: entry.closePosition ? false : entry.reduceOnly,
      }),
    ),
    orders: scenario.orders.map((entry) => order({ ...entry })),
  };
  const intents = scenario.intents.map((entry, index) => intent({ ...entry, intentId: `intent-${index}` }));
  return { exchange, intents };
}

function coversFully(orderToCheck: ConditionalOrder, held: Position): boolean {
  return (
    (orderToCheck.status === 'open' || orderToCheck.status === 'triggering') &&
    orderToCheck.purpose === 'stop-loss' &&
    orderToCheck.side === closingSide(held.side) &&
    (orderToCheck.closePosition ||
      (orderToCheck.reduceOnly && Number(orderToCheck.quantity) >= Number(held.quantity)))
  );
}

/** Applies actions to a state the way the exchange would (placed orders live, canceled removed, closes flat). */
function apply(exchange: ExchangeState, actions: readonly ReconcileAction[]): ExchangeState {
  let positions = [...exchange.positions];
  let conditionalOrders = [...exchange.conditionalOrders];
  let orders = [...exchange.orders];
  for (const action of actions) {
    switch (action.type) {
      case 'place-stop-loss':
      case 'place-take-profit':
        conditionalOrders.push(
          conditional({
            symbol: action.symbol,
            side: closingSide(action.positionSide),
            purpose: action.type === 'place-stop-loss' ? 'stop-loss' : 'take-profit',
            type: action.type === 'place-stop-loss' ? 'stop-market' : 'take-profit-market',
            quantity: action.quantity,
            triggerPrice: action.triggerPrice,
            reduceOnly: true,
          }),
        );
        break;
      case 'close-position':
        positions = positions.filter((entry) => entry.symbol !== action.symbol);
        break;
      case 'cancel-conditional-order':
        conditionalOrders = conditionalOrders.filter((entry) => entry.id !== action.orderId);
        break;
      case 'cancel-order':
        orders = orders.filter((entry) => entry.id !== action.orderId);
        break;
      case 'flag':
        break;
    }
  }
  return { positions, conditionalOrders, orders };
}

describe('reconcile: properties', () => {
  it('never increases exposure: every order it places is reduce-only, closing, and no larger than the position', () => {
    fc.assert(
      fc.property(scenarioArbitrary, (scenario) => {
        const { exchange, intents } = build(scenario);
        const actions = reconcile(exchange, intents, {
          ...policy,
          adoptedStopLossFraction: scenario.fraction,
        });
        const bySymbol = new Map(exchange.positions.map((entry) => [entry.symbol, entry]));
        for (const action of actions) {
          if (
            action.type === 'place-stop-loss' ||
            action.type === 'place-take-profit' ||
            action.type === 'close-position'
          ) {
            const held = bySymbol.get(action.symbol);
            expect(held, `${action.type} on ${action.symbol} without a position`).toBeDefined();
            expect(action.positionSide).toBe(held?.side);
            expect(Number(action.quantity)).toBeLessThanOrEqual(Number(held?.quantity));
            expect(Number(action.quantity)).toBeGreaterThan(0);
          }
          if (action.type === 'cancel-order') {
            const canceled = exchange.orders.find((entry) => entry.id === action.orderId);
            expect(canceled?.reduceOnly, 'only reduce-only regular orders are canceled').toBe(true);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never leaves a position without a stop: covered before, or a full stop-loss or a close after', () => {
    fc.assert(
      fc.property(scenarioArbitrary, (scenario) => {
        const { exchange, intents } = build(scenario);
        const actions = reconcile(exchange, intents, {
          ...policy,
          adoptedStopLossFraction: scenario.fraction,
        });
        const after = apply(exchange, actions);
        for (const held of after.positions) {
          expect(after.conditionalOrders.some((entry) => coversFully(entry, held))).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never cancels a stop-loss of an open position before its replacement is placed', () => {
    fc.assert(
      fc.property(scenarioArbitrary, (scenario) => {
        const { exchange, intents } = build(scenario);
        const actions = reconcile(exchange, intents, {
          ...policy,
          adoptedStopLossFraction: scenario.fraction,
        });
        const held = new Map(exchange.positions.map((entry) => [entry.symbol, entry]));
        actions.forEach((action, index) => {
          if (action.type !== 'cancel-conditional-order' || !held.has(action.symbol)) return;
          const canceled = exchange.conditionalOrders.find((entry) => entry.id === action.orderId);
          const position = held.get(action.symbol) as Position;
          if (canceled?.purpose !== 'stop-loss' || canceled.side !== closingSide(position.side)) return;
          expect(coversFully(canceled, position)).toBe(false);
          const replacement = actions
            .slice(0, index)
            .some((earlier) => earlier.type === 'place-stop-loss' && earlier.symbol === action.symbol);
          expect(replacement).toBe(true);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('places stops that would not fire at once: below the mark for a long, above for a short', () => {
    fc.assert(
      fc.property(scenarioArbitrary, (scenario) => {
        const { exchange, intents } = build(scenario);
        const actions = reconcile(exchange, intents, {
          ...policy,
          adoptedStopLossFraction: scenario.fraction,
        });
        for (const action of actions) {
          if (action.type !== 'place-stop-loss') continue;
          const mark = exchange.positions.find((entry) => entry.symbol === action.symbol)?.markPrice;
          if (mark === undefined) continue;
          if (action.positionSide === 'long') expect(Number(action.triggerPrice)).toBeLessThan(Number(mark));
          else expect(Number(action.triggerPrice)).toBeGreaterThan(Number(mark));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('converges: once its actions are applied, a second pass only flags', () => {
    fc.assert(
      fc.property(scenarioArbitrary, (scenario) => {
        const { exchange, intents } = build(scenario);
        const settings = { ...policy, adoptedStopLossFraction: scenario.fraction };
        let current = exchange;
        for (let pass = 0; pass < 2; pass += 1)
          current = apply(current, reconcile(current, intents, settings));
        const left = reconcile(current, intents, settings).filter((action) => action.type !== 'flag');
        expect(left).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
