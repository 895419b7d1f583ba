import { toIncrement } from './decimal';
import { SymbolError, describeValue } from './symbol-error';

/**
 * Exact decimal arithmetic on scaled integers, for hot paths where decimal.js is too slow (sizing is
 * 29× faster on it, see `packages/risk/bench`): a decimal `d` is held as `units × 10^-places`, so step
 * 0.005 is (5n, 3). Two forms: `ScaledDecimal` (bigint units, any size) for exact grid arithmetic, and
 * number units at a fixed `DecimalGrid` for the emulator's prices and quantities (exact up to 2^53 units).
 */
export interface ScaledDecimal {
  readonly units: bigint;
  readonly places: number;
}

/** A signed plain decimal as written by Binance and `Decimal#toFixed`: `'-0.010'`, `'5'`, `'.5'`, `'+1.'`. */
const plainSignedDecimal = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;

/**
 * Reads a plain decimal string (no exponent) into exact scaled units, keeping its trailing zeros
 * (`'0.010'` → (10n, 3)). Throws `SymbolError` `INVALID_NUMBER` for anything else.
 */
export function parseScaledDecimal(text: string, name = 'value'): ScaledDecimal {
  if (typeof text !== 'string' || !plainSignedDecimal.test(text)) {
    throw new SymbolError(
      'INVALID_NUMBER',
      `Invalid ${name} ${describeValue(text)}: expected a plain decimal string such as '-0.010' or '61000.5'.`,
      text,
    );
  }
  const negative = text.charCodeAt(0) === 45; /* '-' */
  const body = negative || text.charCodeAt(0) === 43 /* '+' */ ? text.slice(1) : text;
  const point = body.indexOf('.');
  if (point === -1) {
    const units = BigInt(body);
    return { units: negative ? -units : units, places: 0 };
  }
  const units = BigInt(`${body.slice(0, point)}${body.slice(point + 1)}` || '0');
  return { units: negative ? -units : units, places: body.length - point - 1 };
}

/** The same value without trailing zeros in its units: (10n, 3) → (1n, 2); zero is (0n, 0). */
export function normalizeScaled({ units, places }: ScaledDecimal): ScaledDecimal {
  if (units === 0n) return { units, places: 0 };
  let trimmedUnits = units;
  let trimmedPlaces = places;
  while (trimmedPlaces > 0 && trimmedUnits % 10n === 0n) {
    trimmedUnits /= 10n;
    trimmedPlaces -= 1;
  }
  return { units: trimmedUnits, places: trimmedPlaces };
}

/** The units of `value` at `places` decimals (`places` ≥ `value.places`). */
export function scaledUnitsAt(value: ScaledDecimal, places: number): bigint {
  return value.units * 10n ** BigInt(places - value.places);
}

/** −1, 0 or 1 as `left` is below, equal to or above `right` (`'0.010'` equals `'0.01'`). */
export function compareScaled(left: ScaledDecimal, right: ScaledDecimal): -1 | 0 | 1 {
  const places = Math.max(left.places, right.places);
  const a = scaledUnitsAt(left, places);
  const b = scaledUnitsAt(right, places);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `left + right`, exactly, at the larger of their places. */
export function addScaled(left: ScaledDecimal, right: ScaledDecimal): ScaledDecimal {
  const places = Math.max(left.places, right.places);
  return { units: scaledUnitsAt(left, places) + scaledUnitsAt(right, places), places };
}

/** `left − right`, exactly, at the larger of their places. */
export function subtractScaled(left: ScaledDecimal, right: ScaledDecimal): ScaledDecimal {
  return addScaled(left, { units: -right.units, places: right.places });
}

function greatestCommonDivisor(left: bigint, right: bigint): bigint {
  let a = left;
  let b = right;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/**
 * The smallest positive decimal that is a whole multiple of both positive increments, normalized
 * (0.002 and 0.003 → 0.006): the market-order quantity step when MARKET_LOT_SIZE differs from LOT_SIZE.
 */
export function leastCommonMultipleScaled(left: ScaledDecimal, right: ScaledDecimal): ScaledDecimal {
  const places = Math.max(left.places, right.places);
  const a = scaledUnitsAt(left, places);
  const b = scaledUnitsAt(right, places);
  if (a === b) return normalizeScaled(left);
  return normalizeScaled({ units: (a / greatestCommonDivisor(a, b)) * b, places });
}

/**
 * Plain decimal text with exactly `decimals` decimals (default `value.places`: `(5n, 3)` → `'0.005'`),
 * rounded half away from zero when `value` has more; `trim` drops trailing fraction zeros (`'0.020'` →
 * `'0.02'`, `'-0.000'` → `'0'`). Rounds on the digits, without a bigint division (the emulator prints
 * every fill's figures through here).
 */
export function formatScaled({ units, places }: ScaledDecimal, trim = false, decimals = places): string {
  let negative = units < 0n;
  let digits = (negative ? -units : units).toString();
  if (digits.length <= places) digits = '0'.repeat(places - digits.length + 1) + digits;
  if (decimals < places) {
    const end = digits.length - (places - decimals);
    const roundsUp = digits.charCodeAt(end) >= 53; /* '5' */
    digits = digits.slice(0, end);
    if (roundsUp) digits = incrementDigits(digits);
    else if (negative && !/[1-9]/.test(digits)) negative = false; // rounded to zero: never '-0'
  } else if (decimals > places) {
    digits += '0'.repeat(decimals - places);
  }
  if (decimals > 0) {
    let end = digits.length;
    const point = end - decimals;
    if (trim) while (end > point && digits.charCodeAt(end - 1) === 48 /* '0' */) end -= 1;
    digits = end === point ? digits.slice(0, point) : `${digits.slice(0, point)}.${digits.slice(point, end)}`;
  }
  return negative ? `-${digits}` : digits;
}

/** A string of digits plus one ('199' → '200', '99' → '100'). */
function incrementDigits(digits: string): string {
  let index = digits.length - 1;
  while (index >= 0 && digits.charCodeAt(index) === 57 /* '9' */) index -= 1;
  const head = index < 0 ? '1' : digits.slice(0, index) + String.fromCharCode(digits.charCodeAt(index) + 1);
  return head + '0'.repeat(digits.length - 1 - index);
}

const powersOfTen: bigint[] = [];

/** 10^places as a bigint (cached: the fill path rescales by the same few powers over and over). */
export function powerOfTen(places: number): bigint {
  let power = powersOfTen[places];
  if (power === undefined) {
    power = 10n ** BigInt(places);
    powersOfTen[places] = power;
  }
  return power;
}

/**
 * `numerator / denominator` rounded to a whole number, half away from zero (decimal.js's ROUND_HALF_UP),
 * for any signs. Throws a RangeError on a zero denominator, as bigint division does.
 */
export function divideRounded(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  const remainder = numerator - quotient * denominator;
  if (remainder === 0n) return quotient;
  const twice = remainder < 0n ? -2n * remainder : 2n * remainder;
  const magnitude = denominator < 0n ? -denominator : denominator;
  if (twice < magnitude) return quotient;
  // Half or more away: one unit further from zero, on the side of the exact quotient.
  return numerator < 0n === denominator < 0n ? quotient + 1n : quotient - 1n;
}

/** Units at `from` decimals expressed at `to` decimals: exact upwards, rounded half away from zero downwards. */
export function rescaleUnits(units: bigint, from: number, to: number): bigint {
  if (to >= from) return to === from ? units : units * powerOfTen(to - from);
  return divideRounded(units, powerOfTen(from - to));
}

/** `left × right`, exactly, at the sum of their places. */
export function multiplyScaled(left: ScaledDecimal, right: ScaledDecimal): ScaledDecimal {
  return { units: left.units * right.units, places: left.places + right.places };
}

/** `value` at `places` decimals: exact when it has no more, else rounded half away from zero. */
export function roundScaled(value: ScaledDecimal, places: number): ScaledDecimal {
  return { units: rescaleUnits(value.units, value.places, places), places };
}

/**
 * `left / right` at `places` decimals, rounded half away from zero (one rounding, on the exact quotient).
 * Throws `SymbolError` `INVALID_NUMBER` when `right` is zero.
 */
export function divideScaled(left: ScaledDecimal, right: ScaledDecimal, places: number): ScaledDecimal {
  if (right.units === 0n) {
    throw new SymbolError('INVALID_NUMBER', 'Cannot divide by zero: the divisor must not be 0.', '0');
  }
  // left / right × 10^places = left.units × 10^(places − left.places + right.places) / right.units
  const shift = places - left.places + right.places;
  const numerator = shift >= 0 ? left.units * powerOfTen(shift) : left.units;
  const denominator = shift >= 0 ? right.units : right.units * powerOfTen(-shift);
  return { units: divideRounded(numerator, denominator), places };
}

/** `left + right` on decimal strings, exactly, trailing zeros trimmed: `addDecimals('0.1', '0.2') === '0.3'`. */
export function addDecimals(left: string, right: string): string {
  return formatScaled(addScaled(parseScaledDecimal(left, 'left'), parseScaledDecimal(right, 'right')), true);
}

/** `left − right` on decimal strings, exactly, trailing zeros trimmed (`'0.01' − '0.03'` → `'-0.02'`). */
export function subtractDecimals(left: string, right: string): string {
  return formatScaled(
    subtractScaled(parseScaledDecimal(left, 'left'), parseScaledDecimal(right, 'right')),
    true,
  );
}

/** Compares two decimal strings exactly (`'0.010'` equals `'0.01'`). */
export function compareDecimals(left: string, right: string): -1 | 0 | 1 {
  return compareScaled(parseScaledDecimal(left, 'left'), parseScaledDecimal(right, 'right'));
}

/** A tick or step size read once: the scale every number-unit value of that quantity is held at. */
export interface DecimalGrid {
  /** Canonical increment: no exponent, no trailing zeros ('0.1', '5'). */
  readonly increment: string;
  /** Fraction digits of the increment. */
  readonly decimals: number;
  /** 10 ** decimals. */
  readonly scale: number;
  /** The increment in units of 10^-decimals (0.1 → 1, 0.05 → 5, 10 → 10). */
  readonly incrementUnits: number;
}

/** Number units stay exact only while 10^decimals and the units are safe integers. */
const maximumGridDecimals = 12;

/**
 * Reads a tick or step size for number-unit arithmetic. Throws `SymbolError` `INVALID_INCREMENT` when it is
 * not a number > 0, or has more than 12 decimals, or its units are beyond 2^53.
 */
export function decimalGrid(increment: string, name = 'increment'): DecimalGrid {
  const canonical = toIncrement(increment, name).toFixed();
  const dot = canonical.indexOf('.');
  const decimals = dot < 0 ? 0 : canonical.length - dot - 1;
  if (decimals > maximumGridDecimals) {
    throw new SymbolError(
      'INVALID_INCREMENT',
      `Invalid ${name} ${describeValue(increment)}: more than ${maximumGridDecimals} decimals.`,
      increment,
    );
  }
  const incrementUnits = Number(canonical.replace('.', ''));
  if (!Number.isSafeInteger(incrementUnits)) {
    throw new SymbolError(
      'INVALID_INCREMENT',
      `Invalid ${name} ${describeValue(increment)}: too large.`,
      increment,
    );
  }
  return { increment: canonical, decimals, scale: 10 ** decimals, incrementUnits };
}

/**
 * Parses a plain non-negative decimal string ('33.1730') into number units of 10^-decimals. Returns
 * undefined when the text is not a plain decimal (digits, then optionally a point and digits), or (mode
 * 'exact') has non-zero digits beyond `decimals`. Mode 'nearest' rounds those digits half-up instead.
 * Read a character at a time, without a regular expression or substrings: the emulator's replay parses
 * five per candle, and a match array and three strings each were a share of a backtest's garbage.
 */
export function parseUnits(
  text: string,
  decimals: number,
  mode: 'exact' | 'nearest' = 'exact',
): number | undefined {
  const length = text.length;
  let index = 0;
  let units = 0;
  // The whole part: one digit at least. Below 2^53 every step is exact; above, the result is refused.
  for (; index < length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === 46) break; // '.'
    if (code < 48 || code > 57) return undefined;
    units = units * 10 + (code - 48);
  }
  if (index === 0) return undefined;
  // The fraction: its first `decimals` digits are units; of the rest, the first decides the rounding and
  // any non-zero one makes the text inexact.
  const firstBeyond = index + 1 + decimals;
  let taken = 0;
  let roundUp = false;
  let inexact = false;
  for (index += 1; index < length; index += 1) {
    const code = text.charCodeAt(index);
    if (code < 48 || code > 57) return undefined;
    if (taken < decimals) {
      units = units * 10 + (code - 48);
      taken += 1;
    } else {
      if (index === firstBeyond) roundUp = code >= 53; // '5'
      if (code !== 48) inexact = true;
    }
  }
  if (inexact && mode === 'exact') return undefined;
  for (; taken < decimals; taken += 1) units *= 10;
  if (inexact && roundUp) units += 1;
  return Number.isSafeInteger(units) ? units : undefined;
}

/**
 * Reads a decimal string the fast way (float multiply and round), for values already known to be on the
 * grid such as the emulator's own ticks; returns NaN when the value does not fit `scale` within float precision.
 */
export function fastUnits(text: string, scale: number): number {
  const scaled = Number(text) * scale;
  const units = Math.round(scaled);
  return Math.abs(scaled - units) <= 1e-6 + Math.abs(units) * 1e-12 ? units : Number.NaN;
}

/** Formats number units of 10^-decimals as a plain decimal string with exactly `decimals` decimals. */
export function formatUnits(units: number, decimals: number): string {
  const negative = units < 0;
  const magnitude = Math.abs(units);
  let digits = magnitude < 1e21 ? String(magnitude) : BigInt(magnitude).toString();
  if (decimals > 0) {
    if (digits.length <= decimals) digits = '0'.repeat(decimals - digits.length + 1) + digits;
    digits = `${digits.slice(0, digits.length - decimals)}.${digits.slice(digits.length - decimals)}`;
  }
  return negative ? `-${digits}` : digits;
}
