import type { Decimal } from 'decimal.js';

import { parseExactDecimal, parseExactIncrement } from './decimal';
import type { DecimalInput } from './decimal';
import type { Instrument } from './instrument';
import { checkOrderType, formatOnGrid, quantityStepOf, roundDecimalToIncrement } from './rounding';
import type { OrderType } from './rounding';
import { SymbolError, describeValue } from './symbol-error';

/** Why an order would be rejected by the exchange's filters. */
export type OrderViolationCode =
  /** Limit price is not a multiple of the tick size (PRICE_FILTER; Binance -4014). */
  | 'TICK'
  /** Limit price below PRICE_FILTER minPrice. */
  | 'MIN_PRICE'
  /** Limit price above PRICE_FILTER maxPrice. */
  | 'MAX_PRICE'
  /** Quantity is not a multiple of the LOT_SIZE step (Binance -4023). */
  | 'STEP'
  /** Quantity below LOT_SIZE minQty (a zero quantity always is). */
  | 'MIN_QTY'
  /** Quantity above LOT_SIZE maxQty. */
  | 'MAX_QTY'
  /** Market order quantity is not a multiple of the MARKET_LOT_SIZE step. */
  | 'MARKET_STEP'
  /** Market order quantity below MARKET_LOT_SIZE minQty. */
  | 'MARKET_MIN_QTY'
  /** Market order quantity above MARKET_LOT_SIZE maxQty. */
  | 'MARKET_MAX_QTY'
  /** price × quantity below MIN_NOTIONAL (not checked for reduce-only orders; Binance -4164). */
  | 'MIN_NOTIONAL';

/** One broken rule: `actual` (the order's value) against `limit` (the rule's), both decimal strings. */
export interface OrderViolation {
  readonly code: OrderViolationCode;
  readonly message: string;
  readonly actual: string;
  readonly limit: string;
}

/** The order `checkOrder` checks. */
export interface OrderToCheck {
  readonly type: OrderType;
  /** Limit price; for a market order, the price it is expected to fill at (e.g. the mark price), used for MIN_NOTIONAL only. */
  readonly price: DecimalInput;
  readonly quantity: DecimalInput;
  /** Reduce-only orders are exempt from MIN_NOTIONAL on Binance. Default false. */
  readonly reduceOnly?: boolean | undefined;
}

function ruleValue(
  instrument: Instrument,
  field: 'maxPrice' | 'maxQty' | 'marketMaxQty' | 'minNotional',
): Decimal | undefined {
  const value = instrument[field];
  if (value === undefined) return undefined;
  return parseExactDecimal(value, `instrument ${field}`);
}

function minimumQuantityOf(instrument: Instrument, orderType: OrderType): Decimal {
  const minQty = parseExactDecimal(instrument.minQty, 'instrument minQty');
  if (orderType === 'limit') return minQty;
  const marketMinQty = parseExactDecimal(instrument.marketMinQty, 'instrument marketMinQty');
  return minQty.gt(marketMinQty) ? minQty : marketMinQty;
}

/**
 * True when `quantity` is at least the instrument's minimum for the order type (LOT_SIZE minQty; for
 * market orders also MARKET_LOT_SIZE minQty). A zero quantity never meets it.
 */
export function meetsMinQty(
  quantity: DecimalInput,
  instrument: Instrument,
  orderType: OrderType = 'limit',
): boolean {
  const exactQuantity = parseExactDecimal(quantity, 'quantity');
  return (
    !exactQuantity.isZero() && exactQuantity.gte(minimumQuantityOf(instrument, checkOrderType(orderType)))
  );
}

/** True when price × quantity (exact) is at least the instrument's MIN_NOTIONAL, or it has none. */
export function meetsMinNotional(
  price: DecimalInput,
  quantity: DecimalInput,
  instrument: Instrument,
): boolean {
  const notional = parseExactDecimal(price, 'price').times(parseExactDecimal(quantity, 'quantity'));
  const minNotional = ruleValue(instrument, 'minNotional');
  return minNotional === undefined || notional.gte(minNotional);
}

/**
 * The smallest quantity on the instrument's step grid (for the order type) that meets its minimum
 * quantity and, at `price`, its MIN_NOTIONAL — what to send for the smallest valid order. It is not
 * checked against the maximum quantity (`checkOrder` does that). `price` must be > 0.
 */
export function minimumOrderQuantity(
  price: DecimalInput,
  instrument: Instrument,
  orderType: OrderType = 'limit',
): string {
  const checkedOrderType = checkOrderType(orderType);
  const exactPrice = parseExactDecimal(price, 'price');
  if (exactPrice.isZero()) {
    throw new SymbolError(
      'INVALID_NUMBER',
      `Invalid price ${describeValue(price)}: expected a value > 0.`,
      price,
    );
  }
  const step = quantityStepOf(instrument, checkedOrderType);
  let quantity = roundDecimalToIncrement(minimumQuantityOf(instrument, checkedOrderType), step, 'up');
  if (quantity.isZero()) quantity = step;
  const minNotional = ruleValue(instrument, 'minNotional');
  if (minNotional !== undefined && quantity.times(exactPrice).lt(minNotional)) {
    // Smallest k with k·step·price ≥ minNotional, as an exact integer ceiling.
    const stepValue = step.times(exactPrice);
    let steps = minNotional.dividedToIntegerBy(stepValue);
    if (steps.times(stepValue).lt(minNotional)) steps = steps.plus(1);
    quantity = steps.times(step);
  }
  return formatOnGrid(quantity, step);
}

function isMultipleOf(value: Decimal, increment: Decimal): boolean {
  return value.minus(value.dividedToIntegerBy(increment).times(increment)).isZero();
}

/**
 * Every filter the order breaks, in a fixed order (TICK, MIN_PRICE, MAX_PRICE, STEP, MIN_QTY, MAX_QTY,
 * MARKET_STEP, MARKET_MIN_QTY, MARKET_MAX_QTY, MIN_NOTIONAL); empty when the exchange should accept it.
 * Limit orders are checked against PRICE_FILTER and LOT_SIZE; market orders against LOT_SIZE and
 * MARKET_LOT_SIZE (their price is only used for MIN_NOTIONAL). Not checked: PERCENT_PRICE, MAX_NUM_ORDERS,
 * margin and leverage brackets. Throws `SymbolError` for invalid numbers or an unknown order type.
 */
export function checkOrder(instrument: Instrument, order: OrderToCheck): OrderViolation[] {
  if (typeof order !== 'object' || order === null) {
    throw new SymbolError(
      'INVALID_ARGUMENT',
      `Invalid order ${describeValue(order)}: expected an object.`,
      order,
    );
  }
  const orderType = checkOrderType(order.type);
  const price = parseExactDecimal(order.price, 'price');
  const quantity = parseExactDecimal(order.quantity, 'quantity');
  const violations: OrderViolation[] = [];
  const report = (code: OrderViolationCode, actual: Decimal, limit: Decimal, message: string): void => {
    violations.push({ code, message, actual: actual.toFixed(), limit: limit.toFixed() });
  };

  if (orderType === 'limit') {
    const tickSize = parseExactIncrement(instrument.tickSize, 'instrument tickSize');
    const minPrice = parseExactDecimal(instrument.minPrice, 'instrument minPrice');
    const maxPrice = ruleValue(instrument, 'maxPrice');
    if (!isMultipleOf(price, tickSize)) {
      report(
        'TICK',
        price,
        tickSize,
        `Price ${price.toFixed()} is not a multiple of the tick size ${tickSize.toFixed()}.`,
      );
    }
    if (price.lt(minPrice)) {
      report(
        'MIN_PRICE',
        price,
        minPrice,
        `Price ${price.toFixed()} is below the minimum price ${minPrice.toFixed()}.`,
      );
    }
    if (maxPrice !== undefined && price.gt(maxPrice)) {
      report(
        'MAX_PRICE',
        price,
        maxPrice,
        `Price ${price.toFixed()} is above the maximum price ${maxPrice.toFixed()}.`,
      );
    }
  }

  const stepSize = parseExactIncrement(instrument.stepSize, 'instrument stepSize');
  const minQty = parseExactDecimal(instrument.minQty, 'instrument minQty');
  const maxQty = ruleValue(instrument, 'maxQty');
  if (!isMultipleOf(quantity, stepSize)) {
    report(
      'STEP',
      quantity,
      stepSize,
      `Quantity ${quantity.toFixed()} is not a multiple of the step size ${stepSize.toFixed()}.`,
    );
  }
  if (quantity.isZero() || quantity.lt(minQty)) {
    report(
      'MIN_QTY',
      quantity,
      minQty,
      `Quantity ${quantity.toFixed()} is below the minimum quantity ${minQty.toFixed()}.`,
    );
  }
  if (maxQty !== undefined && quantity.gt(maxQty)) {
    report(
      'MAX_QTY',
      quantity,
      maxQty,
      `Quantity ${quantity.toFixed()} is above the maximum quantity ${maxQty.toFixed()}.`,
    );
  }

  if (orderType === 'market') {
    const marketStepSize = parseExactIncrement(instrument.marketStepSize, 'instrument marketStepSize');
    const marketMinQty = parseExactDecimal(instrument.marketMinQty, 'instrument marketMinQty');
    const marketMaxQty = ruleValue(instrument, 'marketMaxQty');
    if (!isMultipleOf(quantity, marketStepSize)) {
      report(
        'MARKET_STEP',
        quantity,
        marketStepSize,
        `Quantity ${quantity.toFixed()} is not a multiple of the market order step size ${marketStepSize.toFixed()}.`,
      );
    }
    if (quantity.isZero() || quantity.lt(marketMinQty)) {
      report(
        'MARKET_MIN_QTY',
        quantity,
        marketMinQty,
        `Quantity ${quantity.toFixed()} is below the market order minimum quantity ${marketMinQty.toFixed()}.`,
      );
    }
    if (marketMaxQty !== undefined && quantity.gt(marketMaxQty)) {
      report(
        'MARKET_MAX_QTY',
        quantity,
        marketMaxQty,
        `Quantity ${quantity.toFixed()} is above the market order maximum quantity ${marketMaxQty.toFixed()}.`,
      );
    }
  }

  const minNotional = ruleValue(instrument, 'minNotional');
  if (order.reduceOnly !== true && minNotional !== undefined) {
    const notional = price.times(quantity);
    if (notional.lt(minNotional)) {
      report(
        'MIN_NOTIONAL',
        notional,
        minNotional,
        `Notional ${notional.toFixed()} (price × quantity) is below the minimum notional ${minNotional.toFixed()}.`,
      );
    }
  }
  return violations;
}
