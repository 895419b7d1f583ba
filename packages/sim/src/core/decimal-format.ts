import Decimal from 'decimal.js';

/**
 * The Decimal constructor of the matching core. 40 significant digits keep every sum and product of
 * in-range prices, quantities and balances exact; divisions (average entry price, margin / leverage,
 * liquidation price) are rounded half-up at 40 digits and then to the output's decimals.
 */
export const CoreDecimal: Decimal.Constructor = Decimal.clone({
  precision: 40,
  rounding: Decimal.ROUND_HALF_UP,
  toExpNeg: -100,
  toExpPos: 100,
});

export const zero: Decimal = new CoreDecimal(0);
export const one: Decimal = new CoreDecimal(1);

/** Money (balances, fees, PnL, funding) is kept and printed with at most this many decimals, like Binance. */
export const moneyDecimals = 8;

/** Rounds a money amount to 8 decimals, half away from zero. */
export function roundMoney(value: Decimal): Decimal {
  return value.toDecimalPlaces(moneyDecimals, Decimal.ROUND_HALF_UP);
}

function withoutNegativeZero(text: string): string {
  if (text.charCodeAt(0) !== 45 /* '-' */) return text;
  for (let index = 1; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code !== 48 /* '0' */ && code !== 46 /* '.' */) return text;
  }
  return text.slice(1);
}

/** Fixed-point text with exactly `decimals` decimals (half-up), never an exponent, never `-0`. */
export function formatFixed(value: Decimal, decimals: number): string {
  return withoutNegativeZero(value.toFixed(decimals, Decimal.ROUND_HALF_UP));
}

/** Money with up to 8 decimals, trailing zeros trimmed: `"0.3"`, `"-10"`, `"1000"`. */
export function formatMoney(value: Decimal): string {
  const rounded = value.decimalPlaces() > moneyDecimals ? roundMoney(value) : value;
  return withoutNegativeZero(rounded.toFixed());
}

/**
 * A price with the tick's decimals; values off the tick (averages, marks, liquidation prices) keep
 * their own decimals up to 8.
 */
export function formatPrice(value: Decimal, tickDecimals: number): string {
  const decimals = Math.min(moneyDecimals, Math.max(tickDecimals, value.decimalPlaces()));
  return formatFixed(value, decimals);
}

/** A quantity with the step's decimals. */
export function formatQuantity(value: Decimal, stepDecimals: number): string {
  return formatFixed(value, stepDecimals);
}

/** Largest multiple of `increment` that is ≤ `value` (for value ≥ 0). */
export function floorToIncrement(value: Decimal, increment: Decimal): Decimal {
  return value.dividedToIntegerBy(increment).times(increment);
}

/** Smallest multiple of `increment` that is ≥ `value` (for value ≥ 0). */
export function ceilToIncrement(value: Decimal, increment: Decimal): Decimal {
  const floored = floorToIncrement(value, increment);
  return floored.equals(value) ? floored : floored.plus(increment);
}
