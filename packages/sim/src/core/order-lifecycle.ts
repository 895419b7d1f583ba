/** An order's way out of the open set: resting in the book, retired into the history, and its ORDER_TRADE_UPDATE events. */
import type Decimal from 'decimal.js';
import type { OrderState } from './core-state';
import { decimalOf } from './decimal-format';
import type { FillRecord } from './events';
import { OrderEvent } from './events';
import type { ExecutionType } from './types';
import type { CoreContext } from './core-context';
import { clientKey, removeFromArray } from './core-context';

export function rest(order: OrderState): void {
  order.resting = true;
  order.instrument.resting.push(order);
  order.instrument.thresholdsDirty = true;
  if (!order.reduceOnly) {
    adjustOrderAggregates(order, remainingQuantityOf(order), 1);
  }
}

/** The executed quantity as a Decimal (for the order-entry paths that compute in Decimal). */
export function executedQuantityOf(order: OrderState): Decimal {
  return decimalOf(order.executedUnits, order.instrument.quantityPlaces);
}

export function remainingQuantityOf(order: OrderState): Decimal {
  return order.origQuantity.minus(executedQuantityOf(order));
}

export function adjustOrderAggregates(order: OrderState, quantity: Decimal, sign: 1 | -1): void {
  const position = order.position;
  const signedQuantity = sign === 1 ? quantity : quantity.neg();
  const signedNotional = signedQuantity.times(order.price);
  if (order.isBuy) {
    position.buyQuantity = position.buyQuantity.plus(signedQuantity);
    position.buyNotional = position.buyNotional.plus(signedNotional);
  } else {
    position.sellQuantity = position.sellQuantity.plus(signedQuantity);
    position.sellNotional = position.sellNotional.plus(signedNotional);
  }
}

/** Takes the order out of the book and the open set, into the history. */
export function retireOrder(order: OrderState): void {
  if (order.resting) {
    order.resting = false;
    removeFromArray(order.instrument.resting, order);
    order.instrument.thresholdsDirty = true;
    if (!order.reduceOnly) {
      adjustOrderAggregates(order, remainingQuantityOf(order), -1);
    }
  }
  const account = order.account;
  account.openOrders.delete(order.orderId);
  const evicted = account.closedOrders.add(order.orderId, order);
  if (evicted !== undefined) {
    const key = clientKey(evicted.instrument.symbol, evicted.clientOrderId);
    if (account.clientOrderIndex.get(key) === evicted) account.clientOrderIndex.delete(key);
  }
}

export function closeOrder(
  ctx: CoreContext,
  order: OrderState,
  status: 'CANCELED' | 'EXPIRED',
  now: number,
): void {
  retireOrder(order);
  order.status = status;
  order.updateTime = now;
  emitOrder(ctx, order, status, now);
}

export function emitOrder(
  ctx: CoreContext,
  order: OrderState,
  execution: ExecutionType,
  now: number,
  fill?: FillRecord,
): void {
  ctx.events.push(new OrderEvent(order.account.id, now, execution, order, fill));
}
