/*
 * Input checks by hand, not zod: @bot/risk imports @bot/symbols at most (docs/ARCHITECTURE.md and the ESLint
 * boundary), so other bots get the risk rules without zod's weight, and each check answers a RiskInputError
 * with a stable code, on the per-decision path.
 */
import { RiskInputError, describeValue } from './risk-input-error';
import type { RiskInputErrorCode } from './risk-input-error';

/** Which way a position points. */
export type Side = 'long' | 'short';

/** Every `Side`. */
export const sides: readonly Side[] = Object.freeze(['long', 'short'] as const);

/** 2000-01-01T00:00:00Z and 2100-01-01T00:00:00Z: a `now` outside is seconds, micro- or nanoseconds, or garbage. */
export const earliestTime = 946_684_800_000;
export const latestTime = 4_102_444_800_000;

/** Throws unless `value` is a plain (non-null, non-array) object; `what` names it in the message. */
export function requireObject(value: unknown, what: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RiskInputError(
      'INVALID_ARGUMENT',
      `Invalid ${what} ${describeValue(value)}: expected an object.`,
      value,
    );
  }
}

/** A finite number > 0, or a `RiskInputError` with `code` naming `name`. */
export function requirePositive(value: unknown, name: string, code: RiskInputErrorCode): number {
  if (typeof value !== 'number' || !(value > 0) || value === Infinity) {
    throw new RiskInputError(
      code,
      `Invalid ${name} ${describeValue(value)}: expected a finite number > 0.`,
      value,
    );
  }
  return value;
}

/** The largest amount of money (equity, PnL) accepted: 10^15 quote units, far beyond any account. */
export const largestMoney = 1e15;

/** An amount of money in (0, 10^15], or a `RiskInputError` with `code` naming `name`. */
export function requireMoney(value: unknown, name: string, code: RiskInputErrorCode): number {
  if (typeof value !== 'number' || !(value > 0 && value <= largestMoney)) {
    throw new RiskInputError(
      code,
      `Invalid ${name} ${describeValue(value)}: expected a finite number > 0 and at most 1e15.`,
      value,
    );
  }
  return value;
}

/**
 * Throws `INVALID_ARGUMENT` for a key of `input` that is not in `known`: a misspelt optional cap
 * (`maxNotionl`) must not be ignored.
 */
export function rejectUnknownKeys(input: object, known: ReadonlySet<string>, what: string): void {
  for (const key in input) {
    if (!known.has(key)) {
      throw new RiskInputError(
        'INVALID_ARGUMENT',
        `Unknown ${what} field ${describeValue(key)}: expected ${[...known].join(', ')}.`,
        key,
      );
    }
  }
}

/** A finite number in [0, maximum], or a `RiskInputError` with `code` naming `name`. */
export function requireFractionUpTo(
  value: unknown,
  name: string,
  maximum: number,
  code: RiskInputErrorCode,
): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= maximum)) {
    throw new RiskInputError(
      code,
      `Invalid ${name} ${describeValue(value)}: expected a fraction from 0 to ${maximum} (fractions: 0.0005 = 0.05 %).`,
      value,
    );
  }
  return value === 0 ? 0 : value;
}

/** `'long'` or `'short'`, or `INVALID_SIDE`. */
export function requireSide(value: unknown): Side {
  if (value !== 'long' && value !== 'short') {
    throw new RiskInputError(
      'INVALID_SIDE',
      `Invalid side ${describeValue(value)}: expected 'long' or 'short'.`,
      value,
    );
  }
  return value;
}

/** An integer epoch-milliseconds time from 2000 to 2100, or `INVALID_TIME`. */
export function requireTime(value: unknown, name = 'now'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < earliestTime || value >= latestTime) {
    throw new RiskInputError(
      'INVALID_TIME',
      `Invalid ${name} ${describeValue(value)}: expected integer epoch milliseconds between 2000-01-01 and 2100-01-01 UTC (e.g. 1714521600000).`,
      value,
    );
  }
  return value;
}

/** A non-empty string, or `INVALID_SYMBOL`. */
export function requireSymbol(value: unknown, name = 'symbol'): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new RiskInputError(
      'INVALID_SYMBOL',
      `Invalid ${name} ${describeValue(value)}: expected a non-empty symbol such as 'BTC/USDC:USDC' or 'BTCUSDC'.`,
      value,
    );
  }
  return value;
}

/**
 * The exchange-id form of a symbol, so that `'BTC/USDC:USDC'` and `'BTCUSDC'` name the same market:
 * a unified symbol loses its `:SETTLE` suffix and its slash; anything else is kept as given.
 */
export function symbolKey(symbol: string): string {
  const slash = symbol.indexOf('/');
  if (slash === -1) return symbol;
  const colon = symbol.indexOf(':', slash);
  return symbol.slice(0, slash) + symbol.slice(slash + 1, colon === -1 ? symbol.length : colon);
}

/** True when two symbols name the same market in either notation. */
export function sameSymbol(left: string, right: string): boolean {
  return left === right || symbolKey(left) === symbolKey(right);
}

/** A number for a message: 12 significant digits, so float noise (`0.30000000000000004`) does not show. */
export function shown(value: number): string {
  return String(Number(value.toPrecision(12)));
}
