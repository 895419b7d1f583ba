/**
 * The exchange states and intents `reconcile()` is tested with (src/reconcile.test.ts and
 * test/reconcile-edges.test.ts): one set of builders, each filled with a consistent BTC long and overridable.
 */
import type { ConditionalOrder, ExchangeState, Order, Position } from '../src/domain';
import type { LocalIntent } from '../src/reconcile';

export const BTC = 'BTC/USDC:USDC';
export const ETH = 'ETH/USDC:USDC';

export function position(overrides: Partial<Position> = {}): Position {
  return {
    symbol: BTC,
    side: 'long',
    quantity: '0.020',
    entryPrice: '60000',
    markPrice: '60000',
    breakEvenPrice: undefined,
    unrealizedPnl: '0',
    liquidationPrice: undefined,
    marginMode: 'isolated',
    updatedAt: 0,
    ...overrides,
  };
}

let nextId = 1;
export function conditional(overrides: Partial<ConditionalOrder> = {}): ConditionalOrder {
  const id = String(nextId++);
  return {
    id,
    clientOrderId: `c-${id}`,
    symbol: BTC,
    side: 'sell',
    type: 'stop-market',
    purpose: 'stop-loss',
    status: 'open',
    triggerPrice: '58800',
    price: undefined,
    quantity: '0.020',
    closePosition: false,
    reduceOnly: true,
    workingType: 'MARK_PRICE',
    triggeredOrderId: undefined,
    createdAt: 0,
    updatedAt: 0,
    ...overrides,
  };
}

export function takeProfit(overrides: Partial<ConditionalOrder> = {}): ConditionalOrder {
  return conditional({
    type: 'take-profit-limit',
    purpose: 'take-profit',
    triggerPrice: '62400',
    price: '62400',
    ...overrides,
  });
}

export function order(overrides: Partial<Order> = {}): Order {
  const id = String(nextId++);
  return {
    id,
    clientOrderId: `o-${id}`,
    symbol: BTC,
    side: 'sell',
    type: 'limit',
    status: 'open',
    quantity: '0.020',
    filledQuantity: '0',
    price: '62400',
    averagePrice: undefined,
    reduceOnly: true,
    closePosition: false,
    timeInForce: 'GTC',
    updatedAt: 0,
    ...overrides,
  };
}

export function intent(overrides: Partial<LocalIntent> = {}): LocalIntent {
  return {
    intentId: 'intent-1',
    symbol: BTC,
    side: 'long',
    quantity: '0.020',
    stopLossPrice: '58800',
    takeProfitPrice: '62400',
    ...overrides,
  };
}

export function state(parts: Partial<ExchangeState>): ExchangeState {
  return { positions: [], orders: [], conditionalOrders: [], ...parts };
}
