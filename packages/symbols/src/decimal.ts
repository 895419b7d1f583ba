// The value from the default import (decimal.js's ESM build exports only that); the type by name, which
// resolves under every module setting a consumer may use (a default-imported type is a namespace under
// node16/nodenext, TS2709, or \`any\` with skipLibCheck).
import DecimalJs from 'decimal.js';
import type { Decimal } from 'decimal.js';

import { SymbolError, describeValue } from './symbol-error';

/** A price, quantity or increment as callers may give it. Numbers are read as JS prints them (`String(x)`). */
export type DecimalInput = number | string | Decimal;

/**
 * The Decimal constructor every calculation here uses (internal: not exported from the package). Its
 * precision is decimal.js's maximum, so sums, differences and products of in-range inputs are exact
 * (decimal.js's default of 20 significant digits would silently round them). Never divide with it except
 * to an integer quotient (`dividedToIntegerBy`): a non-terminating division would try to produce 1e9 digits.
 */
export const ExactDecimal: Decimal.Constructor = DecimalJs.clone({
  precision: 1e9,
  rounding: DecimalJs.ROUND_DOWN,
  toExpNeg: -9e15,
  toExpPos: 9e15,
});

/**
 * Inputs must be 0 or have a magnitude in [1e-400, 1e40): far beyond any price or quantity, wide enough
 * for every positive JS number below 1e40 (the smallest is 5e-324), and it bounds the work per call.
 * Checked on the exponent: a Decimal with exponent `e` lies in [10^e, 10^(e+1)).
 */
const largestExponent = 39;
const smallestExponent = -400;

/** Plain decimal notation with an optional exponent, as String(number) and Binance produce. No hex, no spaces. */
const decimalStringPattern = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function invalidNumber(name: string, value: unknown, why: string): SymbolError {
  return new SymbolError('INVALID_NUMBER', `Invalid ${name} ${describeValue(value)}: ${why}`, value);
}

/**
 * Converts a caller's value to an exact Decimal (an `ExactDecimal` instance), or throws `SymbolError` `INVALID_NUMBER` naming `name`.
 * Accepts finite non-negative numbers, decimal strings (`'0.1'`, `'1e-7'`) and Decimal instances;
 * rejects NaN, ±Infinity, negatives, empty or non-numeric strings and anything out of range.
 * A negative zero is read as zero.
 */
export function parseExactDecimal(value: DecimalInput, name = 'value'): Decimal {
  let decimal: Decimal;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalidNumber(name, value, 'expected a finite number.');
    decimal = new ExactDecimal(value);
  } else if (typeof value === 'string') {
    if (!decimalStringPattern.test(value)) {
      throw invalidNumber(name, value, "expected a decimal string such as '61000.5' or '1e-7'.");
    }
    decimal = new ExactDecimal(value);
  } else if (DecimalJs.isDecimal(value)) {
    if (!value.isFinite()) throw invalidNumber(name, value, 'expected a finite Decimal.');
    decimal = new ExactDecimal(value);
  } else {
    throw invalidNumber(name, value, 'expected a number, a decimal string or a Decimal.');
  }
  if (decimal.isZero()) return decimal.abs();
  if (decimal.isNegative()) throw invalidNumber(name, value, 'expected a value ≥ 0.');
  if (decimal.e > largestExponent || decimal.e < smallestExponent) {
    throw invalidNumber(name, value, 'expected 0 or a magnitude between 1e-400 and 1e40.');
  }
  return decimal;
}

/**
 * Converts a tick or step size to an exact, strictly positive Decimal, or throws `SymbolError`
 * `INVALID_INCREMENT` naming `name` (for zero, negative, non-numeric or out-of-range increments).
 */
export function parseExactIncrement(value: DecimalInput, name = 'increment'): Decimal {
  let decimal: Decimal;
  try {
    decimal = parseExactDecimal(value, name);
  } catch (error) {
    if (error instanceof SymbolError) {
      throw new SymbolError('INVALID_INCREMENT', error.message, value);
    }
    throw error;
  }
  if (decimal.isZero()) {
    throw new SymbolError(
      'INVALID_INCREMENT',
      `Invalid ${name} ${describeValue(value)}: expected a value > 0.`,
      value,
    );
  }
  return decimal;
}

/**
 * Validates a price, quantity or amount as every function here does (finite, ≥ 0, numeric, in range;
 * throws `SymbolError` `INVALID_NUMBER` naming `name`) and returns it as a decimal.js `Decimal` with the
 * library's default configuration. A number is read as JS prints it: `toDecimal(0.1 + 0.2)` is
 * 0.30000000000000004.
 */
export function toDecimal(value: DecimalInput, name = 'value'): Decimal {
  return new DecimalJs(parseExactDecimal(value, name));
}

/**
 * Validates a tick or step size as every function here does (a number > 0; throws `SymbolError`
 * `INVALID_INCREMENT` naming `name`) and returns it as a decimal.js `Decimal` (default configuration).
 */
export function toIncrement(value: DecimalInput, name = 'increment'): Decimal {
  return new DecimalJs(parseExactIncrement(value, name));
}
