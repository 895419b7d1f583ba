/**
 * Executions: a taker order walking the book (or filling at the last price without one), resting LIMIT orders
 * the last price reached filling as maker, and what a fill does to the position, the wallets and the fee.
 * The fill path computes on scaled integers (core-state.ts): a fill is a few bigint operations.
 */
import type Decimal from 'decimal.js';
import { divideRounded, powerOfTen } from '@bot/symbols';
import type { InstrumentState, OrderState, PositionState } from './core-state';
import { lastPriceOf, reaches } from './core-state';
import { decimalOf, floorToIncrement, moneyFloat, pricePlaces, unitsOf } from './decimal-format';
import type { SyntheticBook } from './order-book';
import { assetTotalsOf } from './account-figures';
import { FillAccountEvent, FillRecord, TradeEvent } from './events';
import { PositionMoment } from './views';
import type { CoreContext } from './core-context';
import { creditCross, isOpenStatus, removeFromArray } from './core-context';
import { adjustOrderAggregates, closeOrder, emitOrder, retireOrder } from './order-lifecycle';

/**
 * Fills up to `quantity` of a taker order: one fill per price level it walks in the book, best first
 * (or one fill at the last price without a book). What the book cannot give stays unfilled.
 */
export function takeLiquidity(ctx: CoreContext, order: OrderState, quantity: Decimal, now: number): void {
  const instrument = order.instrument;
  const book = instrument.book;
  if (book === null) {
    applyFill(
      ctx,
      order,
      unitsOf(lastPriceOf(instrument), pricePlaces),
      unitsOf(quantity, instrument.quantityPlaces),
      false,
      now,
    );
    return;
  }
  const side = order.isBuy ? 1 : 0;
  const levels = walkOf(order, book, quantity);
  // An indexed loop: destructuring through the array iterator allocated per level.
  for (let index = 0; index < levels.length; index += 1) {
    const [ticks, steps] = levels[index] as [number, number];
    book.take(side, ticks, steps, now);
    applyFill(
      ctx,
      order,
      BigInt(ticks) * instrument.tickUnits,
      BigInt(steps) * instrument.bookStepUnits,
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

function absolute(value: bigint): bigint {
  return value < 0n ? -value : value;
}

/**
 * Executes `quantity` (quantity units) of `order` at `price` (price units): position, entry, realized PnL,
 * fee, margin movements, then the order TRADE event, the public trade print and the ORDER account event.
 * Every money figure is rounded once, half away from zero, to 8 decimals, from its exact value.
 */
export function applyFill(
  ctx: CoreContext,
  order: OrderState,
  price: bigint,
  quantity: bigint,
  maker: boolean,
  now: number,
): void {
  const account = order.account;
  const position = order.position;
  const instrument = order.instrument;
  const asset = position.asset;
  const isolated = position.marginType === 'ISOLATED';
  const quantityPower = powerOfTen(instrument.quantityPlaces);
  // price × quantity at price + quantity places; money (8 places, as prices) is that over 10^quantityPlaces.
  const notional = price * quantity;
  // Binance charges no trading fee on an ADL close (its ADL FAQ).
  const rate = maker ? ctx.makerRate : ctx.takerRate;
  const commission =
    order.forcedClose === 'ADL'
      ? 0n
      : divideRounded(notional * rate.units, quantityPower * powerOfTen(rate.places));
  const amount = position.amountUnits;
  const newAmount = order.isBuy ? amount + quantity : amount - quantity;
  let realized = 0n;
  // Whether the cost basis moved (the entry price's float shadow is recomputed only then).
  let basisChanged = true;

  if (amount === 0n || amount > 0n === order.isBuy) {
    // Opening or increasing: the cost basis adds the fill, the entry price is its quantity-weighted mean.
    const basis = position.basisQuantity;
    const size = absolute(amount);
    if (basis === size) {
      position.costBasis += notional;
      position.basisQuantity = size + quantity;
    } else {
      // After a partial close the basis is a ratio: (|amt|·C/B + notional) / |new amt| over one denominator.
      rebaseCost(position, size * position.costBasis + notional * basis, basis * absolute(newAmount));
    }
    position.openFeeUnits += commission;
    if (isolated) fundIsolated(position, notional, commission);
    else creditCross(asset, -commission);
  } else {
    // Reducing, closing or flipping.
    const size = absolute(amount);
    const closeQuantity = quantity < size ? quantity : size;
    const openQuantity = quantity - closeQuantity;
    const basis = position.basisQuantity;
    // closeQuantity × (price − C/B) × direction, in money units, with one rounding.
    const gain = closeQuantity * (price * basis - position.costBasis);
    realized = divideRounded(amount > 0n ? gain : -gain, basis * quantityPower);
    const closeFee = openQuantity === 0n ? commission : divideRounded(commission * closeQuantity, quantity);
    const openFee = commission - closeFee;
    const remaining = size - closeQuantity;
    if (isolated) {
      let wallet = position.isolatedWalletUnits + realized - closeFee;
      if (wallet < 0n) wallet = 0n; // the shortfall is absorbed (insurance fund)
      const kept = remaining === 0n ? 0n : divideRounded(wallet * remaining, size);
      creditCross(asset, wallet - kept);
      position.isolatedWalletUnits = kept;
      position.isolatedWalletFloat = moneyFloat(kept);
    } else {
      creditCross(asset, realized - closeFee);
    }
    if (remaining === 0n) {
      position.costBasis = 0n;
      position.basisQuantity = 0n;
      position.openFeeUnits = 0n;
    } else {
      position.openFeeUnits = divideRounded(position.openFeeUnits * remaining, size);
      basisChanged = false; // a partial close leaves the cost basis (and the entry price) alone
    }
    if (openQuantity !== 0n) {
      position.costBasis = price * openQuantity;
      position.basisQuantity = openQuantity;
      position.openFeeUnits = openFee;
      if (isolated) fundIsolated(position, price * openQuantity, openFee);
      else creditCross(asset, -openFee);
    }
  }
  position.amountUnits = newAmount;
  position.updateTime = now;
  asset.updateTime = now;
  position.amountFloat = Number(newAmount) / 10 ** instrument.quantityPlaces;
  if (basisChanged) position.entryFloat = entryFloatOf(position);
  const wasOpen = amount !== 0n;
  const isOpen = newAmount !== 0n;
  if (!wasOpen && isOpen) {
    instrument.holders.push(account);
    account.openPositions.push(position);
  } else if (wasOpen && !isOpen) {
    removeFromArray(instrument.holders, account);
    removeFromArray(account.openPositions, position);
    position.marginCalled = false;
  }

  if (order.resting && !order.reduceOnly) {
    adjustOrderAggregates(order, decimalOf(quantity, instrument.quantityPlaces), -1);
  }
  order.executedUnits += quantity;
  order.cumulativeQuoteUnits += notional;
  order.updateTime = now;
  if (order.executedUnits >= order.origQuantityUnits) {
    retireOrder(order);
    order.status = 'FILLED';
  } else {
    order.status = 'PARTIALLY_FILLED';
  }

  const fill = new FillRecord(
    ctx.nextTradeId++,
    order.orderId,
    instrument,
    order.side,
    price,
    quantity,
    notional,
    commission,
    realized,
    maker,
    now,
  );
  account.fills.add(fill);
  emitOrder(ctx, order, order.forcedClose === undefined ? 'TRADE' : 'CALCULATED', now, fill);
  ctx.events.push(new TradeEvent(instrument.symbol, now, fill, maker === order.isBuy));
  ctx.events.push(
    new FillAccountEvent(
      account.id,
      now,
      asset,
      assetTotalsOf(account, asset, position),
      new PositionMoment(position),
    ),
  );
  if (wasOpen && (!isOpen || newAmount > 0n !== amount > 0n)) expireStaleReduceOnly(ctx, position, now);
}

function greatestCommonDivisor(left: bigint, right: bigint): bigint {
  let a = left < 0n ? -left : left;
  let b = right;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** Sets the cost basis to the ratio `cost / quantity`, reduced (the rare increase after a partial close). */
function rebaseCost(position: PositionState, cost: bigint, quantity: bigint): void {
  const divisor = greatestCommonDivisor(cost, quantity);
  position.costBasis = cost / divisor;
  position.basisQuantity = quantity / divisor;
}

/** Moves the initial margin of an opening fill from the cross wallet into the isolated wallet, then takes the fee from it. */
export function fundIsolated(position: PositionState, notional: bigint, fee: bigint): void {
  const asset = position.asset;
  const leverage = BigInt(position.leverage);
  let margin = divideRounded(notional, leverage * powerOfTen(position.instrument.quantityPlaces));
  if (margin > asset.crossWalletUnits) margin = asset.crossWalletUnits;
  creditCross(asset, -margin);
  let wallet = position.isolatedWalletUnits + margin - fee;
  if (wallet < 0n) wallet = 0n;
  position.isolatedWalletUnits = wallet;
  position.isolatedWalletFloat = moneyFloat(wallet);
}

function entryFloatOf(position: PositionState): number {
  return position.basisQuantity === 0n
    ? 0
    : Number(position.costBasis) / Number(position.basisQuantity) / 10 ** pricePlaces;
}

/** Binance expires resting reduce-only orders once the position they reduce is closed or flipped. */
export function expireStaleReduceOnly(ctx: CoreContext, position: PositionState, now: number): void {
  const instrument = position.instrument;
  let stale: OrderState[] | undefined;
  for (const order of instrument.resting) {
    if (order.position !== position || !order.reduceOnly) continue;
    const amount = position.amountUnits;
    if (amount === 0n || amount > 0n === order.isBuy) (stale ??= []).push(order);
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
  const instrument = order.instrument;
  let quantity = order.origQuantity.minus(decimalOf(order.executedUnits, instrument.quantityPlaces));
  const ratio = order.partialFillRatio;
  if (ratio !== undefined) {
    order.partialFillRatio = undefined;
    const part = floorToIncrement(quantity.times(ratio), instrument.stepSize);
    if (part.lt(quantity)) quantity = part;
  }
  let units = unitsOf(quantity, instrument.quantityPlaces);
  if (order.reduceOnly) {
    const amount = order.position.amountUnits;
    if (amount === 0n || amount > 0n === order.isBuy) {
      closeOrder(ctx, order, 'EXPIRED', time);
      return;
    }
    const size = absolute(amount);
    if (units > size) units = size;
  }
  if (units === 0n) return;
  applyFill(ctx, order, order.priceUnits, units, true, time);
}
