/**
 * Algo (conditional) orders: placing them, firing them when the watched price reaches the trigger, and the
 * child order each one becomes (TRIGGERING → TRIGGERED → FINISHED, or EXPIRED / REJECTED).
 */
import type Decimal from 'decimal.js';
import type { AlgoState, InstrumentState } from './core-state';
import { lastPriceOf, markPriceOf, reaches } from './core-state';
import { amountOf } from './account-figures';
import { formatPrice, formatQuantityUnits, zero } from './decimal-format';
import {
  checkClientId,
  checkConditionalType,
  checkPercentPrice,
  checkPrice,
  checkQuantity,
  checkSide,
  checkTimeInForce,
  checkTriggerPrice,
  checkWorkingType,
  parseDecimalParameter,
} from './order-validation';
import { rejections } from './rejections';
import type { AlgoOrderView, AlgoStatus, NewAlgoOrderRequest } from './types';
import { SimRejection } from './types';
import { algoView, averagePriceText } from './views';
import type { Admission, CoreContext, OrderIntent } from './core-context';
import { accountOf, instrumentOf, positionOf, removeFromArray, requireMarket } from './core-context';
import { admit, createOrder, runOrder } from './order-entry';

export function placeAlgoOrder(
  ctx: CoreContext,
  accountId: string,
  request: NewAlgoOrderRequest,
  now: number,
): AlgoOrderView {
  const account = accountOf(ctx, accountId);
  const injected = ctx.faults.rejectNextConditional;
  if (injected !== undefined) {
    delete ctx.faults.rejectNextConditional;
    throw new SimRejection(injected.code, injected.msg);
  }
  const instrument = instrumentOf(ctx, request.symbol);
  checkSide(request.side);
  checkConditionalType(request.type);
  requireMarket(instrument);
  const type = request.type;
  const isBuy = request.side === 'BUY';
  const isMarketType = type === 'STOP_MARKET' || type === 'TAKE_PROFIT_MARKET';
  const isStopType = type === 'STOP_MARKET' || type === 'STOP';
  const workingType = request.workingType ?? 'CONTRACT_PRICE';
  checkWorkingType(workingType);
  const timeInForce = request.timeInForce ?? 'GTC';
  checkTimeInForce(timeInForce);
  const triggerPrice = parseDecimalParameter(request.triggerPrice, 'triggerPrice');
  checkTriggerPrice(instrument, triggerPrice);
  const closePosition = request.closePosition === true;
  const reduceOnly = request.reduceOnly === true;
  let quantity: Decimal | null = null;
  if (closePosition) {
    if (!isMarketType) throw rejections.parameterNotRequired('closePosition');
    if (request.quantity !== undefined && request.quantity !== '')
      throw rejections.quantityWithClosePosition();
    if (reduceOnly) throw rejections.parameterNotRequired('reduceonly');
  } else {
    quantity = parseDecimalParameter(request.quantity, 'quantity');
    checkQuantity(instrument, quantity, isMarketType);
  }
  let price: Decimal | null = null;
  if (isMarketType) {
    if (request.price !== undefined && request.price !== '') throw rejections.parameterNotRequired('price');
  } else {
    price = parseDecimalParameter(request.price, 'price');
    checkPrice(instrument, price);
  }
  const clientAlgoId = request.clientAlgoId ?? '';
  if (clientAlgoId !== '') {
    checkClientId(clientAlgoId);
    const existing = account.clientAlgoIndex.get(clientAlgoId);
    if (existing !== undefined && existing.status === 'NEW') throw rejections.clientOrderIdDuplicated();
  }
  if (quantity !== null && !reduceOnly && quantity.times(price ?? triggerPrice).lt(instrument.minNotional)) {
    throw rejections.notionalTooSmall(instrument.minNotionalText);
  }
  const watchesMark = workingType === 'MARK_PRICE';
  const firesOnRise = isBuy === isStopType;
  const watched = watchesMark ? markPriceOf(instrument) : lastPriceOf(instrument);
  const comparison = watched.comparedTo(triggerPrice);
  if (firesOnRise ? comparison >= 0 : comparison <= 0) throw rejections.wouldImmediatelyTrigger();

  const algoId = ctx.nextAlgoId++;
  const algo: AlgoState = {
    algoId,
    clientAlgoId: clientAlgoId === '' ? `sim-algo-${algoId}` : clientAlgoId,
    account,
    instrument,
    side: request.side,
    isBuy,
    orderType: type,
    status: 'NEW',
    quantity,
    price,
    triggerPrice,
    triggerFloat: triggerPrice.toNumber(),
    firesOnRise,
    watchesMark,
    workingType,
    timeInForce,
    reduceOnly,
    closePosition,
    priceProtect: request.priceProtect === true,
    createTime: now,
    updateTime: now,
    triggerTime: 0,
    actualOrderId: 0,
    actualPrice: '0',
    actualQuantity: '0',
    rejectReason: '',
  };
  instrument.algos.push(algo);
  instrument.thresholdsDirty = true;
  account.openAlgos.set(algoId, algo);
  account.clientAlgoIndex.set(algo.clientAlgoId, algo);
  const view = algoView(algo);
  ctx.events.push({ kind: 'algo', accountId: account.id, time: now, algo: view });
  return view;
}

export function runTriggers(ctx: CoreContext, instrument: InstrumentState, time: number): void {
  let firing: AlgoState[] | undefined;
  const lastExact = (): Decimal => lastPriceOf(instrument);
  const markExact = (): Decimal => markPriceOf(instrument);
  for (const algo of instrument.algos) {
    const fires = algo.watchesMark
      ? reaches(instrument.markFloat, markExact, algo.triggerFloat, algo.triggerPrice, algo.firesOnRise)
      : reaches(instrument.lastFloat, lastExact, algo.triggerFloat, algo.triggerPrice, algo.firesOnRise);
    if (fires) (firing ??= []).push(algo);
  }
  if (firing === undefined) return;
  for (const algo of firing) if (algo.status === 'NEW') triggerAlgo(ctx, algo, time);
}

/**
 * TRIGGERING → TRIGGERED (actualOrderId = child) → child order events → FINISHED; or TRIGGERING →
 * EXPIRED (nothing to reduce or close) / REJECTED (any other rejection of the child), with `rejectReason`.
 */
export function triggerAlgo(ctx: CoreContext, algo: AlgoState, time: number): void {
  const account = algo.account;
  const instrument = algo.instrument;
  removeFromArray(instrument.algos, algo);
  instrument.thresholdsDirty = true;
  algo.status = 'TRIGGERING';
  algo.triggerTime = time;
  algo.updateTime = time;
  ctx.events.push({ kind: 'algo', accountId: account.id, time, algo: algoView(algo) });

  let intent: OrderIntent;
  let admission: Admission;
  try {
    intent = childIntent(algo);
    if (intent.type === 'LIMIT')
      checkPercentPrice(instrument, intent.isBuy, intent.price, markPriceOf(instrument));
    admission = admit(account, intent, false);
  } catch (error) {
    if (!(error instanceof SimRejection)) throw error;
    algo.rejectReason = error.msg;
    endAlgo(ctx, algo, error.code === -2022 ? 'EXPIRED' : 'REJECTED', time);
    return;
  }
  const order = createOrder(ctx, account, intent, admission.quantity, time, true);
  algo.status = 'TRIGGERED';
  algo.actualOrderId = order.orderId;
  ctx.events.push({ kind: 'algo', accountId: account.id, time, algo: algoView(algo) });
  runOrder(ctx, order, admission.crosses, time);
  algo.actualQuantity = formatQuantityUnits(
    order.executedUnits,
    instrument.quantityPlaces,
    instrument.stepDecimals,
  );
  algo.actualPrice = averagePriceText(order);
  endAlgo(ctx, algo, 'FINISHED', time);
}

export function childIntent(algo: AlgoState): OrderIntent {
  const instrument = algo.instrument;
  let quantity = algo.quantity;
  if (algo.closePosition) {
    const amount = amountOf(positionOf(algo.account, instrument));
    if (amount.isZero() || amount.gt(0) === algo.isBuy) throw rejections.reduceOnlyRejected();
    quantity = amount.abs();
  }
  if (quantity === null) throw new Error('An algo order without quantity must close the position.');
  const isMarket = algo.price === null;
  return {
    instrument,
    side: algo.side,
    isBuy: algo.isBuy,
    type: isMarket ? 'MARKET' : 'LIMIT',
    origType: algo.orderType,
    quantity,
    price: algo.price ?? zero,
    timeInForce: isMarket ? 'GTC' : algo.timeInForce,
    reduceOnly: algo.reduceOnly || algo.closePosition,
    closePosition: algo.closePosition,
    clientOrderId: algo.clientAlgoId,
    stopPrice: formatPrice(algo.triggerPrice, instrument.tickDecimals),
    workingType: algo.workingType,
  };
}

/** Final algo status: out of the book (if still there) and the open set, into the history; emits it. */
export function endAlgo(ctx: CoreContext, algo: AlgoState, status: AlgoStatus, time: number): void {
  if (algo.status === 'NEW') {
    removeFromArray(algo.instrument.algos, algo);
    algo.instrument.thresholdsDirty = true;
  }
  algo.status = status;
  algo.updateTime = time;
  const account = algo.account;
  account.openAlgos.delete(algo.algoId);
  const evicted = account.closedAlgos.add(algo.algoId, algo);
  if (evicted !== undefined && account.clientAlgoIndex.get(evicted.clientAlgoId) === evicted) {
    account.clientAlgoIndex.delete(evicted.clientAlgoId);
  }
  ctx.events.push({ kind: 'algo', accountId: account.id, time, algo: algoView(algo) });
}
