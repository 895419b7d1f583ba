/**
 * Regular order entry: request validation, the state-dependent admission checks (reduce-only, notional,
 * post-only, margin), creating the order and running it (take, rest or expire), and amending a resting one.
 */
import type Decimal from 'decimal.js';
import { amountOf, computeAssetFigures, openOrderMarginOf, positionOpenOrderMargin } from './account-figures';
import type { AccountState, InstrumentState, OrderState, PositionState } from './core-state';
import { lastPriceOf, markPriceOf } from './core-state';
import {
  decimalOf,
  finePlaces,
  floorToIncrement,
  formatPrice,
  formatQuantity,
  pricePlaces,
  unitsOf,
  zero,
} from './decimal-format';
import {
  checkClientId,
  checkPercentPrice,
  checkPrice,
  checkQuantity,
  checkRegularType,
  checkSide,
  checkTimeInForce,
  parseDecimalParameter,
} from './order-validation';
import { rejections } from './rejections';
import type { ModifyOrderRequest, NewOrderRequest, OrderReference, OrderView, TimeInForce } from './types';
import { SimRejection } from './types';
import { orderView } from './views';
import type { Admission, CoreContext, OrderIntent } from './core-context';
import {
  accountOf,
  clientKey,
  findOrder,
  instrumentOf,
  isOpenStatus,
  positionOf,
  removeFromArray,
  requireMarket,
} from './core-context';
import { adjustOrderAggregates, closeOrder, emitOrder, executedQuantityOf, rest } from './order-lifecycle';
import { bookHolds, takeLiquidity } from './order-fills';

export function validateOrderRequest(ctx: CoreContext, request: NewOrderRequest): OrderIntent {
  const instrument = instrumentOf(ctx, request.symbol);
  checkSide(request.side);
  checkRegularType(request.type);
  requireMarket(instrument);
  const isMarket = request.type === 'MARKET';
  const isBuy = request.side === 'BUY';
  let timeInForce: TimeInForce = 'GTC';
  if (!isMarket && request.timeInForce !== undefined) {
    checkTimeInForce(request.timeInForce);
    timeInForce = request.timeInForce;
  }
  const quantity = parseDecimalParameter(request.quantity, 'quantity');
  let price = zero;
  if (isMarket) {
    if (request.price !== undefined && request.price !== '') throw rejections.parameterNotRequired('price');
  } else {
    price = parseDecimalParameter(request.price, 'price');
  }
  checkQuantity(instrument, quantity, isMarket);
  if (!isMarket) {
    checkPrice(instrument, price);
    checkPercentPrice(instrument, isBuy, price, markPriceOf(instrument));
  }
  const clientOrderId = request.newClientOrderId ?? '';
  if (clientOrderId !== '') checkClientId(clientOrderId);
  return {
    instrument,
    side: request.side,
    isBuy,
    type: request.type,
    origType: request.type,
    quantity,
    price,
    timeInForce,
    reduceOnly: request.reduceOnly === true,
    closePosition: false,
    clientOrderId,
    stopPrice: '0',
    workingType: 'CONTRACT_PRICE',
  };
}

/**
 * The state-dependent checks, in Binance's order: duplicate client id (-4116), reduce-only (-2022,
 * and the cut to the position size), min notional (-4164), post-only (-5022), margin (-2019).
 */
export function admit(account: AccountState, intent: OrderIntent, checkDuplicate: boolean): Admission {
  const instrument = intent.instrument;
  if (checkDuplicate && intent.clientOrderId !== '') {
    const existing = account.clientOrderIndex.get(clientKey(instrument.symbol, intent.clientOrderId));
    if (existing !== undefined && isOpenStatus(existing.status)) throw rejections.clientOrderIdDuplicated();
  }
  const position = positionOf(account, instrument);
  const amount = amountOf(position);
  let quantity = intent.quantity;
  if (intent.reduceOnly) {
    if (amount.isZero() || amount.gt(0) === intent.isBuy) throw rejections.reduceOnlyRejected();
    const size = amount.abs();
    if (quantity.gt(size)) quantity = size;
  }
  const last = lastPriceOf(instrument);
  const isMarket = intent.type === 'MARKET';
  const crosses = isMarket || limitCrosses(instrument, intent.isBuy, intent.price, last);
  if (!intent.reduceOnly && quantity.times(isMarket ? last : intent.price).lt(instrument.minNotional)) {
    throw rejections.notionalTooSmall(instrument.minNotionalText);
  }
  if (crosses && intent.timeInForce === 'GTX') throw rejections.postOnlyWouldTake();
  if (!intent.reduceOnly) checkMargin(account, position, intent, quantity, crosses, last);
  return { quantity, crosses };
}

export function checkMargin(
  account: AccountState,
  position: PositionState,
  intent: OrderIntent,
  quantity: Decimal,
  crosses: boolean,
  last: Decimal,
): void {
  let required: Decimal;
  const amount = amountOf(position);
  if (crosses) {
    const reducible = !amount.isZero() && amount.gt(0) !== intent.isBuy ? amount.abs() : zero;
    const opening = quantity.minus(reducible);
    if (opening.lte(0)) return;
    required = opening.times(last).div(position.leverage);
  } else {
    if (intent.timeInForce === 'IOC' || intent.timeInForce === 'FOK') return; // expires at once
    const notional = quantity.times(intent.price);
    const after = openOrderMarginOf(
      amount,
      position.leverage,
      intent.isBuy ? position.buyQuantity.plus(quantity) : position.buyQuantity,
      intent.isBuy ? position.buyNotional.plus(notional) : position.buyNotional,
      intent.isBuy ? position.sellQuantity : position.sellQuantity.plus(quantity),
      intent.isBuy ? position.sellNotional : position.sellNotional.plus(notional),
    );
    required = after.minus(positionOpenOrderMargin(position));
    if (required.lte(0)) return;
  }
  const available = decimalOf(computeAssetFigures(account, position.asset).available, finePlaces);
  if (available.lt(required)) throw rejections.marginInsufficient();
}

/** Whether a LIMIT price takes liquidity: through the best opposite level, or the last price without a book. */
export function limitCrosses(
  instrument: InstrumentState,
  isBuy: boolean,
  price: Decimal,
  last: Decimal,
): boolean {
  const book = instrument.book;
  if (book === null) return isBuy ? price.gte(last) : price.lte(last);
  const ticks = book.ticksOf(price.toNumber());
  return isBuy ? ticks >= book.bestAsk : ticks <= book.bestBid;
}

export function createOrder(
  ctx: CoreContext,
  account: AccountState,
  intent: OrderIntent,
  quantity: Decimal,
  now: number,
  takesFault: boolean,
): OrderState {
  const orderId = ctx.nextOrderId++;
  const instrument = intent.instrument;
  let partialFillRatio: number | undefined;
  if (takesFault) {
    const ratio = ctx.faults.partialFillRatio;
    if (ratio !== undefined) {
      delete ctx.faults.partialFillRatio;
      if (Number.isFinite(ratio)) partialFillRatio = Math.min(1, Math.max(0, ratio));
    }
  }
  const order: OrderState = {
    orderId,
    clientOrderId: intent.clientOrderId === '' ? `sim-${orderId}` : intent.clientOrderId,
    account,
    position: positionOf(account, instrument),
    instrument,
    side: intent.side,
    isBuy: intent.isBuy,
    type: intent.type,
    origType: intent.origType,
    timeInForce: intent.timeInForce,
    price: intent.price,
    priceUnits: unitsOf(intent.price, pricePlaces),
    priceFloat: intent.price.toNumber(),
    priceText: intent.type === 'MARKET' ? '0' : formatPrice(intent.price, instrument.tickDecimals),
    origQuantity: quantity,
    origQuantityUnits: unitsOf(quantity, instrument.quantityPlaces),
    origQuantityText: formatQuantity(quantity, instrument.stepDecimals),
    executedUnits: 0n,
    cumulativeQuoteUnits: 0n,
    reduceOnly: intent.reduceOnly,
    closePosition: intent.closePosition,
    stopPrice: intent.stopPrice,
    workingType: intent.workingType,
    status: 'NEW',
    time: now,
    updateTime: now,
    partialFillRatio,
    resting: false,
    forcedClose: intent.forcedClose,
  };
  account.openOrders.set(orderId, order);
  account.clientOrderIndex.set(clientKey(instrument.symbol, order.clientOrderId), order);
  return order;
}

/** Emits NEW, then takes liquidity, rests, or expires according to the type and time in force. */
export function runOrder(ctx: CoreContext, order: OrderState, crosses: boolean, now: number): void {
  emitOrder(ctx, order, 'NEW', now);
  const instrument = order.instrument;
  const immediate = order.type === 'MARKET' || order.timeInForce === 'IOC' || order.timeInForce === 'FOK';
  if (crosses) {
    let quantity = order.origQuantity;
    const ratio = order.partialFillRatio;
    if (ratio !== undefined) {
      order.partialFillRatio = undefined;
      quantity = floorToIncrement(quantity.times(ratio), instrument.stepSize);
      if (quantity.gt(order.origQuantity)) quantity = order.origQuantity;
    }
    if (order.timeInForce === 'FOK' && (quantity.lt(order.origQuantity) || !bookHolds(order, quantity))) {
      closeOrder(ctx, order, 'EXPIRED', now); // fill-or-kill: all or nothing
      return;
    }
    if (quantity.gt(0)) takeLiquidity(ctx, order, quantity, now);
    if (!isOpenStatus(order.status)) return;
    if (immediate) closeOrder(ctx, order, 'EXPIRED', now);
    else rest(order);
  } else if (immediate) {
    closeOrder(ctx, order, 'EXPIRED', now);
  } else {
    rest(order);
  }
}

export function modifyOrder(
  ctx: CoreContext,
  accountId: string,
  symbol: string,
  reference: OrderReference,
  change: ModifyOrderRequest,
  now: number,
): OrderView {
  const account = accountOf(ctx, accountId);
  const instrument = instrumentOf(ctx, symbol);
  const order = findOrder(account, instrument, reference);
  if (order === undefined || !isOpenStatus(order.status)) throw rejections.orderDoesNotExist();
  checkSide(change.side);
  if (order.type !== 'LIMIT') throw rejections.invalidOrderType();
  if (change.side !== order.side) {
    throw new SimRejection(-1130, "Data sent for parameter 'side' is not valid.");
  }
  const quantity = parseDecimalParameter(change.quantity, 'quantity');
  const price = parseDecimalParameter(change.price, 'price');
  checkQuantity(instrument, quantity, false);
  checkPrice(instrument, price);
  checkPercentPrice(instrument, order.isBuy, price, markPriceOf(instrument));
  const last = lastPriceOf(instrument);
  const crosses = limitCrosses(instrument, order.isBuy, price, last);
  const executed = executedQuantityOf(order);
  if (quantity.lte(executed) || (crosses && order.timeInForce === 'GTX')) {
    closeOrder(ctx, order, 'CANCELED', now);
    return orderView(order);
  }
  const mutable = order as { -readonly [K in keyof OrderState]: OrderState[K] };
  const previous = { price: order.price, quantity: order.origQuantity };
  const remaining = quantity.minus(executed);
  if (order.resting && !order.reduceOnly) {
    adjustOrderAggregates(order, order.origQuantity.minus(executed), -1);
  }
  if (!order.reduceOnly) {
    try {
      checkMargin(
        account,
        order.position,
        { ...intentOf(order), price, quantity: remaining },
        remaining,
        crosses,
        last,
      );
    } catch (error) {
      if (order.resting) adjustOrderAggregates(order, previous.quantity.minus(executed), 1);
      throw error;
    }
  }
  if (order.resting) {
    order.resting = false;
    removeFromArray(instrument.resting, order);
    instrument.thresholdsDirty = true;
  }
  mutable.price = price;
  mutable.priceUnits = unitsOf(price, pricePlaces);
  mutable.priceFloat = price.toNumber();
  mutable.priceText = formatPrice(price, instrument.tickDecimals);
  mutable.origQuantity = quantity;
  mutable.origQuantityUnits = unitsOf(quantity, instrument.quantityPlaces);
  mutable.origQuantityText = formatQuantity(quantity, instrument.stepDecimals);
  order.updateTime = now;
  emitOrder(ctx, order, 'AMENDMENT', now);
  if (crosses) {
    takeLiquidity(ctx, order, remaining, now);
    if (isOpenStatus(order.status)) rest(order);
  } else {
    rest(order);
  }
  return orderView(order);
}

/** The order's request as an intent, for re-checking its margin. */
export function intentOf(order: OrderState): OrderIntent {
  return {
    instrument: order.instrument,
    side: order.side,
    isBuy: order.isBuy,
    type: order.type,
    origType: order.origType,
    quantity: order.origQuantity,
    price: order.price,
    timeInForce: order.timeInForce,
    reduceOnly: order.reduceOnly,
    closePosition: order.closePosition,
    clientOrderId: order.clientOrderId,
    stopPrice: order.stopPrice,
    workingType: order.workingType,
  };
}
