/**
 * The order checks of the ccxt adapter, pure: rounding to the instrument's grid, the filters an order breaks
 * and the errors that name them, order references, and splitting a close into the market's maximum size.
 */
import type { Instrument, OrderType, OrderViolation } from '@bot/symbols';
import { ceilQuantityToStep, checkOrder, floorQuantityToStep, toDecimal } from '@bot/symbols';
import type { DecimalText } from './domain';
import { InvalidRequestError } from './errors';
import type { OrderReference } from './exchange-port';

/** Violations that rounding to the grid cures. */
export const gridCodes: ReadonlySet<string> = new Set(['STEP', 'MARKET_STEP', 'TICK']);

/** Runs one of @bot/symbols' rounding functions, turning its `SymbolError` into an `InvalidRequestError`. */
export function rounded(
  compute: () => string,
  what: string,
  value: unknown,
  operation: string,
  symbol: string,
): string {
  try {
    return compute();
  } catch (error) {
    throw new InvalidRequestError(`${operation}: ${what} ${JSON.stringify(value)} is not a valid decimal`, {
      operation,
      symbol,
      cause: error,
    });
  }
}

/** A canonical decimal string from @bot/symbols is positive when any digit is not zero. */
export function isPositive(text: string): boolean {
  return !text.startsWith('-') && /[1-9]/.test(text);
}

export function throwViolations(
  violations: readonly OrderViolation[],
  operation: string,
  symbol: string,
): void {
  if (violations.length > 0) {
    throw new InvalidRequestError(
      `${operation}: ${violations.map((violation) => violation.message).join('; ')}`,
      {
        operation,
        symbol,
      },
    );
  }
}

export function checkReference(reference: OrderReference, operation: string): void {
  if (!reference.id && !reference.clientOrderId) {
    throw new InvalidRequestError(`${operation}: give the order's id or clientOrderId`, {
      operation,
      symbol: reference.symbol,
    });
  }
}

/**
 * The quantity on the order type's grid: rounded down for an entry (never more than asked), rounded up
 * (`covering`) for reduce-only orders that must cover a position (stop-loss, take-profit, close), which the
 * exchange cuts to the position when they execute — a position filled on the LOT_SIZE grid is then covered
 * whole even when MARKET_LOT_SIZE's step is coarser.
 */
export function quantityOnGrid(
  instrument: Instrument,
  input: DecimalText,
  type: OrderType,
  operation: string,
  symbol: string,
  covering = false,
): string {
  const quantity = rounded(
    () => (covering ? ceilQuantityToStep : floorQuantityToStep)(input, instrument, type),
    'quantity',
    input,
    operation,
    symbol,
  );
  if (!isPositive(quantity)) {
    const why = covering ? 'is not above zero' : 'is below one step';
    throw new InvalidRequestError(`${operation}: quantity ${String(input)} ${why}`, { operation, symbol });
  }
  return quantity;
}

/** Every filter the order breaks (its notional only when its price is known). */
export function orderViolations(
  instrument: Instrument,
  order: { type: OrderType; quantity: string; price: string | undefined; reduceOnly: boolean },
  operation: string,
): OrderViolation[] {
  let violations: OrderViolation[];
  try {
    violations = checkOrder(instrument, {
      type: order.type,
      quantity: order.quantity,
      // A market order's fill price is unknown here: its notional is left to the exchange (-4164).
      price: order.price ?? instrument.tickSize,
      reduceOnly: order.reduceOnly,
    });
  } catch (error) {
    throw new InvalidRequestError(
      `${operation}: quantity ${JSON.stringify(order.quantity)} or price ${JSON.stringify(order.price)} is not a valid decimal`,
      { operation, symbol: instrument.symbol, cause: error },
    );
  }
  return order.price !== undefined
    ? violations
    : violations.filter((violation) => violation.code !== 'MIN_NOTIONAL');
}

/** Throws `InvalidRequestError` listing every filter the order breaks. */
export function checkOrderFilters(
  instrument: Instrument,
  order: { type: OrderType; quantity: string; price: string | undefined; reduceOnly: boolean },
  operation: string,
): void {
  throwViolations(orderViolations(instrument, order, operation), operation, instrument.symbol);
}

/** Splits `quantity` into on-step pieces of at most `maximum` (all of it when there is no maximum). */
export function splitQuantity(quantity: string, maximum: string | undefined, step: string): string[] {
  const total = toDecimal(quantity);
  if (maximum === undefined || toDecimal(maximum).lte(0) || total.lte(maximum)) return [quantity];
  const size = toDecimal(floorQuantityToStep(maximum, step));
  const pieces: string[] = [];
  let left = total;
  while (left.gt(0)) {
    const piece = left.gt(size) ? size : left;
    pieces.push(floorQuantityToStep(piece.toFixed(), step));
    left = left.minus(piece);
  }
  return pieces;
}
