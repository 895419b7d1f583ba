/**
 * Binance has no OCO for futures: when a take-profit fills, the stop-loss stays (and vice versa), and a
 * leftover reduce-only order would act on the next position in that symbol. `settleExits` settles one
 * symbol, read from REST: if the position is flat, every remaining reduce-only order of the symbol
 * (conditional and regular) is canceled. A take-profit that fired while part of the position remains (a
 * limit take-profit that filled partly) leaves the stop-loss in place: it still protects the rest. When to
 * call it is the caller's decision (the runner does, from its account state, when a symbol's exits fire or
 * its position goes flat).
 */
import { toDecimal } from '@bot/symbols';
import { closingSide, isLiveConditionalOrder, isLiveOrder } from './domain';
import type { PositionSide } from './domain';
import type { CancelResult, ExchangePort } from './exchange-port';

export interface SettleResult {
  readonly symbol: string;
  /** No position is open on the symbol. */
  readonly flat: boolean;
  /** The side of the position open on the symbol (undefined when flat). */
  readonly side?: PositionSide;
  /** The leftover protective orders canceled (only when flat). */
  readonly canceled: readonly CancelResult[];
  /** A position is open and no live stop-loss covers all of it: run reconcile now. */
  readonly needsReconcile: boolean;
}

/** Cancels every reduce-only order of `symbol` if its position is flat; reports missing protection if not. */
export async function settleExits(
  exchange: ExchangePort,
  symbol: string,
  rationale = 'position closed: canceling its remaining exit orders',
): Promise<SettleResult> {
  const [position] = await exchange.fetchPositions([symbol]);
  const open = await exchange.fetchOpenOrders(symbol);
  if (position) {
    const exitSide = closingSide(position.side);
    const covered = open.conditionalOrders.some(
      (order) =>
        isLiveConditionalOrder(order) &&
        order.purpose === 'stop-loss' &&
        order.side === exitSide &&
        (order.closePosition ||
          (order.reduceOnly &&
            order.quantity !== undefined &&
            toDecimal(order.quantity).gte(position.quantity))),
    );
    return { symbol, flat: false, side: position.side, canceled: [], needsReconcile: !covered };
  }
  const canceled: CancelResult[] = [];
  for (const order of open.conditionalOrders) {
    if (isLiveConditionalOrder(order) && (order.reduceOnly || order.closePosition)) {
      canceled.push(await exchange.cancelConditionalOrder({ symbol, id: order.id, rationale }));
    }
  }
  for (const order of open.orders) {
    if (isLiveOrder(order) && (order.reduceOnly || order.closePosition)) {
      canceled.push(await exchange.cancelOrder({ symbol, id: order.id, rationale }));
    }
  }
  return { symbol, flat: true, canceled, needsReconcile: false };
}
