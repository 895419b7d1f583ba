import type { Decimal } from 'decimal.js';

import { ExactDecimal, parseExactDecimal, parseExactIncrement } from './decimal';
import type { DecimalInput } from './decimal';
import type { Instrument } from './instrument';
import { formatScaled, leastCommonMultipleScaled, parseScaledDecimal } from './scaled-decimal';
import { SymbolError, describeValue } from './symbol-error';

/**
 * How to land on the grid: `down` toward zero (floor, for non-negative values), `up` away from zero
 * (ceiling), `nearest` to the closest multiple with ties going up (half-up).
 */
export type RoundingMode = 'nearest' | 'down' | 'up';

/** Every `RoundingMode`. */
export const roundingModes: readonly RoundingMode[] = ['nearest', 'down', 'up'];

/** Which order type a quantity is for: market orders must also satisfy Binance's MARKET_LOT_SIZE filter. */
export type OrderType = 'limit' | 'market';

/** Every `OrderType`. */
export const orderTypes: readonly OrderType[] = ['limit', 'market'];

/**
 * The multiple of `increment` that `value` rounds to, as an exact Decimal.
 * q = ⌊value / increment⌋ is an exact integer quotient, r = value − q·increment is exact, and the mode
 * only decides between q and q + 1 — no floating point, no rounding to decimal.js's precision.
 */
export function roundDecimalToIncrement(value: Decimal, increment: Decimal, mode: RoundingMode): Decimal {
  const quotient = value.dividedToIntegerBy(increment);
  const remainder = value.minus(quotient.times(increment));
  let steps = quotient;
  if (!remainder.isZero()) {
    if (mode === 'up' || (mode === 'nearest' && remainder.times(2).gte(increment))) {
      steps = quotient.plus(1);
    }
  }
  return steps.times(increment);
}

/** Formats a grid value with exactly as many decimals as the increment has (tick 0.1 ⇒ `'61000.0'`). */
export function formatOnGrid(value: Decimal, increment: Decimal): string {
  return value.toFixed(increment.decimalPlaces());
}

function checkMode(mode: unknown): RoundingMode {
  if (typeof mode === 'string' && (roundingModes as readonly string[]).includes(mode)) {
    return mode as RoundingMode;
  }
  throw new SymbolError(
    'INVALID_ARGUMENT',
    `Invalid rounding mode ${describeValue(mode)}: expected ${roundingModes.map((name) => `'${name}'`).join(', ')}.`,
    mode,
  );
}

/** Checks an order type given by a (possibly untyped) caller. */
export function checkOrderType(orderType: unknown): OrderType {
  if (typeof orderType === 'string' && (orderTypes as readonly string[]).includes(orderType)) {
    return orderType as OrderType;
  }
  throw new SymbolError(
    'INVALID_ARGUMENT',
    `Invalid order type ${describeValue(orderType)}: expected 'limit' or 'market'.`,
    orderType,
  );
}

/** True for an instrument (or any non-Decimal object carrying `field`), as opposed to a bare increment. */
function isInstrumentWith<Field extends 'tickSize' | 'stepSize'>(
  value: unknown,
  field: Field,
): value is Pick<Instrument, Field> & Partial<Instrument> {
  return typeof value === 'object' && value !== null && !ExactDecimal.isDecimal(value) && field in value;
}

/**
 * Rounds `value` to a multiple of `increment` and returns it as a decimal string with exactly the
 * increment's number of decimals: `roundToIncrement('0.123', '0.01', 'up') === '0.13'`.
 */
export function roundToIncrement(value: DecimalInput, increment: DecimalInput, mode: RoundingMode): string {
  const checkedMode = checkMode(mode);
  const exactIncrement = parseExactIncrement(increment, 'increment');
  const exactValue = parseExactDecimal(value, 'value');
  return formatOnGrid(roundDecimalToIncrement(exactValue, exactIncrement, checkedMode), exactIncrement);
}

/**
 * Rounds a price to the tick size (`instrument.tickSize`, or a tick given directly), returning a decimal
 * string with the tick's number of decimals: `roundPriceToTick(61000.06, '0.1', 'nearest') === '61000.1'`.
 * `nearest` breaks ties upward (61000.05 → 61000.1).
 */
export function roundPriceToTick(
  price: DecimalInput,
  tick: Instrument | DecimalInput,
  mode: RoundingMode,
): string {
  const checkedMode = checkMode(mode);
  const tickSize = parseExactIncrement(
    isInstrumentWith(tick, 'tickSize') ? tick.tickSize : tick,
    'tick size',
  );
  const exactPrice = parseExactDecimal(price, 'price');
  return formatOnGrid(roundDecimalToIncrement(exactPrice, tickSize, checkedMode), tickSize);
}

/** The smallest positive decimal that is a whole multiple of both increments (e.g. 0.002 and 0.003 → 0.006). */
export function leastCommonMultiple(left: Decimal, right: Decimal): Decimal {
  if (left.eq(right)) return left;
  const multiple = leastCommonMultipleScaled(
    parseScaledDecimal(left.toFixed()),
    parseScaledDecimal(right.toFixed()),
  );
  return new ExactDecimal(formatScaled(multiple));
}

/**
 * The quantity grid of an instrument for an order type: the LOT_SIZE step for limit orders; for market
 * orders the smallest step that satisfies both LOT_SIZE and MARKET_LOT_SIZE (equal on Binance today).
 */
export function quantityStepOf(
  instrument: Pick<Instrument, 'stepSize'> & Partial<Pick<Instrument, 'marketStepSize'>>,
  orderType: OrderType,
): Decimal {
  const stepSize = parseExactIncrement(instrument.stepSize, 'step size');
  if (checkOrderType(orderType) === 'limit' || instrument.marketStepSize === undefined) return stepSize;
  return leastCommonMultiple(stepSize, parseExactIncrement(instrument.marketStepSize, 'market step size'));
}

/**
 * Rounds a quantity up to the step size (`instrument.stepSize`, or a step given directly), returning a
 * decimal string with the step's number of decimals: `ceilQuantityToStep('0.015', '0.01') === '0.02'`. The
 * result is never below the input and less than one step above it. For an order that must cover a whole
 * position (a reduce-only stop-loss or close, which the exchange cuts to the position when it executes), not
 * for sizing an entry. With an instrument and `orderType: 'market'`, the result also lies on the
 * MARKET_LOT_SIZE step.
 */
export function ceilQuantityToStep(
  quantity: DecimalInput,
  step: Instrument | DecimalInput,
  orderType: OrderType = 'limit',
): string {
  const checkedOrderType = checkOrderType(orderType);
  const stepSize = isInstrumentWith(step, 'stepSize')
    ? quantityStepOf(step, checkedOrderType)
    : parseExactIncrement(step, 'step size');
  const exactQuantity = parseExactDecimal(quantity, 'quantity');
  return formatOnGrid(roundDecimalToIncrement(exactQuantity, stepSize, 'up'), stepSize);
}

/**
 * Floors a quantity to the step size (`instrument.stepSize`, or a step given directly), returning a
 * decimal string with the step's number of decimals: `floorQuantityToStep(0.1 + 0.2, '0.1') === '0.3'`.
 * The result never exceeds the input and may be `'0'`-valued (check it with `meetsMinQty`/`checkOrder`).
 * With an instrument and `orderType: 'market'`, the result also lies on the MARKET_LOT_SIZE step.
 */
export function floorQuantityToStep(
  quantity: DecimalInput,
  step: Instrument | DecimalInput,
  orderType: OrderType = 'limit',
): string {
  const checkedOrderType = checkOrderType(orderType);
  const stepSize = isInstrumentWith(step, 'stepSize')
    ? quantityStepOf(step, checkedOrderType)
    : parseExactIncrement(step, 'step size');
  const exactQuantity = parseExactDecimal(quantity, 'quantity');
  return formatOnGrid(roundDecimalToIncrement(exactQuantity, stepSize, 'down'), stepSize);
}
