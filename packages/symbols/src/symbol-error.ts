/**
 * Stable machine-readable reasons a `SymbolError` is thrown. Match on `error.code`, never on the
 * message: messages name the bad value and what was expected, and may be reworded.
 */
export type SymbolErrorCode =
  /** A unified symbol, exchange id or asset code is malformed (empty, lower case, spot, dated, ...). */
  | 'INVALID_SYMBOL'
  /** The quote or settle asset is not one this package knows (`USDC`, `USDT`), or settle differs from quote. */
  | 'UNSUPPORTED_QUOTE'
  /** A price, quantity or amount is NaN, infinite, negative, non-numeric or outside the supported range. */
  | 'INVALID_NUMBER'
  /** A tick size or step size is zero, negative or otherwise unusable as a grid increment. */
  | 'INVALID_INCREMENT'
  /** A market object lacks what an instrument needs (symbol, id, tick size, step size) or contradicts itself. */
  | 'INVALID_MARKET'
  /** Any other argument is invalid (an unknown rounding mode or order type, a non-object, ...). */
  | 'INVALID_ARGUMENT';

/** Every `SymbolErrorCode`, for exhaustive checks and documentation. */
export const symbolErrorCodes: readonly SymbolErrorCode[] = [
  'INVALID_SYMBOL',
  'UNSUPPORTED_QUOTE',
  'INVALID_NUMBER',
  'INVALID_INCREMENT',
  'INVALID_MARKET',
  'INVALID_ARGUMENT',
];

/** The one error class this package throws. `value` is the offending input, as given. */
export class SymbolError extends Error {
  override readonly name = 'SymbolError';
  readonly code: SymbolErrorCode;
  readonly value: unknown;

  constructor(code: SymbolErrorCode, message: string, value?: unknown) {
    super(message);
    this.code = code;
    this.value = value;
  }
}

const longestShownString = 64;

/** Renders an input for an error message: strings quoted (and shortened), numbers as JS prints them. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > longestShownString ? `${value.slice(0, longestShownString)}…` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && typeof (value as { toString?: unknown }).toString === 'function') {
    try {
      const text = String(value);
      if (text !== '[object Object]') return `${text} (${value.constructor?.name ?? 'object'})`;
    } catch {
      // A toString that throws: fall through to the type.
    }
  }
  return `a value of type ${typeof value}`;
}
