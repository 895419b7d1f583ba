/**
 * Executions: a taker order walking the book (or filling at the last price without one), resting LIMIT orders
 * the last price reached filling as maker, and what a fill does to the position, the wallets and the fee.
 */
import type Decimal from 'decimal.js';
import type { InstrumentState, OrderState, PositionState } from './core-state';
import { lastPriceOf, reaches } from './core-state';
import {
  CoreDecimal,
  floorToIncrement,
  formatMoney,
  formatPrice,
  formatQuantity,
  roundMoney,
  zero,
} from './decimal-format';
import type { SyntheticBook } from './order-book';
import type { FillView } from './types';
import { assetView, positionView } from './views';
import type { CoreContext } from './core-context';
import { creditCross, isOpenStatus, removeFromArray } from './core-context';
import { adjustOrderAggregates, closeOrder, emitOrder, retireOrder } from './order-lifecycle';

/**
 * Fills up to `quantity` of a taker order: one fill per price level it walks in the book, best first
 * (or one fill at the last price without a book). What the book cannot give stays unfilled.
 */
export function takeLiquidity(ctx: CoreContext, order: OrderState, quantity: Decimal, now: number): void {
  const book = order.instrument.book;
  if (book === null) {
    applyFill(ctx, order, lastPriceOf(order.instrument), quantity, false, now);
    return;
  }
  const side = order.isBuy ? 1 : 0;
  for (const [ticks, steps] of walkOf(order, book, quantity)) {
    book.take(side, ticks, steps, now);
    applyFill(
      ctx,
      order,
      new CoreDecimal(book.priceText(ticks)),
      new CoreDecimal(book.quantityText(steps)),
      false,
      now,
    );
    if (!isOpenStatus(order.status)) break;
  }
}

/** The levels a taker order walks for `quantity` (within its LIMIT price), as `[ticks, steps]`. */
export function walkOf(order: OrderState, book: SyntheticBook, quantity: Decimal): [number, number][] {
  const steps = book.stepsOf(quantity.toNumber());
  const limit = order.type === 'LIMIT' ? book.ticksOf(order.priceFloat) : undefined;
  return book.walk(order.isBuy, steps, limit);
}

/** Whether the book can fill all of `quantity` within the order's price (FOK). */
export function bookHolds(order: OrderState, quantity: Decimal): boolean {
  const book = order.instrument.book;
  if (book === null) return true;
  const steps = book.stepsOf(quantity.toNumber());
  let total = 0;
  for (const [, taken] of walkOf(order, book, quantity)) total += taken;
  return total >= steps;
}

/**
 * Executes `quantity` of `order` at `price`: position, entry, realized PnL, fee, margin movements,
 * then the order TRADE event, the public trade print and the ORDER account event.
 */
export function applyFill(
  ctx: CoreContext,
  order: OrderState,
  price: Decimal,
  quantity: Decimal,
  maker: boolean,
  now: number,
): void {
  const account = order.account;
  const position = order.position;
  const instrument = order.instrument;
  const asset = position.asset;
  const isolated = position.marginType === 'ISOLATED';
  const notional = price.times(quantity);
  // Binance charges no trading fee on an ADL close (its ADL FAQ).
  const commission =
    order.forcedClose === 'ADL' ? zero : roundMoney(notional.times(maker ? ctx.makerRate : ctx.takerRate));
  const amount = position.amount;
  const signedQuantity = order.isBuy ? quantity : quantity.neg();
  const newAmount = amount.plus(signedQuantity);
  let realized = zero;

  if (amount.isZero() || amount.gt(0) === order.isBuy) {
    // Opening or increasing: quantity-weighted entry price.
    position.entryPrice = amount.isZero()
      ? price
      : amount.abs().times(position.entryPrice).plus(notional).div(newAmount.abs());
    position.openFees = position.openFees.plus(commission);
    if (isolated) fundIsolated(position, notional, commission);
    else creditCross(asset, commission.neg());
  } else {
    // Reducing, closing or flipping.
    const size = amount.abs();
    const closeQuantity = quantity.lt(size) ? quantity : size;
    const openQuantity = quantity.minus(closeQuantity);
    const direction = amount.gt(0) ? 1 : -1;
    realized = roundMoney(price.minus(position.entryPrice).times(closeQuantity).times(direction));
    const closeFee = openQuantity.isZero()
      ? commission
      : roundMoney(commission.times(closeQuantity).div(quantity));
    const openFee = commission.minus(closeFee);
    const remaining = size.minus(closeQuantity);
    if (isolated) {
      let wallet = position.isolatedWallet.plus(realized).minus(closeFee);
      if (wallet.lt(0)) wallet = zero; // the shortfall is absorbed (insurance fund)
      const kept = remaining.isZero() ? zero : roundMoney(wallet.times(remaining).div(size));
      creditCross(asset, wallet.minus(kept));
      position.isolatedWallet = kept;
    } else {
      creditCross(asset, realized.minus(closeFee));
    }
    if (remaining.isZero()) {
      position.entryPrice = zero;
      position.openFees = zero;
    } else {
      position.openFees = roundMoney(position.openFees.times(remaining).div(size));
    }
    if (!openQuantity.isZero()) {
      position.entryPrice = price;
      position.openFees = openFee;
      if (isolated) fundIsolated(position, price.times(openQuantity), openFee);
      else creditCross(asset, openFee.neg());
    }
  }
  position.amount = newAmount;
  position.updateTime = now;
  asset.updateTime = now;
  refreshPositionFloats(position);
  const wasOpen = !amount.isZero();
  const isOpen = !newAmount.isZero();
  if (!wasOpen && isOpen) {
    instrument.holders.push(account);
    account.openPositions.push(position);
  } else if (wasOpen && !isOpen) {
    removeFromArray(instrument.holders, account);
    removeFromArray(account.openPositions, position);
    position.marginCalled = false;
  }

  if (order.resting && !order.reduceOnly) adjustOrderAggregates(order, quantity, -1);
  order.executedQuantity = order.executedQuantity.plus(quantity);
  order.cumulativeQuote = order.cumulativeQuote.plus(notional);
  order.updateTime = now;
  if (order.executedQuantity.gte(order.origQuantity)) {
    retireOrder(order);
    order.status = 'FILLED';
  } else {
    order.status = 'PARTIALLY_FILLED';
  }

  const fill: FillView = {
    tradeId: ctx.nextTradeId++,
    orderId: order.orderId,
    symbol: instrument.symbol,
    side: order.side,
    price: formatPrice(price, instrument.tickDecimals),
    qty: formatQuantity(quantity, instrument.stepDecimals),
    quoteQty: formatMoney(notional),
    commission: formatMoney(commission),
    commissionAsset: instrument.marginAsset,
    realizedPnl: formatMoney(realized),
    maker,
    time: now,
  };
  account.fills.push(fill);
  if (account.fills.length > ctx.historyLimit + 1024) account.fills = account.fills.slice(-ctx.historyLimit);
  emitOrder(ctx, order, order.forcedClose === undefined ? 'TRADE' : 'CALCULATED', now, fill);
  ctx.events.push({
    kind: 'trade',
    symbol: instrument.symbol,
    time: now,
    price: fill.price,
    qty: fill.qty,
    buyerIsMaker: maker === order.isBuy,
  });
  ctx.events.push({
    kind: 'account',
    accountId: account.id,
    time: now,
    reason: 'ORDER',
    balances: [assetView(account, asset)],
    positions: [positionView(position)],
  });
  if (wasOpen && (!isOpen || newAmount.gt(0) !== amount.gt(0))) expireStaleReduceOnly(ctx, position, now);
}

/** Moves the initial margin of an opening fill from the cross wallet into the isolated wallet, then takes the fee from it. */
export function fundIsolated(position: PositionState, notional: Decimal, fee: Decimal): void {
  const asset = position.asset;
  let margin = roundMoney(notional.div(position.leverage));
  if (margin.gt(asset.crossWallet)) margin = asset.crossWallet;
  creditCross(asset, margin.neg());
  let wallet = position.isolatedWallet.plus(margin).minus(fee);
  if (wallet.lt(0)) wallet = zero;
  position.isolatedWallet = wallet;
  position.isolatedWalletFloat = wallet.toNumber();
}

export function refreshPositionFloats(position: PositionState): void {
  position.amountFloat = position.amount.toNumber();
  position.entryFloat = position.entryPrice.toNumber();
  position.isolatedWalletFloat = position.isolatedWallet.toNumber();
}

/** Binance expires resting reduce-only orders once the position they reduce is closed or flipped. */
export function expireStaleReduceOnly(ctx: CoreContext, position: PositionState, now: number): void {
  const instrument = position.instrument;
  let stale: OrderState[] | undefined;
  for (const order of instrument.resting) {
    if (order.position !== position || !order.reduceOnly) continue;
    if (position.amount.isZero() || position.amount.gt(0) === order.isBuy) (stale ??= []).push(order);
  }
  if (stale !== undefined) for (const order of stale) closeOrder(ctx, order, 'EXPIRED', now);
}

/** Fills the resting orders the last price reached, at their limit price, as maker (best price first). */
export function fillResting(ctx: CoreContext, instrument: InstrumentState, time: number): void {
  let buys: OrderState[] | undefined;
  let sells: OrderState[] | undefined;
  const lastFloat = instrument.lastFloat;
  const lastExact = (): Decimal => lastPriceOf(instrument);
  for (const order of instrument.resting) {
    // A buy fills when last ≤ price, i.e. when the price "rises" to the last price.
    if (order.isBuy) {
      if (reaches(order.priceFloat, () => order.price, lastFloat, lastExact(), true))
        (buys ??= []).push(order);
    } else if (reaches(order.priceFloat, () => order.price, lastFloat, lastExact(), false)) {
      (sells ??= []).push(order);
    }
  }
  if (buys !== undefined) {
    buys.sort((left, right) => right.price.comparedTo(left.price) || left.orderId - right.orderId);
    for (const order of buys) fillRestingOrder(ctx, order, time);
  }
  if (sells !== undefined) {
    sells.sort((left, right) => left.price.comparedTo(right.price) || left.orderId - right.orderId);
    for (const order of sells) fillRestingOrder(ctx, order, time);
  }
}

export function fillRestingOrder(ctx: CoreContext, order: OrderState, time: number): void {
  if (!order.resting) return; // expired meanwhile (a reduce-only order whose position closed)
  let quantity = order.origQuantity.minus(order.executedQuantity);
  const ratio = order.partialFillRatio;
  if (ratio !== undefined) {
    order.partialFillRatio = undefined;
    const part = floorToIncrement(quantity.times(ratio), order.instrument.stepSize);
    if (part.lt(quantity)) quantity = part;
  }
  if (order.reduceOnly) {
    const amount = order.position.amount;
    if (amount.isZero() || amount.gt(0) === order.isBuy) {
      closeOrder(ctx, order, 'EXPIRED', time);
      return;
    }
    if (quantity.gt(amount.abs())) quantity = amount.abs();
  }
  if (quantity.isZero()) return;
  applyFill(ctx, order, order.price, quantity, true, time);
}
