import { formatScaled } from '@bot/symbols';
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

// ---------------------------------------------------------------- scaled integers (the fill path)

/**
 * Prices on the fill path are bigint units of 10^-8: every tick and mark Binance prints fits (it prints at
 * most 8 decimals), so fill prices, marks and entry prices share one scale.
 */
export const pricePlaces = 8;

/**
 * Figures that come out of a division (margin over leverage, an entry price times a quantity after a
 * partial close) are carried at 32 decimals until printed, about the 40 significant digits decimal.js kept.
 */
export const finePlaces = 32;

/** Money units as a float (for the shadows): correctly rounded below 2^53 units, within 1 ulp beyond. */
export function moneyFloat(units: bigint): number {
  return Number(units) / 1e8;
}

/** `value` as bigint units at `places` decimals, rounded half away from zero beyond them. */
export function unitsOf(value: Decimal, places: number): bigint {
  const text = value.toFixed(places, Decimal.ROUND_HALF_UP);
  return BigInt(places === 0 ? text : text.replace('.', ''));
}

/** Units at `places` decimals as a Decimal, exactly (for the rare paths that still compute in Decimal). */
export function decimalOf(units: bigint, places: number): Decimal {
  return new CoreDecimal(formatScaled({ units, places }));
}

/** Money units at `places` decimals printed like `formatMoney`: up to 8 decimals (half away from zero), trimmed. */
export function formatMoneyUnits(units: bigint, places: number = moneyDecimals): string {
  return formatScaled({ units, places }, true, places > moneyDecimals ? moneyDecimals : places);
}

/** Quantity units at `places` decimals printed like `formatQuantity` (the step's decimals). */
export function formatQuantityUnits(units: bigint, places: number, stepDecimals: number): string {
  return formatScaled({ units, places }, false, stepDecimals);
}

/**
 * The price `numerator / denominator` (in units of 10^-8, denominator > 0) printed like `formatPrice`: an
 * exact value with the tick's decimals or its own if more, anything finer rounded half away from zero to
 * 8 decimals.
 */
export function formatPriceRatio(numerator: bigint, denominator: bigint, tickDecimals: number): string {
  let units = numerator / denominator;
  const remainder = numerator - units * denominator;
  if (remainder !== 0n) {
    if ((remainder < 0n ? -remainder : remainder) * 2n >= denominator) units += numerator < 0n ? -1n : 1n;
    return formatScaled({ units, places: pricePlaces });
  }
  // Exact: trailing zeros go down to the tick's decimals.
  const text = formatScaled({ units, places: pricePlaces });
  let end = text.length;
  const least = end - pricePlaces + Math.min(tickDecimals, pricePlaces);
  while (end > least && text.charCodeAt(end - 1) === 48 /* '0' */) end -= 1;
  if (end === least && tickDecimals === 0) end -= 1; // no decimals: no point
  return end === text.length ? text : text.slice(0, end);
}

/** Price units (10^-8) printed like `formatPrice`. */
export function formatPriceUnits(units: bigint, tickDecimals: number): string {
  return formatPriceRatio(units, 1n, tickDecimals);
}
